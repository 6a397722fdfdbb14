"""Reading and checking the problem bank: one YAML file per problem under `problems/`.

Every error names the file and the field, so whoever edits a problem sees what to fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from diagrams.graph import GraphError, normalize, validate
from problembank.markup import MAX_MARKDOWN_DEPTH, markdown_depth
from problembank.models import Difficulty
from problembank.phases import DEFAULT_PHASES, parse_phases

MIN_RUBRIC_DIMENSIONS = 6
RUBRIC_LEVELS = 4
# The dimensions every problem shares, whatever its rubric calls them: progress across
# interviews on different problems is drawn on these. A dimension whose key is one of them
# belongs to it; any other names its axis.
AXES = ("requirements", "framing", "data", "modeling", "evaluation", "serving", "monitoring")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FIELDS = {
    "slug",
    "title",
    "summary",
    "difficulty",
    "tags",
    "statement",
    "guide",
    "rubric",
    "reference_diagram",
}
# Optional: a problem without `phases` uses the standard answer framework.
_OPTIONAL = {"phases", "twists"}


class ProblemFileError(ValueError):
    pass


# Ten times the longest the bank has: a problem's texts go into every room page and every
# PDF report, and a megabyte of them would make each report take minutes to lay out.
MAX_TEXT = 2_000
MAX_STATEMENT = 10_000
MAX_ITEMS = 50


def _text(value: object, field: str, *, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field}: must be non-empty text")
    if len(value.strip()) > limit:
        raise ValueError(f"{field}: longer than {limit} characters")
    return value.strip()


def _statement(value: object) -> str:
    text = _text(value, "statement", limit=MAX_STATEMENT)
    if markdown_depth(text) > MAX_MARKDOWN_DEPTH:
        raise ValueError(f"statement: lists or quotes nest more than {MAX_MARKDOWN_DEPTH} elements deep")
    return text


def _list(value: object, field: str, *, empty: bool) -> list:
    if value is None and empty:
        return []
    if not isinstance(value, list) or not (value or empty):
        raise ValueError(f"{field}: must be a {'' if empty else 'non-empty '}list")
    if len(value) > MAX_ITEMS:
        raise ValueError(f"{field}: at most {MAX_ITEMS} items, got {len(value)}")
    return value


def _text_list(value: object, field: str, *, empty: bool = False) -> list[str]:
    return [_text(item, f"{field}[{i}]") for i, item in enumerate(_list(value, field, empty=empty))]


def _records(value: object, field: str, keys: tuple[str, ...], *, empty: bool = False) -> list[dict]:
    """A list of objects whose values under `keys` are all non-empty text."""
    value = _list(value, field, empty=empty)
    records = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != set(keys):
            raise ValueError(f"{field}[{i}]: must have exactly the fields {', '.join(keys)}")
        records.append({key: _text(item[key], f"{field}[{i}].{key}") for key in keys})
    return records


# Sections of the guide given per phase: (phase, text) records whose phase names a phase.
PHASED_SECTIONS = ("hints", "followups", "strong_answer")


def _guide(value: object, phase_names: set[str]) -> dict:
    if not isinstance(value, dict):
        raise ValueError("guide: must be a mapping")
    known = {"clarifications", "scale", "pitfalls", *PHASED_SECTIONS}
    unknown = set(value) - known
    if unknown:
        raise ValueError(f"guide.{sorted(unknown)[0]}: not a known guide section")
    # Any section may be left empty (a user's own problem may be sketchy); the shipped bank
    # is held to more by kit_gaps.
    guide = {
        "clarifications": _records(
            value.get("clarifications"), "guide.clarifications", ("question", "answer"), empty=True
        ),
        "scale": _text_list(value.get("scale"), "guide.scale", empty=True),
        **{
            section: _records(value.get(section), f"guide.{section}", ("phase", "text"), empty=True)
            for section in PHASED_SECTIONS
        },
        "pitfalls": _text_list(value.get("pitfalls"), "guide.pitfalls", empty=True),
    }
    for section in PHASED_SECTIONS:
        for i, item in enumerate(guide[section]):
            if item["phase"] not in phase_names:
                raise ValueError(f"guide.{section}[{i}].phase: {item['phase']!r} is not one of the phases")
    return guide


def _twists(value: object) -> list[dict]:
    """Optional new constraints to reveal mid-interview, each with what a good adaptation is."""
    twists = _records(value, "twists", ("key", "title", "reveal", "good_adaptation"), empty=True)
    keys = set()
    for i, twist in enumerate(twists):
        if not _SLUG.match(twist["key"]):
            raise ValueError(f"twists[{i}].key: must be lower-case letters, digits and -")
        if twist["key"] in keys:
            raise ValueError(f"twists[{i}].key: duplicate key {twist['key']!r}")
        keys.add(twist["key"])
        _text(twist["title"], f"twists[{i}].title", limit=120)
    return twists


_DIMENSION = {"key", "name", "description", "levels", "axis"}


def _rubric(value: object) -> list[dict]:
    if not isinstance(value, list) or not value:
        raise ValueError("rubric: needs at least one dimension")
    rubric, keys = [], set()
    for i, item in enumerate(value):
        field = f"rubric[{i}]"
        if not isinstance(item, dict) or not {"key", "name", "description", "levels"} <= set(item) <= _DIMENSION:
            raise ValueError(f"{field}: must have the fields key, name, description, levels (and axis, or not)")
        key = item["key"]
        if not isinstance(key, str) or not _SLUG.match(key.replace("_", "-")):
            raise ValueError(f"{field}.key: must be lower-case letters, digits and _")
        axis = item.get("axis", key if key in AXES else None)
        if axis is not None and axis not in AXES:
            raise ValueError(f"{field}.axis: {axis!r} is not a common axis; expected one of {', '.join(AXES)}")
        if key in keys:
            raise ValueError(f"{field}.key: duplicate key {key!r}")
        keys.add(key)
        levels = item["levels"]
        if not isinstance(levels, list) or len(levels) != RUBRIC_LEVELS:
            raise ValueError(f"{field}.levels: needs exactly {RUBRIC_LEVELS} level descriptors (1 to 4)")
        rubric.append(
            {
                "key": key,
                "name": _text(item["name"], f"{field}.name", limit=80),
                "description": _text(item["description"], f"{field}.description"),
                "levels": [_text(level, f"{field}.levels[{n}]") for n, level in enumerate(levels)],
                "axis": axis,
            }
        )
    return rubric


def parse_problem(data: object, *, slug: str) -> dict:
    """The Problem fields from a parsed file; ValueError names the offending field."""
    if not isinstance(data, dict):
        raise ValueError("the file must hold a mapping of fields")
    missing = _FIELDS - set(data)
    if missing:
        raise ValueError(f"{sorted(missing)[0]}: is required")
    unknown = set(data) - _FIELDS - _OPTIONAL
    if unknown:
        raise ValueError(f"{sorted(unknown)[0]}: is not a known field")
    if data["slug"] != slug:
        raise ValueError(f"slug: {data['slug']!r} must match the file name {slug!r}")
    if data["difficulty"] not in Difficulty.values:
        raise ValueError(f"difficulty: must be one of {', '.join(Difficulty.values)}")
    phases = parse_phases(data.get("phases", list(DEFAULT_PHASES)))
    try:
        validate(data["reference_diagram"])
    except GraphError as error:
        raise ValueError(f"reference_diagram.{error}") from None
    return {
        "slug": slug,
        "title": _text(data["title"], "title", limit=200),
        "summary": _text(data["summary"], "summary", limit=300),
        "difficulty": data["difficulty"],
        "tags": _text_list(data["tags"], "tags"),
        "statement": _statement(data["statement"]),
        "guide": _guide(data["guide"], {p.name for p in phases}),
        "phases": [p.as_dict() for p in phases],
        "rubric": _rubric(data["rubric"]),
        "reference_diagram": normalize(data["reference_diagram"]),
        "twists": _twists(data.get("twists")),
    }


BANK_NODES = (10, 30)
BANK_GROUPS = {"offline", "online"}
BANK_MIN_TWISTS = 2


def kit_gaps(problem: dict) -> list[str]:
    """What a parsed problem lacks to be a complete interviewer kit for the shipped bank:
    guidance for every phase, twists, and a reference diagram of the right size that
    separates offline from online. Custom problems need not be this complete."""
    gaps = [
        f"guide.{section}: is empty"
        for section in ("clarifications", "scale", "pitfalls")
        if not problem["guide"][section]
    ]
    if len(problem["rubric"]) < MIN_RUBRIC_DIMENSIONS:
        gaps.append(f"rubric: needs at least {MIN_RUBRIC_DIMENSIONS} dimensions")
    gaps += [
        f"rubric[{i}].axis: dimension {dimension['key']!r} names no common axis; give one of {', '.join(AXES)}"
        for i, dimension in enumerate(problem["rubric"])
        if dimension["axis"] is None
    ]
    for section in PHASED_SECTIONS:
        covered = {item["phase"] for item in problem["guide"][section]}
        gaps += [
            f"guide.{section}: nothing for phase {p['name']!r}" for p in problem["phases"] if p["name"] not in covered
        ]
    if len(problem["twists"]) < BANK_MIN_TWISTS:
        gaps.append(f"twists: needs at least {BANK_MIN_TWISTS}")
    diagram = problem["reference_diagram"]
    low, high = BANK_NODES
    if not low <= len(diagram["nodes"]) <= high:
        gaps.append(f"reference_diagram.nodes: needs {low} to {high} nodes, has {len(diagram['nodes'])}")
    missing_groups = BANK_GROUPS - {group["id"] for group in diagram.get("groups", [])}
    if missing_groups:
        gaps.append(f"reference_diagram.groups: needs groups with ids {', '.join(sorted(missing_groups))}")
    return gaps


def read_problem_bank(directory: Path) -> list[dict]:
    """Every problem in `directory`, checked; ProblemFileError names the file and field."""
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise ProblemFileError(f"no problem files (*.yaml) in {directory}")
    problems = []
    for path in paths:
        if not _SLUG.match(path.stem):
            raise ProblemFileError(f"{path.name}: file name must be a slug like video-recommendation.yaml")
        try:
            # libyaml's safe loader (PyYAML's wheels have it): the same documents as the
            # pure-Python one, ten times as fast (the bank: 70 ms rather than 700).
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
            problem = parse_problem(data, slug=path.stem)
            gaps = kit_gaps(problem)
            if gaps:
                raise ValueError("; ".join(gaps))
            problems.append(problem)
        except (ValueError, yaml.YAMLError) as error:
            raise ProblemFileError(f"{path.name}: {error}") from None
    return problems
