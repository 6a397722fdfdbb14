"""Scores, feedback and the candidate's self-assessment."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.errors import (
    Forbidden,
    Invalid,
)
from core.text import unstorable
from interview.broadcast import broadcast_on_commit, interviewer_group, room_group
from interview.models import (
    Feedback,
    Recommendation,
    Role,
    Room,
    RoomState,
    Score,
    SelfAssessment,
)
from interview.selectors import (
    feedback_is_shared,
    room_scoring,
    room_self_assessment,
)
from interview.services.guards import lock_room, require_interviewer
from problembank.bank import RUBRIC_LEVELS

MAX_FEEDBACK_TEXT = 5000


FEEDBACK_FIELDS = ("recommendation", "summary", "strengths", "improvements")


def _check_feedback_text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise Invalid("must be a string", field=field)
    if len(value) > MAX_FEEDBACK_TEXT:
        raise Invalid(f"longer than {MAX_FEEDBACK_TEXT} characters", field=field)
    if problem := unstorable(value):
        raise Invalid(problem, field=field)
    return value


def _check_rating(room: Room, dimension: object, level: object) -> None:
    """A rubric dimension of this room's problem, and one of its levels (or None)."""
    if dimension not in {d["key"] for d in room.problem.rubric}:
        raise Invalid(f"{dimension!r} is not a dimension of this problem's rubric", field="dimension")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= RUBRIC_LEVELS):
        raise Invalid(f"must be a level from 1 to {RUBRIC_LEVELS}, or null", field="level")


def _broadcast_scoring(room: Room) -> None:
    """The interviewer's other tabs always hear of a change; the candidate only once shared
    (the rule pages and the API keep too: feedback_is_shared)."""
    scoring = room_scoring(room)
    broadcast_on_commit(interviewer_group(room.pk), {"type": "room.scoring", "scoring": scoring})
    if feedback_is_shared(room):
        broadcast_on_commit(room_group(room.pk), {"type": "room.feedback", "feedback": scoring})


@transaction.atomic
def score_set(
    *,
    room: Room,
    by: AbstractBaseUser,
    dimension: str,
    level: object = None,
    comment: object = "",
    node_ids: object = (),
) -> Score:
    """Set the level (1-4, or None to clear) and comment of one rubric dimension; allowed
    during and after the interview, for the interviewer only."""
    room = lock_room(room)
    require_interviewer(room, by, "score the interview")
    _check_rating(room, dimension, level)
    comment = _check_feedback_text(comment, "comment")
    if not isinstance(node_ids, list | tuple) or not all(isinstance(i, str) for i in node_ids):
        raise Invalid("must be a list of node ids", field="node_ids")
    known = {node["id"] for node in room.diagram.graph["nodes"]}
    if missing := [i for i in node_ids if i not in known]:
        raise Invalid(f"no node with id {missing[0]!r} in the diagram", field="node_ids")
    score, _ = Score.objects.update_or_create(
        room=room, dimension=dimension, defaults={"level": level, "comment": comment, "node_ids": list(node_ids)}
    )
    _broadcast_scoring(room)
    return score


@transaction.atomic
def feedback_set(*, room: Room, by: AbstractBaseUser, **fields: object) -> Feedback:
    """Change any of the recommendation, summary, strengths and improvements."""
    room = lock_room(room)
    require_interviewer(room, by, "write the feedback")
    unknown = set(fields) - set(FEEDBACK_FIELDS)
    if unknown:
        raise Invalid(f"not a feedback field; expected {', '.join(FEEDBACK_FIELDS)}", field=sorted(unknown)[0])
    if fields.get("recommendation", "") not in ("", *Recommendation.values):
        expected = ", ".join(Recommendation.values)
        raise Invalid(f"must be one of {expected} (or empty)", field="recommendation")
    feedback, _ = Feedback.objects.get_or_create(room=room)
    for field, value in fields.items():
        setattr(feedback, field, _check_feedback_text(value, field))
    feedback.save()
    _broadcast_scoring(room)
    return feedback


@transaction.atomic
def feedback_share(*, room: Room, by: AbstractBaseUser, shared: bool, review: bool = False) -> Feedback:
    """Show the candidate the scores and feedback (never the private notes), with the design
    review if `review`, or take them all back."""
    if not isinstance(review, bool):
        raise Invalid("must be true or false", field="review")
    room = lock_room(room)
    require_interviewer(room, by, "share the feedback")
    feedback, _ = Feedback.objects.get_or_create(room=room)
    feedback.shared_at = timezone.now() if shared else None
    feedback.review_shared = shared and review
    feedback.save(update_fields=["shared_at", "review_shared", "updated_at"])
    _broadcast_scoring(room)
    if not shared:
        broadcast_on_commit(room_group(room.pk), {"type": "room.feedback", "feedback": None})
    return feedback


@transaction.atomic
def self_assessment_set(
    *, room: Room, by: AbstractBaseUser, dimension: str, level: object = None, comment: object = ""
) -> SelfAssessment:
    """The candidate rates themself on one rubric dimension, once the interview has ended."""
    room = lock_room(room)
    if room.role_of(by) != Role.CANDIDATE:
        raise Forbidden("only the candidate can assess themself")
    if room.state != RoomState.ENDED:
        raise Invalid("self-assessment opens when the interview ends", field="dimension")
    _check_rating(room, dimension, level)
    rating, _ = SelfAssessment.objects.update_or_create(
        room=room, dimension=dimension, defaults={"level": level, "comment": _check_feedback_text(comment, "comment")}
    )
    event = {"type": "room.self_assessment", "self_assessment": room_self_assessment(room, Role.CANDIDATE)}
    broadcast_on_commit(room_group(room.pk), event)
    return rating
