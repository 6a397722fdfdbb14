"""The REST API against its own OpenAPI schema, with schemathesis, on the real web process:
whatever a client sends within (or outside) the schema, the answer is never a 5xx, its
status code is one the schema lists, and its body matches the schema for that status.

Each generated request is made by the interviewer or the candidate of a fresh room, so that
it reaches the services rather than a 404; SCHEMA_EXAMPLES sets how many per operation.
"""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from interview import services
from interview.models import Room
from problembank import services as problembank_services
from reports.models import Report
from tests.conftest import finished_report, problem_data

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("SCHEMA_EXAMPLES", "15"))
# Not negative_data_rejection: DRF reads a number sent for a text field as its digits, and
# an empty form field as the field left out, which we keep.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def load_schema(app_url: str, *, coverage: bool):
    """The schema the web process serves. The coverage phase tries every boundary of every
    field (a few hundred requests for a problem); the fuzzing phase, random requests."""
    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": coverage}}})
    return schemathesis.openapi.from_url(f"{app_url}/api/schema/?format=json", config=config)


@pytest.fixture
def api_schema(app_url):
    return load_schema(app_url, coverage=True)


@pytest.fixture
def api_schema_fuzzed(app_url):
    return load_schema(app_url, coverage=False)


@pytest.fixture
def seats(problem, interviewer, candidate) -> dict:
    """What each request needs: both people with their API tokens, a problem of the
    interviewer's own (the bank's cannot be changed) and their room for requests that read."""
    seats = {
        "interviewer": interviewer,
        "candidate": candidate,
        "tokens": {user: Token.objects.create(user=user).key for user in (interviewer, candidate)},
        "own": problembank_services.problem_save(
            by=interviewer, data=problem_data(slug="ines-own", title="Ines's own")
        ),
        "problem": problem,
    }
    seats["room"] = room_with_report(seats)
    # Rooms no request has changed yet, by whether they have a report: see call_as.
    seats["spares"] = {}
    return seats


def room_with_report(seats: dict) -> tuple[Room, Report]:
    """A room with both seats taken and a finished report."""
    room = joined_room(seats)
    return room, finished_report(room, seats["interviewer"])


def joined_room(seats: dict) -> Room:
    room = services.room_create(problem=seats["problem"], interviewer=seats["interviewer"])
    return services.room_join(token=room.invite_token, user=seats["candidate"])


def call_as(who: str, case, app_url: str, seats: dict) -> None:
    """Make the generated request as `who` and check the answer. A request that may change
    a room gets one that no request has changed, so that none finds the room as an earlier
    request left it (ended, say). A refused request changes nothing, so its room is kept for
    the next; what a request that was carried out made or changed is deleted, so that the
    room list stays short."""
    changes = case.method.upper() != "GET"
    room, report = seats["room"]
    spare = None
    if changes and "{id}" in case.path:
        # A report only where the path names one (a method the route refuses, say).
        spare = "{report_id}" in case.path
        if spare in seats["spares"]:
            room, report = seats["spares"].pop(spare)
        else:
            room, report = room_with_report(seats) if spare else (joined_room(seats), report)
    real = {"id": str(room.pk), "report_id": str(report.pk), "slug": seats["own"].slug}
    for name in case.path_parameters or {}:
        if name in real:
            case.path_parameters[name] = real[name]
    token = seats["tokens"][seats[who]]
    refused = False
    try:
        with requests.Session() as session:
            response = case.call_and_validate(
                base_url=app_url, session=session, headers={"Authorization": f"Token {token}"}, checks=CHECKS
            )
        refused = response.status_code >= 400
    finally:
        if refused and spare is not None:
            seats["spares"][spare] = room, report
        elif changes and not refused:
            kept = [seats["room"][0].pk, *(kept_room.pk for kept_room, _ in seats["spares"].values())]
            Room.objects.filter(interviewer=seats["interviewer"]).exclude(pk__in=kept).delete()


schema = schemathesis.pytest.from_fixture("api_schema")
# The boundaries of each field are the same whoever sends them: the interviewer's run has them.
fuzzed_schema = schemathesis.pytest.from_fixture("api_schema_fuzzed")
fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@pytest.mark.timeout(600)
@schema.parametrize()
@fuzz
def test_the_interviewer_gets_only_answers_the_schema_promises(case, app_url, seats):
    call_as("interviewer", case, app_url, seats)


# Signing in and problems are the same for anyone signed in: the interviewer's run has them.
@pytest.mark.timeout(600)
@fuzzed_schema.exclude(path_regex="^/api/(auth|problems)/").parametrize()
@fuzz
def test_the_candidate_gets_only_answers_the_schema_promises(case, app_url, seats):
    call_as("candidate", case, app_url, seats)
