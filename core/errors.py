"""Errors raised by the services of every app; every entry path (page, REST, WebSocket) maps them.

Each carries a stable `code` for clients and, for bad input, the `field` it is about.
"""

from __future__ import annotations


class ServiceError(Exception):
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(ServiceError):
    code = "invalid"


class Forbidden(ServiceError):
    code = "forbidden"


class InviteInvalid(ServiceError):
    code = "invite_invalid"


class SeatTaken(ServiceError):
    code = "seat_taken"


class Conflict(ServiceError):
    """The write was based on a version that is no longer current."""

    code = "conflict"


class TooManyConnections(ServiceError):
    """One user has the room open in more places than anyone needs."""

    code = "too_many_connections"
