"""The diagram graph (schema 2: DESIGN.md's schema 1 and layout hints): its kinds, its limits
and its validation.

Pure Python with no Django import, so rooms, the problem bank and tests share one rule set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCHEMA_VERSION = 2
# Schema 1 had no layout hints. It is still read, and normalize() makes it schema 2: stored
# graphs were migrated (diagrams/migrations/0003_graph_schema_2), but the op log's `replace`
# ops from before keep their schema 1 graphs, and API clients and problem files may send it.
SCHEMAS = (1, 2)
# A block placed by hand (a node's `place`): in the rank of the block `beside` it, just
# before it (left, or above when left to right) or after it.
SIDES = ("before", "after")
DIRECTIONS = ("LR", "TB")
# Top to bottom: the reference diagrams of the bank drawn left to right are three to five
# times wider than they are tall, and none fits a screen at a readable size; top to bottom,
# most do (bench/README.md, "Readability").
DEFAULT_DIRECTION = "TB"
KINDS = (
    "client",
    "service",
    "data_source",
    "stream",
    "storage",
    "feature_store",
    "training",
    "model_registry",
    "retrieval",
    "vector_index",
    "ranking",
    "cache",
    "experiment",
    "labeling",
    "monitoring",
    "generic",
    # Free text on the canvas, not a part of the system; an arrow to or from one attaches it.
    "sticky",
)


@dataclass(frozen=True)
class Limits:
    """Every bound a graph must respect, in one place so errors can name the one hit."""

    # What a drawing can hold and still lay out well within the renderer's time limit: each
    # arrow past a chain of the blocks can cross every rank, and 300 of them over 150 blocks
    # took 2 s at the least effort Graphviz allows (diagrams.dot, COMPACT_NODES), 150 about
    # 0.3 s. The bank's answers have 12 to 21 blocks and as many arrows.
    nodes: int = 150
    edges: int = 150
    groups: int = 20
    label: int = 80
    note: int = 500


LIMITS = Limits()
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,40}")
# Control characters other than newline and tab, lone surrogates and Unicode's 66
# noncharacters (U+FDD0..U+FDEF and the last two of every plane): no renderer or database
# takes them all (U+FFFE makes Graphviz's SVG unparseable), and they are never typed on purpose.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17))
_UNPRINTABLE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff{_NONCHARACTERS}]")


class GraphError(ValueError):
    """A graph that breaks the schema; the message starts with the offending field's path."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def _require_keys(item: object, path: str, required: set[str], optional: set[str]) -> dict:
    if not isinstance(item, dict):
        raise GraphError(path, "must be an object")
    missing = required - item.keys()
    if missing:
        raise GraphError(f"{path}.{sorted(missing)[0]}", "is required")
    unknown = item.keys() - required - optional
    if unknown:
        raise GraphError(f"{path}.{sorted(unknown)[0]}", "is not a known field")
    return item


def _check_id(value: object, path: str, seen: set[str]) -> None:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise GraphError(path, "must be 1 to 40 characters of A-Z, a-z, 0-9, _ or -")
    if value in seen:
        raise GraphError(path, f"duplicate id {value!r}")
    seen.add(value)


def _check_text(value: object, path: str, limit: int, *, required: bool) -> None:
    if not isinstance(value, str):
        raise GraphError(path, "must be a string")
    if required and not value.strip():
        raise GraphError(path, "must not be empty")
    if len(value) > limit:
        raise GraphError(path, f"longer than {limit} characters")
    if _UNPRINTABLE.search(value):
        raise GraphError(path, "holds a control character or broken Unicode")


def _check_list(graph: dict, key: str, limit: int) -> list:
    items = graph.get(key, [])
    if not isinstance(items, list):
        raise GraphError(key, "must be a list")
    if len(items) > limit:
        raise GraphError(key, f"more than {limit} {key} (the limit)")
    return items


EMPTY = {"schema": SCHEMA_VERSION, "direction": DEFAULT_DIRECTION, "groups": [], "nodes": [], "edges": []}


def _place(place: dict | None) -> dict | None:
    return {"beside": place["beside"], "side": place["side"]} if place else None


def normalize(graph: dict) -> dict:
    """A valid graph with every optional field filled in, the one form we store and send."""
    return {
        "schema": SCHEMA_VERSION,
        "direction": graph.get("direction", DEFAULT_DIRECTION),
        "groups": [{"id": g["id"], "label": g["label"]} for g in graph.get("groups", [])],
        "nodes": [
            {
                "id": n["id"],
                "label": n["label"],
                "kind": n["kind"],
                "group": n.get("group") or None,
                "note": n.get("note", ""),
                "place": _place(n.get("place")),
            }
            for n in graph.get("nodes", [])
        ],
        "edges": [
            {"id": e["id"], "source": e["source"], "target": e["target"], "label": e.get("label", "")}
            for e in graph.get("edges", [])
        ],
    }


def validate(graph: object) -> None:
    """Raise GraphError naming the first field that breaks the graph's schema or its limits."""
    graph = _require_keys(graph, "graph", {"schema"}, {"direction", "groups", "nodes", "edges"})
    if graph["schema"] not in SCHEMAS or isinstance(graph["schema"], bool):
        raise GraphError("schema", f"must be {SCHEMA_VERSION} (or 1, without layout hints)")
    node_fields = {"group", "note", "place"} if graph["schema"] >= 2 else {"group", "note"}
    if graph.get("direction", DEFAULT_DIRECTION) not in DIRECTIONS:
        raise GraphError("direction", f"must be one of {', '.join(DIRECTIONS)}")

    group_ids: set[str] = set()
    for i, group in enumerate(_check_list(graph, "groups", LIMITS.groups)):
        path = f"groups[{i}]"
        _require_keys(group, path, {"id", "label"}, set())
        _check_id(group["id"], f"{path}.id", group_ids)
        _check_text(group["label"], f"{path}.label", LIMITS.label, required=True)

    node_ids: set[str] = set()
    nodes = _check_list(graph, "nodes", LIMITS.nodes)
    for i, node in enumerate(nodes):
        path = f"nodes[{i}]"
        _require_keys(node, path, {"id", "label", "kind"}, node_fields)
        _check_id(node["id"], f"{path}.id", node_ids)
        _check_text(node["label"], f"{path}.label", LIMITS.label, required=True)
        if node["kind"] not in KINDS:
            raise GraphError(f"{path}.kind", f"unknown kind {node['kind']!r}")
        group = node.get("group")
        if group is not None and group != "" and (not isinstance(group, str) or group not in group_ids):
            raise GraphError(f"{path}.group", f"no group with id {group!r}")
        _check_text(node.get("note", ""), f"{path}.note", LIMITS.note, required=False)
    # Once every id is known: a block may be placed beside one listed after it.
    for i, node in enumerate(nodes):
        place = node.get("place")
        if place is None:
            continue
        path = f"nodes[{i}].place"
        _require_keys(place, path, {"beside", "side"}, set())
        if not isinstance(place["beside"], str) or place["beside"] not in node_ids - {node["id"]}:
            raise GraphError(f"{path}.beside", f"no other node with id {place['beside']!r}")
        if place["side"] not in SIDES:
            raise GraphError(f"{path}.side", f"must be one of {', '.join(SIDES)}")

    edge_ids: set[str] = set()
    for i, edge in enumerate(_check_list(graph, "edges", LIMITS.edges)):
        path = f"edges[{i}]"
        _require_keys(edge, path, {"id", "source", "target"}, {"label"})
        _check_id(edge["id"], f"{path}.id", edge_ids)
        for end in ("source", "target"):
            if not isinstance(edge[end], str) or edge[end] not in node_ids:
                raise GraphError(f"{path}.{end}", f"no node with id {edge[end]!r}")
        _check_text(edge.get("label", ""), f"{path}.label", LIMITS.label, required=False)
