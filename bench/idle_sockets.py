"""Idle sockets benchmark: 1,000 connected participants (500 rooms) on one server process,
each doing what an open, idle room page does (a heartbeat every 10 s): the server's RSS per
socket and its CPU while idle.

Same setup as bench/sync_load.py (PostgreSQL, Redis pub/sub layer, the Procfile's Uvicorn
line, a separate load process on 127.0.0.1); BENCH_DATABASE_URL and BENCH_REDIS_URL as there.
Run: .venv/bin/python -m bench.idle_sockets [--rooms 500] [--idle 30] [--json build/idle.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench import write_json
from bench.sync_load import ROOT, Sampler, bench_env, plain_rooms, prepare, servers
from tests.servers import stop


def hold(rooms: list[dict], port: int, seconds: float) -> subprocess.Popen:
    plan = {
        "mode": "idle",
        "rate": 1,
        "duration": seconds,
        "rooms": [
            {
                "id": room["id"],
                "urls": [f"ws://127.0.0.1:{port}/ws/rooms/{room['id']}/"] * 2,
                "origins": [f"http://127.0.0.1:{port}"] * 2,
                "cookies": room["cookies"],
            }
            for room in rooms
        ],
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.load_client"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    process.stdin.write(json.dumps(plan))
    process.stdin.close()
    if process.stdout.readline().strip() != "connected":
        raise RuntimeError("the load process stopped before connecting its clients")
    return process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=500)
    parser.add_argument("--idle", type=float, default=30.0, help="seconds to sample while idle")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    env = bench_env("pubsub")
    rooms = prepare(env, plain_rooms(args.rooms + 1))

    ((process, port),) = servers("mockboard.asgi:application", 1, env, deflate=False)
    try:
        # One room first, so that what every socket shares (code, caches, pools) is loaded
        # before the baseline is taken.
        warm = hold(rooms[:1], port, 2)
        warm.stdout.read()
        warm.wait()
        time.sleep(1)
        sampler = Sampler([process.pid])
        baseline = sampler.rss_mb()
        load = hold(rooms[1:], port, args.idle + 5)
        time.sleep(3)  # snapshots sent, first heartbeats answered
        sampler = Sampler([process.pid])
        sampler.start()
        time.sleep(args.idle)
        idle = sampler.finish()
        connected_rss = sampler.rss_mb()
        outcome = json.loads(load.stdout.read().strip().splitlines()[-1])
        load.wait()
    finally:
        stop(process)

    sockets = outcome["connected"]
    results = {
        "sockets": sockets,
        "errors": outcome["errors"],
        "rss_before_mb": round(baseline, 1),
        "rss_connected_mb": round(connected_rss, 1),
        "kb_per_socket": round((connected_rss - baseline) * 1024 / max(sockets, 1), 1),
        "idle_cpu_percent": idle["cpu_percent"],
        "idle_seconds": args.idle,
    }
    print(f"{'sockets':>8} {'RSS before':>11} {'RSS with':>10} {'per socket':>11} {'idle CPU':>9} {'errors':>7}")
    print(
        f"{sockets:>8} {results['rss_before_mb']:>9}MB {results['rss_connected_mb']:>8}MB "
        f"{results['kb_per_socket']:>9}KB {results['idle_cpu_percent']:>8}% {results['errors']:>7}"
    )
    write_json(args.json, results)


if __name__ == "__main__":
    main()
