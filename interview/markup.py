"""Markdown to HTML that is safe to put in a page."""

from __future__ import annotations

import functools

import markdown
import nh3


# Every snapshot of every socket renders its problem's statement: a connection storm after a
# restart would otherwise render the same few texts thousands of times.
@functools.lru_cache(maxsize=256)
def render_markdown(text: str) -> str:
    # Problem files are ours, but sanitising anyway keeps a bad edit from becoming a script.
    html = markdown.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])
    return nh3.clean(html)
