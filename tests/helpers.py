"""What many test files do: call the API as someone, open the room's socket over the real
ASGI stack, wait for one kind of message, and the kit's text a candidate must never see."""

from __future__ import annotations

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


def communicator(room_id, cookie: str | None = None, origin: bytes = b"http://localhost") -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/rooms/{room_id}/", headers=headers)


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
