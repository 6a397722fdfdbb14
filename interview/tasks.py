"""Background work for Celery: take ids, load, call a service, record the outcome."""

from __future__ import annotations

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import worker_init, worker_ready

from interview import services
from interview.models import REPORT_TIME_LIMIT_SECONDS


class ReportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # The hard limit: Celery calls this from the worker's main process once it has killed
        # the pool process that was stuck laying the report out. (The build records the soft one.)
        if isinstance(exc, TimeLimitExceeded):
            services.report_failed(report_id=args[0], error=services.REPORT_TOO_SLOW)


# A hard limit: a report that has not come out in two minutes never will, and it must not
# hold the worker. The soft limit stops a build that is still in Python code gently first.
@shared_task(
    bind=True, base=ReportTask, soft_time_limit=REPORT_TIME_LIMIT_SECONDS - 20, time_limit=REPORT_TIME_LIMIT_SECONDS
)
def report_build(self, report_id: int) -> None:
    # Any worker at work records the reports whose worker died and never came back.
    services.reports_give_up_stale()
    services.report_build(report_id=report_id, worker=self.request.hostname, time_limit=SoftTimeLimitExceeded)


@worker_init.connect
def load_the_report_builder(**kwargs) -> None:
    """Load WeasyPrint before the pool forks. Its import takes a second, which each pool
    process's first build would count against its time limit; and an import the limit cuts
    short leaves that process unable to build any report."""
    import interview.reports  # noqa: F401


@worker_ready.connect
def requeue_orphaned_reports(sender, **kwargs) -> None:
    """A worker killed mid-build leaves its report "running"; when it starts again, it queues
    that report once more, so the export completes instead of hanging. Reports that other,
    gone workers left are recorded as failed."""
    services.reports_give_up_stale()
    for report_id in services.reports_orphaned(worker=sender.hostname):
        report_build.delay(report_id)
