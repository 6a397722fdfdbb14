"""The app served as in production (DEBUG off, collectstatic) on SQLite in a temporary folder,
for the benchmarks that load pages in Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from bench.sync_load import ROOT, bench_env, servers
from tests.servers import stop


@contextmanager
def production_app(setup: str, *args: str, stdin: str | None = None) -> Iterator[tuple[str, object]]:
    """Yields the app's URL and what `setup` (a Python script run against its fresh database
    with `args`, and `stdin`) printed as JSON on its last line."""
    with tempfile.TemporaryDirectory() as var_dir:
        env = {**bench_env("memory"), "MOCKBOARD_VAR_DIR": var_dir}
        for name in ("DATABASE_URL", "REDIS_URL"):
            env.pop(name)
        run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], **run)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], **run)
        made = subprocess.run([sys.executable, "-c", setup, *args], input=stdin, **run).stdout.splitlines()[-1]
        made = json.loads(made)
        ((server, port),) = servers("mockboard.asgi:application", 1, env, deflate=True)
        try:
            yield f"http://127.0.0.1:{port}", made
        finally:
            stop(server)
