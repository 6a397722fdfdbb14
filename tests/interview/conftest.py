"""The world of the access matrices (test_access_*.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from interview import services
from problembank import services as problembank_services
from tests.conftest import PASSWORD, finished_report, problem_data
from tests.interview.access import CANDIDATE, INTERVIEWER, OTHER_CANDIDATE, OTHER_INTERVIEWER, STAFF, STRANGER


@pytest.fixture
def world(joined_room, interviewer, candidate, problem):
    """The room, its two people, another room's two, a stranger, staff, a private problem of
    the interviewer's and a finished report the interviewer asked for."""
    people = {CANDIDATE: candidate, INTERVIEWER: interviewer}
    for who, name in ((STRANGER, "sam"), (STAFF, "stella"), (OTHER_INTERVIEWER, "olga"), (OTHER_CANDIDATE, "omar")):
        people[who] = User.objects.create_user(name, password=PASSWORD, is_staff=who == STAFF)
    other = services.room_create(problem=problem, interviewer=people[OTHER_INTERVIEWER])
    services.room_join(token=other.invite_token, user=people[OTHER_CANDIDATE])
    own = problembank_services.problem_save(
        by=interviewer, data=problem_data(slug="ines-private", title="Ines's own problem")
    )
    report = finished_report(joined_room, interviewer)
    values = {
        "room": str(joined_room.pk),
        "own problem": own.slug,
        "report": str(report.pk),
        "invite": joined_room.invite_token,
    }
    return people, values
