"""Text applied as a merge.

The text view opens on the diagram at one version (the base); by the time its text is
applied the other side may have changed the diagram (theirs). What the text changed since it
was opened (base to mine) is merged, thing by thing and field by field, into theirs, and the
difference from theirs becomes ops: the other side's changes survive. Only where both changed
the same field of the same thing, or one removed what the other changed, is a choice needed;
until it is made, theirs stands there.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass

from diagrams.graph import normalize
from diagrams.text import format_text, read

MINE, THEIRS = "mine", "theirs"
CHOICES = (MINE, THEIRS)
# What a merge compares; a node's place is not in the text, so the text never changes it.
FIELDS = {
    "groups": ("label",),
    "nodes": ("label", "kind", "group", "note"),
    "edges": ("source", "target", "label"),
}
# In the order their additions must be made: a node's group and an arrow's ends first.
COLLECTIONS = ("groups", "nodes", "edges")
_NOUN = {"groups": "group", "nodes": "node", "edges": "edge"}


@dataclass(frozen=True)
class Conflict:
    """Both sides changed one thing. `key` names it in a choice, the same on every try for as
    long as the conflict lasts; `line` is where the text has it (None: the text removed it);
    `choice` is the side chosen to win, None while none is."""

    key: str
    line: int | None
    about: str
    mine: str
    theirs: str
    choice: str | None

    def as_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Merge:
    ops: list[dict]
    # Where none is chosen yet, theirs stands, in `graph` too.
    conflicts: list[Conflict]
    graph: dict

    @property
    def unchosen(self) -> list[Conflict]:
        return [conflict for conflict in self.conflicts if conflict.choice is None]


def merge(text: str, *, base: dict, theirs: dict, choices: dict[str, str] | None = None) -> Merge:
    """Merge the text (edited from `base`) into `theirs`. TextError when the text is bad."""
    choices = choices or {}
    base, theirs = normalize(base), normalize(theirs)
    # The text names things by label: a label that is new since the base but that the other
    # side has meanwhile given to a thing of its own names that thing (both added "Cache").
    base_ids = {item["id"] for collection in COLLECTIONS for item in base[collection]}
    known = {
        **base,
        **{c: base[c] + [item for item in theirs[c] if item["id"] not in base_ids] for c in COLLECTIONS},
    }
    mine = read(text, existing=known)
    renamed = _renames(base, mine.graph, known)
    if renamed:
        mine = read(text, existing=known, renamed=renamed)
    merger = _Merger(base, mine.graph, theirs, mine.lines, choices)
    result = merger.merged()
    return Merge(ops=diff(theirs, result), conflicts=merger.conflicts, graph=result)


def _renames(base: dict, mine: dict, known: dict) -> dict[tuple[str, str], str]:
    """The labels the text gives to nodes and groups of the base under a new name: a line
    whose label changed is, to the text's reader, the same thing renamed. Found by matching
    the order things appear in (a line edited in place), not by what they are called."""
    renamed = {}
    for collection in ("groups", "nodes"):
        old, new = base[collection], mine[collection]
        new_ids = {item["id"] for item in new}
        known_ids = {item["id"] for item in known[collection]}
        matcher = difflib.SequenceMatcher(
            a=[item["id"] for item in old], b=[item["id"] for item in new], autojunk=False
        )
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "replace":
                continue
            for before, after in zip(old[i1:i2], new[j1:j2], strict=False):
                if before["id"] not in new_ids and after["id"] not in known_ids:
                    renamed[(collection, after["label"])] = before["id"]
    return renamed


class _Merger:
    def __init__(self, base: dict, mine: dict, theirs: dict, lines: dict, choices: dict[str, str]) -> None:
        self.sides = {
            name: {c: {item["id"]: item for item in graph[c]} for c in COLLECTIONS}
            for name, graph in (("base", base), ("mine", mine), ("theirs", theirs))
        }
        self.graphs = {"base": base, "mine": mine, "theirs": theirs}
        self.lines = lines
        self.choices = choices
        self.conflicts: list[Conflict] = []
        self.kept: dict[str, set[str]] = {}  # what the result holds, of each collection merged so far
        self.restored: set[str] = set()  # blocks the other side removed, kept by choice

    def merged(self) -> dict:
        base, mine, theirs = (self.graphs[name] for name in ("base", "mine", "theirs"))
        result = {"schema": theirs["schema"], "direction": theirs["direction"]}
        if mine["direction"] != base["direction"]:
            # Only two directions: if theirs changed it too, both chose the same.
            result["direction"] = mine["direction"]
        for collection in COLLECTIONS:
            order = [item["id"] for item in theirs[collection]]
            order += [item["id"] for item in mine[collection] if item["id"] not in self.sides["theirs"][collection]]
            result[collection] = [item for item_id in order if (item := self._item(collection, item_id)) is not None]
            self.kept[collection] = {item["id"] for item in result[collection]}
        return normalize(_consistent(result))

    def _item(self, collection: str, item_id: str) -> dict | None:
        base, mine, theirs = (self.sides[name][collection].get(item_id) for name in ("base", "mine", "theirs"))
        fields = FIELDS[collection]
        if theirs and mine:
            result = dict(theirs)
            for field in fields:
                if mine[field] == theirs[field] or (base and base[field] == mine[field]):
                    continue
                if (base and base[field] == theirs[field]) or self._mine(
                    f"{collection}:{item_id}:{field}",
                    collection,
                    mine,
                    about=f"{self._name(collection, mine)}: {field}",
                    mine=self._value(field, mine[field], "mine"),
                    theirs=self._value(field, theirs[field], "theirs"),
                ):
                    result[field] = mine[field]
            return result
        if theirs:
            if not base:
                return theirs  # added by the other side
            # Removed by the text: unless the other side changed it meanwhile.
            if not self._changed(base, theirs, fields) and not self._newly_used(collection, item_id, "theirs"):
                return None
            keep = not self._mine(
                f"remove:{collection}:{item_id}",
                collection,
                theirs,
                about=self._name(collection, theirs, "theirs"),
                mine="remove it",
                theirs="keep it, as the other side changed it",
            )
            return theirs if keep else None
        if not base:
            return mine  # added by the text
        # Removed by the other side: unless the text changed it, or uses it anew.
        if not self._changed(base, mine, fields) and not self._newly_used(collection, item_id, "mine"):
            return None
        if collection == "edges":
            ends = {mine["source"], mine["target"]}
            if not ends <= self.kept["nodes"]:
                return None  # a block it joins stays removed, so it goes with it
            if ends & self.restored:
                return mine  # it comes back with the block kept: that choice was about it too
        keep = self._mine(
            f"keep:{collection}:{item_id}",
            collection,
            mine,
            about=self._name(collection, mine),
            mine="keep it, with your change",
            theirs="leave it removed, as the other side did",
        )
        if keep and collection == "nodes":
            self.restored.add(item_id)
        return mine if keep else None

    def _mine(self, key: str, collection: str, item: dict, **words: str) -> bool:
        """Whether the text's side wins a conflict: as chosen, or theirs until a choice is made."""
        choice = self.choices.get(key) if self.choices.get(key) in CHOICES else None
        self.conflicts.append(Conflict(key=key, line=self.lines.get((collection, item["id"])), choice=choice, **words))
        return choice == MINE

    @staticmethod
    def _changed(before: dict, after: dict, fields: tuple[str, ...]) -> bool:
        return any(before[field] != after[field] for field in fields)

    def _newly_used(self, collection: str, item_id: str, side: str) -> bool:
        """Whether `side` made something new refer to it: an arrow to a node, a node into a group."""
        base = self.sides["base"]
        if collection == "nodes":
            return any(
                item_id in (edge["source"], edge["target"]) and base["edges"].get(edge["id"]) != edge
                for edge in self.graphs[side]["edges"]
            )
        if collection == "groups":
            return any(
                node["group"] == item_id and (base["nodes"].get(node["id"]) or {}).get("group") != item_id
                for node in self.graphs[side]["nodes"]
            )
        return False

    def _name(self, collection: str, item: dict, side: str = "mine") -> str:
        if collection != "edges":
            return f"{_NOUN[collection]} {item['label']!r}"
        nodes = {**self.sides["base"]["nodes"], **self.sides[side]["nodes"]}
        ends = [nodes[item[end]]["label"] if item[end] in nodes else item[end] for end in ("source", "target")]
        return f"arrow {ends[0]!r} -> {ends[1]!r}"

    def _value(self, field: str, value: object, side: str) -> str:
        if field == "group":
            group = self.sides[side]["groups"].get(value) if value else None
            return group["label"] if group else "no group"
        if field in ("source", "target"):
            node = self.sides[side]["nodes"].get(value)
            return node["label"] if node else str(value)
        return str(value) if value else "(empty)"


def _consistent(graph: dict) -> dict:
    """Drop what refers to something the merge left out: an arrow to a removed block; a block's
    removed group or the block it was placed beside."""
    node_ids = {node["id"] for node in graph["nodes"]}
    group_ids = {group["id"] for group in graph["groups"]}
    graph["edges"] = [edge for edge in graph["edges"] if edge["source"] in node_ids and edge["target"] in node_ids]
    nodes = []
    for node in graph["nodes"]:
        node = dict(node)
        if node["group"] not in group_ids:
            node["group"] = None
        if node.get("place") and node["place"]["beside"] not in node_ids:
            node["place"] = None
        nodes.append(node)
    graph["nodes"] = nodes
    return graph


def diff(before: dict, after: dict) -> list[dict]:
    """The ops that turn `before` into `after` (both valid and normalized), in an order in
    which each applies: what is added before what refers to it, what is removed after."""
    adds, updates, removes = [], [], []
    for collection in COLLECTIONS:
        noun = _NOUN[collection]
        old = {item["id"]: item for item in before[collection]}
        new_ids = {item["id"] for item in after[collection]}
        for item in after[collection]:
            if item["id"] not in old:
                adds.append({"op": f"add_{noun}", noun: item})
            elif changes := {key: value for key, value in item.items() if old[item["id"]][key] != value}:
                updates.append({"op": f"update_{noun}", "id": item["id"], "set": changes})
        removes += [{"op": f"remove_{noun}", "id": item_id} for item_id in old if item_id not in new_ids]
    # Arrows go before the blocks they join, blocks before their groups.
    removes.reverse()
    if before["direction"] != after["direction"]:
        updates.append({"op": "set_direction", "direction": after["direction"]})
    return removes + adds + updates


def shown_text(text: str, graph: dict) -> str:
    """The text to show once `text` is applied and the diagram is `graph`: the text as typed
    when it says exactly what the diagram holds (its comments and order kept), else the
    diagram's own text."""
    try:
        typed = read(text, existing=graph).graph
    except ValueError:
        return format_text(graph)
    return text if _content(typed) == _content(graph) else format_text(graph)


def _content(graph: dict) -> tuple:
    """What a graph holds, whatever the order of its lists."""
    return (
        graph["direction"],
        *(sorted(map(repr, (sorted(item.items()) for item in graph[c]))) for c in COLLECTIONS),
    )
