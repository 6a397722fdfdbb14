"""Scoring and shared feedback: services, REST and the socket, by role."""

import json

import pytest
from channels.db import database_sync_to_async

from core.errors import Forbidden, Invalid
from interview import services
from interview.selectors import room_feedback_for
from tests.helpers import api_for, open_socket, receive_type


def draw(room, user) -> None:
    node = {"id": "rank", "label": "Ranking model", "kind": "ranking"}
    services.diagram_op_apply(room=room, by=user, op={"op": "add_node", "node": node})


def test_interviewer_scores_each_dimension_and_may_reference_nodes(joined_room, interviewer):
    draw(joined_room, interviewer)
    services.score_set(
        room=joined_room, by=interviewer, dimension="modeling", level=3, comment="two stages", node_ids=["rank"]
    )
    services.feedback_set(room=joined_room, by=interviewer, recommendation="yes", summary="Solid")
    scoring = room_feedback_for(joined_room, joined_room.role_of(interviewer))
    assert scoring["scores"] == {
        "modeling": {"name": "Modeling", "level": 3, "comment": "two stages", "node_ids": ["rank"]}
    }
    assert (scoring["recommendation"], scoring["summary"], scoring["shared_at"]) == ("yes", "Solid", None)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"dimension": "vibes", "level": 2}, "dimension", "'vibes' is not a dimension of this problem's rubric"),
        ({"dimension": "modeling", "level": 5}, "level", "must be a level from 1 to 4, or null"),
        ({"dimension": "modeling", "level": True}, "level", "must be a level from 1 to 4, or null"),
        ({"dimension": "modeling", "node_ids": ["ghost"]}, "node_ids", "no node with id 'ghost' in the diagram"),
        ({"dimension": "modeling", "comment": "x" * 5001}, "comment", "longer than 5000 characters"),
    ],
)
def test_bad_scores_name_the_field(joined_room, interviewer, kwargs, field, message):
    with pytest.raises(Invalid) as error:
        services.score_set(room=joined_room, by=interviewer, **kwargs)
    assert (error.value.field, error.value.message) == (field, message)


def test_only_the_interviewer_scores_and_shares(joined_room, candidate):
    with pytest.raises(Forbidden):
        services.score_set(room=joined_room, by=candidate, dimension="modeling", level=4)
    with pytest.raises(Forbidden):
        services.feedback_set(room=joined_room, by=candidate, summary="I was great")
    with pytest.raises(Forbidden):
        services.feedback_share(room=joined_room, by=candidate, shared=True)


def test_candidate_sees_feedback_only_while_shared(joined_room, interviewer, candidate, stranger):
    services.score_set(room=joined_room, by=interviewer, dimension="data", level=2, comment="no negatives")
    url = f"/api/rooms/{joined_room.pk}/feedback/"
    assert api_for(candidate).get(url).status_code == 404
    assert api_for(candidate).get(f"/api/rooms/{joined_room.pk}/").json()["feedback"] is None
    assert api_for(interviewer).post(f"{url}share/").status_code == 200
    shared = api_for(candidate).get(url).json()
    assert shared["scores"]["data"] == {
        "name": "Data & features",
        "level": 2,
        "comment": "no negatives",
        "node_ids": [],
    }
    assert shared["shared_at"] is not None
    assert api_for(stranger).get(url).status_code == 404
    assert api_for(interviewer).delete(f"{url}share/").status_code == 200
    assert api_for(candidate).get(url).status_code == 404


def test_rest_scoring_by_the_interviewer(joined_room, interviewer, candidate):
    base = f"/api/rooms/{joined_room.pk}"
    response = api_for(interviewer).put(f"{base}/scores/evaluation/", {"level": 4, "comment": "A/B"}, format="json")
    assert response.status_code == 200
    assert response.json()["scores"]["evaluation"]["level"] == 4
    bad = api_for(interviewer).put(f"{base}/scores/evaluation/", {"level": 9}, format="json")
    assert bad.status_code == 400
    assert "level" in bad.json()
    patched = api_for(interviewer).patch(f"{base}/feedback/", {"strengths": "framing"}, format="json")
    assert patched.json()["strengths"] == "framing"
    wrong = api_for(interviewer).patch(f"{base}/feedback/", {"recommendation": "maybe"}, format="json")
    assert wrong.status_code == 400
    assert "recommendation" in wrong.json()
    assert api_for(candidate).put(f"{base}/scores/evaluation/", {"level": 1}, format="json").status_code == 403


def test_private_notes_are_never_part_of_shared_feedback(joined_room, interviewer, candidate):
    services.note_save(room=joined_room, by=interviewer, kind="interviewer", text="nervous; weak on metrics")
    services.feedback_set(room=joined_room, by=interviewer, summary="Good structure")
    services.feedback_share(room=joined_room, by=interviewer, shared=True)
    body = api_for(candidate).get(f"/api/rooms/{joined_room.pk}/").content.decode()
    assert "Good structure" in body
    assert "weak on metrics" not in body


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_scoring_is_live_on_interviewer_tabs_and_reaches_the_candidate_only_when_shared(
    joined_room, interviewer, candidate
):
    tab1, snapshot = await open_socket(joined_room, interviewer)
    assert snapshot["room"]["feedback"]["scores"] == {}
    tab2, _ = await open_socket(joined_room, interviewer)
    ws_c, theirs = await open_socket(joined_room, candidate)
    assert theirs["room"]["feedback"] is None

    await tab1.send_json_to({"type": "scoring.score", "dimension": "framing", "level": 3, "comment": "clear"})
    state = await receive_type(tab2, "scoring.state")
    assert state["scoring"]["scores"]["framing"] == {
        "name": "ML problem framing",
        "level": 3,
        "comment": "clear",
        "node_ids": [],
    }
    await tab1.send_json_to({"type": "scoring.feedback", "summary": "Promising"})
    await receive_type(tab2, "scoring.state")
    # Nothing of it reached the candidate.
    await ws_c.send_json_to({"type": "ping"})
    while (message := await ws_c.receive_json_from(timeout=3))["type"] != "pong":
        assert "Promising" not in json.dumps(message)

    await tab1.send_json_to({"type": "scoring.share", "shared": True})
    shared = await receive_type(ws_c, "feedback.shared")
    assert shared["feedback"]["summary"] == "Promising"
    await tab1.send_json_to({"type": "scoring.share", "shared": False})
    assert (await receive_type(ws_c, "feedback.shared"))["feedback"] is None

    await ws_c.send_json_to({"type": "scoring.score", "dimension": "framing", "level": 4})
    assert (await receive_type(ws_c, "error"))["message"] == "only the interviewer can score the interview"
    feedback = await database_sync_to_async(room_feedback_for)(joined_room, joined_room.role_of(interviewer))
    assert feedback["scores"]["framing"]["level"] == 3
    for ws in (tab1, tab2, ws_c):
        await ws.disconnect()


def test_self_assessment_opens_when_the_interview_ends(joined_room, interviewer, candidate):
    with pytest.raises(Invalid, match="self-assessment opens when the interview ends"):
        services.self_assessment_set(room=joined_room, by=candidate, dimension="modeling", level=3)
    assert api_for(candidate).get(f"/api/rooms/{joined_room.pk}/").json()["self_assessment"] is None
    services.timer_control(room=joined_room, by=interviewer, action="end")
    url = f"/api/rooms/{joined_room.pk}/self-assessment/modeling/"
    response = api_for(candidate).put(url, {"level": 3, "comment": "ran out of time"}, format="json")
    assert response.status_code == 200
    modeling = next(d for d in response.json()["dimensions"] if d["key"] == "modeling")
    rubric = next(d for d in joined_room.problem.rubric if d["key"] == "modeling")
    # The candidate rates themself on the interviewer's scale: the level descriptors come too.
    assert modeling == {
        "key": "modeling",
        "name": "Modeling",
        "description": rubric["description"],
        "levels": rubric["levels"],
        "level": 3,
        "comment": "ran out of time",
    }
    # The interviewer reads it (to put it beside the scores); only the candidate writes it.
    mine = api_for(interviewer).get(f"/api/rooms/{joined_room.pk}/").json()["self_assessment"]
    assert next(d for d in mine["dimensions"] if d["key"] == "modeling")["level"] == 3
    assert api_for(interviewer).put(url, {"level": 1}, format="json").status_code == 403
    bad = api_for(candidate).put(f"/api/rooms/{joined_room.pk}/self-assessment/vibes/", {"level": 2}, format="json")
    assert bad.status_code == 400
    assert "dimension" in bad.json()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_self_rating_reaches_both_sides_live(joined_room, interviewer, candidate):
    await database_sync_to_async(services.timer_control)(room=joined_room, by=interviewer, action="end")
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, snapshot = await open_socket(joined_room, candidate)
    assert [d["name"] for d in snapshot["room"]["self_assessment"]["dimensions"]][:2] == [
        "Requirements & business goal",
        "ML problem framing",
    ]
    await ws_c.send_json_to({"type": "self.rate", "dimension": "data", "level": 2, "comment": "thin"})
    state = await receive_type(ws_i, "self_assessment.state")
    data = next(d for d in state["self_assessment"]["dimensions"] if d["key"] == "data")
    assert (data["level"], data["comment"]) == (2, "thin")
    for ws in (ws_i, ws_c):
        await ws.disconnect()
