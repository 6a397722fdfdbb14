"""Who may call what in the REST API: every route and method of the router against seven
people (anonymous, a signed-in stranger, staff, the room's candidate and interviewer, and the
candidate and interviewer of another room). A cell is refused when the answer is 401, 403 or
404, and allowed otherwise (a 400 for a body the test does not bother to complete still means
the caller got past the access check); no cell may answer 5xx. The test fails when the router
gains a route or method without a row."""

from __future__ import annotations

from rest_framework.test import APIClient

from mockboard.urls import router
from tests.interview.access import (
    BANK,
    CANDIDATE,
    INTERVIEWER,
    KIT_READERS,
    PARTICIPANTS,
    SIGNED_IN,
    client_as,
    matrix,
    url_for,
)

# (route name, method, URL arguments ("room", "own problem" and "report" are filled in), body,
# who may).
ROWS = [
    ("problem-list", "get", {}, None, SIGNED_IN),
    ("problem-list", "post", {}, {}, SIGNED_IN),
    ("problem-detail", "get", {"slug": BANK}, None, SIGNED_IN),
    # The bank's problems are nobody's to change; a private problem is its author's alone.
    ("problem-detail", "put", {"slug": BANK}, {}, set()),
    ("problem-detail", "delete", {"slug": BANK}, None, set()),
    ("problem-detail", "get", {"slug": "own problem"}, None, {INTERVIEWER}),
    ("problem-detail", "put", {"slug": "own problem"}, {}, {INTERVIEWER}),
    ("problem-detail", "delete", {"slug": "own problem"}, None, {INTERVIEWER}),
    ("room-list", "get", {}, None, SIGNED_IN),
    ("room-list", "post", {}, {}, SIGNED_IN),
    # A room shows its interviewer the kit.
    ("room-list", "post", {}, {"problem": BANK}, KIT_READERS),
    ("room-join", "post", {}, {}, SIGNED_IN),
    ("room-detail", "get", {"pk": "room"}, None, PARTICIPANTS),
    ("room-diagram", "get", {"pk": "room"}, None, PARTICIPANTS),
    ("room-diagram", "put", {"pk": "room"}, {"graph": {"schema": 1}, "base_version": 0}, PARTICIPANTS),
    ("room-diagram-download", "get", {"pk": "room", "file_format": "svg"}, None, PARTICIPANTS),
    ("room-diagram-download", "get", {"pk": "room", "file_format": "png"}, None, PARTICIPANTS),
    ("room-diagram-download", "get", {"pk": "room", "file_format": "dot"}, None, PARTICIPANTS),
    ("room-diagram-download", "get", {"pk": "room", "file_format": "json"}, None, PARTICIPANTS),
    # The candidate reads feedback only once it is shared (it is not here).
    ("room-feedback", "get", {"pk": "room"}, None, {INTERVIEWER}),
    ("room-feedback", "patch", {"pk": "room"}, {"summary": "Clear"}, {INTERVIEWER}),
    ("room-feedback-share", "post", {"pk": "room"}, None, {INTERVIEWER}),
    ("room-feedback-share", "post", {"pk": "room"}, {"review": True}, {INTERVIEWER}),
    ("room-feedback-share", "delete", {"pk": "room"}, None, {INTERVIEWER}),
    ("room-invite", "post", {"pk": "room"}, None, {INTERVIEWER}),
    ("room-invite", "delete", {"pk": "room"}, None, {INTERVIEWER}),
    ("room-notes", "put", {"pk": "room", "kind": "candidate"}, {"text": "mine"}, {CANDIDATE}),
    ("room-notes", "put", {"pk": "room", "kind": "interviewer"}, {"text": "private"}, {INTERVIEWER}),
    ("room-phases", "put", {"pk": "room"}, {"phases": [{"name": "All", "minutes": 45}]}, {INTERVIEWER}),
    # Each participant downloads only the copies they asked for; this one is the interviewer's.
    # The candidate replays the session once it has ended (it has not here).
    ("room-replay", "get", {"pk": "room"}, None, {INTERVIEWER}),
    # Before the end both are told "once it has ended" (400): not a refusal of them.
    ("room-swap", "post", {"pk": "room"}, None, PARTICIPANTS),
    ("room-schedule", "put", {"pk": "room"}, {"scheduled_at": None}, {INTERVIEWER}),
    ("room-replay-diagram", "get", {"pk": "room"}, None, {INTERVIEWER}),
    # The design review reads the diagram against the reference: the candidate's only once
    # shared with the feedback (it is not here).
    ("room-review", "get", {"pk": "room"}, None, {INTERVIEWER}),
    ("room-report-download", "get", {"pk": "room", "report_id": "report"}, None, {INTERVIEWER}),
    ("room-reports", "get", {"pk": "room"}, None, PARTICIPANTS),
    # The candidate may export only once feedback is shared.
    ("room-reports", "post", {"pk": "room"}, {}, {INTERVIEWER}),
    ("room-score", "put", {"pk": "room", "dimension": "requirements"}, {"level": 2}, {INTERVIEWER}),
    # Before the end the candidate hears "not yet" (400), which is not a refusal of them.
    ("room-self-assessment", "put", {"pk": "room", "dimension": "requirements"}, {"level": 3}, {CANDIDATE}),
    ("room-timer", "post", {"pk": "room"}, {"action": "start"}, {INTERVIEWER}),
    ("room-twists", "post", {"pk": "room"}, {"key": "kids-profiles"}, {INTERVIEWER}),
]


def test_every_route_and_method_of_the_api_has_a_row():
    routes = {
        (url.name, method)
        for url in router.urls
        if getattr(url.callback, "actions", None)
        for method in url.callback.actions
        # DRF answers HEAD wherever it answers GET, with the same checks.
        if method != "head"
    }
    assert routes == {(name, method) for name, method, _, _, _ in ROWS}


@matrix(ROWS)
def test_each_call_is_refused_exactly_to_whom_it_should_be(shared_world, who, name, method, arguments, body, allowed):
    people, values = shared_world
    client = client_as(APIClient(), who, people)
    response = getattr(client, method)(url_for(f"api:{name}", arguments, values), body, format="json")
    assert response.status_code < 500, response.content
    refused = response.status_code in {401, 403, 404}
    assert refused == (who not in allowed), (response.status_code, response.content[:300])
