"""Hostile WebSocket messages against the real server: whatever a client sends, the server
answers with an error that names the problem (or with what a well-formed message asks for),
never fails inside, and keeps the socket usable.

HYPOTHESIS_EXAMPLES sets how many messages sequences run (200 by default).
"""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect

from interview import services
from interview.consumers import RoomConsumer
from tests.conftest import session_cookie

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "200"))

# Every field any message type reads, so that generated messages reach the handlers' checks.
FIELDS = (
    "op",
    "client_op_id",
    "base_version",
    "choices",
    "since",
    "action",
    "phases",
    "kind",
    "text",
    "locked",
    "node_ids",
    "dimension",
    "level",
    "comment",
    "shared",
    "key",
    "save_id",
    "summary",
    "strengths",
    "improvements",
    "recommendation",
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
# Mostly a known type with a few of the fields, each of any shape; else anything at all.
typed = st.builds(
    lambda kind, fields: json.dumps({"type": kind, **fields}),
    st.sampled_from(sorted(RoomConsumer.HANDLERS)),
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=4),
)
messages = st.one_of(typed, typed, typed, values.map(json.dumps))
DEEP = "[" * 100_000 + "]" * 100_000
LONE_SURROGATE = '{"type": "notes.save", "kind": "interviewer", "text": "a\\ud800b", "save_id": "s"}'
NUL = '{"type": "scoring.feedback", "summary": "a\\u0000b"}'
HUGE_NUMBER = '{"type": "diagram.sync", "since": 1e400}'
EMPTY_BATCH = '{"type": "diagram.op", "op": {"op": "batch", "ops": []}}'
# Layout hints of every wrong shape, on a block that exists once the first op is applied.
BAD_PLACES = [
    '{"type": "diagram.op", "op": {"op": "add_node", "node": {"id": "p", "label": "P", "kind": "cache"}}}',
    *(
        json.dumps({"type": "diagram.op", "op": {"op": "update_node", "id": "p", "set": {"place": place}}})
        for place in ("p", [], {"beside": "p", "side": "after"}, {"beside": {"x": 1}, "side": 1}, {"beside": "zz"})
    ),
]

# Text merged from versions that are and are not there, with choices of every wrong shape.
BAD_MERGES = [
    '{"type": "diagram.import", "text": "A [cache]", "base_version": 0, "client_op_id": "m1"}',
    *(
        json.dumps({"type": kind, "text": "A [ranking] -> B", "base_version": base, "choices": choices})
        for kind in ("diagram.import", "diagram.preview")
        for base, choices in (
            (0, {"nodes:a:kind": "mine"}),
            (10**40, None),
            (-1, {}),
            (1, {"x" * 65: "mine"}),
            (0, {"keep:nodes:a": None}),
            (0, [["nodes:a:kind", "mine"]]),
        )
    ),
]
# Texts near the frame limit that repeat one label or one arrow thousands of times: each
# made id once tried every suffix before it, and such a text took 12 to 22 s to read.
REPEATS = [
    json.dumps({"type": kind, "text": text, "base_version": 0})
    for kind in ("diagram.preview", "diagram.import")
    for text in ("\n".join(["group G: A"] * 15000), "\n".join(["A -> B"] * 20000))
]


@pytest.fixture
def room_and_cookie(problem, interviewer, candidate):
    room = services.room_join(
        token=services.room_create(problem=problem, interviewer=interviewer).invite_token, user=candidate
    )
    return room, session_cookie(interviewer)


async def exchange(url: str, cookie: str, frames: list[str]) -> tuple[list[dict], dict]:
    """Send the frames, then a ping; everything answered before the pong, and the pong."""
    origin = url.replace("ws", "http", 1).split("/ws/")[0]
    async with connect(url, additional_headers={"Cookie": f"sessionid={cookie}"}, origin=origin) as ws:
        while json.loads(await ws.recv())["type"] != "snapshot":
            pass
        for frame in frames:
            await ws.send(frame)
        await ws.send('{"type": "ping"}')
        answers = []
        async with asyncio.timeout(10):
            while (answer := json.loads(await ws.recv()))["type"] != "pong":
                answers.append(answer)
        return answers, answer


@pytest.mark.timeout(120 + EXAMPLES)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(frames=st.lists(messages, min_size=1, max_size=6))
@example(frames=[DEEP])
@example(frames=[LONE_SURROGATE])
@example(frames=[NUL])
@example(frames=BAD_PLACES)
@example(frames=BAD_MERGES)
@example(frames=REPEATS)
@example(
    frames=['{"type": "diagram.sync", "since": 1e400}', '{"type": "diagram.op", "op": {"op": "batch", "ops": []}}']
)
def test_no_message_breaks_the_server_or_the_socket(app_url, room_and_cookie, frames):
    room, cookie = room_and_cookie
    url = app_url.replace("http", "ws", 1) + f"/ws/rooms/{room.pk}/"
    answers, pong = asyncio.run(exchange(url, cookie, frames))
    assert pong["participants"]
    for answer in answers:
        assert isinstance(answer.get("type"), str)
        if answer["type"] == "error":
            assert answer["code"] != "server_error", (frames, answer)
            assert isinstance(answer["message"], str)
            assert answer["message"]
