"""Back-pressure: how much work this server process has taken on, and the answer once it has
taken on too much.

Past its knee a process used to fall over rather than slow down: every socket's messages
waited for the database pool behind every other's, the event loop fell seconds behind, the
server's keepalive pings went unanswered and it closed the sockets, and the pages'
reconnections made it worse (bench/README.md). Now each process counts the messages its
sockets are handling. Past settings.MAX_IN_FLIGHT, a message that would add work is refused at once
with a `busy` error and a retry hint, which costs far less than handling it, so the loop stays
responsive and what was taken on is finished in time. The page sends a refused message again
after the hint, with backoff. HTTP requests that find no database connection in time get the
same answer (503 with Retry-After) rather than a 500.
"""

from __future__ import annotations

import random

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from psycopg_pool import PoolTimeout

# The retry hint: a refused client waits about this long, spread so that refused clients do
# not all come back in the same instant.
RETRY_AFTER_MS = 500
BUSY_MESSAGE = "the server is busy; {what}: send it again in {seconds:g} s"


class Admission:
    """The work one process has in hand (one instance per process: a server has one loop)."""

    def __init__(self) -> None:
        self.in_flight = 0

    @property
    def busy(self) -> bool:
        return self.in_flight >= settings.MAX_IN_FLIGHT

    def __enter__(self) -> None:
        self.in_flight += 1

    def __exit__(self, *exc_info) -> None:
        self.in_flight -= 1


admission = Admission()


def retry_after_ms() -> int:
    return round(RETRY_AFTER_MS * random.uniform(1, 1.5))  # noqa: S311 - spreading retries, not a secret


def busy_text(retry_ms: int, what: str = "this was not applied") -> str:
    return BUSY_MESSAGE.format(what=what, seconds=round(retry_ms / 1000, 1))


def is_pool_timeout(error: BaseException) -> bool:
    """Whether the database pool had no connection to give in time: too much work, not a fault.
    Django wraps psycopg's error in its own OperationalError."""
    return isinstance(error, PoolTimeout) or (
        isinstance(error, OperationalError) and isinstance(error.__cause__, PoolTimeout)
    )


class BusyMiddleware:
    """A request that waited for a database connection longer than the pool's timeout is
    answered 503 with Retry-After (JSON under /api/), not 500: the client should come back."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_pool_timeout(exception):
            return None
        retry_ms = retry_after_ms()
        text = busy_text(retry_ms, "nothing was changed")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": text, "code": "busy"}, status=503)
        else:
            response = HttpResponse(f"{text[0].upper()}{text[1:]}.", status=503, content_type="text/plain")
        response["Retry-After"] = str(max(1, round(retry_ms / 1000)))
        return response
