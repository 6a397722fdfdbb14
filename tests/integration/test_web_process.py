"""The web process as `make run` starts it (the Procfile line): limits set on the server."""

import asyncio
import contextlib
import json

import pytest
import requests
from channels.db import database_sync_to_async
from django.db import connection
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from interview.protocol import MAX_FRAME_BYTES, too_large_error
from tests import servers
from tests.conftest import session_cookie

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def web(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        database_url = servers.shared_database_url()
    with servers.asgi_server(redis_url=None, database_url=database_url) as url:
        yield url


async def _recv_type(ws, kind: str) -> dict:
    while (message := json.loads(await asyncio.wait_for(ws.recv(), 10)))["type"] != kind:
        pass
    return message


@pytest.mark.parametrize(
    "size", [MAX_FRAME_BYTES + 1, 1024 * 1024 + 1, 2_000_000, 20_000_000], ids=["limit+1", "1MiB+1", "2MB", "20MB"]
)
async def test_every_oversized_frame_gets_the_documented_error_and_1009_and_saved_notes_survive(
    web, joined_room, candidate, size
):
    cookie = await database_sync_to_async(session_cookie)(candidate)
    url = web.replace("http", "ws") + f"/ws/rooms/{joined_room.pk}/"
    headers = {"Cookie": f"sessionid={cookie}"}
    async with connect(url, additional_headers=headers, origin=web, max_size=None) as ws:
        await ws.send(json.dumps({"type": "notes.save", "kind": "candidate", "text": "kept", "save_id": "n1"}))
        await _recv_type(ws, "saved")
        with contextlib.suppress(ConnectionClosed):
            await ws.send(json.dumps({"type": "notes.save", "kind": "candidate", "text": "x" * size}))
        error = await _recv_type(ws, "error")
        assert error == too_large_error()
        await asyncio.wait_for(ws.wait_closed(), 10)
        assert ws.close_code == 1009

    async with connect(url, additional_headers=headers, origin=web) as ws:
        assert (await _recv_type(ws, "snapshot"))["room"]["candidate_notes"] == "kept"


@pytest.mark.parametrize("origin", ["http://127.0.0.1:9999", "https://127.0.0.1", "http://localhost"])
async def test_a_page_on_another_port_or_scheme_cannot_open_the_room_socket(web, joined_room, candidate, origin):
    cookie = await database_sync_to_async(session_cookie)(candidate)
    url = web.replace("http", "ws") + f"/ws/rooms/{joined_room.pk}/"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, additional_headers={"Cookie": f"sessionid={cookie}"}, origin=origin):
            pass
    assert refused.value.response.status_code == 403


async def test_a_missing_static_file_is_a_404_in_development_too(web):
    # The web process runs with DEBUG=true, as `make run` does.
    missing = await asyncio.to_thread(requests.get, f"{web}/static/nope.css", timeout=10)
    present = await asyncio.to_thread(requests.get, f"{web}/static/css/site.css", timeout=10)
    assert (missing.status_code, present.status_code) == (404, 200)


async def test_requests_share_the_pools_database_connections_instead_of_opening_one_each(web, interviewer):
    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's; a SQLite connection is a file opened in the process")

    def sessions_opened() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
            return cursor.fetchone()[0]

    token = await database_sync_to_async(lambda: Token.objects.create(user=interviewer).key)()
    before = await database_sync_to_async(sessions_opened)()
    for _ in range(30):
        # Each reads the token and the rooms: a request that does not reach the database
        # would prove nothing.
        response = await asyncio.to_thread(
            requests.get, f"{web}/api/rooms/", headers={"Authorization": f"Token {token}"}, timeout=10
        )
        assert response.status_code == 200
    # A backend counts its session when it first goes idle, so the count is there by now.
    assert await database_sync_to_async(sessions_opened)() - before <= 2
