"""Markdown to HTML that is safe to put in a page."""

from __future__ import annotations

import functools
from html.parser import HTMLParser

import markdown
import nh3

# Elements inside one another: a dozen levels of lists is already more than any statement
# needs, and WeasyPrint's layout recurses per level (lists 60 deep take seconds to lay out,
# 100 deep overflow its stack).
MAX_MARKDOWN_DEPTH = 24
_VOID = {"br", "hr", "img", "input", "wbr", "col", "area", "source"}


# Every snapshot of every socket renders its problem's statement: a connection storm after a
# restart would otherwise render the same few texts thousands of times.
@functools.lru_cache(maxsize=256)
def render_markdown(text: str) -> str:
    # Problem files are ours, but sanitising anyway keeps a bad edit from becoming a script.
    html = markdown.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])
    return nh3.clean(html)


class _Depth(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.depth = self.deepest = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in _VOID:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID:
            self.depth -= 1


def markdown_depth(text: str) -> int:
    """How many elements deep the Markdown's HTML nests."""
    parser = _Depth()
    parser.feed(render_markdown(text))
    parser.close()
    return parser.deepest
