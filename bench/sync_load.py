"""Load benchmark for live rooms: Mockboard against a bare relay, same load, same run.

Starts the app's ASGI server (the Procfile's Uvicorn line; 1 or more processes) on the
Redis channel layer and PostgreSQL, opens N rooms with two participants each through the
services, and has a separate load process (bench/load_client.py) connect every participant
over a real WebSocket and load it for a bounded time: with --model stress (the default) a
diagram op a second per client (--rate), with --model interview what each side's page sent in
a recorded interview (bench/interview_model.py), each room from its own minute of it, its
diagram of 20 to 40 blocks. It measures
op -> peer (send until the other participant receives diagram.applied) and op -> ack, counts
ops never delivered within 5 s as lost, and samples server CPU and RSS. Then it does the
same (for the stress model) against bench/relay.py, a consumer that only group-sends, and prints our p50/p99
divided by the relay's: the overhead ratio.

Only 127.0.0.1 is ever targeted. Needs PostgreSQL and Redis: BENCH_DATABASE_URL (a database
it drops and creates; default postgres://postgres@127.0.0.1:5432/mockboard_bench) and
BENCH_REDIS_URL (default redis://127.0.0.1:6379/15).
With --nginx the clients go through deploy/nginx.conf (Debian's nginx, started on loopback)
in front of the processes; with --repeat N the table shows the median of N runs.
With --page each client also does what the room page does around an op (see
bench/load_client.py): op -> peer is then op -> the other side has what it needs to draw.
With --recover-rooms N all but N rooms leave after --duration and those N go on for
--recover-seconds: how long op -> peer takes to be back under 40 ms p99. After each run the
op log is checked: every op acknowledged is in it, and none twice.
Run: .venv/bin/python -m bench.sync_load [--model stress|interview] [--rooms 100] [--rate 1]
     [--duration 30] [--blocks 0] [--processes 1] [--layer pubsub|redis] [--deflate] [--nginx]
     [--repeat 3] [--page] [--recover-rooms 100] [--recover-seconds 20] [--json build/sync_load.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bench import write_json
from bench.interview_model import PROFILE, length_seconds, load_profile, state_before
from bench.load_client import LOST_AFTER_SECONDS, percentile
from tests.servers import free_port, procfile_command, stop, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
# The servers' output, so that errors they log (a lost broadcast, say) are counted.
LOGS = ROOT / "build" / "bench-logs"

# The start of every benchmark's setup script: Django, and `signed_in(user)`, a session key.
SIGN_IN = r"""
import json, sys
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from interview import services
from problembank import services as problembank_services
from interview.models import Room
from problembank.models import Problem

def signed_in(user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key
"""

SETUP = (
    SIGN_IN
    + r"""
problembank_services.problem_bank_load(directory=settings.BASE_DIR / "problems")
problem = Problem.objects.get(slug="video-recommendation")

# Each room as the spec on stdin says: a diagram of so many blocks in a chain to start from
# (ops cost more on a bigger graph), and what the interviewer had done by then.
spec = json.load(sys.stdin)
kinds = ["data_source", "stream", "feature_store", "retrieval", "vector_index", "ranking", "service", "monitoring"]
twist = problem.twists[0]["key"]
facts = {"phases": problem.phases, "rubric": [d["key"] for d in problem.rubric], "twist": twist}

def before(room, by, kind, detail):
    if kind == "timer.control":
        services.timer_control(room=room, by=by, action=detail)
    elif kind == "twist.reveal":
        services.twist_reveal(room=room, by=by, key=twist)
    elif kind == "scoring.share":
        services.feedback_share(room=room, by=by, shared=True)
    elif kind == "diagram.lock":
        services.diagram_lock_set(room=room, by=by, locked=not Room.objects.get(pk=room.pk).diagram_locked)

rooms = []
for i, wanted in enumerate(spec):
    ines = User.objects.create_user(f"ines{i}")
    carl = User.objects.create_user(f"carl{i}")
    room = services.room_join(token=services.room_create(problem=problem, interviewer=ines).invite_token, user=carl)
    blocks = wanted["blocks"]
    if blocks:
        start = {
            "schema": 1,
            "nodes": [{"id": f"b{n}", "label": f"Block {n}", "kind": kinds[n % len(kinds)]} for n in range(blocks)],
            "edges": [{"id": f"e{n}", "source": f"b{n - 1}", "target": f"b{n}"} for n in range(1, blocks)],
        }
        services.diagram_op_apply(room=room, by=ines, op={"op": "replace", "graph": start})
    for kind, detail in wanted["before"]:
        before(room, ines, kind, detail)
    rooms.append({"id": str(room.pk), "cookies": [signed_in(ines), signed_in(carl)], "facts": facts})
print(json.dumps(rooms))
"""
)


def bench_env(layer: str) -> dict:
    """The servers' environment: production settings on the bench database and Redis."""
    return {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mockboard_bench"),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "MOCKBOARD_CHANNEL_LAYER": layer,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on loopback: no redirect to HTTPS.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DJANGO_SETTINGS_MODULE": "mockboard.settings",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }


def fresh_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def plain_rooms(count: int, blocks: int = 0) -> list[dict]:
    """The spec of `count` rooms whose diagrams start with `blocks` blocks, not yet started."""
    return [{"blocks": blocks, "before": []} for _ in range(count)]


def prepare(env: dict, spec: list[dict]) -> list[dict]:
    """A fresh, migrated bench database with a room of two signed-in participants for each
    of `spec`: {"blocks": the diagram's to start with, "before": [[type, detail]] the
    interviewer's room-changing messages to apply first (bench/interview_model.py)}."""
    fresh_database(env["DATABASE_URL"])
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], **run)
    made = subprocess.run([sys.executable, "-c", SETUP], input=json.dumps(spec), **run)
    return json.loads(made.stdout.splitlines()[-1])


class Sampler(threading.Thread):
    """Total CPU seconds and peak RSS of the server processes while the load runs."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids, self.peak_rss_mb, self.running = pids, 0.0, True
        self.cpu_start = self.cpu_seconds()
        self.started = time.monotonic()

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / CLK_TCK

    def rss_mb(self) -> float:
        total = 0
        for pid in self.pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total / 1024

    def run(self) -> None:
        while self.running:
            self.peak_rss_mb = max(self.peak_rss_mb, self.rss_mb())
            time.sleep(0.5)

    def finish(self) -> dict:
        self.running = False
        wall = time.monotonic() - self.started
        return {
            "cpu_percent": round(100 * (self.cpu_seconds() - self.cpu_start) / wall, 1),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
        }


def servers(app: str, count: int, env: dict, deflate: bool) -> list[tuple[subprocess.Popen, int]]:
    command = procfile_command("web").replace("mockboard.asgi:application", app)
    command += f" --ws-per-message-deflate {'true' if deflate else 'false'}"
    started = []
    LOGS.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        port = free_port()
        log = (LOGS / f"{app.split('.')[0]}-{number}.log").open("w")
        process = subprocess.Popen(
            ["/bin/sh", "-c", f"exec {command}"],
            cwd=ROOT,
            env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(port, process)
        started.append((process, port))
    return started


def measure(
    mode: str, rooms: list[dict], ports: list[int], args, pids: list[int], run: int, profile: dict | None
) -> dict:
    plan_rooms = []
    for index, room in enumerate(rooms):
        # With several processes the two participants of a room sit on different ones (nginx
        # spreads them itself).
        seats = [ports[index % len(ports)], ports[(index + 1) % len(ports)]]
        path = f"/ws/rooms/{room['id']}/" if mode == "app" else f"/ws/relay/{room['id']}/"
        plan_rooms.append(
            {
                "id": room["id"],
                "urls": [f"ws://127.0.0.1:{port}{path}" for port in seats],
                # Each page is served by the process its socket goes to (the origin check wants it so).
                "origins": [f"http://127.0.0.1:{port}" for port in seats],
                "cookies": room["cookies"] if mode == "app" else ["", ""],
                "offset": room.get("offset", 0),
                "facts": room["facts"],
            }
        )
    plan = {
        "mode": mode,
        "model": args.model,
        "run": run,
        "rate": args.rate,
        "duration": args.duration,
        "page": args.page,
        "recover_rooms": args.recover_rooms,
        "recover_seconds": args.recover_seconds,
        "profile": profile,
        "rooms": plan_rooms,
    }
    sampler = Sampler(pids)
    sampler.start()
    result = subprocess.run(
        [sys.executable, "-m", "bench.load_client"], input=json.dumps(plan), capture_output=True, text=True, cwd=ROOT
    )
    if result.returncode:
        raise RuntimeError(f"the load process failed:\n{result.stderr[-3000:]}")
    usage = sampler.finish()
    data = json.loads(result.stdout)
    checked = op_log_check(data["acked"]) if mode == "app" else {}
    return {
        "ops": data["ops"],
        "connect_seconds": data["connect_seconds"],
        "throughput_ops_per_s": round(data["ops"] / args.duration, 1),
        "peer_p50_ms": percentile(data["peer_ms"], 0.5),
        "peer_p99_ms": percentile(data["peer_ms"], 0.99),
        "ack_p50_ms": percentile(data["ack_ms"], 0.5),
        "ack_p99_ms": percentile(data["ack_ms"], 0.99),
        "peer_from_made_p99_ms": percentile(data["peer_from_made_ms"], 0.99),
        "lost": data["lost"],
        "busy": data["busy"],
        "unsent": data["unsent"],
        "errors": data["errors"],
        "client_cpu_percent": data["client_cpu_percent"],
        "slowest_samples": data["slowest"],
        "error_samples": data["error_samples"],
        **checked,
        **{key: data[key] for key in ("recovered_after_s", "recovery_p99_by_second") if key in data},
        **usage,
    }


def op_log_check(acked: list[str]) -> dict:
    """What the database holds of the run's ops: every one acknowledged must be in the op log
    (0 lost), and none twice."""
    with psycopg.connect(bench_env("pubsub")["DATABASE_URL"]) as connection:
        logged = {
            row[0]
            for row in connection.execute(
                "SELECT client_op_id FROM diagrams_diagramop WHERE client_op_id = ANY(%s)", [acked]
            )
        }
        (twice,) = connection.execute(
            "SELECT count(*) FROM (SELECT 1 FROM diagrams_diagramop WHERE client_op_id <> '' "
            "GROUP BY diagram_id, author_id, client_op_id HAVING count(*) > 1) AS doubled"
        ).fetchone()
    return {"acked_not_logged": len(set(acked) - logged), "applied_twice": twice}


def summary(outcomes: list[dict]) -> dict:
    """The median of each figure over the runs; lost ops and errors are totals, since one lost
    op in any run is one too many."""
    totals = ("ops", "lost", "busy", "unsent", "errors", "acked_not_logged", "applied_twice", "server_errors_logged")
    merged = {}
    for key in outcomes[0]:
        values = [outcome[key] for outcome in outcomes]
        if key in ("error_samples", "slowest_samples"):
            merged[key] = [sample for samples in values for sample in samples][:5]
        elif key == "recovery_p99_by_second":
            merged[key] = values[0]
        elif key in totals:
            merged[key] = sum(values)
        elif any(v is None for v in values):
            merged[key] = None
        else:
            merged[key] = round(statistics.median(values), 2)
    return merged


# Debian installs nginx in /usr/sbin, which is not on every PATH.
NGINX_ENV = {**os.environ, "PATH": f"{os.environ['PATH']}{os.pathsep}/usr/sbin{os.pathsep}/sbin"}
NGINX_MAIN = """
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
worker_processes 1;
worker_rlimit_nofile 16384;
{user}
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
"""


def nginx(ports: list[int]) -> tuple[subprocess.Popen, int]:
    """Debian's nginx with deploy/nginx.conf in front of the server processes, on a free
    loopback port: the sample file itself, with only its upstream servers and its listen
    address changed."""
    subprocess.run([str(ROOT / "scripts" / "apt-ensure.sh"), "nginx-light:nginx"], check=True, env=NGINX_ENV)
    LOGS.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="mockboard-nginx-"))
    folder.chmod(0o755)
    port = free_port()
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = re.sub(r"(?m)^    server 127\.0\.0\.1:\d+;\n", "", site)
    upstreams = "".join(f"    server 127.0.0.1:{server};\n" for server in ports)
    site = site.replace("    keepalive 32;", upstreams + "    keepalive 32;", 1)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};", 1)
    (folder / "site.conf").write_text(site)
    user = "user root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(NGINX_MAIN.format(folder=folder, user=user))
    process = subprocess.Popen(
        ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf")],
        env=NGINX_ENV,
        stdout=(LOGS / "nginx.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_for_port(port, process)
    return process, port


def room_specs(args, profile: dict | None) -> tuple[list[dict], list[float]]:
    """The rooms to make, and the minute of the recorded interview each is replayed from:
    spread over the whole interview, as rooms in use at one moment are, and far enough from
    its end for the whole run."""
    if profile is None:
        return plain_rooms(args.rooms, args.blocks or 0), [0.0] * args.rooms
    chance = random.Random(0)  # the same rooms every run
    span = length_seconds(profile) - args.duration - LOST_AFTER_SECONDS
    if span <= 0:
        raise SystemExit(f"--duration must be shorter than the recorded interview ({length_seconds(profile):.0f} s)")
    offsets = [round(chance.uniform(0, span), 2) for _ in range(args.rooms)]
    spec = [
        {
            "blocks": args.blocks if args.blocks is not None else chance.randint(20, 40),
            "before": state_before(profile, at),
        }
        for at in offsets
    ]
    return spec, offsets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument(
        "--model",
        choices=["stress", "interview"],
        default="stress",
        help="stress: an op a second per client; interview: what pages send in a recorded interview",
    )
    parser.add_argument("--profile", type=Path, default=PROFILE, help="the recorded interview (--model interview)")
    parser.add_argument("--rate", type=float, default=1.0, help="ops per second per client")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument(
        "--blocks",
        type=int,
        help="blocks each diagram starts with (ops cost more); default 0 for stress, 20 to 40 for interview",
    )
    parser.add_argument("--recover-rooms", type=int, default=0, help="rooms that go on once the others leave")
    parser.add_argument("--recover-seconds", type=float, default=20.0, help="how long they go on")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--layer", choices=["pubsub", "redis"], default="pubsub")
    parser.add_argument("--deflate", action="store_true", help="per-message deflate on (off by default)")
    parser.add_argument("--nginx", action="store_true", help="through deploy/nginx.conf in front of the processes")
    parser.add_argument("--repeat", type=int, default=1, help="runs; the table shows their median")
    parser.add_argument("--page", action="store_true", help="clients also ask what the room page asks around an op")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    env = bench_env(args.layer)
    profile = load_profile(args.profile) if args.model == "interview" else None
    spec, offsets = room_specs(args, profile)

    def made() -> list[dict]:
        rooms = prepare(env, spec)
        for room, offset in zip(rooms, offsets, strict=True):
            room["offset"] = offset
        return rooms

    rooms = made()

    results = {"scenario": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k != "json"}}
    # The bare relay only echoes ops: it is a yardstick for the stress model's, not for an interview.
    apps = {"mockboard": "mockboard.asgi:application", "relay": "bench.relay:application"}
    if args.model == "interview":
        del apps["relay"]
    runs: dict[str, list[dict]] = {mode: [] for mode in apps}
    for run in range(args.repeat):
        if run and profile:
            # An interview's replay moves its room on (the timer, the twist): each run starts afresh.
            rooms = made()
        for mode, app in apps.items():
            started = servers(app, args.processes, env, args.deflate)
            front = None
            try:
                ports = [port for _, port in started]
                pids = [process.pid for process, _ in started]
                if args.nginx:
                    front, nginx_port = nginx(ports)
                    ports, pids = [nginx_port], [*pids, front.pid]
                outcome = measure("app" if mode == "mockboard" else "relay", rooms, ports, args, pids, run, profile)
            finally:
                for process in [process for process, _ in started] + ([front] if front else []):
                    stop(process)
            logged = "".join(path.read_text() for path in LOGS.glob(f"{app.split('.')[0]}-*.log"))
            outcome["server_errors_logged"] = logged.count("ERROR") + logged.count("Traceback")
            runs[mode].append(outcome)
    for mode in runs:
        results[mode] = summary(runs[mode])
    results["runs"] = runs
    ours, relay = results["mockboard"], results.get("relay")
    if relay:
        results["overhead_ratio"] = {
            key: round(ours[f"peer_{key}_ms"] / relay[f"peer_{key}_ms"], 2)
            if ours[f"peer_{key}_ms"] and relay[f"peer_{key}_ms"]
            else None
            for key in ("p50", "p99")
        }

    load = "the interview model" if args.model == "interview" else f"{args.rate} op/s"
    print(
        f"{args.rooms} rooms x 2 clients x {load} for {args.duration:g} s, "
        + (f"diagrams of {args.blocks} blocks, " if args.blocks else "")
        + (f"then {args.recover_rooms} rooms for {args.recover_seconds:g} s, " if args.recover_rooms else "")
        + ("clients as the page, " if args.page else "")
        + f"{args.processes} process(es){' behind nginx' if args.nginx else ''}, {args.layer} layer, "
        f"deflate {'on' if args.deflate else 'off'}; "
        + (f"median of {args.repeat} runs (lost and errors: all runs)" if args.repeat > 1 else "one run")
    )
    columns = [
        "connect_seconds",
        "ops",
        "peer_p50_ms",
        "peer_p99_ms",
        "ack_p50_ms",
        "ack_p99_ms",
        "lost",
        "busy",
        "unsent",
        "errors",
        "cpu_percent",
        "client_cpu_percent",
        "peak_rss_mb",
    ]
    print(f"{'':12}" + "".join(f"{c:>13}" for c in columns))
    for mode in runs:
        if args.repeat > 1:
            for run, outcome in enumerate(runs[mode], 1):
                print(f"{f'{mode} #{run}':12}" + "".join(f"{outcome[c]!s:>13}" for c in columns))
        print(f"{mode:12}" + "".join(f"{results[mode][c]!s:>13}" for c in columns))
    if relay:
        ratio = results["overhead_ratio"]
        print(f"overhead ratio (ours / relay, op -> peer): p50 {ratio['p50']}, p99 {ratio['p99']}")
    print(
        f"op log: {ours['acked_not_logged']} acknowledged ops not in it, {ours['applied_twice']} applied twice; "
        f"op -> peer p99 from when the page made the op {ours['peer_from_made_p99_ms']} ms"
    )
    print(f"slowest ops (ms, kind): {ours['slowest_samples']}")
    if args.recover_rooms:
        print(f"back under 40 ms p99 after {ours['recovered_after_s']} s: {ours['recovery_p99_by_second']}")
    for mode in runs:
        if results[mode]["error_samples"]:
            print(f"{mode} errors, e.g.: {results[mode]['error_samples']}")
    write_json(args.json, results)


if __name__ == "__main__":
    main()
