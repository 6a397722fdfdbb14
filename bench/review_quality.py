"""Design review quality: precision and recall of the checks (diagrams/review.py) on the
deliberately flawed diagrams of bench/review_flaws.yaml, and what they say about the bank's
own reference diagrams (they are strong answers: every finding there is a false positive)
and the coverage of each reference against itself (it must be 100%).

A finding counts once per rule and diagram: a rule the flaw's entry expects is a true
positive, any other is a false positive, an expected rule that did not fire is a miss.

Run: .venv/bin/python -m bench.review_quality [--json build/review_quality.json]
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import yaml

from bench import write_json
from diagrams.graph import normalize, validate
from diagrams.review import coverage, covered, review

ROOT = Path(__file__).resolve().parent.parent
FLAWS = Path(__file__).with_name("review_flaws.yaml")
TARGET = 0.90


def bank() -> dict[str, dict]:
    """Each problem file of the bank by slug, as written (the checks need only the reference
    diagram and the tags, so no database is involved)."""
    problems = {}
    for path in sorted((ROOT / "problems").glob("*.yaml")):
        problem = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        problems[problem["slug"]] = problem
    return problems


def _edge(spec: str) -> tuple[str, str]:
    source, target = (end.strip() for end in spec.split("->"))
    return source, target


def flawed(reference: dict, entry: dict) -> dict:
    """The reference diagram with the entry's changes made; it must still be a valid graph."""
    graph = normalize(copy.deepcopy(reference))
    ids = {node["id"] for node in graph["nodes"]}
    for name in (*entry.get("remove", ()), *entry.get("kinds", {})):
        if name not in ids:
            raise ValueError(f"{entry['flaw']}: no block {name!r} in {entry['problem']}")
    gone = set(entry.get("remove", ()))
    graph["nodes"] = [node for node in graph["nodes"] if node["id"] not in gone]
    for node in graph["nodes"]:
        node["kind"] = entry.get("kinds", {}).get(node["id"], node["kind"])
    for block in entry.get("blocks", ()):
        graph["nodes"].append({"id": block["id"], "label": block["label"], "kind": block["kind"], "group": None})
    cut = {_edge(spec) for spec in entry.get("cut", ())}
    present = {(edge["source"], edge["target"]) for edge in graph["edges"]}
    missing = cut - present
    if missing:
        raise ValueError(f"{entry['flaw']}: no arrow {sorted(missing)[0]} in {entry['problem']}")
    graph["edges"] = [
        edge
        for edge in graph["edges"]
        if (edge["source"], edge["target"]) not in cut and not {edge["source"], edge["target"]} & gone
    ]
    for i, spec in enumerate(entry.get("add", ())):
        source, target = _edge(spec)
        graph["edges"].append({"id": f"flaw{i}", "source": source, "target": target, "label": ""})
    validate(graph)
    return normalize(graph)


def _figures(rows: list[dict]) -> dict:
    hits = sum(len(row["found"]) for row in rows)
    false_alarms = sum(len(row["false_alarms"]) for row in rows)
    misses = sum(len(row["missed"]) for row in rows)
    return {
        "diagrams": len(rows),
        "flawed": sum(bool(row["expected"]) for row in rows),
        "precision": hits / (hits + false_alarms) if hits + false_alarms else 1.0,
        "recall": hits / (hits + misses) if hits + misses else 1.0,
        "true_positives": hits,
        "false_positives": false_alarms,
        "false_negatives": misses,
    }


def measure() -> dict:
    problems = bank()
    rows = []
    for entry in yaml.safe_load(FLAWS.read_text()):
        problem = problems[entry["problem"]]
        fired = {finding.rule for finding in review(flawed(problem["reference_diagram"], entry), tags=problem["tags"])}
        expected = set(entry["expect"])
        rows.append(
            {
                "problem": entry["problem"],
                "flaw": entry["flaw"],
                "held_out": entry.get("held_out", False),
                "expected": sorted(expected),
                "found": sorted(fired & expected),
                "false_alarms": sorted(fired - expected),
                "missed": sorted(expected - fired),
            }
        )
    references = {
        slug: {
            "findings": [finding.rule for finding in review(problem["reference_diagram"], tags=problem["tags"])],
            "self_coverage": covered(coverage(problem["reference_diagram"], problem["reference_diagram"])),
        }
        for slug, problem in problems.items()
    }
    return {
        "all": _figures(rows),
        "held_out": _figures([row for row in rows if row["held_out"]]),
        "rows": rows,
        "references": references,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path)
    results = measure()
    for row in results["rows"]:
        if row["false_alarms"] or row["missed"]:
            print(f"{row['problem']}: {row['flaw']}: false alarms {row['false_alarms']}, missed {row['missed']}")
    for slug, reference in results["references"].items():
        if reference["findings"] or reference["self_coverage"] < 1:
            print(f"reference {slug}: findings {reference['findings']}, self coverage {reference['self_coverage']:.0%}")
    for name, figures in (("all", results["all"]), ("held out", results["held_out"])):
        print(
            f"{name}: {figures['diagrams']} diagrams ({figures['flawed']} flawed), precision "
            f"{figures['precision']:.1%}, recall {figures['recall']:.1%} (target {TARGET:.0%} each): "
            f"{figures['true_positives']} found, {figures['false_positives']} false, "
            f"{figures['false_negatives']} missed"
        )
    write_json(parser.parse_args().json, results)


if __name__ == "__main__":
    main()
