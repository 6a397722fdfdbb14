"""A scheduled room as an iCalendar event (RFC 5545), for the interviewer to send: the title,
the time, how long the phases plan, and the invite link.

Text is escaped as the format asks (a backslash, semicolon, comma or line break would
otherwise end a value, or start a property of its own) and lines are folded at 75 octets
without splitting a character.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_ESCAPES = {"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"}
MAX_LINE_OCTETS = 75


def escape_text(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(_ESCAPES.get(char, char) for char in value)


def fold(line: str) -> str:
    """`line` in lines of at most 75 octets, each after the first starting with a space."""
    parts, current = [], ""
    for char in line:
        limit = MAX_LINE_OCTETS - (1 if parts else 0)
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = ""
        current += char
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def room_ics(
    *, room_id: str, title: str, start: datetime, minutes: int, invite_url: str, host: str, now: datetime
) -> str:
    """The event: `minutes` long from `start`, its description and URL the invite link."""
    description = (
        f"A mock ML system design interview on “{title}”, on Mockboard.\n"
        f"Join with this link (sign in or sign up first): {invite_url}"
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Mockboard//Mock interview//EN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{room_id}@{host}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(start + timedelta(minutes=minutes))}",
        f"SUMMARY:{escape_text(f'Mock interview: {title}')}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{invite_url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(f"{fold(line)}\r\n" for line in lines)
