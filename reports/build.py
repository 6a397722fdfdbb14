"""The worker's side of a report: build its PDF, and record once, here, any report that
could not be built and why."""

from __future__ import annotations

from datetime import datetime

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from psycopg.pq import TransactionStatus

from reports.models import Report

REPORT_LOST = "the worker building this report stopped; export again"
REPORT_TOO_SLOW = "building this report took too long and was stopped; a smaller diagram builds faster"


def report_build(*, report_id: int, worker: str = "", time_limit: type[Exception] | None = None) -> Report:
    """Build a queued report's PDF; a failure is recorded on the report, with its reason.
    `time_limit` is the exception the caller's time limit raises inside the build."""
    report = Report.objects.select_related("room__problem", "room__interviewer", "room__candidate").get(pk=report_id)
    if report.status == Report.Status.DONE:
        return report  # a redelivered task message for a report already built
    try:
        # Inside the try, as all of the build: a time limit that strikes while this waits for
        # the row is recorded like one that strikes later. A report recorded failed meanwhile
        # (a hard limit that could not stop this process while it waited) stays failed.
        started = (
            Report.objects.filter(pk=report.pk)
            .exclude(status=Report.Status.FAILED)
            .update(status=Report.Status.RUNNING, worker=worker, started_at=timezone.now())
        )
        if not started:
            return report
        from reports.pdf import report_pdf  # WeasyPrint is heavy: only workers load it

        pdf = report_pdf(report)
    except Exception as error:  # the reason is shown to the user, who can retry
        too_slow = time_limit is not None and isinstance(error, time_limit)
        _abandon_interrupted_query()
        report_failed(report_id=report.pk, error=REPORT_TOO_SLOW if too_slow else f"{type(error).__name__}: {error}")
        raise
    report.pdf.save(f"{report.room.problem.slug}-{report.pk}.pdf", ContentFile(pdf), save=False)
    report.status = Report.Status.DONE
    report.error = ""
    report.finished_at = timezone.now()
    report.save(update_fields=["pdf", "status", "error", "finished_at"])
    return report


def _abandon_interrupted_query() -> None:
    """A time limit can strike while a query waits (for a row lock, say). psycopg then leaves
    the connection busy with it, and the next query fails with "another command is already in
    progress": cancel it on the server and start a fresh connection, so that the failure can
    still be recorded."""
    raw = connection.connection
    if (
        connection.vendor == "postgresql"
        and raw is not None
        and raw.info.transaction_status == TransactionStatus.ACTIVE
    ):
        raw.cancel_safe()
        connection.close()


def report_failed(*, report_id: int, error: str) -> None:
    """Record why a report could not be built; the user sees it and can export again."""
    _record_failure(Report.objects.filter(pk=report_id), error)


def _record_failure(reports: QuerySet[Report], error: str, now: datetime | None = None) -> int:
    """The one write of a failure, whatever stopped the build: an error in it, its time limit,
    or its worker gone."""
    return reports.update(status=Report.Status.FAILED, error=error[:2000], finished_at=now or timezone.now())


def reports_orphaned(*, worker: str) -> list[int]:
    """Reports that `worker` was building when it died: queued again, their ids returned."""
    with transaction.atomic():
        orphans = list(
            Report.objects.select_for_update()
            .filter(status=Report.Status.RUNNING, worker=worker)
            .values_list("pk", flat=True)
        )
        Report.objects.filter(pk__in=orphans).update(status=Report.Status.QUEUED, worker="", started_at=None)
    return orphans


def reports_give_up_stale(*, lost_before: datetime) -> int:
    """Mark failed the reports "running" since before `lost_before` (reports.tasks knows how long
    a build can take): their worker died and has not come back. The user sees why and can
    export again."""
    return _record_failure(Report.objects.lost(lost_before), REPORT_LOST)
