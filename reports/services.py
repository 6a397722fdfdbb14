"""The web's side of a report: who may ask for which copy, and queueing its build."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core.errors import Forbidden, Invalid
from interview.models import Role, Room
from interview.selectors import feedback_is_shared, kit_refusal
from reports.models import Report
from reports.tasks import report_build


def report_request(*, room: Room, by: AbstractBaseUser, paper: str = Report.Paper.A4) -> Report:
    """Queue a PDF report: the interviewer's copy (with private notes) for the interviewer, the
    candidate's copy for the candidate, who may ask only once feedback is shared."""
    role = room.role_of(by)
    if role is None:
        raise Forbidden("only the room's participants can export a report")
    if role == Role.CANDIDATE and not feedback_is_shared(room):
        raise Forbidden("the report opens to you once the interviewer shares feedback")
    if role == Role.INTERVIEWER and (refusal := kit_refusal(by, room.problem)):
        raise Forbidden(f"the interviewer's report holds the problem's kit, and {refusal}")
    if paper not in Report.Paper.values:
        raise Invalid(f"must be one of {', '.join(Report.Paper.values)}", field="paper")
    with transaction.atomic():
        report = Report.objects.create(room=room, requested_by=by, variant=role.value, paper=paper)
        # On commit, so the worker never looks for a row that is not there yet.
        transaction.on_commit(lambda: report_build.delay(report.pk))
    return report
