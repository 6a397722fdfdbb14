"""What many test files do: call the API as someone, open the room's socket over the real
ASGI stack, wait for one kind of message, and the kit's text a candidate must never see."""

from __future__ import annotations

import weakref

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from mockboard.asgi import application
from tests.conftest import session_cookie

# Text of the video recommendation problem's interviewer kit, one line from each part of it.
INTERVIEWER_ONLY = [
    "Total watch time per user per day is the north-star metric",  # guide clarification
    "Optimising clicks alone and building a clickbait machine",  # pitfall
    "Jumps into models without asking what success means",  # rubric level
    "Ranker training",  # reference diagram node
]
# Messages the room sends on its own schedule, which may come between any two others: the
# seats as people arrive and leave.
INTERLEAVED = ("presence",)


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# Every socket a test opened. One a failing test left connected keeps its consumer running,
# and closing the test's event loop would then wait on that consumer for ever: the suite
# hangs instead of reporting the failure (tests/conftest.py disconnects these after each test).
_opened: weakref.WeakSet[WebsocketCommunicator] = weakref.WeakSet()


def communicator(room_id, cookie: str | None = None, origin: bytes = b"http://localhost") -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    ws = WebsocketCommunicator(application, f"/ws/rooms/{room_id}/", headers=headers)
    _opened.add(ws)
    return ws


async def disconnect_left_open() -> None:
    """Disconnect the sockets a test left connected, as a browser closing the tab would."""
    while _opened:
        ws = _opened.pop()
        if ws._future is not None and not ws.future.done():
            await ws.disconnect()


async def receive_type(ws: WebsocketCommunicator, kind: str, *, skipping: tuple[str, ...] = ()) -> dict:
    """The next message of `kind`. Only the INTERLEAVED kinds and those in `skipping` may come
    first; any other fails the test, naming it, rather than being passed over unseen."""
    while True:
        message = await ws.receive_json_from(timeout=3)
        if message["type"] == kind:
            return message
        assert message["type"] in (*INTERLEAVED, *skipping), f"waiting for {kind!r}, got {message}"


async def open_socket(room, user) -> tuple[WebsocketCommunicator, dict]:
    ws = communicator(room.pk, await database_sync_to_async(session_cookie)(user))
    connected, _ = await ws.connect()
    assert connected
    return ws, await receive_type(ws, "snapshot")
