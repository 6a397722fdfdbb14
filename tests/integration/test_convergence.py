"""Convergence under concurrency, property-based: three WebSocket clients in one room send
random valid and invalid diagram ops at once, some dropping their connection and coming
back mid-way, against a real server process on the Redis layer. Afterwards every client
holds the database's graph, the version counts the accepted ops, every acknowledged op is
in the log exactly once, and every op sent got exactly one answer.

HYPOTHESIS_EXAMPLES sets how many scenarios run (300 by default; more for a longer soak).
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect

from diagrams import ops
from diagrams.graph import EMPTY
from diagrams.models import DiagramOp
from interview import services
from interview.models import Room
from tests.conftest import session_cookie

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "300"))
NODE_IDS = ["a", "b", "c", "d"]
KINDS = ["service", "storage", "ranking", "no-such-kind"]

node = st.fixed_dictionaries(
    {
        "id": st.sampled_from(NODE_IDS),
        "label": st.sampled_from(["Events", "Store", "Ranker", ""]),
        "kind": st.sampled_from(KINDS),
    }
)
op = st.one_of(
    st.builds(lambda n: {"op": "add_node", "node": n}, node),
    st.builds(
        lambda i, label: {"op": "update_node", "id": i, "set": {"label": label}},
        st.sampled_from(NODE_IDS),
        st.sampled_from(["Feature store", "x" * 81]),
    ),
    st.builds(lambda i: {"op": "remove_node", "id": i}, st.sampled_from(NODE_IDS)),
    st.builds(
        lambda i, s, t: {"op": "add_edge", "edge": {"id": i, "source": s, "target": t}},
        st.sampled_from(["e1", "e2"]),
        st.sampled_from(NODE_IDS),
        st.sampled_from(NODE_IDS),
    ),
    st.builds(lambda i: {"op": "remove_edge", "id": i}, st.sampled_from(["e1", "e2"])),
    st.builds(lambda d: {"op": "set_direction", "direction": d}, st.sampled_from(["LR", "TB", "diagonal"])),
    st.just({"op": "explode"}),
    st.just("not an op"),
)
# Per client: its ops, and after which of them (if any) it drops its connection.
client_plan = st.tuples(st.lists(op, min_size=1, max_size=6), st.none() | st.integers(min_value=0, max_value=5))


@dataclass
class Client:
    """What a browser tab does with the protocol: apply what the server broadcasts in version
    order, catch up on a gap, and resend what was not yet answered after a reconnect."""

    name: str
    url: str
    cookie: str
    graph: dict = field(default_factory=lambda: EMPTY)
    version: int = 0
    pending: dict[str, object] = field(default_factory=dict)
    acked: dict[str, int] = field(default_factory=dict)
    rejected: set[str] = field(default_factory=set)
    answers: dict[str, int] = field(default_factory=dict)
    ws: object = None
    reader: asyncio.Task | None = None
    # Set on every message any client handles, for waiting on a condition without polling.
    progress: asyncio.Event = field(default_factory=asyncio.Event)

    async def open(self) -> None:
        self.ws = await connect(
            self.url,
            additional_headers={"Cookie": f"sessionid={self.cookie}"},
            origin=self.url.replace("ws", "http", 1).split("/ws/")[0],
        )
        self.synced = asyncio.Event()
        self.reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self.synced.wait(), 10)
        for client_op_id, sent in list(self.pending.items()):
            await self._send(sent, client_op_id)

    async def drop(self) -> None:
        await self.ws.close()
        await self.reader

    async def send(self, operation: object, client_op_id: str) -> None:
        self.pending[client_op_id] = operation
        await self._send(operation, client_op_id)

    async def _send(self, operation: object, client_op_id: str) -> None:
        await self.ws.send(json.dumps({"type": "diagram.op", "op": operation, "client_op_id": client_op_id}))

    def _answer(self, client_op_id: str) -> None:
        self.answers[client_op_id] = self.answers.get(client_op_id, 0) + 1
        self.pending.pop(client_op_id, None)

    async def _applied(self, message: dict) -> None:
        if message["client_op_id"] in self.pending and "inverse" in message:
            # My op, accepted: the broadcast, a replay, or the ack of a resend.
            self.acked[message["client_op_id"]] = message["version"]
            self._answer(message["client_op_id"])
        if message["version"] <= self.version:
            return  # already applied (a resend's ack, or a replay overlapping a broadcast)
        if message["version"] > self.version + 1:
            await self.ws.send(json.dumps({"type": "diagram.sync", "since": self.version}))
            return
        self.graph = ops.apply(self.graph, message["op"])
        self.version = message["version"]

    async def _read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            kind = message["type"]
            if kind == "snapshot":
                self.graph, self.version = message["room"]["diagram"]["graph"], message["room"]["diagram"]["version"]
                self.synced.set()
            elif kind == "diagram.snapshot":
                self.graph, self.version = message["graph"], message["version"]
            elif kind == "diagram.applied":
                await self._applied(message)
            elif kind == "diagram.ops":
                for applied in message["ops"]:
                    await self._applied(applied)
            elif kind == "diagram.rejected" or (kind == "error" and "client_op_id" in message):
                self.rejected.add(message["client_op_id"])
                self._answer(message["client_op_id"])
            self.progress.set()


@pytest.fixture
def signed_in(interviewer, candidate) -> dict[str, str]:
    """Session cookies, made once for all the examples of a test."""
    return {"carl": session_cookie(candidate), "ines": session_cookie(interviewer)}


async def until(clients: list[Client], done) -> None:
    progress = clients[0].progress
    while not done():
        progress.clear()
        await progress.wait()


async def run(server: str, room: Room, cookies: list[str], plans) -> list[Client]:
    url = server.replace("http", "ws", 1) + f"/ws/rooms/{room.pk}/"
    progress = asyncio.Event()
    clients = [Client(f"c{i}", url, cookie, progress=progress) for i, cookie in enumerate(cookies)]

    await asyncio.gather(*(client.open() for client in clients))

    async def play(client: Client, plan) -> None:
        operations, drop_after = plan
        for number, operation in enumerate(operations):
            await client.send(operation, f"{client.name}-{number}")
            if number == drop_after:
                await client.drop()
                await client.open()

    await asyncio.gather(*(play(client, plan) for client, plan in zip(clients, plans, strict=True)))
    # Settle: every op answered, then everyone catches up with the last version.
    async with asyncio.timeout(15):
        await until(clients, lambda: not any(client.pending for client in clients))
        for client in clients:
            await client.ws.send(json.dumps({"type": "diagram.sync", "since": client.version}))
        final = max(client.version for client in clients)
        await until(clients, lambda: all(client.version >= final for client in clients))
    await asyncio.gather(*(client.drop() for client in clients))
    return clients


@pytest.mark.timeout(60 + EXAMPLES)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 300,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plans=st.tuples(client_plan, client_plan, client_plan))
def test_three_clients_converge_on_what_the_database_holds(app_url, problem, interviewer, candidate, signed_in, plans):

    room = services.room_join(
        token=services.room_create(problem=problem, interviewer=interviewer).invite_token, user=candidate
    )
    # Two tabs of the candidate and one of the interviewer.
    cookies = [signed_in["carl"], signed_in["carl"], signed_in["ines"]]
    clients = asyncio.run(run(app_url, room, cookies, plans))

    room.diagram.refresh_from_db()
    log = list(DiagramOp.objects.filter(diagram=room.diagram).order_by("version"))
    for client in clients:
        assert client.graph == room.diagram.graph
        assert client.version == room.diagram.version
    assert [entry.version for entry in log] == list(range(1, room.diagram.version + 1))
    acked = {cid: version for client in clients for cid, version in client.acked.items()}
    logged = [entry.client_op_id for entry in log]
    assert sorted(logged) == sorted(acked)
    assert {entry.client_op_id: entry.version for entry in log} == acked
    sent = {f"c{i}-{n}" for i, (operations, _) in enumerate(plans) for n in range(len(operations))}
    rejected = set().union(*(client.rejected for client in clients))
    assert set(acked) | rejected == sent
    assert not set(acked) & rejected
    for client in clients:
        assert all(count == 1 for count in client.answers.values()), client.answers
