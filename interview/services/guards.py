"""Checks that many writes to a room make first."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from core.errors import (
    Forbidden,
)
from interview.models import (
    Role,
    Room,
)


def require_interviewer(room: Room, user: AbstractBaseUser, doing: str) -> None:
    if room.role_of(user) != Role.INTERVIEWER:
        raise Forbidden(f"only the interviewer can {doing}")


def lock_room(room: Room) -> Room:
    """The room row locked for this transaction, so concurrent writers queue up."""
    return (
        Room.objects.select_for_update(of=("self",))
        .select_related("problem", "interviewer", "candidate")
        .get(pk=room.pk)
    )
