"""Keeps parallel test workers (pytest-xdist) out of each other's way, loaded before Django
reads its settings (`-p tests.isolation` in pyproject.toml).

Each worker has its own test database already (pytest-django names it after the worker).
This gives each its own Redis database and var directory too, for what is not in the test
database: a Celery worker of one test process must never take a report task queued by the
other's (the Redis broker, or the filesystem broker in var/), and the servers the tests
start inherit both through the environment.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def worker_number() -> int | None:
    """This process's place among the workers (gw0 is 0), or None when there is one process."""
    found = re.fullmatch(r"gw(\d+)", _WORKER)
    return int(found.group(1)) if found else None


def _isolate() -> None:
    number = worker_number()
    if number is None:
        return
    if redis_url := os.environ.get("REDIS_URL"):
        # redis://host:port/N: worker k takes database N + k (a server has 16).
        parts = urlsplit(redis_url)
        database = int(parts.path.strip("/") or 0) + number
        os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{database}"))
    var_dir = Path(os.environ.get("MOCKBOARD_VAR_DIR") or Path(__file__).resolve().parent.parent / "var")
    (var_dir / f"worker-{number}").mkdir(parents=True, exist_ok=True)
    os.environ["MOCKBOARD_VAR_DIR"] = str(var_dir / f"worker-{number}")


_isolate()
