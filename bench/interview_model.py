"""The interview load model: what each side's room page sends over a whole mock interview,
at the times a recorded browser session sent it (bench/interview_profile.json, written by
bench/record_interview.py), with content made for the room it is replayed in.

A room is replayed from an offset into the interview: the benchmark's setup puts the room in
the state the recorded one was in at that minute (the timer's actions taken, the twist
revealed, the feedback shared, the diagram locked: `state_before`) with a diagram of 20 to
40 blocks, and each participant then sends what its page sent from that minute on. Each
message is made from the room as the participant holds it (the graph and version from the
snapshot and every diagram.applied since), so every op applies, as the page's would.

A frame type or diagram op with no maker here stops the benchmark before it starts
(`check_profile`), and tests/test_bench_model.py fails when the page can send a type that
has none: the model cannot drift from the page.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

from diagrams.graph import LIMITS
from diagrams.ops import apply
from diagrams.text import format_text

PROFILE = Path(__file__).with_name("interview_profile.json")
# The profile's mark for a socket opened: the model connects anew there, and is sent a snapshot.
CONNECT = "(connect)"
KINDS = ["data_source", "stream", "feature_store", "retrieval", "vector_index", "ranking", "service", "monitoring"]
# What the candidate pastes into the text view in the modeling phase: 20 blocks and their arrows.
IMPORT = """Watch events [stream] -> Event log [data_source] : raw
Event log -> Feature pipeline [training] : hourly
Feature pipeline -> Feature store [feature_store] : features
User profile [data_source] -> Feature store
Video catalogue [data_source] -> Embedding trainer [training] : metadata
Embedding trainer -> Video index [vector_index] : embeddings
Video index -> Candidate generation [retrieval] : top 500
Trending [retrieval] -> Candidate merge [service]
Candidate generation -> Candidate merge : candidates
Candidate merge -> Ranking model [ranking] : 800 candidates
Feature store -> Ranking model : features
Ranking model -> Re-ranker [ranking] : scores
Re-ranker -> Feed API [service] : top 20
Feed API -> Impression log [stream]
Impression log -> Event log
Ranking trainer [training] -> Model registry [model_registry] : weights
Model registry -> Ranking model
Event log -> Ranking trainer : labels
Feed API -> Monitoring [monitoring] : latency
Ranking model -> Drift monitor [monitoring] : score histograms"""

# What the interviewer's page sends that changes the room for both; the setup replays these
# (with their detail) up to a room's offset, so that what follows applies as it did.
LIFECYCLE = ("timer.control", "twist.reveal", "scoring.share", "diagram.lock")


def load_profile(path: Path = PROFILE) -> dict:
    profile = json.loads(path.read_text())
    check_profile(profile)
    return profile


def check_profile(profile: dict) -> None:
    """Refuse a profile the model cannot replay: a page's message it has no maker for."""
    for role, frames in profile["frames"].items():
        for _, kind, detail, _ in frames:
            if kind != CONNECT and kind not in MAKERS:
                raise SystemExit(f"the {role}'s page sent {kind!r}, which the interview model cannot make")
            if kind == "diagram.op" and detail.split(":")[0] not in OP_MAKERS:
                raise SystemExit(f"the {role}'s page sent a {detail!r} op, which the interview model cannot make")


def length_seconds(profile: dict) -> float:
    return profile["minutes"] * 60


def state_before(profile: dict, offset: float) -> list[list[str]]:
    """The interviewer's room-changing messages before `offset` seconds, as [type, detail]:
    what the setup does to a room for its replay to start at that minute."""
    return [
        [kind, detail] for at, kind, detail, _ in profile["frames"]["interviewer"] if at < offset and kind in LIFECYCLE
    ]


class Seat:
    """One participant's page as the model plays it: the room as it holds it, and counters
    for the ids it makes."""

    def __init__(self, name: str, room: dict, *, graph: bool = True) -> None:
        self.name = name
        self.follows_graph = graph
        self.room = room  # the setup's facts: phases, rubric, twist
        self.graph: dict = {"nodes": [], "edges": []}
        self.version = 0
        self.locked = False
        self.following = False
        self.mine: list[str] = []  # blocks this seat added, newest last
        self.numbers = itertools.count(1)
        self.random = random.Random(name)

    def snapshot(self, message: dict) -> None:
        diagram = message["room"]["diagram"]
        self.graph, self.version, self.locked = diagram["graph"], diagram["version"], diagram["locked"]

    def applied(self, message: dict) -> None:
        # A version already held (a resend's ack) changes nothing; a gap is filled by the
        # snapshot the model asks for, as the page does.
        if message["version"] == self.version + 1:
            if self.follows_graph:
                self.graph = apply(self.graph, message["op"])
            self.version = message["version"]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{self.name}-{next(self.numbers)}"

    def text_of(self, words: str, size: int) -> str:
        """Text for a message the page sent `size` bytes of."""
        return (words * (size // len(words) + 1))[: max(1, size - 60)]

    def node_ids(self) -> list[str]:
        return [node["id"] for node in self.graph["nodes"]]


def _add_node(seat: Seat) -> dict:
    node_id = seat.new_id("n")
    seat.mine.append(node_id)
    return {"op": "add_node", "node": {"id": node_id, "label": f"Block {node_id}", "kind": seat.random.choice(KINDS)}}


def _update_node(seat: Seat) -> dict:
    node_id = seat.random.choice(seat.node_ids())
    return {"op": "update_node", "id": node_id, "set": {"label": f"Block {seat.new_id('l')}"}}


def _remove_node(seat: Seat) -> dict:
    # Its own newest block, as after an undo or a delete; the diagram keeps the setup's blocks.
    held = set(seat.node_ids())
    seat.mine = [node_id for node_id in seat.mine if node_id in held]
    return {"op": "remove_node", "id": seat.mine.pop()} if seat.mine else _update_node(seat)


def _add_edge(seat: Seat) -> dict:
    linked = {(edge["source"], edge["target"]) for edge in seat.graph["edges"]}
    ids = seat.node_ids()
    pairs = [(a, b) for a, b in zip(ids, ids[2:], strict=False) if (a, b) not in linked]
    if not pairs:
        return _update_node(seat)
    source, target = seat.random.choice(pairs)
    return {"op": "add_edge", "edge": {"id": seat.new_id("e"), "source": source, "target": target}}


def _update_edge(seat: Seat) -> dict:
    if not seat.graph["edges"]:
        return _update_node(seat)
    edge = seat.random.choice(seat.graph["edges"])
    return {"op": "update_edge", "id": edge["id"], "set": {"label": "hourly"}}


def _remove_edge(seat: Seat) -> dict:
    if not seat.graph["edges"]:
        return _update_node(seat)
    return {"op": "remove_edge", "id": seat.random.choice(seat.graph["edges"])["id"]}


def _add_group(seat: Seat) -> dict:
    groups = seat.graph.get("groups", [])
    if len(groups) >= LIMITS.groups:
        return _update_node(seat)
    group_id = seat.new_id("g")
    return {"op": "add_group", "group": {"id": group_id, "label": f"Group {group_id}"}}


def _update_group(seat: Seat) -> dict:
    groups = seat.graph.get("groups", [])
    if not groups:
        return _add_group(seat)
    return {"op": "update_group", "id": seat.random.choice(groups)["id"], "set": {"label": f"Group {seat.new_id('l')}"}}


def _remove_group(seat: Seat) -> dict:
    groups = seat.graph.get("groups", [])
    return {"op": "remove_group", "id": seat.random.choice(groups)["id"]} if groups else _update_node(seat)


def _set_direction(seat: Seat) -> dict:
    return {"op": "set_direction", "direction": "TB" if seat.graph.get("direction") == "LR" else "LR"}


def _batch(seat: Seat, count: int) -> dict:
    """A delete of a selection, or an undo or redo of one: several blocks at once."""
    maker = _remove_node if len(seat.mine) >= count else _update_node
    return {"op": "batch", "ops": [maker(seat) for _ in range(count)]}


OP_MAKERS = {
    "add_node": _add_node,
    "update_node": _update_node,
    "remove_node": _remove_node,
    "add_edge": _add_edge,
    "update_edge": _update_edge,
    "remove_edge": _remove_edge,
    "add_group": _add_group,
    "update_group": _update_group,
    "remove_group": _remove_group,
    "set_direction": _set_direction,
    "batch": _batch,
}


def diagram_op(seat: Seat, detail: str, size: int) -> dict:
    kind, _, count = detail.partition(":")
    op = OP_MAKERS[kind](seat, int(count)) if count else OP_MAKERS[kind](seat)
    return {"type": "diagram.op", "op": op, "client_op_id": seat.new_id("op")}


def _imported_text(seat: Seat) -> str:
    """The text view's text with the recorded paste added: the diagram as it is, and 20
    blocks more. (Previews, sent as the paste is typed, are given all of it too: they cost
    the server at most this.)"""
    return f"{format_text(seat.graph)}\n{IMPORT}"


def diagram_import(seat: Seat, detail: str, size: int) -> dict:
    text = _imported_text(seat)
    return {"type": "diagram.import", "text": text, "base_version": seat.version, "client_op_id": seat.new_id("op")}


def diagram_preview(seat: Seat, detail: str, size: int) -> dict:
    return {"type": "diagram.preview", "text": _imported_text(seat), "base_version": seat.version}


def diagram_lock(seat: Seat, detail: str, size: int) -> dict:
    return {"type": "diagram.lock", "locked": not seat.locked}


def diagram_select(seat: Seat, detail: str, size: int) -> dict:
    ids = seat.node_ids()
    return {"type": "diagram.select", "node_ids": [seat.random.choice(ids)] if ids else []}


def diagram_follow(seat: Seat, detail: str, size: int) -> dict:
    seat.following = not seat.following
    return {"type": "diagram.follow", "following": seat.following}


def diagram_view(seat: Seat, detail: str, size: int) -> dict:
    x, y = seat.random.uniform(0, 400), seat.random.uniform(0, 300)
    return {"type": "diagram.view", "x": x, "y": y, "width": 900.0, "height": 600.0, "scale": 1.0}


def notes_save(seat: Seat, detail: str, size: int) -> dict:
    text = seat.text_of("Two stages: retrieval then ranking. ", size)
    return {"type": "notes.save", "kind": detail, "text": text, "save_id": seat.new_id("save")}


def scoring_score(seat: Seat, detail: str, size: int) -> dict:
    return {
        "type": "scoring.score",
        "dimension": seat.random.choice(seat.room["rubric"]),
        "level": seat.random.randint(1, 4),
        "comment": seat.text_of("Clear funnel with numbers. ", size),
    }


def scoring_feedback(seat: Seat, detail: str, size: int) -> dict:
    return {"type": "scoring.feedback", "summary": seat.text_of("A clear two-stage design. ", size)}


def self_rate(seat: Seat, detail: str, size: int) -> dict:
    return {"type": "self.rate", "dimension": seat.random.choice(seat.room["rubric"]), "level": 3}


def timer_phases(seat: Seat, detail: str, size: int) -> dict:
    return {"type": "timer.phases", "phases": seat.room["phases"]}


def _plain(kind: str):
    def make(seat: Seat, detail: str, size: int) -> dict:
        return {"type": kind}

    return make


MAKERS = {
    "ping": _plain("ping"),
    "sync": _plain("sync"),
    "review": _plain("review"),
    "timer.control": lambda seat, detail, size: {"type": "timer.control", "action": detail},
    "timer.phases": timer_phases,
    "notes.save": notes_save,
    "diagram.op": diagram_op,
    "diagram.sync": lambda seat, detail, size: {"type": "diagram.sync", "since": seat.version},
    "diagram.text": _plain("diagram.text"),
    "diagram.import": diagram_import,
    "diagram.preview": diagram_preview,
    "diagram.lock": diagram_lock,
    "diagram.select": diagram_select,
    "diagram.follow": diagram_follow,
    "diagram.view": diagram_view,
    "scoring.score": scoring_score,
    "scoring.feedback": scoring_feedback,
    "scoring.share": lambda seat, detail, size: {"type": "scoring.share", "shared": True},
    "self.rate": self_rate,
    "twist.reveal": lambda seat, detail, size: {"type": "twist.reveal", "key": seat.room["twist"]},
}
