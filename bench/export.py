"""Export benchmark: time and peak memory to build the PDF report of a 45-minute session
with a 40-node diagram and four phase snapshots, the way a Celery worker does.

Each export runs in a fresh process (like a recycled worker child), so its peak RSS is the
report's own. Uses a throwaway SQLite database in a temporary folder.
Run: .venv/bin/python -m bench.export [--repeat 5] [--json build/export.json] [--pdf build/report.pdf]
(--pdf keeps one of the PDFs, to look at: `pdftoppm -r 60 -png build/report.pdf build/report`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import write_json

ONE_EXPORT = r"""
import resource, time, json, django
django.setup()
from reports.models import Report
from reports.pdf import report_pdf
report = Report.objects.select_related("room").get(pk=int(__import__("sys").argv[1]))
start = time.perf_counter()
pdf = report_pdf(report)
elapsed = time.perf_counter() - start
if len(__import__("sys").argv) > 2:
    open(__import__("sys").argv[2], "wb").write(pdf)
print(json.dumps({"seconds": elapsed, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "bytes": len(pdf)}))
"""

SETUP = r"""
import django
django.setup()
from datetime import timedelta
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from diagrams.models import DiagramOp
from interview import services
from problembank import services as problembank_services
from reports.models import Report
from problembank.models import Problem
from tests.diagrams.graphs import random_graph

call_command("migrate", verbosity=0)
problembank_services.problem_bank_load(directory=settings.BASE_DIR / "problems")
interviewer = User.objects.create_user("ines")
candidate = User.objects.create_user("carl")
room = services.room_create(problem=Problem.objects.get(slug="video-recommendation"), interviewer=interviewer)
services.room_join(token=room.invite_token, user=candidate)
room.refresh_from_db()
start = timezone.now() - timedelta(minutes=50)
services.timer_control(room=room, by=interviewer, action="start", now=start)
full = random_graph(7, nodes=40, groups=4)
minute = 0
for phase, (minutes, nodes) in enumerate([(6, 10), (12, 20), (17, 35), (10, 40)]):
    graph = {**full, "nodes": full["nodes"][:nodes]}
    kept = {n["id"] for n in graph["nodes"]}
    graph["edges"] = [e for e in full["edges"] if e["source"] in kept and e["target"] in kept]
    applied, _ = services.diagram_op_apply(room=room, by=candidate, op={"op": "replace", "graph": graph})
    DiagramOp.objects.filter(pk=applied.pk).update(at=start + timedelta(minutes=minute + 1))
    minute += minutes
    action = "end" if phase == 3 else "next_phase"
    services.timer_control(room=room, by=interviewer, action=action, now=start + timedelta(minutes=minute))
room.refresh_from_db()
for dimension in room.problem.rubric:
    services.score_set(room=room, by=interviewer, dimension=dimension["key"], level=3, comment="Specific comment " * 8)
services.feedback_set(room=room, by=interviewer, recommendation="yes", summary="Summary " * 60)
services.note_save(room=room, by=candidate, kind="candidate", text="Notes line\n" * 40)
print(Report.objects.create(room=room, requested_by=interviewer, variant="interviewer").pk)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--pdf", type=Path, help="keep the last PDF here")
    args = parser.parse_args()

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as var_dir:
        env = {**os.environ, "MOCKBOARD_VAR_DIR": var_dir, "DJANGO_SETTINGS_MODULE": "mockboard.settings"}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        run = {"cwd": root, "env": env, "capture_output": True, "text": True, "check": True}
        report_id = subprocess.run([sys.executable, "-c", SETUP], **run).stdout.strip().splitlines()[-1]
        if args.pdf:
            args.pdf.parent.mkdir(parents=True, exist_ok=True)
        keep = [str(args.pdf.resolve())] if args.pdf else []
        runs = [
            json.loads(
                subprocess.run([sys.executable, "-c", ONE_EXPORT, report_id, *keep], **run).stdout.splitlines()[-1]
            )
            for _ in range(args.repeat)
        ]

    seconds = sorted(r["seconds"] for r in runs)
    results = {
        "p50_seconds": round(statistics.median(seconds), 2),
        "max_seconds": round(seconds[-1], 2),
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
        "pdf_bytes": runs[0]["bytes"],
        "runs": args.repeat,
    }
    print(f"{'p50':>8} {'max':>8} {'peak RSS':>10} {'PDF size':>10}")
    print(
        f"{results['p50_seconds']:>7.2f}s {results['max_seconds']:>7.2f}s "
        f"{results['peak_rss_mb']:>8.1f}MB {results['pdf_bytes'] / 1024:>8.0f}KB"
    )
    write_json(args.json, results)


if __name__ == "__main__":
    main()
