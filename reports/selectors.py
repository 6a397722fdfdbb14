"""Which reports a participant may read."""

from __future__ import annotations

from django.db.models import QuerySet

from interview.models import Role, Room
from interview.selectors import feedback_is_shared, kit_refusal
from reports.models import Report


def room_reports_for(room: Room, user) -> QuerySet[Report]:
    """The reports of `room` that `user` asked for, while they may still read them: the
    candidate's copies only while the feedback is shared (they hold the scores), the
    interviewer's not while the problem's kit is closed to them (they hold twists' adaptations)."""
    role = room.role_of(user)
    if role == Role.CANDIDATE and not feedback_is_shared(room):
        return Report.objects.none()
    if role == Role.INTERVIEWER and kit_refusal(user, room.problem):
        return Report.objects.none()
    return room.reports.filter(requested_by=user)
