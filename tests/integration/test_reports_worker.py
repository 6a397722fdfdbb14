"""A real Celery worker builds a report asked for through the API, on both brokers."""

import time
from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection
from pypdf import PdfReader

from interview import services
from interview.models import Report
from interview.tasks import report_build
from tests import servers
from tests.interview.test_api import api_for

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


def test_a_report_requested_through_the_api_is_built_by_a_worker(joined_room, interviewer):
    services.feedback_set(room=joined_room, by=interviewer, summary="Worker-built summary")
    # The worker listens on the broker this process sends to: Redis when REDIS_URL is set
    # (as in CI), else the embedded default's filesystem broker.
    with servers.celery_worker(redis_url=settings.REDIS_URL or None, database_url=servers.shared_database_url()):
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


@pytest.mark.parametrize("broker", ["redis", "filesystem"])
def test_a_worker_builds_reports_on_either_broker(broker, redis_url, joined_room, interviewer):
    report = Report.objects.create(room=joined_room, requested_by=interviewer, variant="interviewer")
    worker_redis = redis_url if broker == "redis" else None
    with servers.celery_worker(redis_url=worker_redis, database_url=servers.shared_database_url()):
        if broker == "redis":
            connection = Connection(redis_url)
        else:
            for folder in FILESYSTEM_BROKER.values():
                Path(folder).mkdir(parents=True, exist_ok=True)
            connection = Connection("filesystem://", transport_options=FILESYSTEM_BROKER)
        with connection:
            report_build.apply_async(args=[report.pk], connection=connection)
        report = wait_until_finished(report)
    assert report.status == "done", report.error
    assert report.pdf.read(4) == b"%PDF"
