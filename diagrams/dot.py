"""Graph JSON to Graphviz DOT, with every piece of user text made literal.

User text only ever reaches DOT through `graphviz.escape()` and the library's quoting, so a
label like `x"]; evil -> pwned [label="y` or `<IMG SRC="/etc/passwd"/>` is shown as typed
and never becomes DOT syntax or an HTML-like label. DOT node names are ours (n0, n1, ...);
the user's ids only appear in the SVG `id` attributes, and schema validation restricts them
to [A-Za-z0-9_-].
"""

from __future__ import annotations

from dataclasses import dataclass

import graphviz

FONT = "DejaVu Sans"


@dataclass(frozen=True)
class KindStyle:
    name: str
    shape: str
    fill: str
    border: str
    style: str = "filled"


KIND_STYLES = {
    "client": KindStyle("Client", "box", "#E8F1FD", "#2F6FDB", "filled,rounded"),
    "service": KindStyle("Service", "box", "#EEF1F6", "#5D6778"),
    "data_source": KindStyle("Data source", "cylinder", "#FFF4DC", "#B7791F"),
    "stream": KindStyle("Stream / event log", "cds", "#FCE8D5", "#C0622B"),
    "storage": KindStyle("Storage", "cylinder", "#F1EEF6", "#6B5B95"),
    "feature_store": KindStyle("Feature store", "box3d", "#E3F5EC", "#23885B"),
    "training": KindStyle("Training", "component", "#FDF0E0", "#A86B16"),
    "model_registry": KindStyle("Model registry", "tab", "#EDE7F6", "#5E4B8B"),
    "retrieval": KindStyle("Retrieval", "trapezium", "#E0F2F1", "#00796B"),
    "vector_index": KindStyle("Vector index", "hexagon", "#E1F5FE", "#0277BD"),
    "ranking": KindStyle("Ranking", "invtrapezium", "#FFF9C4", "#9E8600"),
    "cache": KindStyle("Cache", "box", "#F5F5F5", "#757575", "filled,dashed"),
    "experiment": KindStyle("Experiment", "parallelogram", "#FCE4EC", "#AD1457"),
    "labeling": KindStyle("Labeling", "note", "#F3E5F5", "#7B1FA2"),
    "monitoring": KindStyle("Monitoring", "ellipse", "#FDE8E8", "#C53A3A"),
    "generic": KindStyle("Generic", "box", "#FFFFFF", "#5D6778"),
}


def _text(value: str) -> str:
    return graphviz.escape(value)


def to_dot(graph: dict, *, id_prefix: str = "") -> str:
    """Deterministic DOT for a normalized graph: the same graph always gives the same text.

    SVG ids are `<prefix>node-<id>`, `<prefix>edge-<id>` and `<prefix>group-<id>`, so the
    browser can map what was clicked back to the graph."""
    dot = graphviz.Digraph("diagram")
    # newrank: Graphviz 2.43 crashes on about one clustered graph in five without it.
    dot.attr(
        "graph",
        newrank="true",
        rankdir=graph["direction"],
        fontname=FONT,
        fontsize="12",
        nodesep="0.35",
        ranksep="0.5",
        bgcolor="transparent",
        id=f"{id_prefix}graph",
    )
    dot.attr("node", fontname=FONT, fontsize="11", margin="0.12,0.06", penwidth="1.2")
    dot.attr("edge", fontname=FONT, fontsize="10", color="#5D6778", arrowsize="0.7")

    names = {node["id"]: f"n{i}" for i, node in enumerate(graph["nodes"])}

    def add_node(target: graphviz.Digraph, node: dict) -> None:
        style = KIND_STYLES[node["kind"]]
        target.node(
            names[node["id"]],
            label=_text(node["label"]),
            tooltip=_text(node["note"] or node["label"]),
            shape=style.shape,
            style=style.style,
            fillcolor=style.fill,
            color=style.border,
            id=f"{id_prefix}node-{node['id']}",
            **{"class": f"kind-{node['kind']}"},
        )

    for i, group in enumerate(graph["groups"]):
        with dot.subgraph(name=f"cluster_{i}") as cluster:
            cluster.attr(
                label=_text(group["label"]),
                id=f"{id_prefix}group-{group['id']}",
                style="rounded,dashed",
                color="#9AA3B2",
                fontcolor="#5D6778",
                labeljust="l",
            )
            for node in graph["nodes"]:
                if node["group"] == group["id"]:
                    add_node(cluster, node)
    for node in graph["nodes"]:
        if node["group"] is None:
            add_node(dot, node)
    for edge in graph["edges"]:
        attributes = {"id": f"{id_prefix}edge-{edge['id']}"}
        if edge["label"]:
            attributes["label"] = _text(edge["label"])
        dot.edge(names[edge["source"]], names[edge["target"]], **attributes)
    return dot.source
