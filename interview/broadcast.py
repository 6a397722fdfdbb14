"""The one path by which services tell connected clients that a room changed."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def room_group(room_id) -> str:
    return f"room_{room_id}"


def interviewer_group(room_id) -> str:
    """Interviewer-only events (private notes) go here, never to the room group."""
    return f"room_{room_id}_interviewer"


def broadcast_on_commit(group: str, event: dict) -> None:
    """Send `event` to `group` once the current transaction commits.

    Clients must never hear of a change that could still roll back; outside a transaction
    Django runs the callback at once.
    """

    def send() -> None:
        async_to_sync(get_channel_layer().group_send)(group, event)

    transaction.on_commit(send)
