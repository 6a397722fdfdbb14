"""Hot-path SQL, written once and run by either of two drivers.

A hot path (a participant's diagram op, a heartbeat) is a generator that yields `Statement`s
and receives each one's first row. On PostgreSQL each statement must be whole by itself: leave
the database consistent whether or not the next one ever runs (a write that depends on what
was read is made conditional on it still holding). `run` executes them on Django's connection,
inside the caller's transaction: REST, tests and SQLite use it, and on SQLite there always is
one. On PostgreSQL, the WebSocket consumer uses `run_async` instead, on a small psycopg pool in
the server's event loop, where each statement commits on its own. That saves a hop to a worker
thread and back, and the round trips of BEGIN and COMMIT, for every op: they cost more CPU
than the op itself (bench/README.md).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from channels.db import DatabaseSyncToAsync
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from psycopg.pq import TransactionStatus

Result = TypeVar("Result")
Statements = Generator["Statement", Any, Result]

# Connections per server process for run_async; the op itself holds one for a few ms.
POOL_SIZE = 4
POOL_APPLICATION_NAME = "mockboard event loop"
# With CONN_HEALTH_CHECKS, a pooled connection unused for this long is tested before use.
IDLE_CHECK_SECONDS = 10.0


@dataclass(frozen=True)
class Statement:
    sql: str
    params: list
    # Whether the generator is sent the statement's first row (None when there is none).
    fetch: bool = False


# Yielded by a hot path whose next statements must hold a row lock between them: from there on
# they run in one transaction, committed when the hot path returns (run already has one).
TRANSACTION = Statement("BEGIN", [])


def run(statements: Statements[Result]) -> Result:
    """Run the statements on Django's connection, in the caller's transaction."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        row = None
        try:
            while True:
                statement = statements.send(row)
                if statement is not TRANSACTION:
                    cursor.execute(statement.sql, statement.params)
                row = cursor.fetchone() if statement.fetch else None
        except StopIteration as done:
            return done.value


def async_available() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def database_sync_to_async(function):
    """Run `function` (which uses the database) in a worker thread. Not in Channels' default
    single shared thread: that queues every room's queries behind one another, and under
    load (100 rooms, 200 ops/s) latency grew without bound."""
    return DatabaseSyncToAsync(function, thread_sensitive=False)


async def run_now(statements: Statements[Result]) -> Result:
    """Run the statements outside any transaction of the caller's: in this event loop on
    PostgreSQL, otherwise in a worker thread on Django's connection, in one transaction."""
    if async_available():
        return await run_async(statements)
    return await database_sync_to_async(_run_atomic)(statements)


def _run_atomic(statements: Statements[Result]) -> Result:
    with transaction.atomic():
        return run(statements)


async def run_async(statements: Statements[Result]) -> Result:
    """Run the statements on a pooled connection, each committing on its own unless the hot
    path asks for a TRANSACTION (PostgreSQL only)."""
    pool = await _pool()
    async with pool.connection() as connection, connection.cursor() as cursor:
        row = None
        try:
            while True:
                statement = statements.send(row)
                await cursor.execute(statement.sql, statement.params)
                row = await cursor.fetchone() if statement.fetch else None
        except StopIteration as done:
            if connection.info.transaction_status == TransactionStatus.INTRANS:
                await connection.execute("COMMIT")
            return done.value
        except BaseException:
            if connection.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
                await connection.execute("ROLLBACK")
            raise


# One pool per event loop: a pool's connections belong to the loop that opened them. A
# server has one loop; a test's loop closes its pool itself (close_pools).
_pools: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}


async def _pool():
    loop = asyncio.get_running_loop()
    if loop not in _pools:
        # A task, so that ops arriving while the pool opens wait for the same one.
        _pools[loop] = loop.create_task(_open_pool())
    return await _pools[loop]


async def _open_pool():
    from psycopg_pool import AsyncConnectionPool

    database = connections[DEFAULT_DB_ALIAS]
    # Django's own connection parameters (its adapters too: JSON read as text, as its fields
    # expect), but psycopg's async cursor.
    params = {key: value for key, value in database.get_connection_params().items() if key != "cursor_factory"}
    # Named, so that pg_stat_activity tells these apart from the worker threads' connections.
    params.setdefault("application_name", POOL_APPLICATION_NAME)
    pool = AsyncConnectionPool(
        kwargs={**params, "autocommit": True},
        min_size=1,
        max_size=POOL_SIZE,
        open=False,
        check=_IdleCheck() if database.settings_dict["CONN_HEALTH_CHECKS"] else None,
    )
    await pool.open()
    return pool


class _IdleCheck:
    """Test a connection before use only if it has been idle a while: one that died then (the
    database restarted overnight, say) is replaced instead of failing an op. Testing on every
    use would cost each op another round trip, the way Django checks a connection only once
    per request rather than per query."""

    def __init__(self) -> None:
        self.last_used: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    async def __call__(self, connection) -> None:
        now = time.monotonic()
        if now - self.last_used.get(connection, 0.0) > IDLE_CHECK_SECONDS:
            await connection.execute("")
        self.last_used[connection] = now


async def close_pools() -> None:
    """Close this event loop's pool (a server shutting down, a test's loop ending)."""
    opening = _pools.pop(asyncio.get_running_loop(), None)
    if opening is not None:
        await (await opening).close()
