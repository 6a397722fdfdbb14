"""Background work for Celery: take ids, load, call a service, record the outcome."""

from __future__ import annotations

from celery import shared_task

from interview import services


# A hard limit: a report that has not come out in two minutes never will, and it must not
# hold the worker. The soft limit lets the task record why it failed first.
@shared_task(soft_time_limit=100, time_limit=120)
def report_build(report_id: int) -> None:
    services.report_build(report_id=report_id)
