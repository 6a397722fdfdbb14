import json

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from interview.models import Room, TimerEvent
from tests.conftest import PASSWORD
from tests.helpers import INTERVIEWER_ONLY, api_for


def test_anonymous_gets_401_with_the_scheme_to_use(joined_room):
    for url in ("/api/problems/", "/api/rooms/", f"/api/rooms/{joined_room.pk}/"):
        response = APIClient().get(url)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert response.json()["code"] == "not_authenticated"


def test_every_error_names_its_kind(joined_room, candidate, stranger):
    assert api_for(stranger).get(f"/api/rooms/{joined_room.pk}/").json() == {
        "detail": "No Room matches the given query.",
        "code": "not_found",
    }
    refused = api_for(candidate).post(f"/api/rooms/{joined_room.pk}/timer/", {"action": "start"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    bad = api_for(candidate).put(f"/api/rooms/{joined_room.pk}/notes/candidate/", {}, format="json")
    assert bad.json() == {"text": ["This field is required."], "code": "invalid"}


def test_an_unknown_api_url_answers_in_json_whatever_the_method(interviewer):
    response = api_for(interviewer).get("/api/no-such-thing/")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    # A POST without the trailing slash is not redirected (its body would be lost) but told.
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(interviewer)
    response = client.post("/api/rooms", {"problem": "video-recommendation"}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found. API URLs end with a slash: /api/rooms/"


def test_problem_bank_shows_the_statement_but_not_the_kit(problem, stranger):
    response = api_for(stranger).get("/api/problems/")
    assert response.status_code == 200
    slugs = {p["slug"]: p for p in response.json()}
    assert slugs["video-recommendation"]["difficulty"] == "medium"
    assert "two-stage" in slugs["video-recommendation"]["tags"]
    assert slugs["video-recommendation"]["owner"] is None
    detail = api_for(stranger).get("/api/problems/video-recommendation/").json()
    assert detail["phases"][0] == {"name": "Requirements", "minutes": 5}
    assert "home feed" in detail["statement_html"]
    assert not {"guide", "rubric", "reference_diagram", "twists"} & detail.keys()


def test_create_room_by_slug(problem, interviewer):
    response = api_for(interviewer).post("/api/rooms/", {"problem": "video-recommendation"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "interviewer"
    assert body["state"] == "waiting"
    room = Room.objects.get()
    assert body["invite_url"] == f"http://testserver/invite/{room.invite_token}/"
    assert body["problem"]["rubric"][0]["key"] == "requirements"


def test_create_room_with_unknown_problem_names_the_field(problem, interviewer):
    response = api_for(interviewer).post("/api/rooms/", {"problem": "nope"}, format="json")
    assert response.status_code == 400
    assert "problem" in response.json()


def test_list_mine_only(joined_room, interviewer, candidate, stranger):
    assert [r["role"] for r in api_for(interviewer).get("/api/rooms/").json()] == ["interviewer"]
    assert [r["role"] for r in api_for(candidate).get("/api/rooms/").json()] == ["candidate"]
    assert api_for(stranger).get("/api/rooms/").json() == []


def test_detail_by_role_and_never_the_kit_for_the_candidate(joined_room, interviewer, candidate, stranger):
    url = f"/api/rooms/{joined_room.pk}/"
    mine = api_for(interviewer).get(url).json()
    assert {"guide", "rubric", "reference_diagram"} <= mine["problem"].keys()
    assert "interviewer_notes" in mine
    assert "invite_url" in mine

    response = api_for(candidate).get(url)
    theirs = response.json()
    assert theirs["role"] == "candidate"
    assert theirs["timer"]["status"] == "not_started"
    assert not {"guide", "rubric", "reference_diagram"} & theirs["problem"].keys()
    assert not {"interviewer_notes", "invite_url"} & theirs.keys()
    raw = response.content.decode()
    for text in INTERVIEWER_ONLY:
        assert text not in raw
    assert joined_room.invite_token not in raw

    assert api_for(stranger).get(url).status_code == 404


def test_join_by_token(room, candidate, stranger):
    response = api_for(candidate).post("/api/rooms/join/", {"token": room.invite_token}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "candidate"
    taken = api_for(stranger).post("/api/rooms/join/", {"token": room.invite_token}, format="json")
    assert taken.status_code == 409
    assert taken.json()["code"] == "seat_taken"
    bad = api_for(stranger).post("/api/rooms/join/", {"token": "forged"}, format="json")
    assert bad.status_code == 404
    assert bad.json()["code"] == "invite_invalid"
    missing = api_for(stranger).post("/api/rooms/join/", {}, format="json")
    assert missing.status_code == 400
    assert "token" in missing.json()


def test_timer_actions_for_the_interviewer_only(joined_room, interviewer, candidate):
    url = f"/api/rooms/{joined_room.pk}/timer/"
    refused = api_for(candidate).post(url, {"action": "start"}, format="json")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "only the interviewer can control the timer", "code": "forbidden"}
    started = api_for(interviewer).post(url, {"action": "start"}, format="json")
    assert started.status_code == 200
    assert started.json()["timer"]["status"] == "running"
    assert started.json()["state"] == "live"
    assert TimerEvent.objects.get().kind == "start"


def test_timer_action_errors_name_the_field(joined_room, interviewer):
    url = f"/api/rooms/{joined_room.pk}/timer/"
    unknown = api_for(interviewer).post(url, {"action": "rewind"}, format="json")
    assert unknown.status_code == 400
    assert "action" in unknown.json()
    wrong_time = api_for(interviewer).post(url, {"action": "resume"}, format="json")
    assert wrong_time.status_code == 400
    assert wrong_time.json()["action"] == ["cannot resume: the timer is not started"]


def test_phases_put_validates_items(room, interviewer):
    url = f"/api/rooms/{room.pk}/phases/"
    ok = api_for(interviewer).put(url, {"phases": [{"name": "Framing", "minutes": 8}]}, format="json")
    assert ok.status_code == 200
    assert ok.json()["timer"]["phases"] == [{"name": "Framing", "minutes": 8}]
    bad = api_for(interviewer).put(url, {"phases": [{"name": "Framing", "minutes": 999}]}, format="json")
    assert bad.status_code == 400
    assert bad.json()["phases"] == ["phases[0].minutes: must be between 1 and 180"]


def test_notes_by_role(joined_room, interviewer, candidate):
    base = f"/api/rooms/{joined_room.pk}/notes"
    assert api_for(candidate).put(f"{base}/candidate/", {"text": "p99 200ms"}, format="json").status_code == 200
    assert api_for(interviewer).put(f"{base}/candidate/", {"text": "x"}, format="json").status_code == 403
    assert api_for(candidate).put(f"{base}/interviewer/", {"text": "x"}, format="json").status_code == 403
    assert api_for(interviewer).put(f"{base}/interviewer/", {"text": "sharp"}, format="json").status_code == 200
    assert api_for(interviewer).get(f"/api/rooms/{joined_room.pk}/").json()["interviewer_notes"] == "sharp"
    assert api_for(candidate).get(f"/api/rooms/{joined_room.pk}/").json()["candidate_notes"] == "p99 200ms"
    too_long = api_for(candidate).put(f"{base}/candidate/", {"text": "x" * 20_001}, format="json")
    assert too_long.status_code == 400
    assert too_long.json()["text"] == ["longer than 20000 characters"]
    nul = api_for(candidate).put(f"{base}/candidate/", {"text": "a\x00b"}, format="json")
    assert nul.status_code == 400
    assert "text" in nul.json()
    assert api_for(candidate).get(f"/api/rooms/{joined_room.pk}/").json()["candidate_notes"] == "p99 200ms"


def test_phase_names_that_cannot_be_stored_are_refused(room, interviewer):
    body = '{"phases": [{"name": "Data\\ud800", "minutes": 5}]}'
    response = api_for(interviewer).put(f"/api/rooms/{room.pk}/phases/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["phases"] == ["phases[0].name: must be valid Unicode text (it holds a lone surrogate)"]


def test_invite_revoke_and_reissue(room, interviewer, candidate):
    url = f"/api/rooms/{room.pk}/invite/"
    assert api_for(candidate).delete(url).status_code == 404
    revoked = api_for(interviewer).delete(url)
    assert revoked.status_code == 200
    assert revoked.json()["invite_url"] is None
    old = room.invite_token
    assert api_for(candidate).post("/api/rooms/join/", {"token": old}, format="json").status_code == 404
    reissued = api_for(interviewer).post(url).json()["invite_url"]
    token = reissued.rstrip("/").rsplit("/", 1)[1]
    assert token != old
    assert api_for(candidate).post("/api/rooms/join/", {"token": token}, format="json").status_code == 200


def test_token_auth_for_api_clients(joined_room, interviewer):
    response = APIClient().post("/api/auth/token/", {"username": "ines", "password": PASSWORD}, format="json")
    token = response.json()["token"]
    assert token == Token.objects.get(user=interviewer).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(f"/api/rooms/{joined_room.pk}/").json()["role"] == "interviewer"


def test_session_auth_requires_csrf(joined_room, interviewer):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="ines", password=PASSWORD)
    response = client.post(f"/api/rooms/{joined_room.pk}/timer/", {"action": "start"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.django_db
def test_openapi_schema_and_swagger_ui(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    for path in ("/api/rooms/", "/api/rooms/{id}/", "/api/rooms/join/", "/api/rooms/{id}/timer/", "/api/problems/"):
        assert path in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


@pytest.mark.django_db
def test_openapi_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/rooms/{id}/phases/" in (tmp_path / "schema.yml").read_text()
