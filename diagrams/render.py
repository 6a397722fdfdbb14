"""Graphviz rendering in a separate process, with a time limit, a memory limit and a cache.

`dot` runs as a long-lived child reading one graph after another on stdin and writing each
SVG as soon as it is laid out, so a render costs the layout alone, not a process spawn. A
graph that takes longer than the time limit kills the child (a fresh one starts on the
next render); a crash only ever takes the child down, never the server process.
"""

from __future__ import annotations

import hashlib
import os
import re
import resource
import select
import subprocess
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar
from xml.etree import ElementTree

from diagrams.dot import to_dot

TIME_LIMIT_SECONDS = 3.0
MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024
CACHE_SIZE = 256
_SVG_END = b"</svg>\n"
# Anything that could run code or fetch a resource once the SVG is inlined in a page.
_SVG_NS = "{http://www.w3.org/2000/svg}"
_XLINK_NS = "{http://www.w3.org/1999/xlink}"
# Everything Graphviz draws our diagrams with, and nothing that runs code or fetches a
# resource (script, image, use, style, href, on*): anything else in the output is refused.
_ALLOWED_TAGS = {f"{_SVG_NS}{t}" for t in ("svg", "g", "title", "a", "path", "polygon", "polyline", "ellipse", "text")}
_ALLOWED_ATTRIBUTES = {
    "class", "cx", "cy", "d", "fill", "font-family", "font-size", "font-style", "font-weight", "height", "id",
    "points", "rx", "ry", "stroke", "stroke-dasharray", "stroke-width", "text-anchor", "transform", "viewBox",
    "width", "x", "y", f"{_XLINK_NS}title",
}  # fmt: skip


class RenderError(Exception):
    pass


class RenderTimeout(RenderError):
    pass


def _limit_memory(pid: int) -> None:
    # Set from the parent once the child exists: a preexec_fn is unsafe in a threaded server.
    # The child cannot grow before its first graph arrives, which is only written after this.
    resource.prlimit(pid, resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def clean_svg(raw: bytes) -> str:
    """Graphviz SVG made safe to inline: no XML prolog or DOCTYPE (an external reference),
    no comments, and refused unless every element and attribute is on the allowlist.

    Names are checked, never text: a note that says "href=" or "onload" is just text."""
    start = raw.find(b"<svg")
    if start < 0:
        raise RenderError("Graphviz produced no SVG")
    svg = re.sub(rb"<!--.*?-->", b"", raw[start:], flags=re.DOTALL)
    try:
        # Graphviz's own output, with the DOCTYPE cut off: no entity expansion is possible.
        root = ElementTree.fromstring(svg)  # noqa: S314
    except ElementTree.ParseError as error:
        raise RenderError(f"Graphviz produced SVG that does not parse: {error}") from None
    for element in root.iter():
        if element.tag not in _ALLOWED_TAGS or not _ALLOWED_ATTRIBUTES.issuperset(element.attrib):
            raise RenderError(f"Graphviz output holds an unexpected element or attribute in {element.tag}; refused")
    return svg.decode("utf-8")


class Renderer:
    """Thread-safe: one `dot` child per Renderer, used by one thread at a time."""

    def __init__(self, *, binary: str = "dot", time_limit: float = TIME_LIMIT_SECONDS) -> None:
        self.binary = binary
        self.time_limit = time_limit
        self._lock = threading.Lock()  # the child: one graph at a time
        self._cache_lock = threading.Lock()  # so a cache hit never waits behind a layout
        self._process: subprocess.Popen | None = None
        self._stderr = None
        self._cache: OrderedDict[str, str] = OrderedDict()

    def svg(self, dot_source: str) -> str:
        key = hashlib.sha256(dot_source.encode()).hexdigest()
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        with self._lock:
            svg = clean_svg(self._render(dot_source.encode() + b"\n"))
        with self._cache_lock:
            self._cache[key] = svg
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return svg

    def _start(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [self.binary, "-Tsvg"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr
            )
            _limit_memory(self._process.pid)
        return self._process

    def _kill(self) -> str:
        """Stop the child; returns the tail of what it printed on stderr."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout):
                pipe.close()
        self._stderr.seek(max(0, self._stderr.seek(0, os.SEEK_END) - 500))
        message = self._stderr.read().decode(errors="replace").strip()
        self._stderr.close()
        return message

    def _render(self, source: bytes) -> bytes:
        process = self._start()
        try:
            process.stdin.write(source)
            process.stdin.flush()
        except BrokenPipeError:
            raise RenderError(f"Graphviz stopped: {self._kill()}") from None
        output = b""
        deadline = time.monotonic() + self.time_limit
        fd = process.stdout.fileno()
        while not output.endswith(_SVG_END):
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(0.0, remaining))
            if not ready:
                self._kill()
                raise RenderTimeout(f"the diagram took longer than {self.time_limit:g} s to lay out")
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise RenderError(f"Graphviz stopped: {self._kill() or 'no message'}")
            output += chunk
        # Warnings about a graph that rendered are of no further use; keep the file small.
        self._stderr.seek(0)
        self._stderr.truncate()
        return output

    def close(self) -> None:
        with self._lock:
            if self._process is not None:
                self._kill()


_shared: Renderer | None = None
_shared_lock = threading.Lock()


T = TypeVar("T")


def _drawn(graph: dict, draw: Callable[[dict], T]) -> T:
    """`draw(graph)`; if Graphviz fails on a graph with blocks placed by hand, the drawing
    without those places. Debian's Graphviz 2.43 crashes or loops on some combinations of
    their rank constraints (tests/diagrams/test_render.py) that the page's Graphviz lays out:
    the layout's own arrangement beats no export and no PDF."""
    try:
        return draw(graph)
    except RenderError:
        if not any(node.get("place") for node in graph["nodes"]):
            raise
        return draw({**graph, "nodes": [{**node, "place": None} for node in graph["nodes"]]})


def render_svg(graph: dict, *, id_prefix: str = "") -> str:
    """SVG of a normalized graph, from this process's shared warm renderer. `id_prefix` keeps
    the element ids of two drawings on one page apart."""
    global _shared  # one dot child per process, started on first use
    with _shared_lock:
        if _shared is None:
            _shared = Renderer()
    return _drawn(graph, lambda drawn: _shared.svg(to_dot(drawn, id_prefix=id_prefix)))


def render_graph_png(graph: dict) -> bytes:
    """PNG of a normalized graph."""
    return _drawn(graph, lambda drawn: render_png(to_dot(drawn)))


# A PNG's longest side, in inches at Graphviz's 96 dpi: the largest legal diagram drawn at
# full size is a bitmap of tens of thousands of pixels a side, seconds to paint and too big to
# open; past this it is scaled down (smaller drawings are left as they are).
PNG_MAX_INCHES = 30


def render_png(dot_source: str, *, time_limit: float = TIME_LIMIT_SECONDS) -> bytes:
    """A PNG from a one-off `dot` (downloads are rare; PNG output has no end marker to read
    up to in a stream)."""
    process = subprocess.Popen(  # noqa: S603 - our own argv, no shell
        ["dot", "-Tpng", f"-Gsize={PNG_MAX_INCHES},{PNG_MAX_INCHES}"],  # noqa: S607 - Graphviz from PATH
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _limit_memory(process.pid)
    try:
        png, errors = process.communicate(dot_source.encode(), timeout=time_limit)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise RenderTimeout(f"the diagram took longer than {time_limit:g} s to lay out") from None
    if process.returncode != 0 or not png.startswith(b"\x89PNG"):
        raise RenderError(f"Graphviz failed: {errors[-500:].decode(errors='replace').strip()}")
    return png
