"""Read-side queries shared by pages, the REST API and the WebSocket consumer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection

from interview.models import PRESENCE_STALE_SECONDS, Feedback, Problem, Role, Room, RoomState
from interview.problem_bank import PHASED_SECTIONS
from mockboard import statements
from mockboard.statements import Statement, Statements

# Every socket's heartbeat reads this, ten times a minute: one statement, written out, as
# building it with the ORM cost several times what the database took to answer
# (bench/README.md, idle sockets).
_PRESENCE = (
    'SELECT r."interviewer_id", i."username", r."candidate_id", c."username", '
    'EXISTS (SELECT 1 FROM "interview_roomconnection" x WHERE x."room_id" = r."id" '
    'AND x."user_id" = r."interviewer_id" AND x."last_seen" >= %s), '
    'EXISTS (SELECT 1 FROM "interview_roomconnection" x WHERE x."room_id" = r."id" '
    'AND x."user_id" = r."candidate_id" AND x."last_seen" >= %s) '
    'FROM "interview_room" r INNER JOIN "auth_user" i ON i."id" = r."interviewer_id" '
    'LEFT JOIN "auth_user" c ON c."id" = r."candidate_id" WHERE r."id" = %s'
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
    }


def room_feedback_for(room: Room, role: Role | None) -> dict | None:
    """What `role` may see of the scoring: all of it for the interviewer, the shared feedback
    for the candidate, nothing otherwise (or before it is shared)."""
    if role == Role.INTERVIEWER:
        return room_scoring(room)
    if role == Role.CANDIDATE and Feedback.objects.filter(room=room, shared_at__isnull=False).exists():
        return room_scoring(room)
    return None


def room_self_assessment(room: Room, role: Role | None) -> dict | None:
    """The candidate's self-assessment: open to both participants once the interview has
    ended (the dimensions' names are shown then, never their level descriptors)."""
    if role is None or room.state != RoomState.ENDED:
        return None
    ratings = {r.dimension: r for r in room.self_assessments.all()}
    return {
        "dimensions": [
            {
                "key": d["key"],
                "name": d["name"],
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
            "revealed_at": reveal.revealed_at.isoformat(),
        }
        for reveal in room.twist_reveals.all()
        if reveal.key in by_key
    ]


def guide_by_phase(problem: Problem) -> list[dict]:
    """The guide's hints, follow-ups and strong-answer points grouped under each phase, in the
    problem's phase order, for the interviewer to read phase by phase."""
    return [
        {
            "name": phase["name"],
            **{
                section: [item["text"] for item in problem.guide.get(section, []) if item["phase"] == phase["name"]]
                for section in PHASED_SECTIONS
            },
        }
        for phase in problem.phases
    ]
