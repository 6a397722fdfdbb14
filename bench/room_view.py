"""Room view benchmark: what a person sees of the diagram in Debian's Chromium, as the page
opens (no zooming): the size each block label is drawn at and whether the whole diagram
fits, for every reference diagram of the bank at 1440x900 and 1280x720; the time to lay out
and draw 20, 40 and 150 blocks in the page; and the first drawing on a cold cache.

Serves the app as in production (DEBUG off, collectstatic, SQLite in a temporary folder).
Run: .venv/bin/python -m bench.room_view [--repeat 15] [--json build/room_view.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench import write_json
from bench.served import production_app
from bench.sync_load import SIGN_IN
from tests.diagrams.graphs import random_graph

CHROMIUM = "/usr/bin/chromium"
VIEWPORTS = {"1440x900": (1440, 900), "1280x720": (1280, 720)}
FLOOR_PX = 12
DRAW_SIZES = (20, 40, 150)

# One room per problem of the bank, its diagram the problem's reference diagram.
SETUP = (
    SIGN_IN
    + r"""
from diagrams.graph import normalize

problembank_services.problem_bank_load(directory=settings.BASE_DIR / "problems")
interviewer = User.objects.create_user("viewer")
rooms = []
for problem in Problem.objects.order_by("slug"):
    room = services.room_create(problem=problem, interviewer=interviewer)
    graph = normalize(problem.reference_diagram)
    services.diagram_op_apply(room=room, by=interviewer, op={"op": "replace", "graph": graph})
    rooms.append({"slug": problem.slug, "id": str(room.pk), "blocks": len(graph["nodes"])})
print(json.dumps({"cookie": signed_in(interviewer), "rooms": rooms}))
"""
)

# Every block label's size on screen (font size times the drawing's scale), and whether the
# drawing needs no scrolling.
MEASURE_JS = """() => {
    const box = document.getElementById('diagram-svg');
    const sizes = [...box.querySelectorAll('g.node text')].map(t =>
        Number(t.getAttribute('font-size')) * t.getScreenCTM().a);
    const fits = box.scrollWidth <= box.clientWidth + 1 && box.scrollHeight <= box.clientHeight + 1;
    return {sizes, fits};
}"""

# Lay out and draw each graph with the page's own modules, as the page does, timing both.
DRAW_JS = """async ([graphs, style, layout]) => {
    const {toDot} = await import('/static/js/room/dot.js');
    const {Drawing, readLayout} = await import('/static/js/room/drawing.js');
    const {Layouter} = await import('/static/js/room/layout.js');
    const layouter = new Layouter({workerUrl: layout.worker, vizUrl: layout.viz});
    await layouter.layout('digraph { a }');  // Graphviz loaded and warm
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    document.body.append(svg);
    const times = [];
    for (const graph of graphs) {
        const drawing = new Drawing(svg);
        const started = performance.now();
        const {json} = await layouter.layout(toDot(graph, style));
        drawing.draw(readLayout(json), {animate: false});
        await new Promise(requestAnimationFrame);
        times.push(performance.now() - started);
        svg.replaceChildren();
    }
    return times;
}"""


def median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def measure_views(browser, url: str, setup: dict) -> dict:
    results = {}
    for name, (width, height) in VIEWPORTS.items():
        context = browser.new_context(base_url=url, viewport={"width": width, "height": height})
        context.add_cookies([{"name": "sessionid", "value": setup["cookie"], "url": url}])
        page = context.new_page()
        rows = []
        for room in setup["rooms"]:
            page.goto(f"/rooms/{room['id']}/")
            page.locator("#diagram-svg[data-version='1']").wait_for()
            seen = page.evaluate(MEASURE_JS)
            rows.append(
                {
                    "slug": room["slug"],
                    "blocks": room["blocks"],
                    "min_px": round(min(seen["sizes"]), 1),
                    "median_px": round(statistics.median(seen["sizes"]), 1),
                    "fits": seen["fits"],
                }
            )
        context.close()
        every = [row["min_px"] for row in rows]
        results[name] = {
            "diagrams": rows,
            "smallest_label_px": min(every),
            "median_label_px": median([row["median_px"] for row in rows]),
            "share_under_floor": round(sum(px < FLOOR_PX for px in every) / len(every), 2),
            "fit_whole_at_floor": sum(row["fits"] and row["min_px"] >= FLOOR_PX for row in rows),
        }
    return results


def measure_drawing(browser, url: str, setup: dict, repeat: int) -> dict:
    context = browser.new_context(base_url=url)
    context.add_cookies([{"name": "sessionid", "value": setup["cookie"], "url": url}])
    page = context.new_page()
    page.goto(f"/rooms/{setup['rooms'][0]['id']}/")
    page.locator("#diagram-svg[data-version='1']").wait_for()
    config = json.loads(page.locator("#room-config").text_content())
    results = {}
    for size in DRAW_SIZES:
        graphs = [random_graph(100 * size + i, nodes=size, groups=max(1, size // 12)) for i in range(repeat)]
        times = page.evaluate(DRAW_JS, [graphs, config["dot"], config["layout"]])
        results[str(size)] = {"median_ms": median(times), "max_ms": round(max(times), 1)}
    context.close()
    return results


def first_drawing(browser, url: str, setup: dict, repeat: int) -> dict:
    """Navigation start to the first drawing, each time in a new context: nothing cached."""
    times = []
    for _ in range(repeat):
        context = browser.new_context(base_url=url, viewport={"width": 1440, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": setup["cookie"], "url": url}])
        page = context.new_page()
        page.goto(f"/rooms/{setup['rooms'][-1]['id']}/")
        page.locator("#diagram-svg[data-drawn='1']").wait_for()
        times.append(page.evaluate("() => performance.now()"))
        context.close()
    return {"median_ms": median(times), "max_ms": round(max(times), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    with production_app(SETUP) as (url, setup), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless"])
        started = time.monotonic()
        results = {
            "views": measure_views(browser, url, setup),
            "draw": measure_drawing(browser, url, setup, args.repeat),
            "first_drawing": first_drawing(browser, url, setup, 5),
        }
        results["seconds"] = round(time.monotonic() - started, 1)
        browser.close()

    for name, view in results["views"].items():
        print(
            f"\n{name}: labels smallest {view['smallest_label_px']} px, median {view['median_label_px']} px; "
            f"{view['fit_whole_at_floor']} of {len(view['diagrams'])} fit whole at ≥ {FLOOR_PX} px"
        )
        for row in view["diagrams"]:
            print(
                f"  {row['slug']:<28} {row['blocks']:>3} blocks  min {row['min_px']:>5} px  "
                f"median {row['median_px']:>5} px  {'fits' if row['fits'] else 'scrolls'}"
            )
    print("\nlayout + draw in the page, median (max):")
    for size, times in results["draw"].items():
        print(f"  {size:>4} blocks  {times['median_ms']:>7} ms ({times['max_ms']} ms)")
    first = results["first_drawing"]
    print(f"first drawing, cold cache: {first['median_ms']} ms median ({first['max_ms']} ms)")
    write_json(args.json, results)


if __name__ == "__main__":
    main()
