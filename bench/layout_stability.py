"""Layout stability benchmark: does the drawing stay put as it grows?

Builds each reference diagram of the bank in its file's order in a real room page (Debian's
Chromium, the app served as in production): one block per step (with its group, made when
first needed), plus the arrows whose two ends now exist, each step one op sent over the
room's socket. After every step it reads where each block is on screen, as the page shows
it at 1440x900 with nothing touched, and reports per step the share of pairs of blocks that
were already there whose left-right or top-bottom order flipped, and how far those blocks
moved on screen; with the edge crossings of each final layout. In both directions.

Run: .venv/bin/python -m bench.layout_stability [--only video-recommendation] [--json build/layout_stability.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
from itertools import combinations, pairwise
from pathlib import Path

import yaml
from playwright.sync_api import sync_playwright
from websockets.sync.client import connect

from bench import write_json
from bench.room_view import CHROMIUM
from bench.served import production_app
from bench.sync_load import ROOT, SIGN_IN
from diagrams.graph import normalize

VIEWPORT = {"width": 1440, "height": 900}
FLIP_TARGET = 0.10
MOVE_TARGET_PX = 8

SETUP = (
    SIGN_IN
    + r"""
problembank_services.problem_bank_load(directory=settings.BASE_DIR / "problems")
user = User.objects.create_user("builder")
rooms = {
    f"{slug} {direction}": str(services.room_create(problem=Problem.objects.get(slug=slug), interviewer=user).pk)
    for slug in sys.argv[1:]
    for direction in ("LR", "TB")
}
print(json.dumps({"cookie": signed_in(user), "rooms": rooms}))
"""
)

# Where each block is drawn on screen (its centre, in CSS pixels), and the drawing's crossings.
POSITIONS_JS = """() => Object.fromEntries([...document.querySelectorAll('#diagram-svg g.node')].map(g => {
    const box = g.getBoundingClientRect();
    return [g.id.slice(5), [box.x + box.width / 2, box.y + box.height / 2]];
}))"""


def steps(reference: dict, direction: str) -> list[dict]:
    """The ops that build `reference` one block at a time, in its file's order."""
    graph = normalize(reference)
    ops = [{"op": "set_direction", "direction": direction}]
    present: set[str] = set()
    groups_made: set[str] = set()
    groups = {group["id"]: group for group in graph["groups"]}
    for node in graph["nodes"]:
        batch = []
        if node["group"] and node["group"] not in groups_made:
            groups_made.add(node["group"])
            batch.append({"op": "add_group", "group": groups[node["group"]]})
        batch.append({"op": "add_node", "node": {key: node[key] for key in ("id", "label", "kind", "group", "note")}})
        present.add(node["id"])
        for edge in graph["edges"]:
            ends = {edge["source"], edge["target"]}
            if node["id"] in ends and ends <= present:
                batch.append({"op": "add_edge", "edge": edge})
        ops.append({"op": "batch", "ops": batch})
    return ops


def crossings(page) -> int:
    """Pairs of arrows whose drawn curves cross (sampled as polylines), ends shared excluded."""
    segments = page.evaluate(
        """() => [...document.querySelectorAll('#diagram-svg g.edge path.line')].map(path => {
            const length = path.getTotalLength();
            return Array.from({length: 33}, (_, i) => {
                const p = path.getPointAtLength(length * i / 32);
                return [p.x, p.y];
            });
        })"""
    )

    def cross(a, b, c, d) -> bool:
        def side(p, q, r):
            return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

        return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0

    count = 0
    for one, other in combinations(segments, 2):
        # Leave the ends out: arrows that meet at a block are not crossings.
        inner_one, inner_other = one[2:-2], other[2:-2]
        if any(
            cross(inner_one[i], inner_one[i + 1], inner_other[j], inner_other[j + 1])
            for i in range(len(inner_one) - 1)
            for j in range(len(inner_other) - 1)
        ):
            count += 1
    return count


def measure(page, url: str, room_id: str, cookie: str, ops: list[dict]) -> dict:
    """Per step: the share of old pairs whose order flipped and the median movement (px)."""
    page.goto(f"/rooms/{room_id}/")
    page.locator("#diagram-svg[data-version='0']").wait_for()
    snapshots = []
    ws_url = url.replace("http", "ws") + f"/ws/rooms/{room_id}/"
    # The synchronous client: Playwright's sync API already runs an event loop in this thread.
    with connect(ws_url, additional_headers={"Cookie": f"sessionid={cookie}"}, origin=url) as ws:
        while json.loads(ws.recv())["type"] != "snapshot":
            pass
        for version, op in enumerate(ops, 1):
            ws.send(json.dumps({"type": "diagram.op", "op": op, "client_op_id": f"step-{version}"}))
            while json.loads(ws.recv())["type"] != "diagram.applied":
                pass
            page.locator(f"#diagram-svg[data-version='{version}']").wait_for()
            if version > 1:  # the first op only sets the direction
                snapshots.append(page.evaluate(POSITIONS_JS))
        final_crossings = crossings(page)
    rows = []
    for before, after in pairwise(snapshots):
        old = sorted(before.keys() & after.keys())
        pairs = list(combinations(old, 2))
        flipped = sum(
            1
            for a, b in pairs
            if any((before[a][axis] - before[b][axis]) * (after[a][axis] - after[b][axis]) < 0 for axis in (0, 1))
        )
        moves = [((after[n][0] - before[n][0]) ** 2 + (after[n][1] - before[n][1]) ** 2) ** 0.5 for n in old]
        rows.append(
            {
                "blocks": len(after),
                "flipped": round(flipped / len(pairs), 3) if pairs else 0.0,
                "median_move_px": round(statistics.median(moves), 1),
            }
        )
    return {"steps": rows, "crossings": final_crossings}


def main() -> None:
    files = sorted((ROOT / "problems").glob("*.yaml"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="*", choices=[path.stem for path in files], help="problem slugs (all by default)"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    references = {path.stem: yaml.safe_load(path.read_text())["reference_diagram"] for path in files}
    if args.only:
        references = {slug: references[slug] for slug in args.only}

    results = {}
    with production_app(SETUP, *references) as (url, setup), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless"])
        context = browser.new_context(base_url=url, viewport=VIEWPORT)
        context.add_cookies([{"name": "sessionid", "value": setup["cookie"], "url": url}])
        page = context.new_page()
        for slug, reference in references.items():
            for direction in ("LR", "TB"):
                room_id = setup["rooms"][f"{slug} {direction}"]
                results.setdefault(direction, {})[slug] = measure(
                    page, url, room_id, setup["cookie"], steps(reference, direction)
                )
        browser.close()

    summary = {}
    for direction, by_slug in sorted(results.items()):
        every = [row for result in by_slug.values() for row in result["steps"]]
        flips = sum(row["flipped"] > 0 for row in every) / len(every)
        move = statistics.median(row["median_move_px"] for row in every)
        summary[direction] = {
            "steps": len(every),
            "steps_with_a_flip": round(flips, 3),
            "median_move_px": round(move, 1),
            "crossings": sum(result["crossings"] for result in by_slug.values()),
            "met": flips <= FLIP_TARGET and move <= MOVE_TARGET_PX,
        }
        print(
            f"\n{direction}: {len(every)} steps; a flip in {flips:.0%} of steps (target ≤ {FLIP_TARGET:.0%}); "
            f"median movement {move:.1f} px (target ≤ {MOVE_TARGET_PX} px); "
            f"{summary[direction]['crossings']} crossings in the final drawings"
        )
        for slug, result in by_slug.items():
            rows = result["steps"]
            print(
                f"  {slug:<28} flips in {sum(r['flipped'] > 0 for r in rows):>2}/{len(rows):<2} steps, "
                f"median move {statistics.median(r['median_move_px'] for r in rows) if rows else 0:>5.1f} px, "
                f"{result['crossings']} crossings"
            )
    write_json(args.json, {"summary": summary, "diagrams": results})


if __name__ == "__main__":
    main()
