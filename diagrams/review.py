"""Design review: deterministic checks of an ML system diagram against what a strong one holds,
and how much of the problem's reference diagram it covers.

Pure Python with no Django import, like graph.py: the live room, the report and the
benchmark of the checks' precision and recall (bench/review_quality.py) run the same code.
A block's roles come from its kind and from its label, so a `generic` block labelled
"Feature store" counts as one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# What each role sounds like in a label. Whole words, so "ranked" is ranking but "frank" is not.
_ROLE_WORDS = {
    "feature_store": r"feature (store|service|platform|server)|online features",
    "storage": r"store|storage|warehouse|lake|database|db|bucket|archive|snapshots?|dataset|table",
    "stream": r"logs?|streams?|events?|kafka|queue|topic|pub ?sub|clickstream",
    # "Training data" and "training pairs" are what a trainer reads, not a trainer.
    "training": r"(re)?train(ing|er|s)?(?! (data|sets?|pairs?|examples?))|fine-?tun(e|ing)",
    "model_registry": r"(model|prompt) (registry|store|repository)|registry",
    "validation": r"validat(e|ion|or)|evaluation|gate|backtest(ing)?|checks?",
    "retrieval": r"candidates?|candidate generation|retrieval|retriever",
    "vector_index": r"ann|vector (index|store|search|db)|nearest neighbou?rs?|faiss|hnsw|scann|embedding index",
    "ranking": r"rank(er|ers|ing)?|re-?rank(er|ing)?|pre-?rank(er|ing)?",
    "monitoring": r"monitor(s|ing)?|alert(s|ing)?|dashboards?|drift|observability",
    "experiment": r"experiments?|a/?b( tests?)?|canary|shadow|holdouts?|interleaving|switchback|bandit|rollout",
    "labeling": r"labels?|labell?ing|annotat(ion|ors?)|raters?|human review|grad(ers|ing)",
    "cache": r"cache",
    "model": r"model|predict(or|ion)?|scor(er|ing)|classifier|detector|encoder|llm|inference",
}
_ROLE_PATTERNS = {role: re.compile(rf"\b(?:{words})\b", re.IGNORECASE) for role, words in _ROLE_WORDS.items()}
_EMBEDDINGS = re.compile(r"\b(embed\w*|vectors?|two-tower|towers?|encoders?)\b", re.IGNORECASE)

# Kinds on a request's path, as opposed to the offline side that trains, labels and watches it.
_ONLINE_KINDS = {"client", "service", "retrieval", "vector_index", "ranking", "cache", "generic"}
# Online, but holding data rather than running a model, even when a registry feeds them vectors.
_NOT_MODELS = {"client", "vector_index", "cache"}
_OFFLINE_ROLES = {"training", "model_registry", "labeling", "monitoring", "experiment"}
# Where data rests: a loop through one of them can be replayed, audited and trained from again.
_STORES = {"storage", "stream", "feature_store", "data_source", "labeling"}
# Where a label comes from: people labelling, or outcomes logged at serving time.
_LABEL_SOURCES = {"labeling", "stream", "client"}
# A problem about ordering many items, where a ranker needs candidates and embeddings an index.
RANKING_TAGS = frozenset({"ranking", "retrieval", "recommendation", "search"})


@dataclass(frozen=True)
class Rule:
    id: str
    finding: str
    question: str


RULES = (
    Rule(
        "serving-unmonitored",
        "A model is served, but nothing on the serving path reports to a monitoring block.",
        "Once this model is live, how would you notice that its predictions have gone bad, and how soon?",
    ),
    Rule(
        "no-feedback-loop",
        "Nothing that happens at serving time flows back into training data.",
        "Where do the next model's training examples come from, and how do served outcomes get there?",
    ),
    Rule(
        "training-serving-skew",
        "Serving reads features from a feature store that training never reads from.",
        "How do you make sure the model is trained on the same feature values it sees when serving?",
    ),
    Rule(
        "unregistered-model",
        "A trained model reaches serving without passing a registry or a validation step.",
        "What stops a bad training run from going straight to production, and how would you roll it back?",
    ),
    Rule(
        "ranking-without-candidates",
        "A ranking stage has no candidate generation before it.",
        "How many items does this ranker score per request, and what narrows the catalogue down first?",
    ),
    Rule(
        "embeddings-without-index",
        "Embeddings are used to find items, but no vector index searches them.",
        "How do you find the nearest items among millions of embeddings within the latency budget?",
    ),
    Rule(
        "no-label-source",
        "A model is trained with no label source upstream: no labelling and no logged outcomes.",
        "What is this model's label, and where does it come from?",
    ),
    Rule(
        "no-experiment",
        "No experiment step stands between a newly trained model and all of the traffic.",
        "How would you show that a new model is better before it serves everyone?",
    ),
    Rule(
        "isolated-block",
        "A block is connected to nothing.",
        "What feeds this block, and what reads from it?",
    ),
    Rule(
        "cycle-without-store",
        "A loop runs from serving back into training with no data store in it.",
        "What is kept along this loop to replay, audit or retrain from if a model learns from its own output?",
    ),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}


@dataclass(frozen=True)
class Finding:
    rule: str
    blocks: tuple[str, ...]

    @property
    def finding(self) -> str:
        return RULES_BY_ID[self.rule].finding

    @property
    def question(self) -> str:
        return RULES_BY_ID[self.rule].question

    def as_dict(self) -> dict:
        return {"rule": self.rule, "finding": self.finding, "blocks": list(self.blocks), "question": self.question}


def roles(node: dict) -> frozenset[str]:
    """What a block is: its kind, and whatever its label names."""
    label = node["label"]
    return frozenset({node["kind"], *(role for role, pattern in _ROLE_PATTERNS.items() if pattern.search(label))})


class _Graph:
    """The diagram as the checks read it: blocks with roles, arrows both ways, stickies left out."""

    def __init__(self, graph: dict) -> None:
        self.nodes = {n["id"]: n for n in graph.get("nodes", []) if n["kind"] != "sticky"}
        self.roles = {node_id: roles(node) for node_id, node in self.nodes.items()}
        self.out: dict[str, set[str]] = {node_id: set() for node_id in self.nodes}
        self.into: dict[str, set[str]] = {node_id: set() for node_id in self.nodes}
        for edge in graph.get("edges", []):
            source, target = edge["source"], edge["target"]
            if source in self.nodes and target in self.nodes and source != target:
                self.out[source].add(target)
                self.into[target].add(source)

    def having(self, *wanted: str) -> list[str]:
        return [node_id for node_id, node_roles in self.roles.items() if node_roles & set(wanted)]

    def reachable(self, starts: Iterable[str], *, through=lambda node_id: True, backwards: bool = False) -> set[str]:
        """Every block a directed path leads to from `starts` (or from which one leads to them,
        backwards), entering only blocks that `through` accepts; the starts are not included
        unless a path comes back to them."""
        links = self.into if backwards else self.out
        seen: set[str] = set()
        todo = list(starts)
        while todo:
            for nxt in links[todo.pop()]:
                if nxt not in seen and through(nxt):
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def is_online(self, node_id: str) -> bool:
        return self.nodes[node_id]["kind"] in _ONLINE_KINDS and not self.roles[node_id] & _OFFLINE_ROLES

    def served_models(self) -> list[str]:
        """Blocks on the request path that run a model: rankers, retrieval, anything labelled as
        a model, and whatever a registry deploys to."""
        deployed = {target for registry in self.having("model_registry") for target in self.out[registry]}
        return [
            node_id
            for node_id in self.nodes
            if self.is_online(node_id)
            and self.nodes[node_id]["kind"] not in _NOT_MODELS
            and (self.roles[node_id] & {"ranking", "retrieval", "model"} or node_id in deployed)
        ]

    def loop(self, start: str, *, through) -> list[str]:
        """The shortest directed loop from `start` back to it through blocks `through` accepts,
        or [] when there is none (breadth first, so the loop shown is the tightest one)."""
        came_from = {start: start}
        todo = [start]
        while todo:
            node_id = todo.pop(0)
            for nxt in sorted(self.out[node_id]):
                if nxt == start:
                    path = [node_id]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return path[::-1]
                if nxt not in came_from and through(nxt):
                    came_from[nxt] = node_id
                    todo.append(nxt)
        return []


def _in_order(g: _Graph, ids: Iterable[str]) -> tuple[str, ...]:
    """Blocks in the diagram's own order, so findings read the same on every call."""
    wanted = set(ids)
    return tuple(node_id for node_id in g.nodes if node_id in wanted)


def review(graph: dict, *, tags: Iterable[str] = ()) -> list[Finding]:
    """What the diagram lacks or gets wrong, rule by rule in RULES order; `tags` are the
    problem's, which say whether the ranking rules apply."""
    g = _Graph(graph)
    findings: list[Finding] = []

    def found(rule: str, blocks: Iterable[str]) -> None:
        findings.append(Finding(rule, _in_order(g, blocks)))

    served = g.served_models()
    online = [node_id for node_id in g.nodes if g.is_online(node_id)]
    trainers = g.having("training")
    monitors = set(g.having("monitoring"))

    # Logs count as part of the path: "logs -> monitoring" watches what serving did.
    watched = g.reachable(online, through=lambda n: g.is_online(n) or "stream" in g.roles[n] or n in monitors)
    if served and not watched & monitors:
        found("serving-unmonitored", served)

    # Outcomes, not features: a feature store feeding training carries no served outcome back.
    def not_features(node_id: str) -> bool:
        return "feature_store" not in g.roles[node_id]

    if served and trainers and not g.reachable(online, through=not_features) & set(trainers):
        found("no-feedback-loop", trainers)

    # Training sees the features serving saw if it reads the store, or reads what the models
    # fed from it (or the blocks that call those models) logged; not by way of a client.
    stores = [f for f in g.having("feature_store") if g.out[f] & set(online)]
    fed = {m for f in stores for m in g.out[f] if m in served}
    callers = {c for m in fed for c in g.into[m] if g.is_online(c)}
    logged = g.reachable([*stores, *fed, *callers], through=lambda n: g.nodes[n]["kind"] != "client")
    if stores and trainers and not logged & set(trainers):
        found("training-serving-skew", [*stores, *trainers])

    def ungated(node_id: str) -> bool:
        return not g.roles[node_id] & {"model_registry", "validation"}

    for trainer in trainers:
        reached = g.reachable([trainer], through=ungated) & set(served)
        if reached:
            found("unregistered-model", [trainer, *reached])

    if RANKING_TAGS & set(tags):
        # Candidates a batch job generated and stored (precomputed lists) count as generated.
        sources = set(g.having("retrieval", "vector_index"))
        sources |= g.reachable(sources)
        for ranker in g.having("ranking"):
            if not g.is_online(ranker):
                continue
            before = g.reachable([ranker], backwards=True)
            asked = {n for upstream in before if g.is_online(upstream) for n in g.out[upstream]}
            if not (before | asked) & sources:
                found("ranking-without-candidates", [ranker])
        mentions = [n for n, node in g.nodes.items() if _EMBEDDINGS.search(f"{node['label']} {node.get('note', '')}")]
        if mentions and not g.having("vector_index"):
            found("embeddings-without-index", mentions)

    for trainer in trainers:
        upstream = g.reachable([trainer], backwards=True)
        if not any(g.roles[n] & _LABEL_SOURCES for n in upstream):
            found("no-label-source", [trainer])

    if served and trainers and not g.having("experiment"):
        found("no-experiment", served)

    alone = [node_id for node_id in g.nodes if not g.out[node_id] and not g.into[node_id]]
    if alone:
        found("isolated-block", alone)

    def unstored(node_id: str) -> bool:
        return not g.roles[node_id] & _STORES

    for trainer in trainers:
        loop = g.loop(trainer, through=unstored) if unstored(trainer) else []
        if loop:
            found("cycle-without-store", loop)
    return findings


# Coverage: which of the reference diagram's blocks the candidate's diagram has.

PRESENT, PARTIAL, MISSING = "present", "partial", "missing"
# The phase of the standard framework in which each kind of block is usually drawn.
_PHASE_OF_KIND = {
    **dict.fromkeys(("data_source", "stream", "storage", "feature_store", "labeling"), "Data"),
    **dict.fromkeys(("monitoring", "experiment"), "Monitoring"),
}
_MODELING = "Modeling & scaling"
_PHASE_WORDS = {"Data": "data", _MODELING: "model", "Monitoring": "monitor"}
_FILLER = {"a", "an", "and", "by", "for", "from", "in", "of", "on", "per", "the", "to", "with"}
# A block's own kind weighs as much as its label; a kind its label names, a little less.
_SAME_KIND, _ROLE_KIND = 1.0, 0.6
_MATCH_AT = 0.3


@dataclass(frozen=True)
class Expected:
    """One block of the reference and how the candidate's diagram covers it."""

    block: str
    label: str
    kind: str
    phase: str
    status: str
    match: str | None

    def as_dict(self) -> dict:
        return {
            "block": self.block,
            "label": self.label,
            "kind": self.kind,
            "phase": self.phase,
            "status": self.status,
            "match": self.match,
        }


def _stem(word: str) -> str:
    for suffix in ("ings", "ing", "ers", "er"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word.rstrip("s").rstrip("e") if len(word) > 3 else word


def _words(label: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in re.findall(r"[a-z0-9]+", label.lower()) if w not in _FILLER)


def _label_likeness(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _kind_likeness(candidate: dict, candidate_roles: frozenset[str], expected: dict, expected_roles) -> float:
    if candidate["kind"] == expected["kind"]:
        return _SAME_KIND
    return _ROLE_KIND if (candidate_roles & expected_roles) - {"generic", "model"} else 0.0


def _phase_names(phases: Sequence[str]) -> dict[str, str]:
    """The problem's own name for each phase of the framework (its first phase that names the
    same topic), or the framework's name where the problem has none."""
    names = {}
    for topic, word in _PHASE_WORDS.items():
        names[topic] = next((name for name in phases if word in name.lower()), topic)
    return names


def coverage(graph: dict, reference: dict, *, phases: Sequence[str] = ()) -> list[Expected]:
    """Each block of `reference`, in its order, with the candidate's block that stands for it:
    present when the kinds agree and the labels or the neighbours do too, partial when only
    one of them agrees, missing when no block is like it."""
    mine, theirs = _Graph(graph), _Graph(reference)
    candidate_words = {c: _words(node["label"]) for c, node in mine.nodes.items()}
    likeness: dict[tuple[str, str], tuple[float, float]] = {}
    for r, expected in theirs.nodes.items():
        expected_words = _words(expected["label"])
        for c, candidate in mine.nodes.items():
            kind = _kind_likeness(candidate, mine.roles[c], expected, theirs.roles[r])
            likeness[r, c] = kind, _label_likeness(candidate_words[c], expected_words)

    def neighbours(g: _Graph, node_id: str) -> set[str]:
        return g.out[node_id] | g.into[node_id]

    def assign(support: dict[tuple[str, str], float]) -> dict[str, str]:
        scored = sorted(
            (
                (0.5 * kind + 0.5 * label + 0.3 * support.get((r, c), 0.0), r, c)
                for (r, c), (kind, label) in likeness.items()
            ),
            key=lambda item: -item[0],
        )
        matched: dict[str, str] = {}
        taken: set[str] = set()
        for score, r, c in scored:
            if score >= _MATCH_AT and r not in matched and c not in taken:
                matched[r] = c
                taken.add(c)
        return matched

    def support_of(matched: dict[str, str]) -> dict[tuple[str, str], float]:
        """How many of a reference block's neighbours stand, through their matches, beside a
        candidate block, out of the larger of the two blocks' neighbours: the arrows say what a
        block is for when its label does not."""
        support = {}
        for r in theirs.nodes:
            around = [matched[n] for n in neighbours(theirs, r) if n in matched]
            if not around:
                continue
            for c in mine.nodes:
                beside = neighbours(mine, c)
                if beside:
                    support[r, c] = sum(m in beside for m in around) / max(len(beside), len(neighbours(theirs, r)))
        return support

    support = support_of(assign({}))
    matched = assign(support)
    names = _phase_names(phases)
    items = []
    for r, expected in theirs.nodes.items():
        c = matched.get(r)
        if c is None:
            status = MISSING
        else:
            kind, label = likeness[r, c]
            agrees = label >= 0.34 or support.get((r, c), 0.0) >= 0.5 or not neighbours(theirs, r)
            status = PRESENT if kind and agrees else PARTIAL
        phase = names[_PHASE_OF_KIND.get(expected["kind"], _MODELING)]
        items.append(Expected(r, expected["label"], expected["kind"], phase, status, c))
    return items


def covered(items: Sequence[Expected]) -> float:
    """The share of the reference covered, a partial block counting half; 1.0 for no blocks."""
    if not items:
        return 1.0
    return sum(1.0 if item.status == PRESENT else 0.5 if item.status == PARTIAL else 0.0 for item in items) / len(items)
