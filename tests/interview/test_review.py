"""The design review of a room's diagram: what it says, and who may read it when, over the
REST API and the socket."""

import pytest
from channels.db import database_sync_to_async

from core.errors import Forbidden, Invalid
from interview import services
from interview.selectors import room_review_for
from problembank import services as problembank_services
from tests.conftest import problem_data
from tests.helpers import api_for, open_socket, receive_type


def draw(room, user, text: str) -> None:
    services.diagram_import_text(room=room, by=user, text=text, base_version=room.diagram.version)
    room.refresh_from_db()


def test_the_interviewer_reads_the_findings_and_the_coverage_of_the_reference(joined_room, interviewer, candidate):
    draw(joined_room, candidate, "Mobile app [client] -> Ranking model [ranking]\nFeature store [feature_store]")
    review = room_review_for(room=joined_room, by=interviewer)
    assert review["version"] == joined_room.diagram.version
    assert [finding["rule"] for finding in review["findings"]] == [
        "serving-unmonitored",
        "ranking-without-candidates",
        "isolated-block",
    ]
    assert review["findings"][2]["blocks"] == ["feature-store"]
    statuses = {item["label"]: item["status"] for item in review["coverage"]}
    assert statuses["Mobile and web app"] == statuses["Ranking model"] == "present"
    assert statuses["Monitoring and alerts"] == "missing"
    # Phases by the room's own names: the reference's ranker is drawn while modelling.
    ranker = next(item for item in review["coverage"] if item["label"] == "Ranking model")
    assert (ranker["phase"], ranker["match"]) == ("Modeling & scaling", "ranking-model")
    assert 0 < review["covered"] < 0.3


def test_the_candidate_reads_it_only_once_shared_with_the_feedback(joined_room, interviewer, candidate):
    url = f"/api/rooms/{joined_room.pk}/review/"
    refused = api_for(candidate).get(url)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "the design review opens to you if the interviewer shares it with the feedback"
    services.feedback_share(room=joined_room, by=interviewer, shared=True)
    assert api_for(candidate).get(url).status_code == 403
    assert (
        api_for(interviewer)
        .post(f"/api/rooms/{joined_room.pk}/feedback/share/", {"review": True})
        .json()["review_shared"]
    )
    shared = api_for(candidate).get(url)
    assert shared.status_code == 200
    assert shared.json()["findings"] == []
    assert shared.json()["covered"] == 0
    api_for(interviewer).delete(f"/api/rooms/{joined_room.pk}/feedback/share/")
    assert api_for(candidate).get(url).status_code == 403
    with pytest.raises(Forbidden):
        room_review_for(room=joined_room, by=candidate)


def test_sharing_with_the_review_takes_a_boolean(joined_room, interviewer):
    answer = api_for(interviewer).post(f"/api/rooms/{joined_room.pk}/feedback/share/", {"review": "maybe"})
    assert answer.status_code == 400
    assert "review" in answer.json()
    with pytest.raises(Invalid) as error:
        services.feedback_share(room=joined_room, by=interviewer, shared=True, review="yes")
    assert error.value.field == "review"


def test_an_interviewer_whose_kit_is_closed_does_not_get_the_review(joined_room, interviewer, stranger, problem):
    # The interviewer is now also the candidate of an interview on this problem that has not
    # ended: the kit, and the review that reads the diagram against its reference, closes.
    other = services.room_create(problem=problem, interviewer=stranger)
    services.room_join(token=other.invite_token, user=interviewer)
    with pytest.raises(Forbidden) as error:
        room_review_for(room=joined_room, by=interviewer)
    assert error.value.message.startswith("you are the candidate in an interview on")


def test_a_problem_without_a_reference_diagram_has_findings_but_no_coverage(interviewer, candidate, db):
    data = problem_data(slug="no-reference", title="No reference")
    data["reference_diagram"] = {"schema": 2, "nodes": [], "edges": [], "groups": []}
    problem = problembank_services.problem_save(by=interviewer, data=data)
    room = services.room_join(
        token=services.room_create(problem=problem, interviewer=interviewer).invite_token, user=candidate
    )
    draw(room, candidate, "Notes [generic]")
    review = room_review_for(room=room, by=interviewer)
    assert ([f["rule"] for f in review["findings"]], review["coverage"], review["covered"]) == (
        ["isolated-block"],
        None,
        None,
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_socket_answers_the_interviewer_with_the_review_as_the_diagram_stands(
    joined_room, interviewer, candidate
):
    ws, _ = await open_socket(joined_room, interviewer)
    await ws.send_json_to({"type": "review"})
    first = await receive_type(ws, "review")
    assert first["version"] == 0
    assert first["findings"] == []
    node = {"id": "rank", "label": "Ranking model", "kind": "ranking"}
    await database_sync_to_async(services.diagram_op_apply)(
        room=joined_room, by=candidate, op={"op": "add_node", "node": node}
    )
    await receive_type(ws, "diagram.applied")
    await ws.send_json_to({"type": "review"})
    second = await receive_type(ws, "review")
    assert second["version"] == 1
    assert [finding["rule"] for finding in second["findings"]] == [
        "serving-unmonitored",
        "ranking-without-candidates",
        "isolated-block",
    ]
    await ws.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_socket_refuses_the_candidate_the_review_before_it_is_shared(joined_room, interviewer, candidate):
    ws, _ = await open_socket(joined_room, candidate)
    await ws.send_json_to({"type": "review"})
    error = await receive_type(ws, "error")
    assert (error["code"], error["request"]) == ("forbidden", "review")
    await database_sync_to_async(services.feedback_share)(room=joined_room, by=interviewer, shared=True, review=True)
    shared = await receive_type(ws, "feedback.shared")
    assert shared["feedback"]["review_shared"] is True
    await ws.send_json_to({"type": "review"})
    assert (await receive_type(ws, "review"))["findings"] == []
    await ws.disconnect()
