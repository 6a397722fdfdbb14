"""The room WebSocket over the real ASGI stack (origin check, session auth, URL router)."""

import asyncio
import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from interview import services
from interview.consumers import MAX_FRAME_BYTES, RATE_BURST, RATE_PER_SECOND
from interview.models import PRESENCE_STALE_SECONDS, Room, RoomConnection, RoomNote, TimerEvent
from interview.protocol import PROTOCOL_VERSION
from interview.services import MAX_CONNECTIONS_PER_USER
from mockboard.asgi import application
from tests.conftest import session_cookie
from tests.helpers import INTERLEAVED, INTERVIEWER_ONLY, communicator, open_socket, receive_type

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cookies(interviewer, candidate, stranger):
    return {user.username: session_cookie(user) for user in (interviewer, candidate, stranger)}


async def test_anonymous_is_refused_before_accept(joined_room):
    connected, code = await communicator(joined_room.pk).connect()
    assert (connected, code) == (False, 4401)


async def test_stranger_is_refused_before_accept(joined_room, cookies):
    connected, code = await communicator(joined_room.pk, cookies["sam"]).connect()
    assert (connected, code) == (False, 4403)


@pytest.mark.parametrize("room_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
async def test_unknown_room_is_refused(joined_room, cookies, room_id):
    connected, code = await communicator(room_id, cookies["ines"]).connect()
    assert (connected, code) == (False, 4404)


async def test_foreign_origin_is_refused(joined_room, cookies):
    connected, _ = await communicator(joined_room.pk, cookies["ines"], origin=b"https://evil.example").connect()
    assert not connected


async def test_a_handshake_without_origin_is_refused_and_the_same_origin_accepted(joined_room, cookies):
    # Every browser sends Origin on a WebSocket handshake; one without it is not a page.
    bare = WebsocketCommunicator(
        application,
        f"/ws/rooms/{joined_room.pk}/",
        headers=[(b"host", b"localhost"), (b"cookie", f"sessionid={cookies['ines']}".encode())],
    )
    connected, _ = await bare.connect()
    assert not connected
    same = communicator(joined_room.pk, cookies["ines"], origin=b"http://localhost")
    connected, _ = await same.connect()
    assert connected
    await same.disconnect()


async def test_snapshot_per_role(joined_room, interviewer, candidate):
    ws_i, mine = await open_socket(joined_room, interviewer)
    ws_c, theirs = await open_socket(joined_room, candidate)
    assert mine["role"] == "interviewer"
    assert mine["room"]["problem"]["rubric"][0]["name"] == "Requirements & business goal"
    assert "guide" in mine["room"]["problem"]
    assert "interviewer_notes" in mine["room"]
    assert theirs["role"] == "candidate"
    assert theirs["room"]["problem"]["title"] == "Video recommendations for a home feed"
    assert theirs["room"]["timer"]["status"] == "not_started"
    assert isinstance(theirs["server_now"], int)
    assert mine["protocol"] == theirs["protocol"] == PROTOCOL_VERSION
    raw = json.dumps(theirs)
    for text in INTERVIEWER_ONLY:
        assert text not in raw
    assert "interviewer_notes" not in raw
    assert "invite_url" not in raw
    await ws_i.disconnect()
    await ws_c.disconnect()


async def test_interviewer_drives_the_timer_and_the_candidate_sees_it(joined_room, interviewer, candidate):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    await ws_i.send_json_to({"type": "timer.control", "action": "start"})
    for ws in (ws_i, ws_c):
        message = await receive_type(ws, "timer.state")
        assert message["action"] == "start"
        assert message["timer"]["status"] == "running"
        assert message["timer"]["phases"][0] == {"name": "Requirements", "minutes": 5}
        assert message["timer"]["running_since"] <= message["server_now"]
    await ws_i.send_json_to({"type": "timer.control", "action": "next_phase"})
    message = await receive_type(ws_c, "timer.state")
    assert message["timer"]["phase_index"] == 1
    kinds = await database_sync_to_async(lambda: list(TimerEvent.objects.values_list("kind", flat=True)))()
    assert kinds == ["start", "next_phase"]
    await ws_i.disconnect()
    await ws_c.disconnect()


async def test_candidate_timer_attempt_is_refused_and_the_socket_stays_usable(joined_room, candidate):
    ws, _ = await open_socket(joined_room, candidate)
    await ws.send_json_to({"type": "timer.control", "action": "start"})
    assert await receive_type(ws, "error") == {
        "type": "error",
        "code": "forbidden",
        "message": "only the interviewer can control the timer",
        "request": "timer.control",
    }
    await ws.send_json_to({"type": "ping"})
    assert (await receive_type(ws, "pong"))["server_now"] > 0
    assert not await database_sync_to_async(TimerEvent.objects.exists)()
    await ws.disconnect()


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ("{not json", {"code": "invalid_json", "message": "message is not valid JSON (or nested too deeply)"}),
        ("[" * 100_000, {"code": "invalid_json", "message": "message is not valid JSON (or nested too deeply)"}),
        ("[1, 2]", {"code": "invalid_message", "message": "message must be a JSON object with a string 'type'"}),
        ('{"type": 7}', {"code": "invalid_message", "message": "message must be a JSON object with a string 'type'"}),
        (
            '{"type": "diagram.explode"}',
            {
                "code": "unknown_type",
                "message": "unknown message type 'diagram.explode'; expected one of diagram.follow, diagram.import, "
                "diagram.lock, diagram.op, diagram.preview, diagram.select, diagram.sync, diagram.text, diagram.view, "
                "notes.save, ping, review, scoring.feedback, scoring.score, scoring.share, self.rate, sync, "
                "timer.control, timer.phases, twist.reveal",
            },
        ),
        (
            '{"type": "timer.control"}',
            {
                "code": "invalid",
                "message": "'action' is required and must be a string",
                "field": "action",
                "request": "timer.control",
            },
        ),
        (
            '{"type": "timer.control", "action": "rewind"}',
            {
                "code": "invalid",
                "message": "unknown timer action 'rewind'; expected one of start, pause, resume, next_phase, end",
                "field": "action",
                "request": "timer.control",
            },
        ),
        (
            '{"type": "timer.phases", "phases": [{"name": "A", "minutes": 0}]}',
            {
                "code": "invalid",
                "message": "phases[0].minutes: must be between 1 and 180",
                "field": "phases",
                "request": "timer.phases",
            },
        ),
    ],
)
async def test_bad_messages_get_a_clear_error_and_the_socket_stays_usable(joined_room, interviewer, frame, expected):
    ws, _ = await open_socket(joined_room, interviewer)
    await ws.send_to(text_data=frame)
    assert await receive_type(ws, "error") == {"type": "error", **expected}
    await ws.send_json_to({"type": "sync"})
    assert (await receive_type(ws, "snapshot"))["role"] == "interviewer"
    await ws.disconnect()


async def test_oversized_frame_is_refused_with_1009_and_nothing_is_lost(joined_room, candidate):
    ws, _ = await open_socket(joined_room, candidate)
    await ws.send_json_to({"type": "notes.save", "kind": "candidate", "text": "saved before", "save_id": "1"})
    await receive_type(ws, "saved")
    await ws.send_json_to({"type": "notes.save", "kind": "candidate", "text": "x" * MAX_FRAME_BYTES})
    error = await receive_type(ws, "error")
    assert error["code"] == "too_large"
    closed = await ws.receive_output(timeout=3)
    assert (closed["type"], closed["code"]) == ("websocket.close", 1009)
    assert await database_sync_to_async(lambda: RoomNote.objects.get().text)() == "saved before"
    # The page reconnects and carries on.
    ws, _ = await open_socket(joined_room, candidate)
    await ws.disconnect()


async def test_a_flood_of_messages_is_rate_limited_and_the_socket_stays_usable(joined_room, candidate):
    ws, _ = await open_socket(joined_room, candidate)
    for _ in range(600):
        await ws.send_json_to({"type": "ping"})
    answers = []
    while len(answers) < 600:
        answer = await ws.receive_json_from(timeout=5)
        if answer["type"] not in INTERLEAVED:
            answers.append(answer)
    limited = [a for a in answers if a["type"] == "error"]
    # 200 at once, then 50 a second: unless answering took this machine over 5 s, at least
    # 150 of 600 are refused.
    assert len(limited) >= 150
    assert limited[0] == {
        "type": "error",
        "code": "rate_limited",
        "message": f"more than {RATE_PER_SECOND} messages a second; this one was not applied, send it again shortly",
        "request": "ping",
    }
    assert sum(a["type"] == "pong" for a in answers) >= RATE_BURST
    # Two messages' worth of refill: by the allowance's own arithmetic, the next one passes.
    await asyncio.sleep(2 / RATE_PER_SECOND)
    await ws.send_json_to({"type": "ping"})
    await receive_type(ws, "pong")
    await ws.disconnect()


async def test_one_user_opens_a_room_in_at_most_eight_places(joined_room, interviewer):
    sockets = [(await open_socket(joined_room, interviewer))[0] for _ in range(MAX_CONNECTIONS_PER_USER)]
    extra = communicator(joined_room.pk, await database_sync_to_async(session_cookie)(interviewer))
    connected, _ = await extra.connect()
    assert connected
    error = await receive_type(extra, "error")
    assert error["code"] == "too_many_connections"
    assert f"open in {MAX_CONNECTIONS_PER_USER} places" in error["message"]
    closed = await extra.receive_output(timeout=3)
    assert (closed["type"], closed["code"]) == ("websocket.close", 4429)
    count = database_sync_to_async(RoomConnection.objects.filter(user=interviewer).count)
    assert await count() == MAX_CONNECTIONS_PER_USER
    # Closing a tab makes room for another.
    await sockets.pop().disconnect()
    sockets.append((await open_socket(joined_room, interviewer))[0])
    for ws in sockets:
        await ws.disconnect()


async def test_binary_frames_are_refused(joined_room, candidate):
    ws, _ = await open_socket(joined_room, candidate)
    await ws.send_to(bytes_data=b"\x00\x01")
    assert (await receive_type(ws, "error"))["code"] == "invalid_message"
    await ws.disconnect()


async def test_presence_shows_arrival_and_departure(joined_room, interviewer, candidate):
    ws_i, snapshot = await open_socket(joined_room, interviewer)
    assert snapshot["participants"] == [
        {"role": "interviewer", "username": "ines", "connected": True},
        {"role": "candidate", "username": "carl", "connected": False},
    ]
    ws_c, _ = await open_socket(joined_room, candidate)
    message = await receive_type(ws_i, "presence")
    while not message["participants"][1]["connected"]:
        message = await receive_type(ws_i, "presence")
    assert message["participants"][1] == {"role": "candidate", "username": "carl", "connected": True}
    await ws_c.disconnect()
    message = await receive_type(ws_i, "presence")
    assert message["participants"][1] == {"role": "candidate", "username": "carl", "connected": False}
    await ws_i.disconnect()


async def test_tabs_closed_at_once_each_leave_and_the_other_side_sees_it(joined_room, interviewer, candidate):
    # Sockets that close together clean up one after another (interview.services.presence):
    # none may be forgotten, and the other side hears that nobody is left.
    ws_c, _ = await open_socket(joined_room, candidate)
    tabs = [(await open_socket(joined_room, interviewer))[0] for _ in range(MAX_CONNECTIONS_PER_USER)]
    await asyncio.gather(*(tab.disconnect() for tab in tabs))
    count = database_sync_to_async(RoomConnection.objects.filter(room=joined_room).count)
    assert await count() == 1
    while (await receive_type(ws_c, "presence"))["participants"][0]["connected"]:
        pass
    await ws_c.send_json_to({"type": "ping"})
    pong = await receive_type(ws_c, "pong")
    assert pong["participants"][0] == {"role": "interviewer", "username": "ines", "connected": False}
    await ws_c.disconnect()


async def test_candidate_notes_reach_the_interviewer_live(joined_room, interviewer, candidate):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    await ws_c.send_json_to({"type": "notes.save", "kind": "candidate", "text": "Goal: watch time", "save_id": "n1"})
    assert await receive_type(ws_c, "saved") == {"type": "saved", "request": "notes.save", "save_id": "n1"}
    assert await receive_type(ws_i, "notes.updated") == {
        "type": "notes.updated",
        "kind": "candidate",
        "text": "Goal: watch time",
    }
    await ws_i.disconnect()
    await ws_c.disconnect()


async def test_private_notes_never_reach_the_candidate(joined_room, interviewer, candidate):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_i2, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    await ws_i.send_json_to({"type": "notes.save", "kind": "interviewer", "text": "weak on metrics", "save_id": "n1"})
    await receive_type(ws_i, "saved")
    # The interviewer's other tab hears it; the candidate's socket must not.
    assert (await receive_type(ws_i2, "notes.updated"))["text"] == "weak on metrics"
    await ws_c.send_json_to({"type": "ping"})
    while (message := await ws_c.receive_json_from(timeout=3))["type"] != "pong":
        assert "weak on metrics" not in json.dumps(message)
    await ws_c.send_json_to({"type": "notes.save", "kind": "interviewer", "text": "sneaky"})
    assert (await receive_type(ws_c, "error"))["code"] == "forbidden"
    for ws in (ws_i, ws_i2, ws_c):
        await ws.disconnect()


async def test_removed_candidate_is_cut_off(joined_room, interviewer, candidate):
    ws_c, _ = await open_socket(joined_room, candidate)
    room = await database_sync_to_async(Room.objects.get)(pk=joined_room.pk)
    await database_sync_to_async(services.room_candidate_remove)(room=room, by=interviewer)
    error = await receive_type(ws_c, "error")
    assert error["code"] == "access_revoked"
    assert (await ws_c.receive_output(timeout=3)) == {"type": "websocket.close", "code": 4403}
    await ws_c.disconnect()


async def test_heartbeat_reports_presence_and_ages_out_a_crashed_process(joined_room, interviewer, candidate):
    def leave_connection(age_seconds: int) -> None:
        RoomConnection.objects.create(
            room=joined_room,
            user=candidate,
            channel_name=f"crashed-process-{age_seconds}",
            last_seen=timezone.now() - timedelta(seconds=age_seconds),
        )

    ws, _ = await open_socket(joined_room, interviewer)
    await database_sync_to_async(leave_connection)(PRESENCE_STALE_SECONDS + 5)
    await ws.send_json_to({"type": "ping"})
    pong = await receive_type(ws, "pong")
    assert pong["participants"][1] == {"role": "candidate", "username": "carl", "connected": False}
    await database_sync_to_async(leave_connection)(1)
    await ws.send_json_to({"type": "ping"})
    pong = await receive_type(ws, "pong")
    assert pong["participants"][1] == {"role": "candidate", "username": "carl", "connected": True}
    await ws.disconnect()


async def test_text_that_cannot_be_stored_is_refused_and_saved_notes_kept(joined_room, candidate):
    ws, _ = await open_socket(joined_room, candidate)
    await ws.send_json_to({"type": "notes.save", "kind": "candidate", "text": "kept", "save_id": "n1"})
    await receive_type(ws, "saved")
    await ws.send_to(text_data='{"type": "notes.save", "kind": "candidate", "text": "half a pair \\ud800"}')
    assert await receive_type(ws, "error") == {
        "type": "error",
        "code": "invalid",
        "message": "must be valid Unicode text (it holds a lone surrogate)",
        "field": "text",
        "request": "notes.save",
    }
    await ws.send_json_to({"type": "sync"})
    assert (await receive_type(ws, "snapshot"))["room"]["candidate_notes"] == "kept"
    await ws.disconnect()


async def test_removal_is_enforced_even_if_its_broadcast_is_lost(joined_room, candidate):
    ws, _ = await open_socket(joined_room, candidate)
    # The seat is freed without any broadcast, as if the channel layer dropped it.
    await database_sync_to_async(Room.objects.filter(pk=joined_room.pk).update)(candidate=None)
    await ws.send_json_to({"type": "notes.save", "kind": "candidate", "text": "still here?"})
    assert (await receive_type(ws, "error"))["message"] == "you are no longer a participant in this room"
    await ws.send_json_to({"type": "ping"})
    assert (await receive_type(ws, "error"))["code"] == "access_revoked"
    assert (await ws.receive_output(timeout=3)) == {"type": "websocket.close", "code": 4403}
    await ws.disconnect()
    assert not await database_sync_to_async(RoomNote.objects.exists)()


async def test_a_save_is_answered_saved_only_once_committed_or_refused_naming_it(joined_room, interviewer, candidate):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    await ws_i.send_json_to({"type": "scoring.score", "dimension": "modeling", "level": 3, "save_id": "s1"})
    saved = await receive_type(ws_i, "saved")
    assert saved == {"type": "saved", "request": "scoring.score", "save_id": "s1"}
    assert await database_sync_to_async(lambda: joined_room.scores.get(dimension="modeling").level)() == 3
    await ws_c.send_json_to({"type": "scoring.score", "dimension": "modeling", "level": 1, "save_id": "s2"})
    refused = await receive_type(ws_c, "error")
    assert (refused["code"], refused["save_id"]) == ("forbidden", "s2")
    await ws_i.send_json_to({"type": "scoring.score", "dimension": "modeling", "level": 2, "save_id": ["x"]})
    bad = await receive_type(ws_i, "error", skipping=("scoring.state",))  # the first score's news
    assert (bad["field"], bad["code"]) == ("save_id", "invalid")
    assert await database_sync_to_async(lambda: joined_room.scores.get(dimension="modeling").level)() == 3
    await ws_i.disconnect()
    await ws_c.disconnect()


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        (b"http://localhost:9999", b"localhost"),
        (b"https://localhost", b"localhost"),
        (b"http://localhost", b"localhost:8000"),
        (b"http://localhost:8000", b"localhost:8001"),
        (b"http://evil.localhost", b"localhost"),
        (b"null", b"localhost"),
    ],
)
async def test_an_origin_of_another_scheme_port_or_host_is_refused_with_the_victims_cookie(
    joined_room, cookies, origin, host
):
    headers = [(b"origin", origin), (b"host", host), (b"cookie", f"sessionid={cookies['ines']}".encode())]
    connected, _ = await WebsocketCommunicator(application, f"/ws/rooms/{joined_room.pk}/", headers=headers).connect()
    assert not connected


async def test_the_sites_own_origin_with_its_port_and_a_trusted_proxy_origin_are_accepted(
    joined_room, cookies, settings
):
    settings.CSRF_TRUSTED_ORIGINS = ["https://mock.example.com"]
    for origin, host in ((b"http://localhost:8000", b"localhost:8000"), (b"https://mock.example.com", b"localhost")):
        headers = [(b"origin", origin), (b"host", host), (b"cookie", f"sessionid={cookies['ines']}".encode())]
        ws = WebsocketCommunicator(application, f"/ws/rooms/{joined_room.pk}/", headers=headers)
        connected, _ = await ws.connect()
        assert connected, origin
        await receive_type(ws, "snapshot")
        await ws.disconnect()


async def test_text_no_database_stores_is_refused_wherever_it_is_in_a_message(joined_room, candidate):
    ws, _ = await open_socket(joined_room, candidate)
    await ws.send_to(text_data='{"type": "scoring.score", "dimension": "x", "node_ids": ["\\udc00"], "save_id": "s1"}')
    error = await receive_type(ws, "error")
    assert error == {
        "type": "error",
        "code": "invalid",
        "message": "node_ids[0]: must be valid Unicode text (it holds a lone surrogate)",
        "field": "node_ids",
        "request": "scoring.score",
        "save_id": "s1",
    }
    await ws.send_to(text_data='{"type": "ping", "extra": ' + "[" * 70 + "]" * 70 + "}")
    error = await receive_type(ws, "error")
    assert (error["field"], error["message"].endswith("nested deeper than 64 levels")) == ("extra", True)
    await ws.disconnect()
