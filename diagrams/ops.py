"""Ops: the only way a live diagram changes, each with an inverse for undo.

An op is a JSON object, e.g. {"op": "add_node", "node": {...}}; see OP_FIELDS. Clients make
the ids, so an op means the same thing on every client. `apply` never changes its input.
An add may carry "index", its position in the list (the end when absent), so that undoing a
removal puts the thing back where it was and the layout does not shuffle.
"""

from __future__ import annotations

import copy

from diagrams.graph import DIRECTIONS, GraphError, normalize, validate

# The fields each op type takes (besides "op").
OP_FIELDS = {
    "add_node": {"node"},
    "update_node": {"id", "set"},
    "remove_node": {"id"},
    "add_edge": {"edge"},
    "update_edge": {"id", "set"},
    "remove_edge": {"id"},
    "add_group": {"group"},
    "update_group": {"id", "set"},
    "remove_group": {"id"},
    "set_direction": {"direction"},
    "replace": {"graph"},
    "batch": {"ops"},
}
UPDATABLE = {
    "nodes": {"label", "kind", "group", "note"},
    "edges": {"label", "source", "target"},
    "groups": {"label"},
}
OPTIONAL_FIELDS = {"add_node": {"index"}, "add_edge": {"index"}, "add_group": {"index"}}
MAX_BATCH = 500
_COLLECTION = {"node": "nodes", "edge": "edges", "group": "groups"}


class OpRejected(ValueError):
    """An op that cannot apply. `conflict` means it was valid but the graph moved on (its
    node was removed, say): the client should resync rather than fix its input."""

    def __init__(self, reason: str, *, conflict: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.conflict = conflict


def _shape(op: object, path: str) -> tuple[str, dict]:
    if not isinstance(op, dict) or not isinstance(op.get("op"), str):
        raise OpRejected(f"{path}: must be an object with a string 'op'")
    kind = op["op"]
    if kind not in OP_FIELDS:
        raise OpRejected(f"{path}.op: unknown op {kind!r}; expected one of {', '.join(OP_FIELDS)}")
    missing = OP_FIELDS[kind] - op.keys()
    if missing:
        raise OpRejected(f"{path}.{sorted(missing)[0]}: is required for {kind}")
    unknown = op.keys() - OP_FIELDS[kind] - OPTIONAL_FIELDS.get(kind, set()) - {"op"}
    if unknown:
        raise OpRejected(f"{path}.{sorted(unknown)[0]}: is not a field of {kind}")
    return kind, op


def _find(graph: dict, collection: str, item_id: object, path: str) -> dict:
    if not isinstance(item_id, str):
        raise OpRejected(f"{path}.id: must be a string")
    for item in graph[collection]:
        if item["id"] == item_id:
            return item
    raise OpRejected(f"{collection[:-1]} {item_id!r} no longer exists", conflict=True)


def _require_new(graph: dict, collection: str, item: object, path: str) -> dict:
    if not isinstance(item, dict):
        raise OpRejected(f"{path}: must be an object")
    if any(existing["id"] == item.get("id") for existing in graph[collection]):
        raise OpRejected(f"a {collection[:-1]} with id {item.get('id')!r} already exists", conflict=True)
    return dict(item)


def _require_references(graph: dict, item: dict) -> None:
    """The nodes an edge joins and the group a node sits in must (still) exist."""
    for key, collection in (("source", "nodes"), ("target", "nodes"), ("group", "groups")):
        ref = item.get(key)
        if ref and isinstance(ref, str) and not any(other["id"] == ref for other in graph[collection]):
            raise OpRejected(f"{collection[:-1]} {ref!r} no longer exists", conflict=True)


def _update(graph: dict, collection: str, op: dict, path: str) -> None:
    item = _find(graph, collection, op["id"], path)
    changes = op["set"]
    if not isinstance(changes, dict) or not changes:
        raise OpRejected(f"{path}.set: must be a non-empty object")
    unknown = changes.keys() - UPDATABLE[collection]
    if unknown:
        raise OpRejected(f"{path}.set.{sorted(unknown)[0]}: cannot be changed")
    _require_references(graph, changes)
    item.update(changes)


def _apply_in_place(graph: dict, op: object, path: str) -> None:
    kind, op = _shape(op, path)
    if kind.startswith("add_"):
        noun = kind[4:]
        collection = graph[_COLLECTION[noun]]
        item = _require_new(graph, _COLLECTION[noun], op[noun], f"{path}.{noun}")
        _require_references(graph, item)
        index = op.get("index", len(collection))
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise OpRejected(f"{path}.index: must be a whole number from 0")
        collection.insert(index, item)
    elif kind.startswith("update_"):
        _update(graph, _COLLECTION[kind[7:]], op, path)
    elif kind == "remove_node":
        node = _find(graph, "nodes", op["id"], path)
        graph["nodes"].remove(node)
        graph["edges"] = [e for e in graph["edges"] if node["id"] not in (e["source"], e["target"])]
    elif kind == "remove_edge":
        graph["edges"].remove(_find(graph, "edges", op["id"], path))
    elif kind == "remove_group":
        group = _find(graph, "groups", op["id"], path)
        graph["groups"].remove(group)
        for node in graph["nodes"]:
            if node["group"] == group["id"]:
                node["group"] = None
    elif kind == "set_direction":
        if op["direction"] not in DIRECTIONS:
            raise OpRejected(f"{path}.direction: must be one of {', '.join(DIRECTIONS)}")
        graph["direction"] = op["direction"]
    elif kind == "replace":
        try:
            validate(op["graph"])
        except GraphError as error:
            raise OpRejected(f"{path}.graph.{error}") from None
        graph.clear()
        graph.update(normalize(op["graph"]))
    else:  # batch
        ops = op["ops"]
        if not isinstance(ops, list) or not 1 <= len(ops) <= MAX_BATCH:
            raise OpRejected(f"{path}.ops: must be a list of 1 to {MAX_BATCH} ops")
        for i, inner in enumerate(ops):
            _apply_in_place(graph, inner, f"{path}.ops[{i}]")


def apply(graph: dict, op: object) -> dict:
    """The graph after `op` (normalized); OpRejected says why it cannot apply."""
    result = copy.deepcopy(graph)
    _apply_in_place(result, op, "op")
    try:
        validate(result)
    except GraphError as error:
        raise OpRejected(str(error)) from None
    return normalize(result)


def _position(items: list[dict], item_id: str) -> tuple[int, dict]:
    return next((i, item) for i, item in enumerate(items) if item["id"] == item_id)


def inverse(graph: dict, op: dict) -> dict:
    """The op that undoes `op` applied to `graph` (which must be the graph before `op`).

    Call it only for an op that applies; it reads what the op will remove or overwrite.
    """
    kind = op["op"]
    if kind.startswith("add_"):
        noun = kind[4:]
        return {"op": f"remove_{noun}", "id": op[noun]["id"]}
    if kind.startswith("update_"):
        collection = _COLLECTION[kind[7:]]
        item = next(i for i in graph[collection] if i["id"] == op["id"])
        return {"op": kind, "id": op["id"], "set": {key: item[key] for key in op["set"]}}
    if kind == "remove_node":
        index, node = _position(graph["nodes"], op["id"])
        readd = [{"op": "add_node", "node": node, "index": index}]
        # Edges go back in their old order; each index is right once the earlier ones are in.
        for edge_index, edge in enumerate(graph["edges"]):
            if node["id"] in (edge["source"], edge["target"]):
                readd.append({"op": "add_edge", "edge": edge, "index": edge_index})
        return {"op": "batch", "ops": readd}
    if kind == "remove_edge":
        index, edge = _position(graph["edges"], op["id"])
        return {"op": "add_edge", "edge": edge, "index": index}
    if kind == "remove_group":
        index, group = _position(graph["groups"], op["id"])
        members = [n["id"] for n in graph["nodes"] if n["group"] == group["id"]]
        return {
            "op": "batch",
            "ops": [{"op": "add_group", "group": group, "index": index}]
            + [{"op": "update_node", "id": m, "set": {"group": group["id"]}} for m in members],
        }
    if kind == "set_direction":
        return {"op": "set_direction", "direction": graph["direction"]}
    if kind == "replace":
        return {"op": "replace", "graph": graph}
    undo, current = [], graph
    for inner in op["ops"]:
        undo.append(inverse(current, inner))
        current = apply(current, inner)
    return {"op": "batch", "ops": list(reversed(undo))}
