"""What makes user text impossible to store, whatever the database."""

from __future__ import annotations


def unstorable(text: str) -> str | None:
    """Why `text` cannot be saved, or None. PostgreSQL refuses NUL; UTF-8 has no lone surrogates."""
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text (it holds a lone surrogate)"
    return None
