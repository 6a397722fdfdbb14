"""Graphs for diagram tests: the DESIGN example, hostile text, and seeded random ML systems."""

from __future__ import annotations

import contextlib
import random

from diagrams import ops
from diagrams.graph import DIRECTIONS, KINDS, LIMITS, normalize

EXAMPLE = normalize(
    {
        "schema": 1,
        "direction": "LR",
        "groups": [{"id": "offline", "label": "Offline training"}],
        "nodes": [
            {"id": "n1", "label": "Event logs", "kind": "stream", "group": "offline", "note": ""},
            {"id": "n2", "label": "Candidate generation", "kind": "retrieval", "note": "ANN over item embeddings"},
        ],
        "edges": [{"id": "e1", "source": "n1", "target": "n2", "label": "clicks"}],
    }
)

# Blocks placed by hand: before a block in the same group, after one in another group (left
# out of the DOT: Graphviz keeps a group whole), and beside a block listed after it; and a
# sticky note attached to one.
PLACED = normalize(
    {
        "schema": 2,
        "direction": "TB",
        "groups": [{"id": "online", "label": "Online"}],
        "nodes": [
            {"id": "logs", "label": "Event logs", "kind": "stream", "place": {"beside": "remark", "side": "after"}},
            {
                "id": "features",
                "label": "Feature store",
                "kind": "feature_store",
                "place": {"beside": "ranker", "side": "after"},
            },
            {"id": "ranker", "label": "Ranker", "kind": "ranking", "group": "online"},
            {
                "id": "cache",
                "label": "Cache",
                "kind": "cache",
                "group": "online",
                "place": {"beside": "ranker", "side": "before"},
            },
            {"id": "remark", "label": "Ask: how fresh must features be?", "kind": "sticky"},
        ],
        "edges": [
            {"id": "e1", "source": "logs", "target": "features"},
            {"id": "e2", "source": "logs", "target": "ranker"},
            {"id": "e3", "source": "remark", "target": "features"},
        ],
    }
)

HOSTILE_LABELS = [
    'say "hi"',
    "back\\slash",
    "\\N and \\G and \\L",
    "<b>html</b>",
    "<x>] ; evil -> pwned [label=<y>",
    'x"]; a -> b [label="y',
    "two\nlines",
    "trailing backslash\\",
    '<IMG SRC="/etc/passwd"/>',
    "&#1; &#xFFFE; &amp; R&D",
]


def hostile_graph() -> dict:
    nodes = [
        {"id": f"h{i}", "label": label, "kind": "generic", "note": label} for i, label in enumerate(HOSTILE_LABELS)
    ]
    edges = [
        {"id": f"x{i}", "source": f"h{i}", "target": f"h{i + 1}", "label": label}
        for i, label in enumerate(HOSTILE_LABELS[:-1])
    ]
    return normalize(
        {
            "schema": 1,
            "groups": [{"id": "g", "label": '"]; subgraph evil { x } #'}],
            "nodes": [*nodes[:-1], {**nodes[-1], "group": "g"}],
            "edges": edges,
        }
    )


def random_graph(seed: int, nodes: int = 40, groups: int = 4, placed: int = 0) -> dict:
    """A connected-ish ML system of `nodes` boxes spread over `groups` clusters, `placed` of
    them moved by hand beside another (in any group, a chain of places or a loop)."""
    rng = random.Random(seed)
    group_list = [{"id": f"g{i}", "label": f"Stage {i}"} for i in range(groups)]
    node_list = [
        {
            "id": f"n{i}",
            "label": f"{rng.choice(['Feature', 'Model', 'Index', 'Log', 'Service'])} {i}",
            "kind": rng.choice(KINDS),
            "group": rng.choice([None, *[g["id"] for g in group_list]]),
        }
        for i in range(nodes)
    ]
    edges = []
    for i in range(1, nodes):
        edges.append({"id": f"e{i}", "source": f"n{rng.randrange(i)}", "target": f"n{i}"})
    for j in range(min(nodes // 3, LIMITS.edges - len(edges))):
        a, b = rng.sample(range(nodes), 2)
        edges.append(
            {"id": f"x{j}", "source": f"n{a}", "target": f"n{b}", "label": rng.choice(["", "events", "scores"])}
        )
    direction = rng.choice(["LR", "TB"])
    for node in rng.sample(node_list, placed):
        beside = rng.choice([other for other in node_list if other is not node])
        node["place"] = {"beside": beside["id"], "side": rng.choice(["before", "after"])}
    return normalize({"schema": 2, "direction": direction, "groups": group_list, "nodes": node_list, "edges": edges})


# The costliest of worst_graph's shapes for the layout settings in diagrams.dot, found by
# trying blocks 60..150, spreads 3..30 and each grouping: (blocks, spread, grouping).
WORST_SHAPES = [
    (75, 4, "by run"),
    (90, 10, "none"),
    (LIMITS.nodes, 8, "alternating"),
    (LIMITS.nodes, 10, "alternating"),
]


def worst_graph(*, nodes: int, spread: int, grouping: str, direction: str) -> dict:
    """The costliest layout we could construct within the limits: the blocks in a chain, and
    every arrow left over running between the first and the last nodes // spread blocks, so
    that each crosses most of the ranks; every label as long as allowed, in the widest letter.
    `grouping`: "none", "by run" (consecutive blocks share a group) or "alternating" (groups
    take turns along the chain, so that each spans all of it)."""
    text = "W" * LIMITS.label
    groups = [{"id": f"g{i}", "label": text} for i in range(LIMITS.groups)] if grouping != "none" else []

    def group_of(i: int) -> str | None:
        if grouping == "by run":
            return f"g{i * LIMITS.groups // nodes}"
        return f"g{i % LIMITS.groups}" if grouping == "alternating" else None

    node_list = [
        {"id": f"n{i}", "label": text, "kind": KINDS[i % len(KINDS)], "group": group_of(i), "note": "N" * LIMITS.note}
        for i in range(nodes)
    ]
    edges = [{"id": f"c{i}", "source": f"n{i}", "target": f"n{i + 1}", "label": text} for i in range(nodes - 1)]
    ends = nodes // spread
    pairs = random.Random(0).sample([(a, nodes - 1 - b) for a in range(ends) for b in range(ends)], ends * ends)
    for j, (a, b) in enumerate(pairs[: LIMITS.edges - len(edges)]):
        source, target = (a, b) if j % 2 == 0 else (b, a)
        edges.append({"id": f"x{j}", "source": f"n{source}", "target": f"n{target}", "label": text})
    return normalize({"schema": 1, "direction": direction, "groups": groups, "nodes": node_list, "edges": edges})


def loose_blocks(seed: int) -> tuple[dict, list[tuple[str, str]]]:
    """A seeded graph with loose blocks (no arrow, no place) in and out of groups, and each
    pair of them in one group (or none): older first."""
    rng = random.Random(seed)
    groups = [{"id": f"g{i}", "label": f"Group {i}"} for i in range(rng.randrange(3))]
    count = rng.randrange(3, 14)
    nodes = [
        {"id": f"v{i}", "label": f"Block {i}", "kind": "service", "group": rng.choice([None, *groups])}
        for i in range(count)
    ]
    for node in nodes:
        node["group"] = node["group"] and node["group"]["id"]
    edges = [
        {"id": f"e{i}", "source": f"v{a}", "target": f"v{b}"}
        for i, (a, b) in enumerate(rng.sample(range(count), 2) for _ in range(rng.randrange(count)))
    ]
    graph = normalize({"direction": rng.choice(DIRECTIONS), "groups": groups, "nodes": nodes, "edges": edges})
    joined = {end for edge in edges for end in (edge["source"], edge["target"])}
    loose = [node for node in graph["nodes"] if node["id"] not in joined]
    return graph, [(a["id"], b["id"]) for i, a in enumerate(loose) for b in loose[i + 1 :] if a["group"] == b["group"]]


def random_edits(graph: dict, rng: random.Random, count: int) -> list[dict]:
    """Up to `count` random ops of the kinds people make, each applying to `graph` after the
    ones before it (one that does not apply is left out)."""
    applied = []
    labels = ["Cache", "Ranker", "Renamed", 'say "hi"', "line\u2028break"]
    for _ in range(count):
        nodes, edges, groups = graph["nodes"], graph["edges"], graph["groups"]
        some = rng.choice
        choices = (
            [
                {
                    "op": "add_node",
                    "node": {"id": f"x{rng.randrange(10**6)}", "label": some(labels), "kind": some(KINDS)},
                },
                {"op": "remove_node", "id": some(nodes)["id"]},
                {"op": "update_node", "id": some(nodes)["id"], "set": {"label": some(labels)}},
                {"op": "update_node", "id": some(nodes)["id"], "set": {"kind": some(KINDS), "note": some(["", "n"])}},
                {
                    "op": "add_edge",
                    "edge": {
                        "id": f"y{rng.randrange(10**6)}",
                        "source": some(nodes)["id"],
                        "target": some(nodes)["id"],
                        "label": some(["", "x"]),
                    },
                },
                {"op": "set_direction", "direction": some(["LR", "TB"])},
            ]
            if nodes
            else [{"op": "add_node", "node": {"id": "x", "label": "X", "kind": "cache"}}]
        )
        if edges:
            choices += [
                {"op": "remove_edge", "id": some(edges)["id"]},
                {"op": "update_edge", "id": some(edges)["id"], "set": {"label": some(["", "y"])}},
            ]
        if groups and nodes:
            choices += [
                {"op": "remove_group", "id": some(groups)["id"]},
                {"op": "update_node", "id": some(nodes)["id"], "set": {"group": some(groups)["id"]}},
            ]
        op = some(choices)
        with contextlib.suppress(ops.OpRejected):
            graph = ops.apply(graph, op)
            applied.append(op)
    return applied
