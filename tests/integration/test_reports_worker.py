"""A real Celery worker builds a report asked for through the API, on both brokers."""

import time
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu import Connection
from pypdf import PdfReader

from interview import services
from reports import build
from reports.build import REPORT_LOST
from reports.models import Report
from reports.tasks import REPORT_GRACE_SECONDS, REPORT_TIME_LIMIT_SECONDS, report_build
from tests import servers
from tests.helpers import api_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# The embedded default's broker: kombu's filesystem transport under MOCKBOARD_VAR_DIR.
FILESYSTEM_BROKER = {
    "data_folder_in": str(settings.VAR_DIR / "celery" / "queue"),
    "data_folder_out": str(settings.VAR_DIR / "celery" / "queue"),
    "control_folder": str(settings.VAR_DIR / "celery" / "control"),
    "processed_folder": str(settings.VAR_DIR / "celery" / "processed"),
}


def wait_until_finished(report: Report, timeout: float = 60) -> Report:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in (Report.Status.DONE, Report.Status.FAILED):
            return report
        time.sleep(0.2)
    raise AssertionError(f"report still {report.status} after {timeout}s")


@pytest.fixture(scope="module")
def worker_on(redis_url, django_db_setup, django_db_blocker):
    """The module's Celery worker on a broker ("redis" or "filesystem"), started the first time
    a test asks for it: one per broker, as starting one takes seconds. Tests of what a worker
    does when it starts (or dies) start their own."""
    with django_db_blocker.unblock():
        database_url = servers.shared_database_url()
    with ExitStack() as stack:
        started = {}

        def worker(broker: str):
            if broker not in started:
                redis = redis_url if broker == "redis" else None
                started[broker] = stack.enter_context(servers.celery_worker(redis_url=redis, database_url=database_url))
            return started[broker]

        yield worker


def test_a_report_requested_through_the_api_is_built_by_a_worker(worker_on, joined_room, interviewer):
    services.feedback_set(room=joined_room, by=interviewer, summary="Worker-built summary")
    # The worker listens on the broker this process sends to: Redis when REDIS_URL is set
    # (as in CI), else the embedded default's filesystem broker.
    worker_on("redis" if settings.REDIS_URL else "filesystem")
    response = api_for(interviewer).post(f"/api/rooms/{joined_room.pk}/reports/", {}, format="json")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    report = wait_until_finished(Report.objects.get(pk=response.json()["id"]))
    assert report.status == "done", report.error
    listing = api_for(interviewer).get(f"/api/rooms/{joined_room.pk}/reports/").json()
    download = api_for(interviewer).get(listing[0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert "Worker-built summary" in " ".join(page.extract_text() for page in PdfReader(report.pdf.path).pages)


def send_build(broker: str, redis_url: str, report: Report, **options) -> None:
    """Queue the report's task on the given broker, whatever this process is configured for."""
    if broker == "redis":
        connection = Connection(redis_url)
    else:
        for folder in FILESYSTEM_BROKER.values():
            Path(folder).mkdir(parents=True, exist_ok=True)
        # A copy: kombu adds its own entries to the options it is given.
        connection = Connection("filesystem://", transport_options=dict(FILESYSTEM_BROKER))
    with connection:
        report_build.apply_async(args=[report.pk], connection=connection, **options)


@pytest.mark.parametrize("broker", ["redis", "filesystem"])
def test_a_worker_builds_reports_on_either_broker(broker, worker_on, redis_url, joined_room, interviewer):
    report = Report.objects.create(room=joined_room, requested_by=interviewer, variant="interviewer")
    worker_on(broker)
    send_build(broker, redis_url, report)
    report = wait_until_finished(report)
    assert report.status == "done", report.error
    assert report.pdf.read(4) == b"%PDF"


@contextmanager
def report_row_held(report: Report):
    """Hold the report's row (the database on SQLite) from this test's own connection: a build
    that reaches its first write waits there until the block ends. A build made slow this way
    is slow by construction, whatever the machine's speed."""
    with transaction.atomic():
        Report.objects.select_for_update().get(pk=report.pk)
        yield


def wait_for_log(process, text: str, *, after: int = 0, timeout: float = 30) -> None:
    """Wait until the worker logs `text`, past the first `after` characters of its log."""
    deadline = time.monotonic() + timeout
    while text not in process.read_log()[after:]:
        assert time.monotonic() < deadline, f"the worker never logged {text!r}:\n{process.read_log()[-2000:]}"
        time.sleep(0.05)


@pytest.mark.parametrize("broker", ["redis", "filesystem"])
def test_a_worker_killed_mid_export_builds_the_report_when_it_starts_again(broker, redis_url, joined_room, interviewer):
    report = Report.objects.create(room=joined_room, requested_by=interviewer, variant="interviewer")
    # Marked running by the worker that died building it, as that worker leaves it.
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING)
    worker = {"redis_url": redis_url if broker == "redis" else None, "database_url": servers.shared_database_url()}
    with servers.celery_worker(**worker) as process:
        hostname = process.read_log().split("celery@", 1)[1].split()[0]
        with report_row_held(report):
            send_build(broker, redis_url, report)
            wait_for_log(process, "report_build")
            servers.kill_hard(process)
    Report.objects.filter(pk=report.pk).update(worker=f"celery@{hostname}")
    assert Report.objects.get(pk=report.pk).status == Report.Status.RUNNING
    with servers.celery_worker(**worker):
        report = wait_until_finished(report)
    assert report.status == "done", report.error
    assert report.pdf.read(4) == b"%PDF"


def test_a_report_whose_worker_never_returns_ends_failed_and_can_be_exported_again(redis_url, joined_room, interviewer):
    lost = Report.objects.create(
        room=joined_room,
        requested_by=interviewer,
        variant="interviewer",
        status=Report.Status.RUNNING,
        worker="celery@gone",
        started_at=timezone.now() - timedelta(seconds=REPORT_TIME_LIMIT_SECONDS + REPORT_GRACE_SECONDS + 1),
    )
    busy = Report.objects.create(
        room=joined_room,
        requested_by=interviewer,
        variant="interviewer",
        status=Report.Status.RUNNING,
        worker="celery@busy",
        started_at=timezone.now() - timedelta(seconds=REPORT_TIME_LIMIT_SECONDS),
    )
    with CaptureQueriesContext(connection) as queries:
        listing = api_for(interviewer).get(f"/api/rooms/{joined_room.pk}/reports/").json()
    by_id = {item["id"]: item for item in listing}
    assert (by_id[lost.pk]["status"], by_id[lost.pk]["error"]) == ("failed", REPORT_LOST)
    assert by_id[busy.pk]["status"] == "running"
    # The page polls this every second: a GET shows what it finds and never writes.
    writes = [q["sql"] for q in queries if q["sql"].lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert Report.objects.get(pk=lost.pk).status == Report.Status.RUNNING
    # A worker that starts records it; the one still within its time is left alone.
    worker = {"redis_url": redis_url, "database_url": servers.shared_database_url()}
    with servers.celery_worker(**worker):
        assert wait_until_finished(lost).error == REPORT_LOST
    assert Report.objects.get(pk=busy.pk).status == Report.Status.RUNNING
    assert api_for(interviewer).post(f"/api/rooms/{joined_room.pk}/reports/", {}, format="json").status_code == 202


# The hard limit is tried on the filesystem broker only: there the pool checks limits in a
# thread of its own, which kills at a hard limit set below the task's soft one; on Redis the
# event loop arms the hard limit only once the soft one has passed.
@pytest.mark.parametrize(("limit", "broker"), [("soft", "redis"), ("soft", "filesystem"), ("hard", "filesystem")])
def test_a_report_over_the_time_limit_is_stopped_and_the_worker_goes_on(
    limit, broker, worker_on, redis_url, joined_room, interviewer
):
    # The build waits on a row this test holds until the worker says the limit passed:
    # without a working limit it would never say so, and would end "done" once the row is free.
    slow = Report.objects.create(room=joined_room, requested_by=interviewer, variant="interviewer")
    limits = {"soft_time_limit": 0.5, "time_limit": 60} if limit == "soft" else {"time_limit": 0.5}
    small_room = services.room_create(problem=joined_room.problem, interviewer=interviewer)
    small = Report.objects.create(room=small_room, requested_by=interviewer, variant="interviewer")
    process = worker_on(broker)
    logged = len(process.read_log())
    with report_row_held(slow):
        send_build(broker, redis_url, slow, **limits)
        wait_for_log(process, "report_build", after=logged)
        wait_for_log(process, "time limit (0.5s) exceeded", after=logged)
    slow = wait_until_finished(slow)
    send_build(broker, redis_url, small)
    small = wait_until_finished(small)
    assert process.poll() is None
    assert (slow.status, slow.error) == ("failed", build.REPORT_TOO_SLOW)
    assert not slow.pdf
    assert small.status == "done", small.error
    assert small.pdf.read(4) == b"%PDF"
