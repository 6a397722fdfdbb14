"""Twists the interviewer reveals during the interview."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.errors import (
    Conflict,
    Invalid,
)
from interview.broadcast import broadcast_on_commit, room_group
from interview.models import (
    Room,
    RoomState,
    TwistReveal,
)
from interview.selectors import (
    room_twists,
)
from interview.services.guards import lock_room, require_interviewer


@transaction.atomic
def twist_reveal(*, room: Room, by: AbstractBaseUser, key: object, now: datetime | None = None) -> TwistReveal:
    """Reveal one of the problem's twists: logged with the phase and time, and sent live to
    both participants."""
    room = lock_room(room)
    now = now or timezone.now()
    require_interviewer(room, by, "reveal a twist")
    keys = [twist["key"] for twist in room.problem.twists]
    if key not in keys:
        raise Invalid(f"no twist {key!r} in this problem; expected one of {', '.join(keys) or 'none'}", field="key")
    if room.state == RoomState.ENDED:
        raise Invalid("the interview has ended; twists can no longer be revealed", field="key")
    if room.twist_reveals.filter(key=key).exists():
        raise Conflict(f"the twist {key!r} is already revealed", field="key")
    timer = room.timer
    reveal = TwistReveal.objects.create(
        room=room, key=key, revealed_at=now, phase=timer.phase.name, elapsed=timer.total_elapsed_at(now)
    )
    broadcast_on_commit(room_group(room.pk), {"type": "room.twists", "twists": room_twists(room)})
    return reveal
