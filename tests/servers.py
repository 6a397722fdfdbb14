"""Real server processes for integration tests: Redis and ASGI (uvicorn) workers."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def kill_hard(process: subprocess.Popen) -> None:
    """SIGKILL a server and every process it started, as a crash or the OOM killer would."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class FlakyLink:
    """A TCP proxy on loopback in front of a server, whose link can be cut (every connection
    through it closed, new ones refused) and restored: a network drop a browser cannot tell
    from a real one."""

    def __init__(self, target_url: str) -> None:
        self.target = ("127.0.0.1", int(target_url.rsplit(":", 1)[1]))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.up = True
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up = False
        with self.lock:
            for end in self.open:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
            self.open.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


class RedisServer:
    """A private redis-server on a loopback port that can be stopped and started again on
    that same port, as an outage and a recovery."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError(
                "redis-server is not installed: run `make test` (installs it) or apt-get install redis-server"
            )
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process)

    def stop(self) -> None:
        stop(self.process)


@contextmanager
def throwaway_redis():
    """A private redis-server on a free loopback port, gone after the block."""
    server = RedisServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def shared_database_url() -> str:
    """The URL of the database pytest-django created, for server processes to share."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    if connection.vendor == "postgresql":
        user = settings["USER"] or ""
        password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
        host = settings["HOST"] or "127.0.0.1"
        port = settings["PORT"] or 5432
        return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"
    raise RuntimeError(f"no server URL for database vendor {connection.vendor}")


@contextmanager
def diagram_row_held(diagram_id: int):
    """Another session holding a diagram's row (PostgreSQL), as a saturated database would:
    every op on it waits until the block ends."""
    from diagrams.models import Diagram  # imported here: the benchmarks import this module before Django is set up

    with psycopg.connect(shared_database_url()) as holder:
        holder.execute(f"SELECT 1 FROM {Diagram._meta.db_table} WHERE id = %s FOR UPDATE", [diagram_id])  # noqa: S608
        yield


def procfile_command(name: str) -> str:
    """A process line of the Procfile, so tests run the server exactly as `make run` does."""
    for line in (BASE_DIR / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise KeyError(f"no {name!r} process in the Procfile")


def app_env(*, redis_url: str | None, database_url: str | None, var_dir: Path | None = None) -> dict[str, str]:
    """Our processes' environment: no REDIS_URL or DATABASE_URL but the ones given, so that
    leaving both out (with a var_dir of its own) is the embedded default `make run` serves."""
    env = {
        **os.environ,
        "DEBUG": "true",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONUNBUFFERED": "1",
    }
    # Without a var_dir of their own they share this process's (tests/isolation.py gives each
    # parallel test process one): where reports are written and the filesystem broker queues.
    var_dir = var_dir or settings.VAR_DIR
    for name, value in (("REDIS_URL", redis_url), ("DATABASE_URL", database_url), ("MOCKBOARD_VAR_DIR", var_dir)):
        env.pop(name, None)
        if value:
            env[name] = str(value)
    return env


@contextmanager
def procfile_process(
    name: str,
    *,
    redis_url: str | None,
    database_url: str | None,
    var_dir: Path | None = None,
    port: int = 0,
    settings_env: dict[str, str] | None = None,
):
    """A Procfile process with our environment, and `settings_env` on top; yields (process, read_log)."""
    env = {
        **app_env(redis_url=redis_url, database_url=database_url, var_dir=var_dir),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        **(settings_env or {}),
    }
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed below

    def read_log() -> str:
        log.seek(0)
        return log.read()

    # A session of its own, so kill_hard can take its children (Celery's pool) down with it.
    process = subprocess.Popen(
        ["/bin/sh", "-c", f"exec {procfile_command(name)}"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process, read_log
    finally:
        stop(process)
        log.close()


@contextmanager
def asgi_process(
    *,
    redis_url: str | None,
    database_url: str | None,
    var_dir: Path | None = None,
    port: int = 0,
    settings_env: dict[str, str] | None = None,
):
    """The Procfile's web process, on `port` (a free one if 0); yields (base URL, process)."""
    port = port or free_port()
    with procfile_process(
        "web", redis_url=redis_url, database_url=database_url, var_dir=var_dir, port=port, settings_env=settings_env
    ) as (process, read_log):
        try:
            wait_for_port(port, process)
        except (RuntimeError, TimeoutError) as error:
            raise RuntimeError(f"{error}; server output:\n{read_log()[-4000:]}") from None
        yield f"http://127.0.0.1:{port}", process


@contextmanager
def asgi_server(*, redis_url: str | None, database_url: str | None, var_dir: Path | None = None):
    """The Procfile's web process on a free port; yields its base URL."""
    with asgi_process(redis_url=redis_url, database_url=database_url, var_dir=var_dir) as (url, _):
        yield url


@contextmanager
def celery_worker(
    *, redis_url: str | None, database_url: str | None, var_dir: Path | None = None, timeout: float = 60.0
):
    """The Procfile's Celery worker, on Redis or (redis_url None) the filesystem broker; yields
    its process, whose `read_log()` gives what the worker printed so far."""
    # Killed at the end rather than stopped: a warm shutdown takes Celery 3 s on Redis and 6 s
    # on the filesystem broker (its loop waits out a 2 s poll, then its pool). But a session
    # of a killed worker can hold its locks until PostgreSQL notices the worker gone, and the
    # test's flush after it deadlocked on them: the end waits for its sessions to be gone,
    # which a name of their own (application_name) tells from everyone else's.
    name = f"celery-{os.urandom(6).hex()}"
    on_postgres = bool(database_url and database_url.startswith("postgres"))
    if on_postgres:
        database_url = f"{database_url}{'&' if '?' in database_url else '?'}application_name={name}"
    worker = procfile_process("worker", redis_url=redis_url, database_url=database_url, var_dir=var_dir)
    with worker as (process, read_log):
        deadline = time.monotonic() + timeout
        while " ready." not in read_log():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{read_log()[-4000:]}")
            time.sleep(0.1)
        process.read_log = read_log
        try:
            yield process
        finally:
            if process.poll() is None:
                kill_hard(process)
            if on_postgres:
                wait_for_sessions_to_end(database_url, name)


def wait_for_sessions_to_end(database_url: str, application_name: str, timeout: float = 10.0) -> None:
    """Wait until PostgreSQL holds no session of `application_name`."""
    with psycopg.connect(database_url.split("?", 1)[0], autocommit=True) as watcher:
        deadline = time.monotonic() + timeout
        while True:
            (left,) = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name]
            ).fetchone()
            if not left:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{left} sessions of a killed {application_name} still open after {timeout} s")
            time.sleep(0.02)


@contextmanager
def fresh_app(var_dir: Path, *, redis_url: str | None = None):
    """The app as `make run` serves it on a fresh machine, in var_dir: SQLite, migrated, the
    problem bank loaded, a web process and a Celery worker. Without redis_url that is the
    embedded default (in-memory channel layer, filesystem broker); with it, Redis carries both.
    Yields the base URL once the web process listens and the worker is ready."""
    env = app_env(redis_url=redis_url, database_url=None, var_dir=var_dir)
    for command in (["migrate", "--noinput"], ["load_problems"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True)
    with (
        celery_worker(redis_url=redis_url, database_url=None, var_dir=var_dir),
        asgi_server(redis_url=redis_url, database_url=None, var_dir=var_dir) as url,
    ):
        yield url


def wait_for_disconnects(timeout: float = 10.0, *, since: datetime | None = None) -> None:
    """Wait until server processes have run the disconnect handlers of closed sockets (those
    opened since `since`: a killed process never runs them, and its rows only age out).

    Those handlers write to the database (presence); flushing the test database under them
    deadlocks PostgreSQL.
    """
    from interview.models import RoomConnection

    rows = RoomConnection.objects.filter(connected_at__gte=since) if since else RoomConnection.objects.all()
    deadline = time.monotonic() + timeout
    while rows.exists():
        if time.monotonic() > deadline:
            left = list(rows.values_list("channel_name", "connected_at", "last_seen")[:5])
            raise AssertionError(f"{rows.count()} closed sockets still counted present after {timeout} s: {left}")
        time.sleep(0.05)
