"""The diagram as lines of text, both ways: quick to type, easy to paste.

    # a comment
    direction LR
    group Offline training: Event logs, Trainer
    Event logs [stream] -> Feature store [feature_store] : hourly
    Ranker [ranking] // multi-task: watch time and likes
    Feature store

A node is its label, optionally followed by [kind] (default generic) and, on a line of its
own, by `// note`. `A -> B : label` is an edge; `group Name: A, B` puts nodes in a group.
A label with any of  [ ] : , # " { } ->  //  in it, or that is or starts with the word `group`
or `direction`, is written in double quotes ("a \\"quoted\\" label"). Two nodes (or groups)
with the same label are told apart by an id in braces: `Cache {c2}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from diagrams.graph import (
    DEFAULT_DIRECTION,
    DIRECTIONS,
    ID_PATTERN,
    KINDS,
    SCHEMA_VERSION,
    GraphError,
    normalize,
    validate,
)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NEEDS_QUOTES = re.compile(r'[\[\]:,#"{}]|->|//|^\s|\s$|^(group|direction)(\s|$)', re.IGNORECASE)


class TextError(ValueError):
    """Every problem found, each starting with its line number."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class _Ref:
    label: str
    kind: str | None
    node_id: str | None


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _quote(label: str) -> str:
    if label and not _NEEDS_QUOTES.search(label) and "\n" not in label:
        return label
    return '"' + _escape(label).replace('"', '\\"') + '"'


class _Line:
    """A cursor over one line of text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def rest(self) -> str:
        return self.text[self.pos :]

    def take(self, token: str) -> bool:
        self.skip_space()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def label(self, stops: tuple[str, ...]) -> str:
        self.skip_space()
        if self.pos < len(self.text) and self.text[self.pos] == '"':
            out, self.pos = [], self.pos + 1
            while self.pos < len(self.text):
                char = self.text[self.pos]
                if char == "\\" and self.pos + 1 < len(self.text):
                    following = self.text[self.pos + 1]
                    out.append("\n" if following == "n" else following)
                    self.pos += 2
                elif char == '"':
                    self.pos += 1
                    return "".join(out)
                else:
                    out.append(char)
                    self.pos += 1
            raise ValueError("a quoted label is missing its closing quote")
        end = len(self.text)
        for stop in stops:
            found = self.text.find(stop, self.pos)
            if found != -1:
                end = min(end, found)
        label, self.pos = self.text[self.pos : end].strip(), end
        if not label:
            raise ValueError("a label is missing")
        return label

    def ref(self, stops: tuple[str, ...]) -> _Ref:
        label = self.label((*stops, "[", "{"))
        node_id = kind = None
        if self.take("{"):
            end = self.text.find("}", self.pos)
            if end == -1 or not ID_PATTERN.fullmatch(self.text[self.pos : end].strip()):
                raise ValueError("an id in { } must be 1 to 40 characters of A-Z, a-z, 0-9, _ or -")
            node_id, self.pos = self.text[self.pos : end].strip(), end + 1
        if self.take("["):
            end = self.text.find("]", self.pos)
            if end == -1:
                raise ValueError("a [kind] is missing its closing ]")
            kind, self.pos = self.text[self.pos : end].strip(), end + 1
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}; kinds are {', '.join(KINDS)}")
        return _Ref(label, kind, node_id)


class _Ids:
    """Ids made from labels, none used twice. Each base remembers the next number to try, so
    that a text repeating one label thousands of times is read in linear time."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.next: dict[str, int] = {}

    def add(self, item_id: str) -> None:
        self.taken.add(item_id)

    def slug(self, label: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:32] or "node"
        n = self.next.get(base, 1)
        candidate = base if n == 1 else f"{base}-{n}"
        while candidate in self.taken:
            n += 1
            candidate = f"{base}-{n}"
        self.next[base] = n + 1
        self.taken.add(candidate)
        return candidate


@dataclass
class Reading:
    """A text's graph, and the line each of its nodes, edges and groups first appears on."""

    graph: dict
    lines: dict[tuple[str, str], int] = field(default_factory=dict)


def parse(text: str, *, existing: dict | None = None) -> dict:
    """The graph the text describes. Nodes, edges and groups that match `existing` (same
    label; same ends) keep their ids, so importing text does not make everything new."""
    return read(text, existing=existing).graph


def read(text: str, *, existing: dict | None = None, renamed: dict[tuple[str, str], str] | None = None) -> Reading:
    """parse(), with where each thing is in the text. `renamed` maps ("nodes" or "groups",
    label) to the id of the node or group the label is a new name of."""
    existing = normalize(existing or {})
    renamed = renamed or {}
    # The first of two with the same label keeps its id.
    old_nodes = {n["label"]: n["id"] for n in reversed(existing["nodes"])}
    old_groups = {g["label"]: g["id"] for g in reversed(existing["groups"])}
    old_edges = [(e["source"], e["target"], e["id"]) for e in existing["edges"]]
    ids = _Ids({item["id"] for collection in ("groups", "nodes", "edges") for item in existing[collection]})

    graph = {"schema": SCHEMA_VERSION, "direction": DEFAULT_DIRECTION, "groups": [], "nodes": [], "edges": []}
    by_key: dict[str, dict] = {}
    errors: list[str] = []
    lines: dict[tuple[str, str], int] = {}
    group_ids: set[str] = set()  # a set: a text may hold thousands of group lines

    def node_for(ref: _Ref) -> dict:
        key = ref.node_id or ref.label
        node = by_key.get(key)
        if node is None:
            node_id = ref.node_id or renamed.get(("nodes", ref.label)) or old_nodes.get(ref.label)
            node_id = node_id or ids.slug(ref.label)
            ids.add(node_id)
            lines[("nodes", node_id)] = number
            node = {"id": node_id, "label": ref.label, "kind": ref.kind or "generic", "group": None, "note": ""}
            by_key[key] = node
            graph["nodes"].append(node)
        elif ref.kind and node["kind"] != ref.kind:
            if node.get("_kind_given"):
                raise ValueError(f"{ref.label!r} is [{node['kind']}] earlier and [{ref.kind}] here")
            node["kind"] = ref.kind
        if ref.kind:
            node["_kind_given"] = True
        return node

    # Lines end at a newline (or a carriage return, which no label may hold), not at every
    # character str.splitlines() breaks at: U+2028 and U+0085 may be in a label.
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        line = _Line(raw)
        line.skip_space()
        if not line.rest() or line.rest().startswith("#"):
            continue
        try:
            if re.match(r"direction\s", line.rest(), re.IGNORECASE):
                direction = line.rest().split(None, 1)[1].strip().upper()
                if direction not in DIRECTIONS:
                    raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
                graph["direction"] = direction
            elif re.match(r"group\s", line.rest(), re.IGNORECASE):
                line.pos += len("group")
                group = line.ref((":",))
                if group.kind or not line.take(":"):
                    raise ValueError("a group line is `group Name: A, B`")
                group_id = group.node_id or renamed.get(("groups", group.label)) or old_groups.get(group.label)
                group_id = group_id or ids.slug(group.label)
                if group_id in group_ids:
                    raise ValueError(f"the group id {group_id!r} is used twice")
                group_ids.add(group_id)
                ids.add(group_id)
                lines[("groups", group_id)] = number
                graph["groups"].append({"id": group_id, "label": group.label})
                while line.rest().strip():
                    member = node_for(line.ref((",",)))
                    member["group"] = group_id
                    if not line.take(",") and line.rest().strip():
                        raise ValueError("separate group members with commas")
            else:
                source = node_for(line.ref(("->", "//")))
                if line.take("->"):
                    target = node_for(line.ref((":", "//")))
                    label = line.label(()) if line.take(":") else ""
                    match = next((e for e in old_edges if e[:2] == (source["id"], target["id"])), None)
                    if match:
                        old_edges.remove(match)
                    edge_id = match[2] if match else ids.slug(f"e-{source['id']}-{target['id']}")
                    edge = {"id": edge_id, "source": source["id"], "target": target["id"], "label": label}
                    graph["edges"].append(edge)
                    lines[("edges", edge_id)] = number
                elif line.take("//"):
                    # One space after // is the separator; the rest of the line is the note.
                    source["note"] = _unescape(line.rest().removeprefix(" "))
                elif line.rest().strip():
                    raise ValueError(f"unexpected {line.rest().strip()!r}; an edge is `A -> B : label`")
        except ValueError as error:
            errors.append(f"line {number}: {error}")
    # The text does not show where blocks were placed by hand: they keep their places, as long
    # as the block each is beside is still there.
    places = {node["id"]: node["place"] for node in existing["nodes"] if node["place"]}
    ids = {node["id"] for node in graph["nodes"]}
    for node in graph["nodes"]:
        node.pop("_kind_given", None)
        if node["id"] in places and places[node["id"]]["beside"] in ids:
            node["place"] = places[node["id"]]
    if errors:
        raise TextError(errors)
    try:
        validate(graph)
    except GraphError as error:
        raise TextError([str(error)]) from None
    return Reading(normalize(graph), lines)


def format_text(graph: dict) -> str:
    """The text for a normalized graph; parse(format_text(g), existing=g) == g."""
    counts: dict[str, int] = {}
    for node in graph["nodes"]:
        counts[node["label"]] = counts.get(node["label"], 0) + 1

    def ref(node: dict) -> str:
        text = _quote(node["label"])
        return f"{text} {{{node['id']}}}" if counts[node["label"]] > 1 else text

    nodes = {n["id"]: n for n in graph["nodes"]}
    lines = [f"direction {graph['direction']}"]
    # Nodes first, so parsing creates them in the graph's order.
    for node in graph["nodes"]:
        line = f"{ref(node)} [{node['kind']}]"
        if node["note"]:
            line += f" // {_escape(node['note'])}"
        lines.append(line)
    group_labels = [g["label"] for g in graph["groups"]]
    for group in graph["groups"]:
        members = [ref(n) for n in graph["nodes"] if n["group"] == group["id"]]
        name = _quote(group["label"])
        if group_labels.count(group["label"]) > 1:
            name += f" {{{group['id']}}}"
        lines.append(f"group {name}: {', '.join(members)}".rstrip())
    for edge in graph["edges"]:
        line = f"{ref(nodes[edge['source']])} -> {ref(nodes[edge['target']])}"
        if edge["label"]:
            line += f" : {_quote(edge['label'])}"
        lines.append(line)
    return "\n".join(lines) + "\n"
