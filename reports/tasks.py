"""Background work for Celery: take ids, load, call a service, record the outcome."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import worker_init, worker_ready
from django.utils import timezone

from reports import build

# A hard limit: a report that has not come out in two minutes never will, and it must not
# hold the worker. The soft limit stops a build that is still in Python code gently first.
REPORT_TIME_LIMIT_SECONDS = 120
REPORT_SOFT_TIME_LIMIT_SECONDS = REPORT_TIME_LIMIT_SECONDS - 20
# A report "running" for longer than the hard limit and this lost its worker.
REPORT_GRACE_SECONDS = 60


def lost_before(now: datetime) -> datetime:
    """A report still "running" that started before this lost its worker: past the task's
    hard time limit, and a grace period, it cannot still be building."""
    return now - timedelta(seconds=REPORT_TIME_LIMIT_SECONDS + REPORT_GRACE_SECONDS)


class ReportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # The hard limit: Celery calls this from the worker's main process once it has killed
        # the pool process that was stuck laying the report out. (The build records the soft one.)
        if isinstance(exc, TimeLimitExceeded):
            build.report_failed(report_id=args[0], error=build.REPORT_TOO_SLOW)


@shared_task(
    bind=True, base=ReportTask, soft_time_limit=REPORT_SOFT_TIME_LIMIT_SECONDS, time_limit=REPORT_TIME_LIMIT_SECONDS
)
def report_build(self, report_id: int) -> None:
    # Any worker at work records the reports whose worker died and never came back.
    build.reports_give_up_stale(lost_before=lost_before(timezone.now()))
    build.report_build(report_id=report_id, worker=self.request.hostname, time_limit=SoftTimeLimitExceeded)


@worker_init.connect
def load_the_report_builder(**kwargs) -> None:
    """Load WeasyPrint before the pool forks. Its import takes a second, which each pool
    process's first build would count against its time limit; and an import the limit cuts
    short leaves that process unable to build any report."""
    import reports.pdf  # noqa: F401


@worker_ready.connect
def requeue_orphaned_reports(sender, **kwargs) -> None:
    """A worker killed mid-build leaves its report "running"; when it starts again, it queues
    that report once more, so the export completes instead of hanging. Reports that other,
    gone workers left are recorded as failed."""
    build.reports_give_up_stale(lost_before=lost_before(timezone.now()))
    for report_id in build.reports_orphaned(worker=sender.hostname):
        report_build.delay(report_id)
