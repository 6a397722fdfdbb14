"""The load side of bench/sync_load.py, run as a process of its own: two WebSocket clients
per room, each sending a diagram op at a fixed rate, measuring op -> peer (until the other
participant receives it) and op -> ack (until the sender hears it back).

Reads a JSON plan on stdin: {"mode": "app"|"relay"|"idle", "run", "rate", "duration", "page",
"rooms": [{"id", "urls": [two ws URLs], "origin", "cookies": [two] }]}; writes the measurements
as JSON. With "page" each client also asks what the room page asks of the server around an
op: the page lays out and draws each version itself, so per version it asks nothing, and
after a block of its own is added it selects it (diagram.select, relayed to the other side).
In "idle" mode every participant connects, waits for its snapshot and then only sends the
page's heartbeat; the JSON says how many were connected, and when.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import random
import sys
import time

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

LOST_AFTER_SECONDS = 5
HEARTBEAT_SECONDS = 10  # as the page does


class Stats:
    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.peer: dict[str, float] = {}
        self.ack: dict[str, float] = {}
        self.errors: list[str] = []
        self.connected = 0
        self.all_connected = asyncio.Event()
        self.start_at = 0.0


async def participant(plan: dict, room: dict, seat: int, stats: Stats) -> None:
    name = f"{room['id'][:8]}-{seat}"
    headers = {"Cookie": f"sessionid={room['cookies'][seat]}"} if room["cookies"][seat] else {}
    try:
        ws = await connect(room["urls"][seat], additional_headers=headers, origin=room["origin"], open_timeout=30)
    except Exception as error:  # a refused or failed connection is counted, not fatal
        stats.errors.append(f"connect: {error}")
        return
    app = plan["mode"] in ("app", "idle")
    if app:
        async with asyncio.timeout(60):
            while json.loads(await ws.recv()).get("type") != "snapshot":
                pass
    stats.connected += 1
    if stats.connected == plan["expected"]:
        stats.start_at = time.perf_counter()
        stats.all_connected.set()
    if plan["mode"] == "idle":
        await idle(ws, plan, stats)
        return

    reader = asyncio.create_task(receive(ws, name, stats, app, plan.get("page", False)))
    try:
        await send_ops(ws, plan, name, stats, app)
    except ConnectionClosed as closed:
        stats.errors.append(f"closed: {closed}")
    reader.cancel()
    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
        await reader
    await ws.close()


async def receive(ws, name: str, stats: Stats, app: bool, page: bool) -> None:
    try:
        async for raw in ws:
            now = time.perf_counter()
            message = json.loads(raw)
            kind = message.get("type")
            if kind in ("error", "diagram.rejected"):
                stats.errors.append(f"{kind}: {message.get('message') or message.get('reason')}")
                continue
            if app and kind != "diagram.applied":
                continue
            op_id = message.get("client_op_id", "")
            if op_id not in stats.sent:
                continue
            if op_id.startswith(name + ":"):
                stats.ack.setdefault(op_id, now)
                if page and message["op"]["op"] == "add_node":
                    await ws.send(json.dumps({"type": "diagram.select", "node_ids": [message["op"]["node"]["id"]]}))
            else:
                stats.peer.setdefault(op_id, now)
    except ConnectionClosed as closed:
        stats.errors.append(f"closed: {closed}")


async def send_ops(ws, plan: dict, name: str, stats: Stats, app: bool) -> None:
    # The clock starts once every participant has its snapshot: what is measured is a live
    # session, not the connection storm before it (timed separately, as connect_seconds).
    await stats.all_connected.wait()
    start_at = stats.start_at
    await asyncio.sleep(random.random() / plan["rate"])
    # Runs of one benchmark share the rooms: each run adds its own block, under op ids of its own.
    run = plan.get("run", 0)
    node = {"id": f"{name.replace('-', '_')}_{run}", "label": "Block", "kind": "service"}
    interval, sequence = 1 / plan["rate"], 0
    deadline = start_at + plan["duration"]
    # Pages open at different moments, so their heartbeats are out of step.
    next_beat = time.perf_counter() + random.uniform(0, HEARTBEAT_SECONDS)
    while time.perf_counter() < deadline:
        op = (
            {"op": "add_node", "node": node}
            if sequence == 0
            else {"op": "update_node", "id": node["id"], "set": {"label": f"Block {sequence}"}}
        )
        op_id = f"{name}:{run}:{sequence}"
        stats.sent[op_id] = time.perf_counter()
        await ws.send(json.dumps({"type": "diagram.op", "op": op, "client_op_id": op_id}))
        sequence += 1
        if app and time.perf_counter() >= next_beat:
            await ws.send('{"type":"ping"}')
            next_beat += HEARTBEAT_SECONDS
        await asyncio.sleep(interval)
    await asyncio.sleep(LOST_AFTER_SECONDS)


async def idle(ws, plan: dict, stats: Stats) -> None:
    """Connected and quiet but for the heartbeat, until the plan's end."""
    end = time.perf_counter() + plan["duration"]
    drain = asyncio.create_task(_drain(ws))
    while time.perf_counter() < end:
        await asyncio.sleep(min(HEARTBEAT_SECONDS, max(0.0, end - time.perf_counter())))
        await ws.send('{"type":"ping"}')
    drain.cancel()
    await ws.close()


async def _drain(ws) -> None:
    async for _ in ws:
        pass


async def run(plan: dict) -> dict:
    stats = Stats()
    plan["expected"] = 2 * len(plan["rooms"])
    if plan["mode"] == "idle":
        return await run_idle(plan, stats)
    started = time.perf_counter()
    clients = asyncio.gather(*(participant(plan, room, seat, stats) for room in plan["rooms"] for seat in (0, 1)))
    # A participant that never connects is counted as an error and its ops as lost.
    try:
        await asyncio.wait_for(stats.all_connected.wait(), 120)
    except TimeoutError:
        stats.start_at = time.perf_counter()
        stats.all_connected.set()
    connect_seconds = stats.start_at - started
    # The load process's own garbage collections (up to 35 ms each, measured) would be counted
    # as latency of whatever arrived meanwhile; for the bounded run its heap simply grows.
    gc.disable()
    try:
        await clients
    finally:
        gc.enable()
    peer = sorted((stats.peer[k] - stats.sent[k]) * 1000 for k in stats.peer)
    ack = sorted((stats.ack[k] - stats.sent[k]) * 1000 for k in stats.ack)
    late = sum(1 for k in stats.peer if stats.peer[k] - stats.sent[k] > LOST_AFTER_SECONDS)
    return {
        "ops": len(stats.sent),
        "peer_ms": peer,
        "ack_ms": ack,
        "lost": len(stats.sent) - len(stats.peer) + late,
        "errors": len(stats.errors),
        "error_samples": stats.errors[:5],
        "duration": plan["duration"],
        "connect_seconds": round(connect_seconds, 2),
    }


async def run_idle(plan: dict, stats: Stats) -> dict:
    """Connect everyone; print a line once all are connected, so the caller can sample."""
    clients = asyncio.gather(*(participant(plan, room, seat, stats) for room in plan["rooms"] for seat in (0, 1)))
    # Some may never connect: the counts below say how many did.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stats.all_connected.wait(), 180)
    print("connected", flush=True)
    await clients
    return {"connected": stats.connected, "errors": len(stats.errors), "error_samples": stats.errors[:5]}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(json.load(sys.stdin)))))
