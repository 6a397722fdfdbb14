"""Render benchmark: Graphviz SVG time for realistic ML diagrams of 10, 50 and 150 nodes.

Cold: every render is a new graph (layout in the warm `dot` child, nothing cached), plus
one-shot `dot` spawns for comparison with the ~25 ms spawn floor. Cached: the same graph
again. Prints a table; `--json PATH` writes {"cold_ms": {...}, "cached_ms": {...}, ...}.
Worst: the costliest legal graphs we could construct (tests/diagrams/graphs.py, worst_graph),
as SVG through the warm child and as PNG through a one-shot `dot`, against the renderer's
time limit.
Run: .venv/bin/python -m bench.render [--repeat 15] [--json build/render.json]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from pathlib import Path

from bench import write_json
from diagrams.dot import to_dot
from diagrams.render import TIME_LIMIT_SECONDS, Renderer, render_png
from tests.diagrams.graphs import WORST_SHAPES, random_graph, worst_graph

SIZES = (10, 50, 150)


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def p50(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def p90(values: list[float]) -> float:
    return round(sorted(values)[int(0.9 * (len(values) - 1))], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    renderer = Renderer()
    renderer.svg(to_dot(random_graph(0, nodes=5, groups=1)))  # start the child
    results = {"cold_ms": {}, "cold_p90_ms": {}, "cached_ms": {}, "spawn_ms": {}}
    for size in SIZES:
        groups = max(1, size // 12)
        sources = [to_dot(random_graph(1000 * size + i, nodes=size, groups=groups)) for i in range(args.repeat)]
        cold = [timed(lambda s=s: renderer.svg(s)) for s in sources]
        cached = [timed(lambda s=s: renderer.svg(s)) for s in sources]
        spawn = [
            timed(lambda s=s: subprocess.run(["dot", "-Tsvg"], input=s.encode(), capture_output=True, check=True))
            for s in sources[:5]
        ]
        results["cold_ms"][str(size)] = p50(cold)
        results["cold_p90_ms"][str(size)] = p90(cold)
        results["cached_ms"][str(size)] = round(statistics.median(cached), 4)
        results["spawn_ms"][str(size)] = p50(spawn)
    results["worst_ms"] = {}
    for nodes, spread, grouping in WORST_SHAPES:
        for direction in ("LR", "TB"):
            source = to_dot(worst_graph(nodes=nodes, spread=spread, grouping=grouping, direction=direction))
            svg = [timed(lambda s=source: Renderer().svg(s)) for _ in range(3)]
            png = [timed(lambda s=source: render_png(s)) for _ in range(3)]
            results["worst_ms"][f"{nodes} {grouping} 1/{spread} {direction}"] = {"svg": p50(svg), "png": p50(png)}
    renderer.close()

    print(f"{'nodes':>6} {'cold p50':>10} {'cold p90':>10} {'cached p50':>11} {'one-shot dot':>13}")
    for size in SIZES:
        key = str(size)
        print(
            f"{size:>6} {results['cold_ms'][key]:>8.1f}ms {results['cold_p90_ms'][key]:>8.1f}ms "
            f"{results['cached_ms'][key]:>9.3f}ms {results['spawn_ms'][key]:>11.1f}ms"
        )
    print(f"\nworst legal graphs, p50 of 3 (the time limit is {TIME_LIMIT_SECONDS:g} s)")
    for shape, times in results["worst_ms"].items():
        print(f"{shape:>28}  svg {times['svg']:>7.1f} ms  png {times['png']:>7.1f} ms")
    write_json(args.json, results)


if __name__ == "__main__":
    main()
