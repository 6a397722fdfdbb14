"""A problem's plan of phases: names and minutes, as the bank, the authoring form and the
interviewer's changes give it (the timer in interview/timer.py runs through it)."""

from __future__ import annotations

from dataclasses import dataclass

from core.text import unstorable

MAX_PHASES = 10


MAX_PHASE_NAME = 40


MAX_PHASE_MINUTES = 180


DEFAULT_PHASES = (
    {"name": "Requirements", "minutes": 5},
    {"name": "Data", "minutes": 10},
    {"name": "Modeling & scaling", "minutes": 15},
    {"name": "Monitoring", "minutes": 5},
)


@dataclass(frozen=True)
class Phase:
    name: str
    minutes: int

    def as_dict(self) -> dict:
        return {"name": self.name, "minutes": self.minutes}


def parse_phases(data: object, *, field: str = "phases") -> tuple[Phase, ...]:
    """Validate a list of `{name, minutes}`; the ValueError names the offending item."""
    if not isinstance(data, list) or not data:
        raise ValueError(f"{field}: must be a non-empty list of {{name, minutes}}")
    if len(data) > MAX_PHASES:
        raise ValueError(f"{field}: at most {MAX_PHASES} phases, got {len(data)}")
    phases = []
    for i, item in enumerate(data):
        where = f"{field}[{i}]"
        if not isinstance(item, dict) or set(item) != {"name", "minutes"}:
            raise ValueError(f"{where}: must be an object with exactly name and minutes")
        name, minutes = item["name"], item["minutes"]
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}.name: must be a non-empty string")
        if len(name.strip()) > MAX_PHASE_NAME:
            raise ValueError(f"{where}.name: longer than {MAX_PHASE_NAME} characters")
        if problem := unstorable(name):
            raise ValueError(f"{where}.name: {problem}")
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise ValueError(f"{where}.minutes: must be a whole number")
        if not 1 <= minutes <= MAX_PHASE_MINUTES:
            raise ValueError(f"{where}.minutes: must be between 1 and {MAX_PHASE_MINUTES}")
        phases.append(Phase(name.strip(), minutes))
    return tuple(phases)
