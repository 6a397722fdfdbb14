"""Who is in a room: the sockets open on it, kept fresh by heartbeats."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from core.errors import (
    TooManyConnections,
)
from core.statements import Statement, Statements
from interview.broadcast import broadcast_on_commit, room_group
from interview.models import (
    Room,
    RoomConnection,
)
from interview.selectors import (
    room_participants,
)
from interview.services.guards import lock_room


def broadcast_presence(room: Room) -> None:
    broadcast_on_commit(
        room_group(room.pk),
        {"type": "room.presence", "participants": room_participants(room.pk, now=timezone.now())},
    )


# Open sockets one user may have in one room: a few tabs and devices, not a script's hundreds.
MAX_CONNECTIONS_PER_USER = 8


@transaction.atomic
def presence_connect(*, room: Room, user: AbstractBaseUser, channel_name: str) -> None:
    """Count this socket as present; TooManyConnections if the user already has the room
    open in MAX_CONNECTIONS_PER_USER live places (the room's row lock makes the count hold)."""
    room = lock_room(room)
    now = timezone.now()
    # Rows left in this room by a server process that died without running disconnect.
    RoomConnection.objects.stale(now).filter(room=room).delete()
    if RoomConnection.objects.filter(room=room, user=user).count() >= MAX_CONNECTIONS_PER_USER:
        raise TooManyConnections(
            f"you already have this room open in {MAX_CONNECTIONS_PER_USER} places; close one of them first"
        )
    RoomConnection.objects.create(room=room, user=user, channel_name=channel_name, last_seen=now)
    broadcast_presence(room)


def presence_touch_statements(*, channel_name: str, now: datetime) -> Statements[None]:
    """Keep a connection counted as live; each client heartbeat runs this."""
    # Written out for the same reason as the presence read (interview.selectors).
    yield Statement(
        f'UPDATE "{RoomConnection._meta.db_table}" SET "last_seen" = %s WHERE "channel_name" = %s',  # noqa: S608
        [connection.ops.adapt_datetimefield_value(now), channel_name],
    )


@transaction.atomic
def presence_disconnect(*, room: Room, channel_name: str) -> None:
    RoomConnection.objects.filter(channel_name=channel_name).delete()
    broadcast_presence(room)
