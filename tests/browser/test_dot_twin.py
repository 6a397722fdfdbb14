"""The page's DOT (static/js/room/dot.js) is the server's (diagrams/dot.py), to the byte: the
golden files, and any graph hypothesis makes of the text validation allows."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagrams.dot import EDGE_WRAP, NODE_WRAP, dot_style, to_dot, wrap
from diagrams.graph import KINDS, GraphError, normalize, validate
from tests.diagrams.graphs import EXAMPLE, PLACED, WORST_SHAPES, hostile_graph, random_graph, worst_graph
from tests.diagrams.test_render import TYPED

pytestmark = [pytest.mark.browser]

GOLDEN = Path(__file__).resolve().parent.parent / "diagrams" / "golden"
TWIN = "/static/js/room/dot.js"


@pytest.fixture(scope="module")
def twin(browser, app_url):
    """A page that can call the twin: toDot(graph, style, prefix) and wrap(text, width)."""
    page = browser.new_page(base_url=app_url)
    page.goto("/")
    page.evaluate(f"async () => {{ window.twin = await import({json.dumps(TWIN)}); }}")
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
