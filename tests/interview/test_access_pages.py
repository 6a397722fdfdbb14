"""Who may open or post to each page, the API's other endpoints and the room's downloads
beside the router (tests/interview/test_access_api.py has the router's). The same seven people;
a cell is refused when the answer is 401, 403 or 404, a redirect to sign in, or a page that
puts up an error message (a room action the services refuse sends you back to the room with
one). The test fails when the URL conf gains a route without a row; of Django's admin, staff-only
by Django's own checks, two pages have rows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.interview.access import (
    BANK,
    INTERVIEWER,
    KIT_READERS,
    PARTICIPANTS,
    PEOPLE,
    SIGNED_IN,
    STAFF,
    client_as,
    matrix,
    url_for,
)

EVERYONE = set(PEOPLE)

# (route name, method, URL arguments, form body, who may).
ROWS = [
    ("home", "get", {}, None, EVERYONE),
    ("signup", "get", {}, None, EVERYONE),
    ("signup", "post", {}, {}, EVERYONE),
    ("login", "get", {}, None, EVERYONE),
    ("login", "post", {}, {}, EVERYONE),
    ("logout", "post", {}, {}, EVERYONE),
    ("problem-list", "get", {}, None, SIGNED_IN),
    ("problem-new", "get", {}, None, SIGNED_IN),
    ("problem-new", "post", {}, {}, SIGNED_IN),
    # "Make my version" copies the whole kit.
    ("problem-new", "get", {}, {"from": BANK}, KIT_READERS),
    ("problem-edit", "get", {"slug": "own problem"}, None, {INTERVIEWER}),
    ("problem-edit", "post", {"slug": "own problem"}, {}, {INTERVIEWER}),
    ("problem-edit", "get", {"slug": BANK}, None, set()),
    ("problem-delete", "post", {"slug": "own problem"}, {}, {INTERVIEWER}),
    ("problem-delete", "post", {"slug": BANK}, {}, set()),
    ("problem-reference-svg", "get", {"slug": BANK}, None, KIT_READERS),
    ("problem-reference-svg", "get", {"slug": "own problem"}, None, {INTERVIEWER}),
    ("room-list", "get", {}, None, SIGNED_IN),
    ("progress", "get", {}, None, SIGNED_IN),
    # A room shows its interviewer the kit.
    ("room-create", "post", {}, {"problem": BANK}, KIT_READERS),
    ("room-detail", "get", {"room_id": "room"}, None, PARTICIPANTS),
    # The candidate replays once the interview has ended (it has not here).
    ("room-replay", "get", {"room_id": "room"}, None, {INTERVIEWER}),
    # Before the end a participant is sent back to the room with the reason.
    ("room-swap", "post", {"room_id": "room"}, {}, set()),
    ("room-schedule", "post", {"room_id": "room"}, {"scheduled_at": "2026-12-24T10:00:00+01:00"}, {INTERVIEWER}),
    # Scheduled in the shared world, the calendar carries the invite link: the interviewer's.
    ("room-calendar", "get", {"room_id": "room"}, None, {INTERVIEWER}),
    ("room-invite-reissue", "post", {"room_id": "room"}, {}, {INTERVIEWER}),
    ("room-invite-revoke", "post", {"room_id": "room"}, {}, {INTERVIEWER}),
    ("room-candidate-remove", "post", {"room_id": "room"}, {}, {INTERVIEWER}),
    # Anyone signed in may open an invite link: a taken seat says so (409).
    ("invite", "get", {"token": "invite"}, None, SIGNED_IN),
    ("api-token", "post", {}, {}, EVERYONE),
    ("api-schema", "get", {}, None, EVERYONE),
    ("api-docs", "get", {}, None, EVERYONE),
    ("api:api-root", "get", {}, None, SIGNED_IN),
    ("api-not-found", "get", {"path": "no-such-thing/"}, None, set()),
    # Two of the admin's pages: staff without permissions sees the index but no rooms.
    ("admin:index", "get", {}, None, {STAFF}),
    ("admin:interview_room_changelist", "get", {}, None, set()),
]


def _names(patterns, namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                names |= _names(
                    pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                )
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_route_has_a_row():
    # The router's routes but its root have test_access_api.py's rows.
    routes = {name for name in _names(get_resolver().url_patterns) if not name.startswith("api:")}
    admin = {name for name, *_ in ROWS if name.startswith("admin:")}
    assert routes | {"api:api-root"} | admin == {name for name, *_ in ROWS}


def _refused(response) -> bool:
    if response.status_code in {401, 403, 404}:
        return True
    if response.status_code == 302 and response.url.startswith((reverse("login"), reverse("admin:login"))):
        return True
    return any(message.level == messages.ERROR for message in get_messages(response.wsgi_request))


@matrix(ROWS)
def test_each_page_is_refused_exactly_to_whom_it_should_be(shared_world, who, name, method, arguments, body, allowed):
    people, values = shared_world
    client = client_as(Client(), who, people)
    url = url_for(name, arguments, values)
    response = getattr(client, method)(url, body) if body is not None else getattr(client, method)(url)
    assert response.status_code < 500, response.content[:300]
    assert _refused(response) == (who not in allowed), (response.status_code, response.content[:300])
