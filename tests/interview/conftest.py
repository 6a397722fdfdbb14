"""The world of the access matrices (test_access_*.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from interview import services
from problembank import services as problembank_services
from tests.conftest import PASSWORD, bank_problem, finished_report, problem_data, user_named
from tests.interview.access import CANDIDATE, INTERVIEWER, OTHER_CANDIDATE, OTHER_INTERVIEWER, STAFF, STRANGER


def _build_world(joined_room, interviewer, candidate, problem):
    """The room (scheduled), its two people, another room's two, a stranger, staff, a private
    problem of the interviewer's and a finished report the interviewer asked for."""
    people = {CANDIDATE: candidate, INTERVIEWER: interviewer}
    for who, name in ((STRANGER, "sam"), (STAFF, "stella"), (OTHER_INTERVIEWER, "olga"), (OTHER_CANDIDATE, "omar")):
        people[who] = User.objects.create_user(name, password=PASSWORD, is_staff=who == STAFF)
    other = services.room_create(problem=problem, interviewer=people[OTHER_INTERVIEWER])
    services.room_join(token=other.invite_token, user=people[OTHER_CANDIDATE])
    own = problembank_services.problem_save(
        by=interviewer, data=problem_data(slug="ines-private", title="Ines's own problem")
    )
    report = finished_report(joined_room, interviewer)
    # Scheduled, so that its calendar file exists.
    services.room_schedule(room=joined_room, by=interviewer, at=timezone.now() + timedelta(days=1))
    values = {
        "room": str(joined_room.pk),
        "own problem": own.slug,
        "report": str(report.pk),
        "invite": joined_room.invite_token,
    }
    return people, values


@pytest.fixture
def world(joined_room, interviewer, candidate, problem):
    return _build_world(joined_room, interviewer, candidate, problem)


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """The same world, built once for a module's whole matrix rather than for each of its
    hundreds of cells. It is made inside a transaction that each test's own nests in (as a
    savepoint), so whatever a cell writes is undone before the next one starts, and the
    world itself is rolled back after the module. For tests without transaction=True only."""
    with django_db_blocker.unblock(), transaction.atomic():
        problem = bank_problem()
        interviewer, candidate = user_named("ines"), user_named("carl")
        room = services.room_create(problem=problem, interviewer=interviewer)
        joined = services.room_join(token=room.invite_token, user=candidate)
        yield _build_world(joined, interviewer, candidate, problem)
        transaction.set_rollback(True)
