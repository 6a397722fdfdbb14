"""Benchmarks: each prints a table, and with --json PATH writes its figures (bench/README.md)."""

from __future__ import annotations

import json
from pathlib import Path


def write_json(path: Path | None, results: dict) -> None:
    """The figures as one JSON object at `path`, when the run was given one."""
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2))
