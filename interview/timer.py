"""The phase timer as a pure value: control actions and the time left at any instant.

The server owns the timer. Only banked seconds and the instant the clock last started are
stored, so the time shown is a function of "now" and survives reloads, late joins and
process restarts without any process keeping a ticking clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from problembank.phases import Phase

AMBER_SECONDS = 60

Status = Literal["not_started", "running", "paused", "ended"]
ACTIONS = ("start", "pause", "resume", "next_phase", "end")


class TimerError(ValueError):
    """A control action that does not apply to the timer's current status."""


@dataclass(frozen=True)
class TimerState:
    phases: tuple[Phase, ...]
    status: Status = "not_started"
    phase_index: int = 0
    # Seconds banked before `running_since`; the live part is added by the *_at methods.
    phase_elapsed: float = 0.0
    total_elapsed: float = 0.0
    running_since: datetime | None = None
    # Bumped by the room on every change, so clients can drop states that arrive late.
    revision: int = 0

    @property
    def phase(self) -> Phase:
        return self.phases[self.phase_index]

    def _live(self, now: datetime) -> float:
        if self.running_since is None:
            return 0.0
        return max(0.0, (now - self.running_since).total_seconds())

    def phase_elapsed_at(self, now: datetime) -> float:
        return self.phase_elapsed + self._live(now)

    def total_elapsed_at(self, now: datetime) -> float:
        return self.total_elapsed + self._live(now)

    def remaining_at(self, now: datetime) -> float:
        """Seconds left in the current phase; negative once the phase overruns."""
        return self.phase.minutes * 60 - self.phase_elapsed_at(now)

    def _require(self, action: str, *allowed: Status) -> None:
        if self.status not in allowed:
            raise TimerError(f"cannot {action.replace('_', ' ')}: the timer is {self.status.replace('_', ' ')}")

    def _banked(self, now: datetime) -> TimerState:
        return replace(
            self,
            phase_elapsed=self.phase_elapsed_at(now),
            total_elapsed=self.total_elapsed_at(now),
            running_since=None,
        )

    def apply(self, action: str, now: datetime) -> TimerState:
        """The state after a control action; TimerError when it does not apply."""
        return replace(self._after(action, now), revision=self.revision + 1)

    def _after(self, action: str, now: datetime) -> TimerState:
        if action == "start":
            self._require(action, "not_started")
            return replace(self, status="running", running_since=now)
        if action == "pause":
            self._require(action, "running")
            return replace(self._banked(now), status="paused")
        if action == "resume":
            self._require(action, "paused")
            return replace(self, status="running", running_since=now)
        if action == "next_phase":
            self._require(action, "running", "paused")
            if self.phase_index + 1 >= len(self.phases):
                raise TimerError("cannot move on: this is the last phase; end the interview instead")
            banked = self._banked(now)
            return replace(
                banked,
                phase_index=self.phase_index + 1,
                phase_elapsed=0.0,
                running_since=now if self.status == "running" else None,
            )
        if action == "end":
            self._require(action, "not_started", "running", "paused")
            return replace(self._banked(now), status="ended")
        raise TimerError(f"unknown timer action {action!r}; expected one of {', '.join(ACTIONS)}")

    def as_dict(self) -> dict:
        """What clients need to show the timer; they add the time since `running_since`."""
        return {
            "status": self.status,
            "phases": [p.as_dict() for p in self.phases],
            "phase_index": self.phase_index,
            "phase_elapsed": round(self.phase_elapsed, 3),
            "total_elapsed": round(self.total_elapsed, 3),
            "running_since": (round(self.running_since.timestamp() * 1000) if self.running_since else None),
            "amber_seconds": AMBER_SECONDS,
            "revision": self.revision,
        }
