"""What makes user text impossible to store, whatever the database, and JSON no field may hold."""

from __future__ import annotations

import re

# No request of ours nests a tenth as deep (a diagram op is five levels); past this, a body
# is refused before any code walks it, so nothing downstream can run out of stack.
MAX_JSON_DEPTH = 64
_SURROGATES = re.compile("[\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """Why `text` cannot be saved, or None. PostgreSQL refuses NUL; UTF-8 has no lone surrogates."""
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text (it holds a lone surrogate)"
    return None


def json_problem(value: object) -> tuple[str, str] | None:
    """What is wrong with a part of a parsed JSON body that no field may hold (nesting deeper
    than MAX_JSON_DEPTH, a key or string that cannot be stored), as the field it is in (`body`
    for the whole) and a message naming the path below it (`phases[0].name: ...`) as errors
    about that field do. None when there is nothing wrong."""
    found = _first_unstorable(value)
    if found is None:
        return None
    path, problem = found
    field = re.split(r"[.\[]", path, maxsplit=1)[0] or "body"
    return field, problem if path == field else f"{path}: {problem}"


def _first_unstorable(value: object) -> tuple[str, str] | None:
    stack = [(value, "", 1)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return path, f"nested deeper than {MAX_JSON_DEPTH} levels"
        if isinstance(item, str):
            if problem := unstorable(item):
                return path, problem
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = unstorable(key)
                # The path is sent back in the error, which must itself be valid text.
                key = _SURROGATES.sub("\ufffd", key) if problem else key
                where = f"{path}.{key}" if path else key
                if problem:
                    return where, f"(a key) {problem}"
                stack.append((child, where, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
    return None
