"""Read-side queries shared by pages, the REST API and the WebSocket consumer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection

from core import statements
from core.errors import Forbidden
from core.statements import Statement, Statements
from diagrams.review import coverage, covered, review
from interview.models import PRESENCE_STALE_SECONDS, Feedback, Role, Room, RoomConnection, RoomState, TimerEvent
from interview.timer import TimerState
from problembank.models import Problem

# Every socket's heartbeat reads this, ten times a minute: one statement, written out, as
# building it with the ORM cost several times what the database took to answer
# (bench/README.md, idle sockets).
# Table names from the models (tests/test_sql_table_names.py); values are bound parameters.
_CONNECTION, _USER = RoomConnection._meta.db_table, get_user_model()._meta.db_table
_PRESENCE = (
    'SELECT r."interviewer_id", i."username", r."candidate_id", c."username", '  # noqa: S608
    f'EXISTS (SELECT 1 FROM "{_CONNECTION}" x WHERE x."room_id" = r."id" '
    'AND x."user_id" = r."interviewer_id" AND x."last_seen" >= %s), '
    f'EXISTS (SELECT 1 FROM "{_CONNECTION}" x WHERE x."room_id" = r."id" '
    'AND x."user_id" = r."candidate_id" AND x."last_seen" >= %s) '
    f'FROM "{Room._meta.db_table}" r INNER JOIN "{_USER}" i ON i."id" = r."interviewer_id" '
    f'LEFT JOIN "{_USER}" c ON c."id" = r."candidate_id" WHERE r."id" = %s'
)


@dataclass(frozen=True)
class Seat:
    role: Role
    user_id: int | None
    username: str | None
    connected: bool


def room_seats(room_id, *, now: datetime) -> list[Seat] | None:
    """Both seats with who holds them and whether they have a live connection; None if there
    is no such room."""
    return statements.run(room_seats_statements(room_id, now=now))


def room_seats_statements(room_id, *, now: datetime) -> Statements[list[Seat] | None]:
    live_since = connection.ops.adapt_datetimefield_value(now - timedelta(seconds=PRESENCE_STALE_SECONDS))
    row = yield Statement(
        _PRESENCE, [live_since, live_since, Room._meta.pk.get_db_prep_value(room_id, connection)], fetch=True
    )
    if row is None:
        return None
    interviewer_id, interviewer, candidate_id, candidate, interviewer_live, candidate_live = row
    return [
        Seat(Role.INTERVIEWER, interviewer_id, interviewer, bool(interviewer_live)),
        Seat(Role.CANDIDATE, candidate_id, candidate, bool(candidate_live)),
    ]


def room_participants(room_id, *, now: datetime) -> list[dict]:
    """Both seats with who holds them and whether they have a live connection."""
    return participants_json(room_seats(room_id, now=now) or [])


def participants_json(seats: list[Seat]) -> list[dict]:
    return [{"role": seat.role.value, "username": seat.username, "connected": seat.connected} for seat in seats]


def kit_refusal(user, problem: Problem) -> str | None:
    """Why `user` may not see `problem`'s interviewer kit (guide, rubric, twists, reference
    diagram) now, or None. The kit of a problem anyone may open a room with is open to them,
    but not while they are the candidate of an interview on it that has not ended. Its author
    wrote the kit, so keeps it."""
    if not user.is_authenticated or problem.owner_id == user.pk:
        return None
    if Room.objects.interviewing(user).filter(problem=problem).exists():
        return (
            f"you are the candidate in an interview on “{problem.title}” that has not ended; its interviewer kit "
            "(guide, rubric, twists and reference diagram) opens to you once that interview ends"
        )
    return None


def diagrams_to_copy(user) -> dict[str, tuple[str, dict]]:
    """The diagrams of `user`'s rooms, for a problem of theirs to start its reference from:
    by room id, with the name the form lists it under."""
    rooms = Room.objects.for_user(user).select_related("problem", "diagram")
    return {str(room.pk): (f"{room.problem.title}, {room.created_at:%d %b %Y}", room.diagram.graph) for room in rooms}


def kits_refused(user, problems) -> set[int]:
    """The ids of those `problems` whose kit `user` may not see now (as kit_refusal), in one query."""
    if not user.is_authenticated:
        return set()
    return set(
        Room.objects.interviewing(user)
        .filter(problem__in=problems)
        .exclude(problem__owner=user)
        .values_list("problem_id", flat=True)
    )


def room_scoring(room: Room) -> dict:
    """Scores and verdict as the interviewer sees them (and the candidate, once shared)."""
    feedback = Feedback.objects.filter(room=room).first() or Feedback(room=room)
    names = {dimension["key"]: dimension["name"] for dimension in room.problem.rubric}
    return {
        # In rubric order; the dimension's name travels with it, its level descriptors do not.
        "scores": {
            score.dimension: {
                "name": names.get(score.dimension, score.dimension),
                "level": score.level,
                "comment": score.comment,
                "node_ids": score.node_ids,
            }
            for score in sorted(room.scores.all(), key=lambda s: list(names).index(s.dimension))
        },
        "recommendation": feedback.recommendation,
        "summary": feedback.summary,
        "strengths": feedback.strengths,
        "improvements": feedback.improvements,
        "shared_at": feedback.shared_at.isoformat() if feedback.shared_at else None,
        "review_shared": feedback.review_shared,
    }


def feedback_is_shared(room: Room) -> bool:
    """Whether the candidate may see the scores and verdict now, and the reports made of them."""
    return Feedback.objects.filter(room=room, shared_at__isnull=False).exists()


def room_feedback_for(room: Room, role: Role | None) -> dict | None:
    """What `role` may see of the scoring: all of it for the interviewer, the shared feedback
    for the candidate, nothing otherwise (or before it is shared)."""
    if role == Role.INTERVIEWER or (role == Role.CANDIDATE and feedback_is_shared(room)):
        return room_scoring(room)
    return None


def review_refusal(room: Room, user) -> str | None:
    """Why `user` may not see the room's design review now, or None. It reads the diagram
    against the reference answer, so it is the interviewer's as the kit is; the candidate's
    only once the feedback is shared with the review ticked."""
    role = room.role_of(user)
    if role == Role.INTERVIEWER:
        return kit_refusal(user, room.problem)
    if role == Role.CANDIDATE:
        if Feedback.objects.filter(room=room, shared_at__isnull=False, review_shared=True).exists():
            return None
        return "the design review opens to you if the interviewer shares it with the feedback"
    return "you are not a participant in this room"


def room_review(room: Room) -> dict:
    """The design review of the room's diagram as it stands: the checks' findings, and each
    block of the reference diagram with how the diagram covers it (none without a reference)."""
    graph = room.diagram.graph
    reference = room.problem.reference_diagram
    items = None
    if reference.get("nodes"):
        items = coverage(graph, reference, phases=[phase["name"] for phase in room.phases])
    return {
        "version": room.diagram.version,
        "findings": [finding.as_dict() for finding in review(graph, tags=room.problem.tags)],
        "coverage": [item.as_dict() for item in items] if items is not None else None,
        "covered": round(covered(items), 3) if items is not None else None,
    }


def room_review_for(*, room: Room, by) -> dict:
    """The design review, for whoever may see it now (review_refusal)."""
    refusal = review_refusal(room, by)
    if refusal:
        raise Forbidden(refusal)
    return room_review(room)


def room_self_assessment(room: Room, role: Role | None) -> dict | None:
    """The candidate's self-assessment: open to both participants once the interview has
    ended, with each dimension's description and level descriptors, so that the candidate
    rates themself on the interviewer's scale (the kit is theirs to read from the end on)."""
    if role is None or room.state != RoomState.ENDED:
        return None
    ratings = {r.dimension: r for r in room.self_assessments.all()}
    return {
        "dimensions": [
            {
                "key": d["key"],
                "name": d["name"],
                "description": d.get("description", ""),
                "levels": d["levels"],
                "level": ratings[d["key"]].level if d["key"] in ratings else None,
                "comment": ratings[d["key"]].comment if d["key"] in ratings else "",
            }
            for d in room.problem.rubric
        ]
    }


def room_twists(room: Room) -> list[dict]:
    """The twists revealed so far, in order, as both participants see them (the interviewer's
    notes on a good adaptation are in the kit, not here)."""
    by_key = {twist["key"]: twist for twist in room.problem.twists}
    return [
        {
            "key": reveal.key,
            "title": by_key[reveal.key]["title"],
            "reveal": by_key[reveal.key]["reveal"],
            "phase": reveal.phase,
            "minute": int(reveal.elapsed // 60),
            "elapsed": int(reveal.elapsed),
            "revealed_at": reveal.revealed_at.isoformat(),
        }
        for reveal in room.twist_reveals.all()
        if reveal.key in by_key
    ]


@dataclass(frozen=True)
class PhaseTime:
    name: str
    planned_minutes: int
    actual_minutes: float
    ended_at: datetime | None

    @property
    def overrun(self) -> bool:
        return self.actual_minutes > self.planned_minutes


def phase_times(room: Room) -> list[PhaseTime]:
    """Planned against actual minutes per phase: the room's TimerEvents replayed through the
    timer the room runs (interview.timer), so the report counts time as the room did. A phase
    still under way counts the time banked at its last pause."""
    state = TimerState(phases=room.timer.phases)
    spent = [0.0] * len(state.phases)
    ended: list[datetime | None] = [None] * len(state.phases)
    # In Meta order (at, then id), so that My progress's prefetch serves it: no query per room.
    for event in room.timer_events.all():
        if event.kind in (TimerEvent.Kind.NEXT_PHASE, TimerEvent.Kind.END):
            spent[state.phase_index] = state.phase_elapsed_at(event.at)
            ended[state.phase_index] = event.at
        state = state.apply(event.kind, event.at)
    if state.status != "ended":
        spent[state.phase_index] = state.phase_elapsed
    return [
        PhaseTime(phase.name, phase.minutes, round(seconds / 60, 1), ended_at)
        for phase, seconds, ended_at in zip(state.phases, spent, ended, strict=True)
    ]
