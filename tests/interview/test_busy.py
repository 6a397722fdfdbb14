"""Back-pressure (core/busy.py): a process with as much work in hand as it takes refuses more
with `busy` and a retry hint, sheds what can be shed, and loses nothing it took on."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError, connection
from django.test import RequestFactory
from psycopg_pool import PoolTimeout

from core import busy
from diagrams.models import Diagram, DiagramOp
from tests import servers
from tests.helpers import open_socket, receive_type

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="holds a row lock, which SQLite does not have; CI runs on PostgreSQL"
)


def add(node_id: str, client_op_id: str) -> dict:
    return {
        "type": "diagram.op",
        "op": {"op": "add_node", "node": {"id": node_id, "label": node_id, "kind": "service"}},
        "client_op_id": client_op_id,
    }


async def until(condition) -> None:
    """Poll the process's admission counter, which sets no event to wait on."""
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def types_received(ws, quiet: float = 0.3) -> list[str]:
    """The types of all the socket is sent until it has been quiet for `quiet` seconds."""
    types = []
    while not await ws.receive_nothing(timeout=quiet):
        types.append((await ws.receive_json_from())["type"])
    return types


@needs_postgresql
async def test_a_saturated_process_answers_busy_sheds_selection_and_loses_nothing(
    joined_room, interviewer, candidate, settings
):
    settings.MAX_IN_FLIGHT = 2
    stuck_i, _ = await open_socket(joined_room, interviewer)
    stuck_c, _ = await open_socket(joined_room, candidate)
    tab, _ = await open_socket(joined_room, interviewer)
    watcher, _ = await open_socket(joined_room, candidate)
    await tab.send_json_to({"type": "ping"})
    await receive_type(tab, "pong")

    diagram_id = await database_sync_to_async(lambda: joined_room.diagram.pk)()
    with servers.diagram_row_held(diagram_id):
        await stuck_i.send_json_to(add("a", "a"))
        await stuck_c.send_json_to(add("c", "c"))
        await until(lambda: busy.admission.in_flight == 2)

        # Two ops are in hand and waiting: a third is refused at once, saying when to come again.
        await tab.send_json_to(add("b1", "b1"))
        refused = await receive_type(tab, "error")
        assert (refused["code"], refused["request"], refused["client_op_id"]) == ("busy", "diagram.op", "b1")
        assert busy.RETRY_AFTER_MS <= refused["retry_after_ms"] <= 1.5 * busy.RETRY_AFTER_MS
        assert "send it again in" in refused["message"]
        # A selection is shed (the other side is never sent it); the heartbeat is answered at once
        # from the presence the socket last read.
        await tab.send_json_to({"type": "diagram.select", "node_ids": ["a"]})
        await tab.send_json_to({"type": "ping"})
        pong = await receive_type(tab, "pong")
        assert [p["role"] for p in pong["participants"] if p["connected"]] == ["interviewer", "candidate"]
        assert "diagram.selection" not in await types_received(watcher)
    for ws in (stuck_i, stuck_c):
        assert sorted([(await receive_type(ws, "diagram.applied"))["client_op_id"] for _ in range(2)]) == ["a", "c"]
    await until(lambda: busy.admission.in_flight == 0)
    # The process is free again, but this socket was told to wait: what it sends before the
    # refused op comes again is refused too, however late (a page under load hears late), so
    # that all of it is applied in the order it was sent.
    await tab.send_json_to(add("b2", "b2"))
    assert (await receive_type(tab, "error", skipping=("diagram.applied",)))["client_op_id"] == "b2"
    await asyncio.sleep(1.5 * busy.RETRY_AFTER_MS / 1000)
    await tab.send_json_to(add("b3", "b3"))
    assert (await receive_type(tab, "error", skipping=("diagram.applied",)))["client_op_id"] == "b3"

    for op_id in ("b1", "b2", "b3"):
        await tab.send_json_to(add(op_id, op_id))
    await tab.send_json_to({"type": "diagram.select", "node_ids": ["b1"]})
    assert (await receive_type(watcher, "diagram.selection", skipping=("diagram.applied",)))["node_ids"] == ["b1"]

    ops = DiagramOp.objects.filter(diagram=joined_room.diagram).order_by("version")
    logged = await database_sync_to_async(lambda: list(ops.values_list("client_op_id", flat=True)))()
    # Every op taken on was applied once; the refused ones once each when sent again, in order.
    assert sorted(logged[:2]) == ["a", "c"]
    assert logged[2:] == ["b1", "b2", "b3"]
    graph = await database_sync_to_async(lambda: Diagram.objects.get(pk=joined_room.diagram.pk).graph)()
    assert sorted(node["id"] for node in graph["nodes"]) == ["a", "b1", "b2", "b3", "c"]


async def test_a_request_that_gets_no_database_connection_in_time_is_answered_503_busy_not_500():
    try:
        try:
            raise PoolTimeout("couldn't get a connection after 10.00 sec")
        except PoolTimeout as timeout:
            raise OperationalError(str(timeout)) from timeout
    except OperationalError as wrapped:
        error = wrapped
    middleware = busy.BusyMiddleware(lambda request: None)
    api = middleware.process_exception(RequestFactory().post("/api/rooms/"), error)
    assert api.status_code == 503
    assert json.loads(api.content)["code"] == "busy"
    assert 1 <= int(api["Retry-After"]) <= 2
    page = middleware.process_exception(RequestFactory().get("/rooms/"), error)
    assert page.status_code == 503
    assert page.content.decode().startswith("The server is busy; nothing was changed")
    # Any other database error is left to Django (a 500, logged).
    assert middleware.process_exception(RequestFactory().get("/rooms/"), OperationalError("disk full")) is None
