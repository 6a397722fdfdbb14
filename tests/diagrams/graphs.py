"""Graphs for diagram tests: the DESIGN example, hostile text, and seeded random ML systems."""

from __future__ import annotations

import random

from diagrams.graph import KINDS, normalize

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


def random_graph(seed: int, nodes: int = 40, groups: int = 4) -> dict:
    """A connected-ish ML system of `nodes` boxes spread over `groups` clusters."""
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
    for j in range(nodes // 3):
        a, b = rng.sample(range(nodes), 2)
        edges.append(
            {"id": f"x{j}", "source": f"n{a}", "target": f"n{b}", "label": rng.choice(["", "events", "scores"])}
        )
    return normalize(
        {"schema": 1, "direction": rng.choice(["LR", "TB"]), "groups": group_list, "nodes": node_list, "edges": edges}
    )
