"""The page's DOT (static/js/room/dot.js) is the server's (diagrams/dot.py), to the byte: the
golden files, and any graph hypothesis makes of the text validation allows."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagrams.dot import EDGE_WRAP, NODE_WRAP, dot_style, to_dot, wrap
from diagrams.graph import KINDS, GraphError, normalize, validate
from tests.diagrams.graphs import EXAMPLE, PLACED, WORST_SHAPES, hostile_graph, loose_blocks, random_graph, worst_graph
from tests.diagrams.test_render import TYPED

pytestmark = [pytest.mark.browser]

GOLDEN = Path(__file__).resolve().parent.parent / "diagrams" / "golden"
TWIN = "/static/js/room/dot.js"
VIZ = "/static/vendor/viz-js/viz.js"


@pytest.fixture(scope="module")
def twin(browser, app_url):
    """A page that can call the twin: toDot(graph, style, prefix) and wrap(text, width), and
    the page's Graphviz (window.viz)."""
    page = browser.new_page(base_url=app_url)
    page.goto("/")
    page.evaluate(
        f"async () => {{ window.twin = await import({json.dumps(TWIN)}); "
        f"window.viz = await (await import({json.dumps(VIZ)})).instance(); }}"
    )
    yield page
    page.close()


def twin_dot(page, graph: dict, prefix: str = "") -> str:
    return page.evaluate("([g, s, p]) => window.twin.toDot(g, s, p)", [graph, dot_style(), prefix])


@pytest.mark.parametrize(("name", "graph"), [("example", EXAMPLE), ("hostile", hostile_graph()), ("placed", PLACED)])
def test_the_twin_writes_the_golden_files(twin, name, graph):
    assert twin_dot(twin, graph) == (GOLDEN / f"{name}.dot").read_text()


def test_the_twin_agrees_on_random_compact_and_worst_graphs_with_a_prefix(twin):
    graphs = [random_graph(seed, nodes=size, groups=4) for seed, size in ((1, 8), (2, 30), (3, 60), (4, 150))]
    graphs += [random_graph(seed, nodes=30, groups=4, placed=10) for seed in (5, 6)]
    graphs += [worst_graph(nodes=n, spread=s, grouping=g, direction="TB") for n, s, g in WORST_SHAPES]
    # Loose blocks in and out of groups, either way: declared in the same order.
    graphs += [loose_blocks(seed)[0] for seed in range(20)]
    for graph in graphs:
        assert twin_dot(twin, graph, "reference-") == to_dot(graph, id_prefix="reference-")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    labels=st.lists(TYPED, min_size=1, max_size=4),
    notes=st.lists(TYPED | st.just(""), min_size=4, max_size=4),
    kinds=st.lists(st.sampled_from(KINDS), min_size=4, max_size=4),
)
def test_the_twin_agrees_on_any_text_that_may_be_typed(twin, labels, notes, kinds):
    nodes = [
        {"id": f"n{i}", "label": label, "kind": kinds[i], "note": notes[i], "group": "g" if i % 2 else None}
        for i, label in enumerate(labels)
    ]
    edges = [{"id": f"e{i}", "source": "n0", "target": n["id"], "label": n["label"]} for i, n in enumerate(nodes)]
    graph = {"schema": 1, "groups": [{"id": "g", "label": labels[0]}], "nodes": nodes, "edges": edges}
    try:
        validate(graph)
    except GraphError:
        return
    graph = normalize(graph)
    assert twin_dot(twin, graph) == to_dot(graph)
    for label in labels:
        for width in (NODE_WRAP, EDGE_WRAP):
            assert twin.evaluate("([t, w]) => window.twin.wrap(t, w)", [label, width]) == wrap(label, width)


def test_blocks_nothing_joins_are_laid_out_oldest_first_by_the_pages_graphviz(twin):
    newest_first, compared = [], 0
    for seed in range(80):
        graph, pairs = loose_blocks(seed)
        plain = twin.evaluate(
            "([g, s]) => window.viz.renderString(window.twin.toDot(g, s), {format: 'plain'})", [graph, dot_style()]
        )
        names = {f"n{i}": node["id"] for i, node in enumerate(graph["nodes"])}
        centres = {
            names[fields[1]]: (float(fields[2]), float(fields[3]))
            for fields in map(str.split, plain.splitlines())
            if fields[0] == "node"
        }
        # A rank runs across when the drawing runs top to bottom, down when left to right;
        # Graphviz's y grows upwards.
        lr = graph["direction"] == "LR"
        for older, newer in pairs:
            (old_x, old_y), (new_x, new_y) = centres[older], centres[newer]
            if abs(old_x - new_x if lr else old_y - new_y) > 0.01:
                continue  # not in one rank
            compared += 1
            if (old_y < new_y) if lr else (old_x > new_x):
                newest_first.append((seed, graph["direction"], older, newer))
    assert compared > 300
    assert newest_first == []
