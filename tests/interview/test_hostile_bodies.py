"""Request bodies no page sends, on every path of the REST API: nested thousands deep, or
holding text no database stores. Each gets a 400 that names the problem, never a 500, and
nothing saved changes."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.text import MAX_JSON_DEPTH
from interview.models import RoomNote
from tests.helpers import api_for
from tests.interview.access import INTERVIEWER, client_as, url_for
from tests.interview.test_access_api import ROWS

NESTED = "[" * 5000 + "]" * 5000
TOO_DEEP = f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels"
WRITES = [row for row in ROWS if row[1] in {"post", "put", "patch", "delete"}]


def test_a_body_nested_5000_deep_is_refused_without_signing_in():
    response = APIClient().post("/api/auth/token/", NESTED, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": TOO_DEEP, "code": "parse_error"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "arguments", "body", "allowed"), WRITES, ids=[f"{r[1]} {r[0]} {r[2]}" for r in WRITES]
)
def test_every_write_of_the_api_refuses_a_body_nested_5000_deep(world, name, method, arguments, body, allowed):
    people, values = world
    # The body is read before the route looks at who is asking, on routes that ignore it too.
    client = client_as(APIClient(), INTERVIEWER, people)
    response = getattr(client, method)(
        url_for(f"api:{name}", arguments, values), NESTED, content_type="application/json"
    )
    assert (response.status_code, response.json()) == (400, {"detail": TOO_DEEP, "code": "parse_error"})


def test_a_body_that_parses_but_nests_past_the_limit_names_the_field(joined_room, candidate):
    deep = "[" * (MAX_JSON_DEPTH + 5) + "]" * (MAX_JSON_DEPTH + 5)
    body = '{"text": ' + deep + "}"
    response = api_for(candidate).put(
        f"/api/rooms/{joined_room.pk}/notes/candidate/", body, content_type="application/json"
    )
    assert response.status_code == 400
    (message,) = response.json()["text"]
    assert message.startswith("text[0][0]")
    assert message.endswith(f"nested deeper than {MAX_JSON_DEPTH} levels")


@pytest.mark.parametrize(
    ("url", "body", "field", "message"),
    [
        ("/api/rooms/join/", '{"token": "\\ud800"}', "token", "must be valid Unicode text (it holds a lone surrogate)"),
        ("/api/rooms/join/", '{"token": "a\\u0000"}', "token", "must not contain NUL characters"),
        ("/api/rooms/", '{"problem": {"\\udfff": 1}}', "problem", "problem.\ufffd: (a key) must be valid Unicode text"),
    ],
)
def test_text_no_database_stores_is_refused_naming_the_field(candidate, url, body, field, message):
    response = api_for(candidate).post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()[field][0].startswith(message)


def test_a_refused_body_changes_nothing_saved(joined_room, candidate):
    url = f"/api/rooms/{joined_room.pk}/notes/candidate/"
    assert api_for(candidate).put(url, {"text": "kept"}, format="json").status_code == 200
    for body in (NESTED, '{"text": "half a pair \\ud800"}', '{"text": "nul \\u0000"}'):
        assert api_for(candidate).put(url, body, content_type="application/json").status_code == 400
    assert RoomNote.objects.get(room=joined_room, kind="candidate").text == "kept"
