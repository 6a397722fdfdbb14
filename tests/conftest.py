"""Shared personas, rooms and real services for the whole suite."""

from __future__ import annotations

import asyncio
import copy
import functools
import os
import threading
import uuid
import weakref

import pytest
import pytest_asyncio
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.backends.postgresql.operations import DatabaseOperations as PostgreSQLOperations
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.test import Client

from core import statements
from interview import services
from interview.models import Room
from problembank.bank import read_problem_bank
from problembank.models import Problem
from reports.models import Report
from tests import servers

PASSWORD = "a-long-test-password-42"


def pytest_configure(config):
    # Password hashing is deliberately slow; the suite creates many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Sign-in failure counts (accounts.backends) of one run must not lock a persona out in the
    # next, on a Redis that outlives runs.
    settings.CACHES["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4()}"
    PostgreSQLOperations.sql_flush = flush_by_delete


_truncate = PostgreSQLOperations.sql_flush


def flush_by_delete(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """What a transactional test's flush runs on PostgreSQL: a DELETE per table, not Django's
    TRUNCATE. The tables are nearly empty, and a TRUNCATE gives each of them and its indexes
    new files: 0.3 s per flush against 0.04 s, after every one of the suite's hundreds of
    transactional tests. The flush runs in one transaction and every foreign key is deferred,
    so the order of the tables does not matter."""
    if reset_sequences or allow_cascade:
        return _truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    delete = style.SQL_KEYWORD("DELETE FROM")
    return [f"{delete} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]


# Fixtures that start a server process or a browser.
SERVER_FIXTURES = {"app_url", "browser"}


def starts_servers(item) -> bool:
    return bool(item.get_closest_marker("browser") or item.get_closest_marker("integration"))


def pytest_collection_modifyitems(items):
    # Files of tests that start servers or browsers first: they are the long ones, and a
    # parallel run (make test runs xdist with --no-loadscope-reorder, so in this order) then
    # ends on short unit files that even out its workers, not on one worker's 80 s file.
    items.sort(key=lambda item: not starts_servers(item))
    for item in items:
        if not starts_servers(item) and SERVER_FIXTURES.intersection(item.fixturenames):
            # `make test-fast` leaves the marked ones out: it starts no server.
            raise pytest.UsageError(f"{item.nodeid} starts a server: mark it integration or browser")
        if item.get_closest_marker("asyncio"):
            item.fixturenames.append("_close_async_connections")


# Connections opened outside the main thread: by the worker threads an in-process consumer
# runs its queries in.
_thread_connections: weakref.WeakSet = weakref.WeakSet()


@receiver(connection_created)
def _remember_thread_connection(sender, connection, **kwargs):
    if threading.current_thread() is not threading.main_thread():
        _thread_connections.add(connection)


@pytest_asyncio.fixture
async def _close_async_connections():
    """What an async test's consumers leave open must close with the test: the sockets a
    failing test left connected (else closing its event loop waits on them for ever), and
    the database connections that would stop the test database being dropped: the pool they
    open in its event loop (on PostgreSQL), and their worker threads' connections, which
    Channels' test communicator keeps open by turning Django's closing of old connections
    off (channels.testing)."""
    yield
    from tests.helpers import disconnect_left_open  # tests.helpers imports this module

    await disconnect_left_open()
    await statements.close_pools()
    await asyncio.to_thread(_close_thread_connections)


def _close_thread_connections() -> None:
    while _thread_connections:
        wrapper = _thread_connections.pop()
        # Its thread is idle by now: the connection is closed from this one.
        wrapper.inc_thread_sharing()
        try:
            wrapper.close()
        finally:
            wrapper.dec_thread_sharing()


_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    # Under CI nothing may be skipped: a skip would hide a missing service or browser.
    if _skipped and os.environ.get("CI", "").lower() == "true":
        print(f"\nCI=true: {len(_skipped)} skipped test(s) count as failures: {', '.join(_skipped)}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@functools.cache
def bank() -> tuple[dict, ...]:
    """The shipped problem files, read once per test session."""
    return tuple(read_problem_bank(settings.BASE_DIR / "problems"))


def problem_data(**changes) -> dict:
    """The fields of a problem as a user writes them: a copy of the bank's ad problem, retitled."""
    fields = copy.deepcopy(next(p for p in bank() if p["slug"] == "ad-click-prediction"))
    del fields["slug"]
    return {**fields, "title": "Sponsored listings CTR", **changes}


# The bank's rows, built from the files once per test database into a table that no model
# owns (so the flush after a transactional test leaves it) and copied from there in one
# statement: building them for every test on a problem cost it 60 ms, a tenth of the workers'
# time in all.
BANK_ROWS = "test_bank_rows"


def _bank_columns() -> str:
    fields = Problem._meta.concrete_fields
    return ", ".join(connection.ops.quote_name(field.column) for field in fields if not field.primary_key)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic(), connection.cursor() as cursor:
        Problem.objects.bulk_create([Problem(**copy.deepcopy(fields)) for fields in bank()])
        cursor.execute(f"DROP TABLE IF EXISTS {BANK_ROWS}")
        # Names from the model and the constant above, no value: nothing to bind.
        cursor.execute(f"CREATE TABLE {BANK_ROWS} AS SELECT {_bank_columns()} FROM {Problem._meta.db_table}")  # noqa: S608
        Problem.objects.all().delete()


def bank_problem() -> Problem:
    """The bank written to the database; its video recommendation problem."""
    with connection.cursor() as cursor:
        columns = _bank_columns()
        cursor.execute(f"INSERT INTO {Problem._meta.db_table} ({columns}) SELECT {columns} FROM {BANK_ROWS}")  # noqa: S608
    return Problem.objects.get(slug="video-recommendation")


@pytest.fixture
def problem(db) -> Problem:
    """The video recommendation problem, with the rest of the bank beside it."""
    return bank_problem()


def user_named(username: str) -> User:
    return User.objects.create_user(username, password=PASSWORD)


@pytest.fixture
def interviewer(db) -> User:
    return user_named("ines")


@pytest.fixture
def candidate(db) -> User:
    return user_named("carl")


@pytest.fixture
def stranger(db) -> User:
    return user_named("sam")


@pytest.fixture
def room(problem, interviewer) -> Room:
    return services.room_create(problem=problem, interviewer=interviewer)


@pytest.fixture
def joined_room(room, candidate) -> Room:
    services.room_join(token=room.invite_token, user=candidate)
    room.refresh_from_db()
    return room


def finished_report(room: Room, by: User) -> Report:
    """An interviewer's report already built: a tiny PDF, without a worker."""
    return Report.objects.create(
        room=room,
        requested_by=by,
        variant=Report.Variant.INTERVIEWER,
        status=Report.Status.DONE,
        pdf=ContentFile(b"%PDF-1.4\n%%EOF\n", name="report.pdf"),
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def session_cookie(user: User) -> str:
    return client_for(user).cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture(scope="session")
def redis_url():
    """REDIS_URL when the environment names one; else a throwaway redis-server."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    with servers.throwaway_redis() as url:
        yield url


@pytest.fixture(scope="session")
def app_url(redis_url, django_db_setup, django_db_blocker):
    """The Procfile's web process on the Redis layer and the test database, for the session."""
    with django_db_blocker.unblock():
        database_url = servers.shared_database_url()
    with servers.asgi_server(redis_url=redis_url, database_url=database_url) as url:
        yield url
