"""Who may do what over the room's WebSocket: every message type against both roles, and the
handshake against everyone who is not in the room. The test fails if the consumer gains a
message type that has no row here."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import User

from interview import services
from interview.consumers import RoomConsumer
from tests.conftest import PASSWORD, session_cookie
from tests.helpers import communicator, open_socket

INTERVIEWER, CANDIDATE = "interviewer", "candidate"
BOTH = {INTERVIEWER, CANDIDATE}
NODE = {"id": "n1", "label": "Ranker", "kind": "ranking"}
PLACED_NODE = {
    "op": "add_node",
    "node": {"id": "n2", "label": "Cache", "kind": "cache", "place": {"beside": "n1", "side": "before"}},
}

# (message type, the rest of a message a permitted sender could send, who may send it).
MESSAGES = [
    ("ping", {}, BOTH),
    ("sync", {}, BOTH),
    ("timer.control", {"action": "start"}, {INTERVIEWER}),
    ("timer.phases", {"phases": [{"name": "Requirements", "minutes": 5}]}, {INTERVIEWER}),
    ("notes.save", {"kind": "candidate", "text": "my notes"}, {CANDIDATE}),
    ("notes.save", {"kind": "interviewer", "text": "private"}, {INTERVIEWER}),
    ("diagram.op", {"op": {"op": "add_node", "node": NODE}, "client_op_id": "m1"}, BOTH),
    # A block placed by hand beside another (schema 2's layout hint).
    ("diagram.op", {"op": {"op": "batch", "ops": [{"op": "add_node", "node": NODE}, PLACED_NODE]}}, BOTH),
    ("diagram.sync", {"since": 0}, BOTH),
    ("diagram.text", {}, BOTH),
    ("diagram.import", {"text": "", "base_version": 0}, BOTH),
    # Text that changes a block, and a choice for a conflict it might meet.
    ("diagram.import", {"text": "A [cache]", "base_version": 0, "choices": {"nodes:a:kind": "mine"}}, BOTH),
    ("diagram.preview", {"text": "A [cache]", "base_version": 0}, BOTH),
    ("diagram.lock", {"locked": True}, {INTERVIEWER}),
    ("diagram.select", {"node_ids": []}, BOTH),
    ("diagram.follow", {"following": True}, BOTH),
    ("diagram.view", {"x": 0, "y": 0, "width": 400, "height": 300, "scale": 1}, BOTH),
    ("scoring.score", {"dimension": "requirements", "level": 2}, {INTERVIEWER}),
    ("scoring.feedback", {"summary": "Clear structure"}, {INTERVIEWER}),
    ("scoring.share", {"shared": True}, {INTERVIEWER}),
    ("scoring.share", {"shared": True, "review": True}, {INTERVIEWER}),
    # Before feedback is shared with it, the design review is the interviewer's alone.
    ("review", {}, {INTERVIEWER}),
    # Before the end this is refused as "not yet", which is not a refusal of the candidate.
    ("self.rate", {"dimension": "requirements", "level": 3}, {CANDIDATE}),
    ("twist.reveal", {"key": "kids-profiles"}, {INTERVIEWER}),
]


def test_every_message_type_has_a_row():
    assert {kind for kind, _, _ in MESSAGES} == set(RoomConsumer.HANDLERS)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", [INTERVIEWER, CANDIDATE])
@pytest.mark.parametrize(
    ("kind", "fields", "allowed"), MESSAGES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(MESSAGES)]
)
async def test_each_message_is_refused_exactly_to_whom_it_should_be(
    joined_room, interviewer, candidate, role, kind, fields, allowed
):
    ws, _ = await open_socket(joined_room, interviewer if role == INTERVIEWER else candidate)
    await ws.send_json_to({"type": kind, **fields, "save_id": "q"})
    # The server answers every message carrying a save_id: "saved" once handled, or an error.
    while True:
        answer = await ws.receive_json_from(timeout=5)
        if answer.get("save_id") == "q":
            break
    await ws.disconnect()
    if role in allowed:
        assert answer["type"] == "saved" or answer["code"] not in {"forbidden", "server_error"}, answer
    else:
        assert (answer["type"], answer["code"]) == ("error", "forbidden"), answer


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "who", ["anonymous", "stranger", "staff", "candidate of another room", "interviewer of another room"]
)
async def test_nobody_outside_the_room_gets_past_the_handshake(joined_room, problem, who):
    def someone() -> str | None:
        if who == "anonymous":
            return None
        if who in {"stranger", "staff"}:
            return session_cookie(User.objects.create_user(who, password=PASSWORD, is_staff=who == "staff"))
        other_interviewer = User.objects.create_user("olga", password=PASSWORD)
        other_candidate = User.objects.create_user("omar", password=PASSWORD)
        other = services.room_create(problem=problem, interviewer=other_interviewer)
        services.room_join(token=other.invite_token, user=other_candidate)
        return session_cookie(other_candidate if who.startswith("candidate") else other_interviewer)

    cookie = await database_sync_to_async(someone)()
    connected, code = await communicator(joined_room.pk, cookie).connect()
    assert (connected, code) == (False, 4401 if who == "anonymous" else 4403)
