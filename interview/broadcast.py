"""The one path by which services tell connected clients that a room changed."""

from __future__ import annotations

import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# Set when a broadcast could not be handed to the channel layer (Redis down): the change is
# committed but some clients missed it. The layer watch (interview.layer_watch) sends every
# client of this process a fresh snapshot once the layer answers again, and clears it.
broadcast_lost = threading.Event()


def room_group(room_id) -> str:
    return f"room_{room_id}"


def interviewer_group(room_id) -> str:
    """Interviewer-only events (private notes) go here, never to the room group."""
    return f"room_{room_id}_interviewer"


def broadcast_on_commit(group: str, event: dict) -> None:
    """Send `event` to `group` once the current transaction commits.

    Clients must never hear of a change that could still roll back; outside a transaction
    Django runs the callback at once. A broadcast that fails does not fail the change, which
    is already committed: it is logged as an error and repaired by a resync.
    """

    def send() -> None:
        try:
            async_to_sync(get_channel_layer().group_send)(group, event)
        except Exception:
            _lost(group, event)

    transaction.on_commit(send)


async def broadcast_committed(group: str, event: dict) -> None:
    """The same for a change already committed, sent from the event loop (the WebSocket's hot
    path: no hop from a worker thread back to the loop)."""
    try:
        await get_channel_layer().group_send(group, event)
    except Exception:
        _lost(group, event)


def _lost(group: str, event: dict) -> None:
    broadcast_lost.set()
    logger.exception("broadcast of %s to %s lost; clients will be resynced", event.get("type"), group)
