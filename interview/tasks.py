"""Background work for Celery: take ids, load, call a service, record the outcome."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from interview import services
from interview.models import REPORT_TIME_LIMIT_SECONDS


# A hard limit: a report that has not come out in two minutes never will, and it must not
# hold the worker. The soft limit lets the task record why it failed first.
@shared_task(bind=True, soft_time_limit=REPORT_TIME_LIMIT_SECONDS - 20, time_limit=REPORT_TIME_LIMIT_SECONDS)
def report_build(self, report_id: int) -> None:
    services.report_build(report_id=report_id, worker=self.request.hostname)


@worker_ready.connect
def requeue_orphaned_reports(sender, **kwargs) -> None:
    """A worker killed mid-build leaves its report "running"; when it starts again, it queues
    that report once more, so the export completes instead of hanging."""
    for report_id in services.reports_orphaned(worker=sender.hostname):
        report_build.delay(report_id)
