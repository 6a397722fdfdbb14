"""The web process as `make run` starts it (the Procfile line): limits set on the server."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from websockets.asyncio.client import connect

from tests import servers
from tests.conftest import session_cookie

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def web(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        database_url = servers.shared_database_url()
    with servers.asgi_server(redis_url=None, database_url=database_url) as url:
        yield url


async def test_frame_over_the_server_limit_closes_with_1009_and_saved_notes_survive(web, joined_room, candidate):
    cookie = await database_sync_to_async(session_cookie)(candidate)
    url = web.replace("http", "ws") + f"/ws/rooms/{joined_room.pk}/"
    headers = {"Cookie": f"sessionid={cookie}"}
    async with connect(url, additional_headers=headers, origin=web, max_size=None) as ws:
        await ws.send(json.dumps({"type": "notes.save", "kind": "candidate", "text": "kept"}))
        while json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] != "notes.saved":
            pass
        await ws.send(json.dumps({"type": "notes.save", "kind": "candidate", "text": "x" * 2_000_000}))
        await asyncio.wait_for(ws.wait_closed(), 10)
        assert ws.close_code == 1009

    async with connect(url, additional_headers=headers, origin=web) as ws:
        while (message := json.loads(await asyncio.wait_for(ws.recv(), 10)))["type"] != "snapshot":
            pass
        assert message["room"]["candidate_notes"] == "kept"
