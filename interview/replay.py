"""The session as recorded, for the replay view: the op log on one time line with the timer's
phases and the twists revealed, and the diagram as it stood at any version of it.

Times are seconds from the session's start: the timer's first start, or the first change to
the diagram if that came earlier.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from core.errors import Forbidden, Invalid
from diagrams.models import DiagramOp
from diagrams.services import diagram_replayed_to
from interview.models import NoteKind, NoteSave, Role, Room, RoomState, TimerEvent

# Saves of a pad this close together are one burst of typing: one mark, where it ended.
NOTES_BURST_SECONDS = 30


def replay_refusal(room: Room, user) -> str | None:
    """Why `user` may not replay the room now, or None: both participants once it has ended,
    the interviewer alone while it goes on (the candidate is still answering)."""
    role = room.role_of(user)
    if role is None:
        return "you are not a participant in this room"
    if role == Role.CANDIDATE and room.state != RoomState.ENDED:
        return "the replay opens to you when the interview ends"
    return None


def _require_replay(room: Room, user) -> None:
    refusal = replay_refusal(room, user)
    if refusal:
        raise Forbidden(refusal)


def _origin(room: Room) -> datetime:
    first_op = DiagramOp.objects.filter(diagram_id=room.diagram_id).order_by("version").values_list("at", flat=True)
    moments = [moment for moment in (room.started_at, first_op.first()) if moment is not None]
    return min(moments) if moments else room.created_at


def _summary(op: dict) -> str:
    """What an op did, in words, for the list of changes."""
    kind = op.get("op", "")
    if kind == "batch":
        return f"{len(op.get('ops', []))} changes at once"
    subject = op.get("node") or op.get("edge") or op.get("group") or {}
    what = subject.get("label") or op.get("id") or op.get("direction") or ""
    return f"{kind.replace('_', ' ')} {what}".strip()


def room_replay(*, room: Room, by) -> dict:
    """The time line: its length, the phases as the timer ran them, the twists revealed, the
    notes saved (by bursts of typing), and every op with when, by whom and what, without the
    ops themselves (room_replay_at draws)."""
    _require_replay(room, by)
    origin = _origin(room)

    def offset(moment: datetime) -> float:
        return round((moment - origin).total_seconds(), 3)

    end = room.ended_at or timezone.now()
    phases = []
    for event in room.timer_events.order_by("at", "id"):
        if event.kind in (TimerEvent.Kind.START, TimerEvent.Kind.NEXT_PHASE) and event.phase_index < len(room.phases):
            if phases:
                phases[-1]["end"] = offset(event.at)
            phases.append({"name": room.phases[event.phase_index]["name"], "start": offset(event.at), "end": None})
        elif event.kind == TimerEvent.Kind.END and phases:
            phases[-1]["end"] = offset(event.at)
    if phases and phases[-1]["end"] is None:
        phases[-1]["end"] = offset(end)
    # The candidate's pad is both sides'; the private notes are marked for the interviewer only.
    kinds = [NoteKind.CANDIDATE] if room.role_of(by) == Role.CANDIDATE else [NoteKind.CANDIDATE, NoteKind.INTERVIEWER]
    notes: list[dict] = []
    last: dict[str, datetime] = {}
    for kind, at in NoteSave.objects.filter(room=room, kind__in=kinds).values_list("kind", "at"):
        if kind in last and (at - last[kind]).total_seconds() <= NOTES_BURST_SECONDS:
            burst = next(mark for mark in reversed(notes) if mark["kind"] == kind)
            burst["at"] = offset(at)
        else:
            notes.append({"kind": kind, "at": offset(at)})
        last[kind] = at
    logged = DiagramOp.objects.filter(diagram_id=room.diagram_id).select_related("author").order_by("version")
    titles = {twist["key"]: twist["title"] for twist in room.problem.twists}
    return {
        "duration": max(0.0, offset(end)),
        "started_at": origin.isoformat(),
        "version": room.diagram.version,
        "phases": phases,
        "twists": [
            {"key": reveal.key, "title": titles[reveal.key], "at": offset(reveal.revealed_at), "phase": reveal.phase}
            for reveal in room.twist_reveals.all()
            if reveal.key in titles
        ],
        "notes": notes,
        "ops": [
            {
                "version": op.version,
                "at": offset(op.at),
                "author": op.author.get_username() if op.author else None,
                "summary": _summary(op.op) if isinstance(op.op, dict) else "",
            }
            for op in logged
        ],
    }


def room_replay_at(*, room: Room, by, version: object) -> dict:
    """The diagram as it stood at `version`, drawn from the op log."""
    _require_replay(room, by)
    if isinstance(version, bool) or not isinstance(version, int):
        raise Invalid("must be a whole number", field="version")
    try:
        graph = diagram_replayed_to(diagram=room.diagram, version=version)
    except ValueError as error:
        raise Invalid(str(error), field="version") from None
    return {"version": version, "graph": graph}
