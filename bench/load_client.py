"""The load side of bench/sync_load.py, run as a process of its own: two WebSocket clients
per room, measuring op -> peer (until the other participant receives the op's
diagram.applied, which is all its page needs to draw it: pages lay out and draw each version
themselves) and op -> ack (until the sender hears it back).

Reads a JSON plan on stdin: {"mode": "app"|"relay"|"idle", "model": "stress"|"interview",
"run", "rate", "duration", "page", "recover_rooms", "recover_seconds", "profile",
"rooms": [{"id", "urls": [two ws URLs], "origins": [two], "cookies": [two], "offset", "facts"}]};
writes the measurements as JSON.

- "stress": each client sends a diagram op `rate` times a second and the page's heartbeat.
  With "page" it also selects each block of its own once added, as the page does. With
  "recover_rooms" the other rooms leave after `duration` (their pages send nothing more, not
  even what the server refused) and these go on `recover_seconds` more: how long the server
  takes to be quick again.
- "interview": each client replays what its page sent in a recorded interview, from the
  room's offset on (bench/interview_model.py).
- "idle": every participant connects, waits for its snapshot and then only sends the page's
  heartbeat; the JSON says how many were connected, and when.

In every model a message the server refuses as busy is sent again after its retry hint, with
the page's backoff, in order (static/js/room/connection.js); op -> peer counts from the
sending that was applied, and from when the page made the op too.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import itertools
import json
import random
import sys
import time

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.interview_model import CONNECT, MAKERS, Seat

LOST_AFTER_SECONDS = 5
HEARTBEAT_SECONDS = 10  # as the page does
# The page's backoff for messages refused as busy (static/js/room/connection.js).
BUSY_BACKOFF_MS = 500
MAX_BUSY_BACKOFF_MS = 5000
BUSY_RESET_SECONDS = 10
NOT_RESENT = {"ping", "diagram.select", "diagram.view"}
# Handshakes in progress at once before the measured time: people arrive over minutes, not
# in one instant, and thousands of handshakes at once time out on this machine's two cores.
CONNECTING_AT_MOST = 50


def answer_key(message: dict) -> tuple | None:
    """What ties a message to its answer (applied, saved, refused): its op or save id."""
    key = (message.get("client_op_id"), message.get("save_id"))
    return key if key != (None, None) else None


class Stats:
    def __init__(self) -> None:
        self.made: dict[str, float] = {}  # op id -> when the page made it (sent, or queued behind a refusal)
        self.sent: dict[str, float] = {}  # op id -> its last sending (the one applied, if any)
        self.peer: dict[str, float] = {}
        self.ack: dict[str, float] = {}
        self.kinds: dict[str, str] = {}  # op id -> the op's kind (or diagram.import)
        self.errors: list[str] = []
        self.busy = 0
        self.unsent = 0  # still refused as busy when the client stopped
        self.connected = 0
        self.all_connected = asyncio.Event()
        self.start_at = 0.0


class Client:
    """One participant's socket, sending as the page's connection does."""

    def __init__(self, plan: dict, room: dict, seat: int, stats: Stats) -> None:
        self.plan, self.room, self.seat_number, self.stats = plan, room, seat, stats
        self.name = f"{room['id'][:8]}-{seat}"
        self.app = plan["mode"] in ("app", "idle")
        self.ws = None
        self.reader = None
        self.recent: list[tuple[int, dict]] = []  # (sequence, message) sent lately: what a busy answer may be about
        self.backlog: list[tuple[int, dict]] = []  # refused as busy (or made after), in the order made
        self.busy_count, self.busy_at = 0, 0.0
        self.flush_waiting = False  # a flush of the backlog is scheduled and has not begun
        self.awaiting: tuple | None = None  # the answer a flush waits for before it goes on
        self.sequence = itertools.count()
        self.flushes: set[asyncio.Task] = set()
        # The room as the page holds it, for the interview model's messages; the stress model
        # needs only the version, and following the graph would cost the load process more
        # than it can spare at a thousand ops a second.
        self.model = Seat(self.name, room.get("facts", {}), graph=plan.get("model") == "interview")
        self.syncing = False  # a diagram.sync asked and not yet answered
        self.left = False  # its page has closed: nothing more is sent, only answers awaited

    async def open(self) -> bool:
        headers = {"Cookie": f"sessionid={self.room['cookies'][self.seat_number]}"}
        if not self.room["cookies"][self.seat_number]:
            headers = {}
        try:
            self.ws = await connect(
                self.room["urls"][self.seat_number],
                additional_headers=headers,
                origin=self.room["origins"][self.seat_number],
                open_timeout=30,
            )
        except Exception as error:  # a refused or failed connection is counted, not fatal
            self.stats.errors.append(f"connect: {error}")
            return False
        if self.app:
            async with asyncio.timeout(60):
                while (message := json.loads(await self.ws.recv())).get("type") != "snapshot":
                    pass
            self.model.snapshot(message)
        return True

    async def reconnect(self) -> None:
        """As a page whose connection dropped: a new socket, its snapshot, and what it had not
        seen acknowledged sent again."""
        await self.stop_reading()
        await self.ws.close()
        self.backlog, self.recent, self.syncing, self.awaiting = [], [], False, None
        if await self.open():
            self.start_reading()

    def start_reading(self) -> None:
        self.reader = asyncio.create_task(self.receive())

    async def stop_reading(self) -> None:
        for flush in self.flushes:
            flush.cancel()
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
            await self.reader

    async def send(self, message: dict) -> None:
        if "client_op_id" in message:
            self.stats.made.setdefault(message["client_op_id"], time.perf_counter())
            kind = message["op"]["op"] if message["type"] == "diagram.op" else message["type"]
            self.stats.kinds[message["client_op_id"]] = kind
        entry = (next(self.sequence), message)
        if (self.backlog or self.awaiting) and message["type"] not in NOT_RESENT:
            bisect.insort(self.backlog, entry, key=lambda queued: queued[0])
        else:
            await self.transmit(entry)

    async def transmit(self, entry: tuple[int, dict]) -> None:
        message = entry[1]
        op_id = message.get("client_op_id")
        if op_id:
            self.stats.sent[op_id] = time.perf_counter()
        await self.ws.send(json.dumps(message))
        if message["type"] not in NOT_RESENT:
            self.recent = [*self.recent[-99:], entry]

    def refused_busy(self, error: dict) -> None:
        self.stats.busy += 1
        refused = answer_key(error)
        for index, (_, message) in enumerate(self.recent):
            if message["type"] == error.get("request") and answer_key(message) == refused:
                # Back in its place: before whatever was made after it.
                bisect.insort(self.backlog, self.recent.pop(index), key=lambda queued: queued[0])
                break
        if self.awaiting == refused:
            self.awaiting = None
        if self.left:
            self.stop_sending()
            return
        # The rest of a round (the server refuses what follows a refusal too) waits for the
        # same flush; only a new round doubles the backoff.
        if self.flush_waiting:
            return
        now = time.perf_counter()
        self.busy_count = 1 if now - self.busy_at > BUSY_RESET_SECONDS else self.busy_count + 1
        self.busy_at = now
        backoff = min(MAX_BUSY_BACKOFF_MS, BUSY_BACKOFF_MS * 2 ** (self.busy_count - 1))
        delay = max(error.get("retry_after_ms", 0), backoff * random.uniform(1, 1.5)) / 1000
        self.flush_waiting = True
        flush = asyncio.create_task(self.flush(delay))
        self.flushes.add(flush)
        flush.add_done_callback(self.flushes.discard)

    async def flush(self, delay: float) -> None:
        await asyncio.sleep(delay)
        # From here a refusal schedules a flush of its own, as it does in the page.
        self.flush_waiting = False
        with contextlib.suppress(ConnectionClosed):
            await self.drain()

    async def drain(self) -> None:
        """Send what waits, in order, one answered message at a time: the server takes a
        socket's messages one after another anyway, and a backlog sent at once would only
        wait in its queue (or be refused whole)."""
        while self.backlog and not self.awaiting:
            entry = self.backlog.pop(0)
            await self.transmit(entry)
            self.awaiting = answer_key(entry[1])

    async def receive(self) -> None:
        stats = self.stats
        try:
            async for raw in self.ws:
                now = time.perf_counter()
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "error" and message.get("code") == "busy":
                    self.refused_busy(message)
                    continue
                if self.awaiting and answer_key(message) == self.awaiting:
                    self.awaiting = None
                    if not self.flush_waiting:
                        await self.drain()
                if kind in ("error", "diagram.rejected"):
                    stats.errors.append(f"{kind}: {message.get('message') or message.get('reason')}")
                    continue
                if self.app:
                    await self.follow(message, now)
                else:
                    await self.relayed(message, now)
        except ConnectionClosed as closed:
            stats.errors.append(f"closed: {closed}")

    async def follow(self, message: dict, now: float) -> None:
        """Keep the room as the page holds it, as its messages say."""
        kind, model = message["type"], self.model
        if kind == "diagram.lock":
            model.locked = message["locked"]
        elif kind == "snapshot":
            model.snapshot(message)
        elif kind == "diagram.snapshot":
            model.graph, model.version, self.syncing = message["graph"], message["version"], False
        elif kind in ("diagram.applied", "diagram.ops"):
            for applied in message["ops"] if kind == "diagram.ops" else [message]:
                model.applied(applied)
                await self.relayed(applied, now)
            if kind == "diagram.ops":
                self.syncing = False
            elif message["version"] > model.version and not self.syncing:
                # A gap (a broadcast lost, or a reconnection): the page asks for the rest, once.
                self.syncing = True
                await self.send({"type": "diagram.sync", "since": model.version})

    async def relayed(self, message: dict, now: float) -> None:
        op_id = message.get("client_op_id", "")
        if op_id not in self.stats.sent:
            return
        if op_id.startswith(f"op-{self.name}-") or op_id.startswith(f"{self.name}:"):
            self.stats.ack.setdefault(op_id, now)
            if self.plan.get("page") and message["op"]["op"] == "add_node":
                await self.send({"type": "diagram.select", "node_ids": [message["op"]["node"]["id"]]})
        else:
            self.stats.peer.setdefault(op_id, now)

    def stop_sending(self) -> None:
        """As a page that is closed: what waits to be sent again is never sent (counted as
        unsent), so that the load really drops when a room ends."""
        self.left = True
        for flush in self.flushes:
            flush.cancel()
        self.stats.unsent += sum(1 for _, message in self.backlog if "client_op_id" in message)
        self.backlog = []

    async def close(self) -> None:
        self.stop_sending()
        await self.stop_reading()
        await self.ws.close()


async def participant(plan: dict, room: dict, seat: int, stats: Stats, arriving: asyncio.Semaphore) -> None:
    client = Client(plan, room, seat, stats)
    async with arriving:
        opened = await client.open()
    if not opened:
        return
    stats.connected += 1
    if stats.connected == plan["expected"]:
        stats.start_at = time.perf_counter()
        stats.all_connected.set()
    if plan["mode"] == "idle":
        await idle(client.ws, plan)
        return
    client.start_reading()
    try:
        if plan["model"] == "interview":
            await replay(client, plan, room, seat)
        else:
            await send_ops(client, plan, room)
    except ConnectionClosed as closed:
        stats.errors.append(f"closed: {closed}")
    await client.close()


async def send_ops(client: Client, plan: dict, room: dict) -> None:
    stats = client.stats
    # The clock starts once every participant has its snapshot: what is measured is a live
    # session, not the connection storm before it (timed separately, as connect_seconds).
    await stats.all_connected.wait()
    start_at = stats.start_at
    await asyncio.sleep(random.random() / plan["rate"])
    # Runs of one benchmark share the rooms: each run adds its own block, under op ids of its own.
    run, name = plan.get("run", 0), client.name
    node = {"id": f"{name.replace('-', '_')}_{run}", "label": "Block", "kind": "service"}
    interval, sequence = 1 / plan["rate"], 0
    deadline = start_at + plan["duration"]
    if room["index"] < plan.get("recover_rooms", 0):
        deadline += plan["recover_seconds"]
    # Pages open at different moments, so their heartbeats are out of step.
    next_beat = time.perf_counter() + random.uniform(0, HEARTBEAT_SECONDS)
    while time.perf_counter() < deadline:
        op = (
            {"op": "add_node", "node": node}
            if sequence == 0
            else {"op": "update_node", "id": node["id"], "set": {"label": f"Block {sequence}"}}
        )
        await client.send({"type": "diagram.op", "op": op, "client_op_id": f"{name}:{run}:{sequence}"})
        sequence += 1
        if client.app and time.perf_counter() >= next_beat:
            await client.send({"type": "ping"})
            next_beat += HEARTBEAT_SECONDS
        await asyncio.sleep(interval)
    client.stop_sending()
    await asyncio.sleep(LOST_AFTER_SECONDS)


async def replay(client: Client, plan: dict, room: dict, seat: int) -> None:
    """What this side's page sent in the recorded interview, from the room's offset on, at
    the times it was sent."""
    await client.stats.all_connected.wait()
    role = "interviewer" if seat == 0 else "candidate"
    offset, duration = room["offset"], plan["duration"]
    frames = [frame for frame in plan["profile"]["frames"][role] if offset < frame[0] <= offset + duration]
    start_at = client.stats.start_at
    for at, kind, detail, size in frames:
        await asyncio.sleep(max(0.0, start_at + at - offset - time.perf_counter()))
        if kind == CONNECT:
            await client.reconnect()
        else:
            await client.send(MAKERS[kind](client.model, detail, size))
    await asyncio.sleep(max(0.0, start_at + duration - time.perf_counter()))
    client.stop_sending()
    await asyncio.sleep(LOST_AFTER_SECONDS)


async def idle(ws, plan: dict) -> None:
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


def recovery(stats: Stats, plan: dict, delays: dict[str, float]) -> dict:
    """Op -> peer p99 second by second once the load dropped, and how long until it stayed
    under the target."""
    if not plan.get("recover_rooms"):
        return {}
    drop_at = stats.start_at + plan["duration"]
    seconds: dict[int, list[float]] = {}
    for op_id, delay in delays.items():
        second = int(stats.sent[op_id] - drop_at)
        if 0 <= second < plan["recover_seconds"]:
            seconds.setdefault(second, []).append(delay)
    p99s = [percentile(sorted(seconds.get(second, [])), 0.99) for second in range(int(plan["recover_seconds"]))]
    recovered = next(
        (second for second in range(len(p99s)) if all(p is not None and p < 40 for p in p99s[second:])), None
    )
    return {"recovery_p99_by_second": p99s, "recovered_after_s": recovered}


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(fraction * len(values)))], 1)


async def run(plan: dict) -> dict:
    stats = Stats()
    plan["expected"] = 2 * len(plan["rooms"])
    for index, room in enumerate(plan["rooms"]):
        room["index"] = index
    if plan["mode"] == "idle":
        return await run_idle(plan, stats)
    started = time.perf_counter()
    arriving = asyncio.Semaphore(CONNECTING_AT_MOST)
    clients = asyncio.gather(
        *(participant(plan, room, seat, stats, arriving) for room in plan["rooms"] for seat in (0, 1))
    )
    # A participant that never connects is counted as an error and its ops as lost.
    try:
        await asyncio.wait_for(stats.all_connected.wait(), 300)
    except TimeoutError:
        stats.start_at = time.perf_counter()
        stats.all_connected.set()
    connect_seconds = stats.start_at - started
    # The load process's own CPU over the measured time: at 100 % of its core it measures itself.
    cpu_at, wall_at = time.process_time(), time.perf_counter()
    # The load process's own garbage collections (up to 35 ms each, measured) would be counted
    # as latency of whatever arrived meanwhile; for the bounded run its heap simply grows.
    gc.disable()
    try:
        await clients
    finally:
        gc.enable()
    client_cpu = 100 * (time.process_time() - cpu_at) / (time.perf_counter() - wall_at)
    delays = {k: (stats.peer[k] - stats.sent[k]) * 1000 for k in stats.peer}
    peer = sorted(delays.values())
    from_made = sorted((stats.peer[k] - stats.made[k]) * 1000 for k in stats.peer)
    ack = sorted((stats.ack[k] - stats.sent[k]) * 1000 for k in stats.ack)
    late = sum(1 for delay in peer if delay > LOST_AFTER_SECONDS * 1000)
    return {
        "ops": len(stats.made),
        "peer_ms": peer,
        "peer_from_made_ms": from_made,
        "ack_ms": ack,
        "acked": sorted(stats.ack),
        "slowest": sorted(([round(delay, 1), stats.kinds[k]] for k, delay in delays.items()), reverse=True)[:10],
        "lost": len(stats.made) - len(stats.peer) - stats.unsent + late,
        "busy": stats.busy,
        "unsent": stats.unsent,
        "errors": len(stats.errors),
        "error_samples": stats.errors[:5],
        "duration": plan["duration"],
        "connect_seconds": round(connect_seconds, 2),
        "client_cpu_percent": round(client_cpu, 1),
        **recovery(stats, plan, delays),
    }


async def run_idle(plan: dict, stats: Stats) -> dict:
    """Connect everyone; print a line once all are connected, so the caller can sample."""
    arriving = asyncio.Semaphore(CONNECTING_AT_MOST)
    clients = asyncio.gather(
        *(participant(plan, room, seat, stats, arriving) for room in plan["rooms"] for seat in (0, 1))
    )
    # Some may never connect: the counts below say how many did.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stats.all_connected.wait(), 180)
    print("connected", flush=True)
    await clients
    return {"connected": stats.connected, "errors": len(stats.errors), "error_samples": stats.errors[:5]}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(json.load(sys.stdin)))))
