"""The design review's checks and coverage (diagrams/review.py), on small diagrams written in
the text view's syntax, on every reference diagram of the bank and on the flawed set."""

import pytest

from bench.review_quality import TARGET, bank, measure
from diagrams.graph import EMPTY
from diagrams.review import MISSING, PARTIAL, PRESENT, RULES, coverage, covered, review
from diagrams.text import parse

# A small strong answer to a ranking problem: every block declared first, then the arrows.
STRONG = (
    "App [client]",
    "Feed service [service]",
    "Click events [stream]",
    "Event lake [storage]",
    "Feature store [feature_store]",
    "Ranker training [training]",
    "Model registry [model_registry]",
    "Candidate generation [retrieval] // two-tower embeddings",
    "ANN index [vector_index]",
    "Ranking model [ranking]",
    "Experiment platform [experiment]",
    "Monitoring [monitoring]",
    "App -> Feed service",
    "App -> Click events",
    "Click events -> Event lake",
    "Event lake -> Ranker training",
    "Feature store -> Ranker training",
    "Feature store -> Ranking model",
    "Ranker training -> Model registry",
    "Model registry -> Ranking model",
    "Feed service -> Candidate generation",
    "Candidate generation -> ANN index",
    "Candidate generation -> Ranking model",
    "Ranking model -> Feed service",
    "Experiment platform -> Feed service",
    "Feed service -> Monitoring",
)
RANKING = ("recommendation", "ranking")


def diagram(*, drop: tuple[str, ...] = (), add: tuple[str, ...] = (), replace: dict | None = None) -> dict:
    """STRONG without the lines in `drop`, with `add` after it and lines swapped by `replace`."""
    missing = set(drop) - set(STRONG)
    assert not missing, missing
    lines = [(replace or {}).get(line, line) for line in STRONG if line not in drop]
    return parse("\n".join([*lines, *add]))


def rules(graph: dict, tags=RANKING) -> list[str]:
    return [finding.rule for finding in review(graph, tags=tags)]


def test_a_strong_answer_raises_nothing():
    assert rules(diagram()) == []


def test_an_empty_diagram_raises_nothing():
    assert rules(EMPTY) == []


@pytest.mark.parametrize(
    ("flaw", "expected"),
    [
        (
            {"drop": ("Feed service -> Monitoring",), "add": ("Ranker training -> Monitoring",)},
            ["serving-unmonitored"],
        ),
        ({"drop": ("App -> Click events",)}, ["no-feedback-loop"]),
        ({"drop": ("Feature store -> Ranker training",)}, ["training-serving-skew"]),
        (
            {
                "drop": (
                    "Model registry [model_registry]",
                    "Ranker training -> Model registry",
                    "Model registry -> Ranking model",
                ),
                "add": ("Ranker training -> Ranking model",),
            },
            ["unregistered-model"],
        ),
        (
            {
                "drop": (
                    "Candidate generation [retrieval] // two-tower embeddings",
                    "ANN index [vector_index]",
                    "Feed service -> Candidate generation",
                    "Candidate generation -> ANN index",
                    "Candidate generation -> Ranking model",
                ),
                "add": ("Feed service -> Ranking model",),
            },
            ["ranking-without-candidates"],
        ),
        ({"drop": ("ANN index [vector_index]", "Candidate generation -> ANN index")}, ["embeddings-without-index"]),
        (
            {"drop": ("Event lake -> Ranker training", "Feature store -> Ranker training")},
            ["no-feedback-loop", "training-serving-skew", "no-label-source"],
        ),
        ({"drop": ("Experiment platform [experiment]", "Experiment platform -> Feed service")}, ["no-experiment"]),
        ({"add": ("Whiteboard idea",)}, ["isolated-block"]),
        (
            {"drop": ("App -> Click events",), "add": ("Ranking model -> Ranker training",)},
            ["cycle-without-store"],
        ),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else None,
)
def test_each_rule_fires_on_its_flaw_and_only_the_rules_it_breaks(flaw, expected):
    assert rules(diagram(**flaw)) == expected


def test_every_rule_is_exercised_above_and_named_in_our_own_words():
    assert [rule.id for rule in RULES] == [
        "serving-unmonitored",
        "no-feedback-loop",
        "training-serving-skew",
        "unregistered-model",
        "ranking-without-candidates",
        "embeddings-without-index",
        "no-label-source",
        "no-experiment",
        "isolated-block",
        "cycle-without-store",
    ]
    assert all(rule.finding.endswith(".") and rule.question.endswith("?") for rule in RULES)


def test_a_finding_names_its_blocks_and_a_question_to_ask():
    graph = diagram(drop=("Feed service -> Monitoring",), add=("Ranker training -> Monitoring",))
    [finding] = review(graph, tags=RANKING)
    assert finding.as_dict() == {
        "rule": "serving-unmonitored",
        "finding": "A model is served, but nothing on the serving path reports to a monitoring block.",
        "blocks": ["candidate-generation", "ranking-model"],
        "question": "Once this model is live, how would you notice that its predictions have gone bad, and how soon?",
    }


def test_the_ranking_rules_apply_to_ranking_problems_only():
    graph = diagram(drop=("ANN index [vector_index]", "Candidate generation -> ANN index"))
    assert rules(graph, tags=("fraud", "classification")) == []


@pytest.mark.parametrize(
    ("declared", "as_generic"),
    [
        ("Feature store [feature_store]", "Feature store [generic]"),
        ("Monitoring [monitoring]", "Monitoring and alerts [generic]"),
        ("Experiment platform [experiment]", "A/B tests [generic]"),
        ("Model registry [model_registry]", "Model registry [generic]"),
        ("ANN index [vector_index]", "ANN index [generic]"),
        ("Candidate generation [retrieval] // two-tower embeddings", "Candidate generation [generic] // two-tower"),
    ],
)
def test_a_generic_block_counts_as_what_its_label_says(declared, as_generic):
    label = declared.split(" [")[0]
    new_label = as_generic.split(" [")[0]
    lines = {declared: as_generic}
    lines |= {line: line.replace(label, new_label) for line in STRONG if "->" in line and label in line}
    assert rules(diagram(replace=lines)) == []


def test_stickies_are_not_blocks_of_the_system():
    assert rules(diagram(add=("Remember latency [sticky]",))) == []


@pytest.mark.parametrize("slug", sorted(bank()))
def test_every_reference_diagram_of_the_bank_raises_nothing_and_covers_itself(slug):
    problem = bank()[slug]
    reference = problem["reference_diagram"]
    assert rules(reference, tags=problem["tags"]) == []
    items = coverage(reference, reference)
    assert {item.status for item in items} == {PRESENT}
    assert [item.match for item in items] == [item.block for item in items]
    assert covered(items) == 1.0


def test_the_flawed_set_meets_the_precision_and_recall_targets():
    results = measure()
    assert results["all"]["diagrams"] >= 30
    assert results["all"]["precision"] >= TARGET, results["rows"]
    assert results["all"]["recall"] >= TARGET, results["rows"]


def test_coverage_tells_present_partial_and_missing_blocks_apart_per_phase():
    reference = diagram()
    candidate = parse(
        "Mobile app [client] -> Feed API [service]\n"
        "Mobile app -> Event log [stream]\n"
        "Event log -> Trainer [training]\n"
        "Feed API -> Ranker [ranking]\n"
        "Dashboard [generic]\n"
    )
    phases = ("Scoping", "Data", "Models", "Wrap-up")
    items = {item.label: item for item in coverage(candidate, reference, phases=phases)}
    assert {label: item.status for label, item in items.items()} == {
        "App": PRESENT,
        "Feed service": PRESENT,
        "Click events": PRESENT,
        "Event lake": MISSING,
        "Feature store": MISSING,
        "Ranker training": PRESENT,
        "Model registry": MISSING,
        "Candidate generation": MISSING,
        "ANN index": MISSING,
        "Ranking model": PRESENT,
        "Experiment platform": MISSING,
        "Monitoring": PARTIAL,
    }
    assert items["Monitoring"].match == "dashboard"
    assert (items["Click events"].phase, items["Ranking model"].phase, items["Monitoring"].phase) == (
        "Data",
        "Models",
        "Monitoring",
    )
    assert covered(items.values()) == pytest.approx(5.5 / 12)


def test_nothing_drawn_covers_nothing():
    reference = diagram()
    items = coverage(EMPTY, reference)
    assert {item.status for item in items} == {MISSING}
    assert covered(items) == 0.0
