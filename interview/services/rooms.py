"""A room's seats: opening it, the invite, joining, and the candidate leaving."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q

from core.errors import (
    Forbidden,
    Invalid,
    InviteInvalid,
    SeatTaken,
    ServiceError,
)
from diagrams.models import Diagram
from interview.broadcast import broadcast_on_commit, room_group
from interview.models import (
    Room,
    RoomState,
    new_invite_token,
)
from interview.selectors import (
    kit_refusal,
)
from interview.services.guards import lock_room, require_interviewer
from interview.services.presence import broadcast_presence
from problembank.models import Difficulty, Problem


@transaction.atomic
def room_create(*, problem: Problem, interviewer: AbstractBaseUser) -> Room:
    """Open a room as its interviewer, which shows them the problem's kit: refused while they
    are the candidate of an interview on the problem that has not ended."""
    if refusal := kit_refusal(interviewer, problem):
        raise Forbidden(f"you cannot open a room on this problem now: {refusal}", field="problem")
    return Room.objects.create(
        problem=problem, interviewer=interviewer, phases=problem.phases, diagram=Diagram.objects.create()
    )


def room_join_refusal(*, room: Room | None, user: AbstractBaseUser) -> ServiceError | None:
    """Why `user` cannot take the seat through this invite, or None if they can (or are in)."""
    if room is None:
        return InviteInvalid("this invite link is not valid any more; ask the interviewer for a new one")
    if room.role_of(user) is not None:
        return None
    if room.candidate_id is not None:
        return SeatTaken("another candidate has already joined this room")
    if room.state == RoomState.ENDED:
        return InviteInvalid("this interview has ended")
    return None


@transaction.atomic
def room_join(*, token: str, user: AbstractBaseUser) -> Room:
    """Take the candidate seat of the room whose invite link holds `token`."""
    room = Room.objects.select_for_update().filter(invite_token=token).first() if token else None
    if refusal := room_join_refusal(room=room, user=user):
        raise refusal
    if room.role_of(user) is not None:
        return room
    room.candidate = user
    room.save(update_fields=["candidate"])
    broadcast_presence(room)
    return room


@transaction.atomic
def room_invite_revoke(*, room: Room, by: AbstractBaseUser) -> Room:
    """Kill the invite link; nobody new can join until a new one is issued."""
    room = lock_room(room)
    require_interviewer(room, by, "revoke the invite")
    room.invite_token = None
    room.save(update_fields=["invite_token"])
    return room


@transaction.atomic
def room_invite_reissue(*, room: Room, by: AbstractBaseUser) -> Room:
    """A new invite link; the old one stops working at once."""
    room = lock_room(room)
    require_interviewer(room, by, "re-issue the invite")
    room.invite_token = new_invite_token()
    room.save(update_fields=["invite_token"])
    return room


@transaction.atomic
def room_candidate_remove(*, room: Room, by: AbstractBaseUser) -> Room:
    """Free the candidate seat (a wrong person joined) and re-issue the invite."""
    room = lock_room(room)
    require_interviewer(room, by, "remove the candidate")
    if room.candidate_id is None:
        raise Invalid("no candidate has joined yet", field="candidate")
    room.candidate = None
    room.invite_token = new_invite_token()
    room.save(update_fields=["candidate", "invite_token"])
    # Open sockets re-check their access, so the removed candidate is cut off at once.
    broadcast_on_commit(room_group(room.pk), {"type": "room.access"})
    broadcast_presence(room)
    return room


@transaction.atomic
def room_swap(*, room: Room, by: AbstractBaseUser) -> Room:
    """Once the interview has ended, a new room with the roles reversed (the candidate now
    interviews) on a problem neither of them has done, both seated; either may ask, and asking
    again gives the same room. Both pages are told (room.swapped)."""
    room = lock_room(room)
    if room.role_of(by) is None:
        raise Forbidden("only the interviewer and the candidate can swap roles")
    if room.swapped_to_id is not None:
        return room.swapped_to
    if room.state != RoomState.ENDED or room.candidate_id is None:
        raise Invalid("roles can be swapped once the interview has ended", field="state")
    interviewer, candidate = room.candidate, room.interviewer
    done = Room.objects.filter(
        Q(interviewer__in=(interviewer, candidate)) | Q(candidate__in=(interviewer, candidate))
    ).values("problem")
    # The same difficulty first, then the easier ones: a swap is a second practice, not a leap.
    order = list(Difficulty.values)
    fresh = sorted(
        Problem.objects.visible_to(interviewer).exclude(pk__in=done),
        key=lambda p: (p.difficulty != room.problem.difficulty, order.index(p.difficulty), p.title),
    )
    problem = next((p for p in fresh if kit_refusal(interviewer, p) is None), None)
    if problem is None:
        raise Invalid(
            "you have both done every problem you can use; open a room on one of them instead", field="problem"
        )
    swapped = room_create(problem=problem, interviewer=interviewer)
    swapped = room_join(token=swapped.invite_token, user=candidate)
    room.swapped_to = swapped
    room.save(update_fields=["swapped_to"])
    event = {"type": "room.swapped", "room_id": str(swapped.pk), "problem": problem.title}
    broadcast_on_commit(room_group(room.pk), event)
    return swapped


@transaction.atomic
def room_schedule(*, room: Room, by: AbstractBaseUser, at: datetime | None) -> Room:
    """Plan when the interview is held (or no longer), for the calendar file; before it ends."""
    room = lock_room(room)
    require_interviewer(room, by, "schedule the interview")
    if room.state == RoomState.ENDED:
        raise Invalid("this interview has ended", field="scheduled_at")
    if at is not None and (not isinstance(at, datetime) or at.tzinfo is None):
        raise Invalid("must be a date and time with its time zone", field="scheduled_at")
    room.scheduled_at = at
    room.save(update_fields=["scheduled_at"])
    return room
