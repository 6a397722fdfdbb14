"""Markdown to HTML that is safe to put in a page."""

from __future__ import annotations

import markdown
import nh3


def render_markdown(text: str) -> str:
    # Problem files are ours, but sanitising anyway keeps a bad edit from becoming a script.
    html = markdown.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])
    return nh3.clean(html)
