"""Errors raised by interview services; every entry path (page, REST, WebSocket) maps them.

Each carries a stable `code` for clients and, for bad input, the `field` it is about.
"""

from __future__ import annotations


class RoomError(Exception):
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(RoomError):
    code = "invalid"


class Forbidden(RoomError):
    code = "forbidden"


class InviteInvalid(RoomError):
    code = "invite_invalid"


class SeatTaken(RoomError):
    code = "seat_taken"


class Conflict(RoomError):
    """The write was based on a version that is no longer current."""

    code = "conflict"


class TooManyConnections(RoomError):
    """One user has the room open in more places than anyone needs."""

    code = "too_many_connections"
