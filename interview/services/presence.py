"""Who is in a room: the sockets open on it, kept fresh by heartbeats."""

from __future__ import annotations

import asyncio
import weakref
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from core import statements
from core.errors import (
    TooManyConnections,
)
from core.statements import Statement, Statements
from interview.broadcast import broadcast_committed, broadcast_on_commit, room_group
from interview.models import (
    Room,
    RoomConnection,
)
from interview.selectors import (
    Seat,
    participants_json,
    room_participants,
    room_seats_statements,
)
from interview.services.guards import lock_room


def presence_event(participants: list[dict]) -> dict:
    return {"type": "room.presence", "participants": participants}


def broadcast_presence(room: Room) -> None:
    broadcast_on_commit(room_group(room.pk), presence_event(room_participants(room.pk, now=timezone.now())))


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


# Sockets that close at once share the event loop's few database connections with the rooms
# still at work: this many clean up at a time, and the others wait their turn.
LEAVING_AT_ONCE = 1
# One per event loop (a semaphore belongs to the loop it first waits in).
_leaving: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


async def presence_disconnect_now(*, room_id, channel_name: str) -> None:
    """Stop counting a socket as present and tell the room, from the WebSocket's event loop.

    Rooms often end together (mocks booked on the hour): through a worker thread and the ORM,
    800 sockets closing at once held up the other rooms' ops for 15 s; all at once on the
    event loop, they queued those ops behind them for a second (bench/README.md, recovery).
    """
    loop = asyncio.get_running_loop()
    async with _leaving.setdefault(loop, asyncio.Semaphore(LEAVING_AT_ONCE)):
        seats = await statements.run_now(_presence_leave_statements(room_id=room_id, channel_name=channel_name))
    if seats is not None:
        await broadcast_committed(room_group(room_id), presence_event(participants_json(seats)))


def _presence_leave_statements(*, room_id, channel_name: str) -> Statements[list[Seat] | None]:
    yield Statement(f'DELETE FROM "{RoomConnection._meta.db_table}" WHERE "channel_name" = %s', [channel_name])  # noqa: S608
    return (yield from room_seats_statements(room_id, now=timezone.now()))
