"""The phase timer's controls and the room's phases."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.errors import (
    Invalid,
)
from interview.broadcast import broadcast_on_commit, room_group
from interview.models import (
    Room,
    RoomState,
    TimerEvent,
)
from interview.services.guards import lock_room, require_interviewer
from interview.timer import TimerError
from problembank.phases import parse_phases


def _broadcast_timer(room: Room, action: str | None) -> None:
    broadcast_on_commit(room_group(room.pk), {"type": "room.timer", "timer": room.timer.as_dict(), "action": action})


@transaction.atomic
def room_phases_set(*, room: Room, by: AbstractBaseUser, phases: object) -> Room:
    """Replace the room's phases; allowed until the timer starts."""
    room = lock_room(room)
    require_interviewer(room, by, "edit the phases")
    if room.state != RoomState.WAITING:
        raise Invalid("phases can only be edited before the timer starts", field="phases")
    try:
        parsed = parse_phases(phases)
    except ValueError as error:
        raise Invalid(str(error), field="phases") from None
    room.phases = [p.as_dict() for p in parsed]
    room.timer_revision += 1
    room.save(update_fields=["phases", "timer_revision"])
    _broadcast_timer(room, None)
    return room


@transaction.atomic
def timer_control(*, room: Room, by: AbstractBaseUser, action: str, now: datetime | None = None) -> Room:
    """Start, pause, resume, advance or end the timer, logging a TimerEvent."""
    room = lock_room(room)
    # Read the clock only once the lock is held, so events are stored in the order applied.
    now = now or timezone.now()
    require_interviewer(room, by, "control the timer")
    try:
        room.timer = room.timer.apply(action, now)
    except TimerError as error:
        raise Invalid(str(error), field="action") from None
    if action == TimerEvent.Kind.START:
        room.started_at = now
    elif action == TimerEvent.Kind.END:
        room.ended_at = now
        # Frozen for both sides, so that the report shows the diagram as it stood at the end;
        # the interviewer may unlock it again.
        room.diagram_locked = True
        broadcast_on_commit(room_group(room.pk), {"type": "room.diagram_lock", "locked": True})
    room.save()
    TimerEvent.objects.create(room=room, kind=action, at=now, phase_index=room.timer_phase_index, by=by)
    _broadcast_timer(room, action)
    return room
