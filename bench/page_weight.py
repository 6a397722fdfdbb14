"""Page weight benchmark: the bytes a browser transfers to load the room page (HTML, CSS,
JavaScript, images), with no CDN, as the interviewer (whose page carries the most).

Serves the app as in production (DEBUG off, collectstatic, SQLite in a temporary folder)
and loads the page in Debian's Chromium through Playwright, counting what went over the
wire (headers and bodies, compressed where the server compressed) and the bodies' size.
Run: .venv/bin/python -m bench.page_weight [--json build/page_weight.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench import write_json
from bench.served import production_app
from bench.sync_load import SETUP, plain_rooms

CHROMIUM = "/usr/bin/chromium"
GRAPHVIZ = "/static/vendor/viz-js/"


def load(url: str, room: dict) -> list[dict]:
    """Every request the room page makes until the socket is live and the network quiet."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless"])
        context = browser.new_context(base_url=url)
        context.add_cookies([{"name": "sessionid", "value": room["cookies"][0], "url": url}])
        page = context.new_page()
        finished = []
        page.on("requestfinished", lambda request: finished.append(request))
        page.goto(f"/rooms/{room['id']}/")
        page.locator("#conn-state").filter(has_text="Live").wait_for()
        page.wait_for_load_state("networkidle")
        rows = []
        for request in finished:
            sizes = request.sizes()
            rows.append(
                {
                    "url": request.url.removeprefix(url),
                    "type": request.resource_type,
                    "transferred": sizes["responseHeadersSize"] + sizes["responseBodySize"],
                    "body": len(request.response().body()),
                }
            )
        browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    with production_app(SETUP, stdin=json.dumps(plain_rooms(1))) as (url, made):
        rows = load(url, made[0])

    total = sum(row["transferred"] for row in rows)
    # Two targets: the Graphviz module compressed (≤ 1 MB) and the rest of the page (≤ 250 KB).
    graphviz = sum(row["transferred"] for row in rows if GRAPHVIZ in row["url"])
    results = {
        "requests": len(rows),
        "transferred_kb": round(total / 1024, 1),
        "graphviz_kb": round(graphviz / 1024, 1),
        "rest_kb": round((total - graphviz) / 1024, 1),
        "uncompressed_kb": round(sum(row["body"] for row in rows) / 1024, 1),
        "by_type_kb": {
            kind: round(sum(row["transferred"] for row in rows if row["type"] == kind) / 1024, 1)
            for kind in sorted({row["type"] for row in rows})
        },
        "files": rows,
    }
    for row in sorted(rows, key=lambda r: -r["transferred"]):
        print(f"{row['transferred'] / 1024:>8.1f} KB  {row['type']:<11} {row['url']}")
    print(f"{results['transferred_kb']:>8.1f} KB transferred in {len(rows)} requests ({results['uncompressed_kb']} KB)")
    print(f"{results['graphviz_kb']:>8.1f} KB of it the Graphviz module, {results['rest_kb']} KB the rest of the page")
    write_json(args.json, results)


if __name__ == "__main__":
    main()
