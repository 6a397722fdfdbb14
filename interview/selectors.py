"""Read-side queries shared by pages, the REST API and the WebSocket consumer."""

from __future__ import annotations

from datetime import datetime

from interview.models import Role, Room, RoomConnection


def room_participants(room: Room, *, now: datetime) -> list[dict]:
    """Both seats with who holds them and whether they have a live connection."""
    connected = set(RoomConnection.objects.live(now).filter(room=room).values_list("user_id", flat=True))
    seats = [(Role.INTERVIEWER, room.interviewer), (Role.CANDIDATE, room.candidate)]
    return [
        {
            "role": role.value,
            "username": user.username if user else None,
            "connected": bool(user and user.pk in connected),
        }
        for role, user in seats
    ]
