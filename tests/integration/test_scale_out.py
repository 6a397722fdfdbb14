"""Two ASGI server processes sharing the real Redis channel layer: the scale-out path.

A participant on one process must see what the other participant does on the other
process. With an in-process channel layer these messages could never arrive.
"""

import asyncio
import base64
import json
import os
import socket
import time

import pytest
from channels.db import database_sync_to_async
from websockets.asyncio.client import connect

from bench.sync_load import nginx
from interview.models import RoomConnection
from tests import servers
from tests.conftest import session_cookie
from tests.helpers import INTERLEAVED

pytestmark = [pytest.mark.integration, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def two_servers(redis_url, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        database_url = servers.shared_database_url()
    with (
        servers.asgi_server(redis_url=redis_url, database_url=database_url) as first,
        servers.asgi_server(redis_url=redis_url, database_url=database_url) as second,
    ):
        yield first, second


async def open_room(base_url: str, room, user):
    cookie = await database_sync_to_async(session_cookie)(user)
    return connect(
        base_url.replace("http", "ws") + f"/ws/rooms/{room.pk}/",
        additional_headers={"Cookie": f"sessionid={cookie}"},
        origin=base_url,
        open_timeout=15,
    )


async def receive_type(ws, kind: str, *, skipping: tuple[str, ...] = ()) -> dict:
    """tests.helpers.receive_type, for a socket to a real server process."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] == kind:
            return message
        assert message["type"] in (*INTERLEAVED, *skipping), f"waiting for {kind!r}, got {message}"


async def wait_presence(ws, role: str, connected: bool) -> None:
    while True:
        message = await receive_type(ws, "presence")
        seat = next(p for p in message["participants"] if p["role"] == role)
        if seat["connected"] is connected:
            return


async def test_timer_presence_notes_and_diagram_cross_processes(two_servers, joined_room, interviewer, candidate):
    first, second = two_servers
    assert first != second
    async with await open_room(second, joined_room, candidate) as candidate_ws:
        await receive_type(candidate_ws, "snapshot")
        async with await open_room(first, joined_room, interviewer) as interviewer_ws:
            snapshot = await receive_type(interviewer_ws, "snapshot")
            assert snapshot["participants"][1] == {"role": "candidate", "username": "carl", "connected": True}
            await wait_presence(candidate_ws, "interviewer", connected=True)

            await interviewer_ws.send(json.dumps({"type": "timer.control", "action": "start"}))
            state = await receive_type(candidate_ws, "timer.state")
            assert state["action"] == "start"
            assert state["timer"]["status"] == "running"

            await candidate_ws.send(json.dumps({"type": "notes.save", "kind": "candidate", "text": "p99 < 200 ms"}))
            # The interviewer's socket also hears the timer it started.
            update = await receive_type(interviewer_ws, "notes.updated", skipping=("timer.state",))
            assert update["text"] == "p99 < 200 ms"

            # Diagram ops from both processes land in one order that both sides see.
            ops = [
                (candidate_ws, {"op": "add_node", "node": {"id": "ann", "label": "ANN index", "kind": "vector_index"}}),
                (interviewer_ws, {"op": "add_node", "node": {"id": "rank", "label": "Ranker", "kind": "ranking"}}),
            ]
            for ws, op in ops:
                await ws.send(json.dumps({"type": "diagram.op", "op": op, "client_op_id": op["node"]["id"]}))
            for ws in (candidate_ws, interviewer_ws):
                applied = [await receive_type(ws, "diagram.applied") for _ in ops]
                assert [a["version"] for a in applied] == [1, 2]
                assert {a["client_op_id"] for a in applied} == {"ann", "rank"}
            await interviewer_ws.send(json.dumps({"type": "diagram.sync", "since": 0}))
            caught_up = await receive_type(interviewer_ws, "diagram.ops")
            assert caught_up["version"] == 2
            assert sorted(applied["op"]["node"]["label"] for applied in caught_up["ops"]) == ["ANN index", "Ranker"]

        await wait_presence(candidate_ws, "interviewer", connected=False)


def vanishing_client(base_url: str, room, cookie: str) -> socket.socket:
    """A WebSocket handshake over a raw socket that then never reads or writes again: a
    laptop lid closed, a phone in a tunnel. It never answers the server's pings."""
    host, port = base_url.removeprefix("http://").split(":")
    raw = socket.create_connection((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall(
        (
            f"GET /ws/rooms/{room.pk}/ HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {base_url}\r\nCookie: sessionid={cookie}\r\n\r\n"
        ).encode()
    )
    assert raw.recv(4096).startswith(b"HTTP/1.1 101")
    return raw


async def test_a_client_that_vanishes_is_dropped_and_the_other_side_sees_it_leave(
    two_servers, joined_room, interviewer, candidate
):
    first, _ = two_servers
    cookie = await database_sync_to_async(session_cookie)(candidate)
    async with await open_room(first, joined_room, interviewer) as interviewer_ws:
        await receive_type(interviewer_ws, "snapshot")
        raw = vanishing_client(first, joined_room, cookie)
        try:
            await wait_presence(interviewer_ws, "candidate", connected=True)
            started = time.monotonic()
            # Uvicorn pings every 5 s and gives up 5 s later (the Procfile's --ws-ping-*);
            # the consumer then leaves its groups and presence drops the socket.
            async with asyncio.timeout(20):
                while True:
                    message = json.loads(await interviewer_ws.recv())
                    seats = {p["role"]: p for p in message.get("participants", [])}
                    if message["type"] == "presence" and seats["candidate"]["connected"] is False:
                        break
            assert time.monotonic() - started <= 15
        finally:
            raw.close()
    assert not await database_sync_to_async(RoomConnection.objects.filter(user=candidate).exists)()


async def test_a_client_that_closes_before_its_answer_costs_no_error(redis_url, joined_room, candidate):
    """The page's last heartbeat often crosses the tab closing: the answer then has nowhere
    to go, which is normal and must not be logged as a failure."""
    cookie = await database_sync_to_async(session_cookie)(candidate)
    database_url = await database_sync_to_async(servers.shared_database_url)()
    port = servers.free_port()
    with servers.procfile_process("web", redis_url=redis_url, database_url=database_url, port=port) as (
        process,
        read_log,
    ):
        servers.wait_for_port(port, process)
        for _ in range(5):
            async with connect(
                f"ws://127.0.0.1:{port}/ws/rooms/{joined_room.pk}/",
                additional_headers={"Cookie": f"sessionid={cookie}"},
                origin=f"http://127.0.0.1:{port}",
            ) as ws:
                await receive_type(ws, "snapshot")
                for _ in range(5):
                    await ws.send(json.dumps({"type": "ping"}))
        # Every socket's disconnect handler has run, so anything it would log is in the log.
        await database_sync_to_async(servers.wait_for_disconnects)()
        log = read_log()
    assert log.count("connection open") == 5
    assert "Traceback" not in log
    assert "ERROR" not in log


async def test_both_sockets_pass_the_sample_nginx_served_on_a_port_of_its_own(
    two_servers, joined_room, interviewer, candidate
):
    """deploy/nginx.conf in front of both processes, on a port other than 80 or 443: the
    socket's Origin check compares the port too, so the Host nginx passes on must keep it."""
    front, port = await asyncio.to_thread(nginx, [int(url.rsplit(":", 1)[1]) for url in two_servers])
    site = f"http://127.0.0.1:{port}"
    try:
        async with await open_room(site, joined_room, candidate) as candidate_ws:
            await receive_type(candidate_ws, "snapshot")
            async with await open_room(site, joined_room, interviewer) as interviewer_ws:
                await receive_type(interviewer_ws, "snapshot")
                add = {"op": "add_node", "node": {"id": "ranker", "label": "Ranker", "kind": "ranking"}}
                await candidate_ws.send(json.dumps({"type": "diagram.op", "op": add, "client_op_id": "c1"}))
                applied = await receive_type(interviewer_ws, "diagram.applied", skipping=("presence",))
                assert applied["client_op_id"] == "c1"
    finally:
        servers.stop(front)
