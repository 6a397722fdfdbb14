"""Replay seek benchmark: how long the server takes to draw a long session's diagram at any
version (interview.replay.room_replay_at, from the op log and its snapshots).

Builds a room whose diagram took 2,000 ops (blocks and arrows added, renamed, moved into
groups and removed, growing to about 150 blocks), each through the service the socket uses
(which stores a snapshot every SNAPSHOT_EVERY versions), then seeks to random versions; and
once more to the end with every snapshot deleted, the worst case (a seek stores those it
finds missing). Uses PostgreSQL at BENCH_DATABASE_URL when set (a
database it drops and creates, as bench.sync_load does), else a throwaway SQLite file.
Run: .venv/bin/python -m bench.replay_seek [--ops 2000] [--seeks 50] [--json build/replay_seek.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import write_json
from bench.sync_load import fresh_database

TARGET_MS = 100

RUN = r"""
import json, random, statistics, sys, time, django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from diagrams.models import DiagramSnapshot
from interview import services
from interview.replay import room_replay_at
from problembank.models import Problem

ops_count, seeks = int(sys.argv[1]), int(sys.argv[2])
call_command("migrate", verbosity=0)
call_command("load_problems", verbosity=0)
interviewer, candidate = User.objects.create_user("ines"), User.objects.create_user("carl")
room = services.room_create(problem=Problem.objects.get(slug="video-recommendation"), interviewer=interviewer)
room = services.room_join(token=room.invite_token, user=candidate)
services.diagram_op_apply(room=room, by=candidate, op={"op": "add_group", "group": {"id": "g", "label": "Online"}})
rng = random.Random(7)
alive, made = [], 0
for number in range(ops_count - 1):
    roll = rng.random()
    if len(alive) < 2 or (roll < 0.45 and len(alive) < 150):
        made += 1
        op = {"op": "add_node", "node": {"id": f"n{made}", "label": f"Block {made}", "kind": "service"}}
        alive.append(f"n{made}")
    elif roll < 0.7:
        op = {"op": "update_node", "id": rng.choice(alive), "set": {"label": f"Renamed {number}"}}
    elif roll < 0.85:
        source, target = rng.sample(alive, 2)
        op = {"op": "add_edge", "edge": {"id": f"e{number}", "source": source, "target": target}}
    elif roll < 0.93:
        op = {"op": "update_node", "id": rng.choice(alive), "set": {"group": "g"}}
    else:
        op = {"op": "remove_node", "id": alive.pop(rng.randrange(len(alive)))}
    services.diagram_op_apply(room=room, by=candidate, op=op)
room.refresh_from_db()
versions = [rng.randint(0, room.diagram.version) for _ in range(seeks)]

def seek(version):
    start = time.perf_counter()
    room_replay_at(room=room, by=interviewer, version=version)
    return (time.perf_counter() - start) * 1000

warm = [seek(version) for version in versions]
written = DiagramSnapshot.objects.count()
DiagramSnapshot.objects.all().delete()
cold = [seek(room.diagram.version)]
print(json.dumps({
    "vendor": connection.vendor,
    "ops": room.diagram.version,
    "blocks": len(room.diagram.graph["nodes"]),
    "first_seek_to_the_end_ms": round(cold[0], 1),
    "snapshots_written_with_the_ops": written,
    "seek_p50_ms": round(statistics.median(warm), 1),
    "seek_p90_ms": round(sorted(warm)[int(0.9 * (len(warm) - 1))], 1),
    "seek_max_ms": round(max(warm), 1),
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--seeks", type=int, default=50)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as var:
        env = {**os.environ, "MOCKBOARD_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "mockboard.settings"}
        env.pop("DATABASE_URL", None)
        if os.environ.get("BENCH_DATABASE_URL"):
            fresh_database(os.environ["BENCH_DATABASE_URL"])
            env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        out = subprocess.run(
            [sys.executable, "-c", RUN, str(args.ops), str(args.seeks)],
            env=env,
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    results = json.loads(out.strip().splitlines()[-1])
    print(
        f"{results['ops']} ops ({results['blocks']} blocks at the end) on {results['vendor']}, "
        f"{results['snapshots_written_with_the_ops']} snapshots: seeks p50 {results['seek_p50_ms']} ms, "
        f"p90 {results['seek_p90_ms']} ms, max {results['seek_max_ms']} ms (target {TARGET_MS} ms); "
        f"with every snapshot lost, to the end {results['first_seek_to_the_end_ms']} ms"
    )
    write_json(args.json, results)


if __name__ == "__main__":
    main()
