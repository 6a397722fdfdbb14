"""Reading and checking the problem bank: one YAML file per problem under `problems/`.

Every error names the file and the field, so whoever edits a problem sees what to fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from diagrams.graph import GraphError, validate
from interview.models import Difficulty
from interview.timer import DEFAULT_PHASES, parse_phases

MIN_RUBRIC_DIMENSIONS = 6
RUBRIC_LEVELS = 4
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
_OPTIONAL = {"phases"}


class ProblemFileError(ValueError):
    pass


def _text(value: object, field: str, *, limit: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field}: must be non-empty text")
    if limit is not None and len(value.strip()) > limit:
        raise ValueError(f"{field}: longer than {limit} characters")
    return value.strip()


def _text_list(value: object, field: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{field}: must be a non-empty list")
    return [_text(item, f"{field}[{i}]") for i, item in enumerate(value)]


def _records(value: object, field: str, keys: tuple[str, ...]) -> list[dict]:
    """A non-empty list of objects whose values under `keys` are all non-empty text."""
    if not isinstance(value, list) or not value:
        raise ValueError(f"{field}: must be a non-empty list")
    records = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != set(keys):
            raise ValueError(f"{field}[{i}]: must have exactly the fields {', '.join(keys)}")
        records.append({key: _text(item[key], f"{field}[{i}].{key}") for key in keys})
    return records


def _guide(value: object, phase_names: set[str]) -> dict:
    if not isinstance(value, dict):
        raise ValueError("guide: must be a mapping")
    known = {"clarifications", "scale", "hints", "strong_answer", "pitfalls"}
    unknown = set(value) - known
    if unknown:
        raise ValueError(f"guide.{sorted(unknown)[0]}: not a known guide section")
    guide = {
        "clarifications": _records(value.get("clarifications"), "guide.clarifications", ("question", "answer")),
        "scale": _text_list(value.get("scale"), "guide.scale"),
        "hints": _records(value.get("hints"), "guide.hints", ("phase", "text")),
        "strong_answer": _text_list(value.get("strong_answer"), "guide.strong_answer"),
        "pitfalls": _text_list(value.get("pitfalls"), "guide.pitfalls"),
    }
    for i, hint in enumerate(guide["hints"]):
        if hint["phase"] not in phase_names:
            raise ValueError(f"guide.hints[{i}].phase: {hint['phase']!r} is not one of the phases")
    return guide


def _rubric(value: object) -> list[dict]:
    if not isinstance(value, list) or len(value) < MIN_RUBRIC_DIMENSIONS:
        raise ValueError(f"rubric: needs at least {MIN_RUBRIC_DIMENSIONS} dimensions")
    rubric, keys = [], set()
    for i, item in enumerate(value):
        field = f"rubric[{i}]"
        if not isinstance(item, dict) or set(item) != {"key", "name", "description", "levels"}:
            raise ValueError(f"{field}: must have exactly the fields key, name, description, levels")
        key = item["key"]
        if not isinstance(key, str) or not _SLUG.match(key.replace("_", "-")):
            raise ValueError(f"{field}.key: must be lower-case letters, digits and _")
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
        "statement": _text(data["statement"], "statement"),
        "guide": _guide(data["guide"], {p.name for p in phases}),
        "phases": [p.as_dict() for p in phases],
        "rubric": _rubric(data["rubric"]),
        "reference_diagram": data["reference_diagram"],
    }


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
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            problems.append(parse_problem(data, slug=path.stem))
        except (ValueError, yaml.YAMLError) as error:
            raise ProblemFileError(f"{path.name}: {error}") from None
    return problems
