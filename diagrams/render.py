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

from diagrams.dot import to_dot

TIME_LIMIT_SECONDS = 3.0
MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024
CACHE_SIZE = 256
_SVG_END = b"</svg>\n"
# Anything that could run code or fetch a resource once the SVG is inlined in a page.
# Only markup is searched: user text in the SVG is escaped (&lt;), so "<" opens a real tag.
_UNSAFE = re.compile(
    rb"<(?:script|foreignObject|image|use|iframe)\b|<[^>]*\s(?:on[a-z]+|(?:xlink:)?href)\s*=|<[^>]*url\(",
    re.IGNORECASE,
)


class RenderError(Exception):
    pass


class RenderTimeout(RenderError):
    pass


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def clean_svg(raw: bytes) -> str:
    """Graphviz SVG made safe to inline: no XML prolog or DOCTYPE (an external reference),
    no comments, and a refusal if anything active or fetching slipped in."""
    start = raw.find(b"<svg")
    if start < 0:
        raise RenderError("Graphviz produced no SVG")
    svg = re.sub(rb"<!--.*?-->", b"", raw[start:], flags=re.DOTALL)
    if _UNSAFE.search(svg):
        raise RenderError("Graphviz output holds an active or external element; refused")
    return svg.decode("utf-8")


class Renderer:
    """Thread-safe: one `dot` child per Renderer, used by one thread at a time."""

    def __init__(self, *, binary: str = "dot", time_limit: float = TIME_LIMIT_SECONDS) -> None:
        self.binary = binary
        self.time_limit = time_limit
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._stderr = None
        self._cache: OrderedDict[str, str] = OrderedDict()

    def svg(self, dot_source: str) -> str:
        key = hashlib.sha256(dot_source.encode()).hexdigest()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            svg = clean_svg(self._render(dot_source.encode() + b"\n"))
            self._cache[key] = svg
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            return svg

    def _start(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [self.binary, "-Tsvg"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                preexec_fn=_limit_memory,
            )
        return self._process

    def _kill(self) -> str:
        """Stop the child; returns the tail of what it printed on stderr."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout):
                pipe.close()
        self._stderr.seek(0)
        return self._stderr.read()[-500:].decode(errors="replace").strip()

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
        return output

    def close(self) -> None:
        with self._lock:
            if self._process is not None:
                self._kill()


_shared: Renderer | None = None
_shared_lock = threading.Lock()


def render_svg(graph: dict) -> str:
    """SVG of a normalized graph, from this process's shared warm renderer."""
    global _shared  # one dot child per process, started on first use
    with _shared_lock:
        if _shared is None:
            _shared = Renderer()
    return _shared.svg(to_dot(graph))


def render_png(dot_source: str, *, time_limit: float = TIME_LIMIT_SECONDS) -> bytes:
    """A PNG from a one-off `dot` (downloads are rare; PNG output has no end marker to read
    up to in a stream)."""
    try:
        result = subprocess.run(
            ["dot", "-Tpng"],  # noqa: S607 - Graphviz from PATH, like the renderer
            input=dot_source.encode(),
            capture_output=True,
            timeout=time_limit,
            preexec_fn=_limit_memory,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderTimeout(f"the diagram took longer than {time_limit:g} s to lay out") from None
    if result.returncode != 0 or not result.stdout.startswith(b"\x89PNG"):
        raise RenderError(f"Graphviz failed: {result.stderr[-500:].decode(errors='replace').strip()}")
    return result.stdout
