"""Graph JSON to Graphviz DOT, with every piece of user text made literal.

User text only ever reaches DOT through `_label` and `_tooltip` and then `_quoted`, so
a label like `x"]; evil -> pwned [label="y`, `<IMG SRC="/etc/passwd"/>`, `\\N` or `&#1;` is
shown as typed and never becomes DOT syntax, an HTML-like label, an escape sequence or a
character reference. DOT node names are ours (n0, n1, ...); the user's ids only appear in the
SVG `id` attributes, and schema validation restricts them to [A-Za-z0-9_-].
"""

from __future__ import annotations

import re
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
    "labeling": KindStyle("Labeling", "folder", "#F3E5F5", "#7B1FA2"),
    "monitoring": KindStyle("Monitoring", "ellipse", "#FDE8E8", "#C53A3A"),
    "generic": KindStyle("Generic", "box", "#FFFFFF", "#5D6778"),
    "sticky": KindStyle("Sticky note", "note", "#FFF4A8", "#A68A00"),
}
# An arrow to or from a sticky note attaches it: a dotted line, no head.
STICKY_EDGE = {"style": "dotted", "arrowhead": "none"}


# What XML 1.0 cannot hold (Graphviz copies it into the SVG, which then does not parse).
# Validation refuses these; a graph stored before it did still draws, with U+FFFD instead.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _literal(value: str) -> str:
    # Graphviz decodes character references in every string (`&amp;` becomes `&`, `&#1;` a
    # control character), so an ampersand must reach it as one.
    return _NOT_XML.sub("\ufffd", value).replace("&", "&amp;")


def _label(value: str) -> str:
    """A label: one backslash for each of ours (escString's `\\N`, `\\n`, `\\l`... stay text)."""
    return graphviz.escape(_literal(value))


def _tooltip(value: str) -> str:
    """A tooltip: Graphviz unescapes backslashes once before expanding `\\G`, `\\N`, `\\E`...
    in it, so each of ours needs four to come out as one."""
    return _literal(value).replace("\\", "\\\\\\\\")


# Past this size a diagram is laid out with bounded effort. Graphviz's cost grows with the
# ranks long arrows cross: a chain of 40 blocks with 80 labelled arrows between its two ends
# took 1 s to lay out here, 60 blocks 4.5 s, 150 blocks over a minute, nearly all of it
# routing the arrows. In a big drawing the network simplex and crossing-reduction passes are
# capped: the worst legal graph we could construct lays out in about 0.3 s
# (tests/diagrams/test_render.py, bench/README.md).
COMPACT_NODES = 40
COMPACT_EDGES = 60
_COMPACT_LAYOUT = {"nslimit": "1", "nslimit1": "1", "mclimit": "0.1"}


def is_compact(graph: dict) -> bool:
    """Whether the graph is big enough to be laid out with bounded effort."""
    return len(graph["nodes"]) > COMPACT_NODES or len(graph["edges"]) > COMPACT_EDGES


# The font sizes a diagram is laid out with (points). The page never draws a block's label
# below 12 px (static/js/room/drawing.js), so the larger the label in the layout, the more of
# a diagram fits on screen at that floor.
NODE_FONT_SIZE = 14
EDGE_FONT_SIZE = 12
GROUP_FONT_SIZE = 13
# What every drawing, block, arrow and group is drawn with, in the order DOT lists it.
# newrank: Graphviz 2.43 crashes on about one clustered graph in five without it.
# An arrow's label is an `xlabel`, placed once the blocks are (forcelabels: always drawn): a
# `label` becomes a node of its own in the middle of the arrow, which doubles the ranks of the
# whole drawing. With it, these tight separations and the room page's panels folded, 12 of
# the 16 reference diagrams fit a 1440x900 screen at the label floor instead of none
# (bench/README.md, "Readability").
GRAPH_ATTRIBUTES = {
    "newrank": "true",
    "fontname": FONT,
    "fontsize": str(GROUP_FONT_SIZE),
    "nodesep": "0.2",
    "ranksep": "0.25",
    "forcelabels": "true",
    "bgcolor": "transparent",
}
NODE_ATTRIBUTES = {"fontname": FONT, "fontsize": str(NODE_FONT_SIZE), "margin": "0.08,0.04", "penwidth": "1.2"}
EDGE_ATTRIBUTES = {"fontname": FONT, "fontsize": str(EDGE_FONT_SIZE), "color": "#5D6778", "arrowsize": "0.7"}
GROUP_ATTRIBUTES = {"style": "rounded,dashed", "color": "#9AA3B2", "fontcolor": "#5D6778", "labeljust": "l"}
# Labels wrap at a space past this many characters: a block 24 letters wide keeps a diagram
# of twenty blocks in one screen, where one line of 80 stretches it across three (and a
# narrower one makes blocks taller, and top-to-bottom drawings longer).
NODE_WRAP = 24
EDGE_WRAP = 24
# A space with no other white space beside it (spelled out, so that the page's twin splits
# exactly where this does: the two languages disagree on what else \s matches).
_SINGLE_SPACE = re.compile(r"(?<=[^ \t\n]) (?=[^ \t\n])")


def wrap(text: str, width: int) -> str:
    """`text` with some single spaces between words turned into line breaks, so that no line
    is longer than `width` unless one word is; nothing else changes (typed line breaks stay,
    and so do runs of spaces)."""
    lines = []
    for typed in text.split("\n"):
        line = ""
        for word in _SINGLE_SPACE.split(typed):
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return "\n".join(lines)


def _quoted(value: str) -> str:
    # Every value in double quotes, its own quotes escaped: the one escape DOT's lexer knows.
    # Backslashes were made literal before (_label, _tooltip), so none can escape the quote.
    return '"' + value.replace('"', '\\"') + '"'


def _attributes(attributes: dict[str, str]) -> str:
    return " ".join(f"{name}={_quoted(value)}" for name, value in attributes.items())


def dot_style() -> dict:
    """Everything to_dot draws with, for its twin in the page (static/js/room/dot.js), which
    holds no copy of these numbers."""
    return {
        "graph": GRAPH_ATTRIBUTES,
        "node": NODE_ATTRIBUTES,
        "edge": EDGE_ATTRIBUTES,
        "group": GROUP_ATTRIBUTES,
        "compact": {"nodes": COMPACT_NODES, "edges": COMPACT_EDGES, "layout": _COMPACT_LAYOUT},
        "wrap": {"node": NODE_WRAP, "edge": EDGE_WRAP},
        "sticky_edge": STICKY_EDGE,
        "kinds": {
            kind: {"name": k.name, "shape": k.shape, "style": k.style, "fill": k.fill, "border": k.border}
            for kind, k in KIND_STYLES.items()
        },
    }


def declared(graph: dict) -> list[dict]:
    """The blocks in the order Graphviz is to meet them, so that blocks nothing joins read
    oldest first, as they were made.

    The page's Graphviz (16.1, static/vendor/viz-js) lines up the parts of a drawing that no
    arrow joins in the order it meets them across a drawing that runs top to bottom, but
    upwards in one that runs left to right (measured: tests/browser/test_dot_twin.py). So
    left to right, the parts (blocks joined by arrows or placed beside one another) are met
    newest first, each part's blocks in the order made; top to bottom, all in the order made.
    The server's Graphviz (Debian's 2.43, for exports and the PDF) orders them otherwise in
    groups; the page is where a diagram grows."""
    nodes = graph["nodes"]
    if graph["direction"] != "LR":
        return list(nodes)
    index = {node["id"]: i for i, node in enumerate(nodes)}
    root = list(range(len(nodes)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    def join(a: int, b: int) -> None:
        # The oldest block of a part names it.
        a, b = find(a), find(b)
        root[max(a, b)] = min(a, b)

    for edge in graph["edges"]:
        join(index[edge["source"]], index[edge["target"]])
    for i, node in enumerate(nodes):
        place = node.get("place")  # absent from a schema 1 graph that was not normalized
        if place and _honoured(node, nodes[index[place["beside"]]]):
            join(i, index[place["beside"]])
    return [nodes[i] for i in sorted(range(len(nodes)), key=lambda i: (-find(i), i))]


def _honoured(node: dict, beside: dict) -> bool:
    """Whether a block's place reaches the DOT: only beside a block of the same group (or
    none), as Graphviz keeps a group whole, so it could not honour the others, and Debian's
    2.43 crashes on many of them (tests/diagrams/test_render.py)."""
    return beside["group"] == node["group"]


def to_dot(graph: dict, *, id_prefix: str = "") -> str:
    """Deterministic DOT for a normalized graph: the same graph always gives the same text.
    static/js/room/dot.js is its twin for the page, held to the same golden files.

    SVG ids are `<prefix>node-<id>`, `<prefix>edge-<id>` and `<prefix>group-<id>`, so the
    browser can map what was clicked back to the graph. Blocks are declared as `declared`
    orders them, whatever their group, and arrows in the order they were made: Graphviz
    orders ranks from the order it meets things, so a new block comes last and the others
    keep their places."""
    layout = {
        **GRAPH_ATTRIBUTES,
        "rankdir": graph["direction"],
        "id": f"{id_prefix}graph",
        **(_COMPACT_LAYOUT if is_compact(graph) else {}),
    }
    lines = [
        "digraph diagram {",
        f"\tgraph [{_attributes(layout)}]",
        f"\tnode [{_attributes(NODE_ATTRIBUTES)}]",
        f"\tedge [{_attributes(EDGE_ATTRIBUTES)}]",
    ]
    names = {node["id"]: f"n{i}" for i, node in enumerate(graph["nodes"])}
    kinds = {node["id"]: node["kind"] for node in graph["nodes"]}
    for node in declared(graph):
        style = KIND_STYLES[node["kind"]]
        attributes = {
            "label": _label(wrap(node["label"], NODE_WRAP)),
            "tooltip": _tooltip(node["note"] if node["note"].strip(" \t\n") else node["label"]),
            "shape": style.shape,
            "style": style.style,
            "fillcolor": style.fill,
            "color": style.border,
            "id": f"{id_prefix}node-{node['id']}",
            "class": f"kind-{node['kind']}",
        }
        lines.append(f"\t{names[node['id']]} [{_attributes(attributes)}]")
    for i, group in enumerate(graph["groups"]):
        attributes = {"label": _label(group["label"]), "id": f"{id_prefix}group-{group['id']}", **GROUP_ATTRIBUTES}
        lines += [f"\tsubgraph cluster_{i} {{", f"\t\tgraph [{_attributes(attributes)}]"]
        lines += [f"\t\t{names[node['id']]}" for node in graph["nodes"] if node["group"] == group["id"]]
        lines.append("\t}")
    for edge in graph["edges"]:
        attributes = {"id": f"{id_prefix}edge-{edge['id']}"}
        if "sticky" in (kinds[edge["source"]], kinds[edge["target"]]):
            attributes |= STICKY_EDGE
        if edge["label"]:
            attributes["xlabel"] = _label(wrap(edge["label"], EDGE_WRAP))
        lines.append(f"\t{names[edge['source']]} -> {names[edge['target']]} [{_attributes(attributes)}]")
    # Blocks placed by hand: in the rank of the block beside them, kept before or after it by
    # an invisible arrow, as far as Graphviz's ranks allow.
    by_id = {node["id"]: node for node in graph["nodes"]}
    for node in graph["nodes"]:
        place = node.get("place")  # absent from a schema 1 graph that was not normalized
        if place and _honoured(node, by_id[place["beside"]]):
            me, other = names[node["id"]], names[place["beside"]]
            first, second = (me, other) if place["side"] == "before" else (other, me)
            lines += [f"\t{{rank=same; {me}; {other}}}", f'\t{first} -> {second} [style="invis"]']
    lines.append("}")
    return "\n".join(lines) + "\n"
