"""The page's ops (static/js/room/graph.js) are the server's (diagrams/ops.py): the same ops
from the same graph make the same graph, step by step, their undos and text merges included."""

import random

import pytest

from diagrams import ops
from diagrams.merge import merge
from diagrams.text import format_text
from tests.diagrams.graphs import PLACED, hostile_graph, random_edits, random_graph

pytestmark = [pytest.mark.browser]

TWIN = "/static/js/room/graph.js"
APPLY_JS = """([graph, steps]) => steps.map((op) => (graph = window.twin.applyOp(graph, op)))"""


@pytest.fixture(scope="module")
def twin(browser, app_url):
    page = browser.new_page(base_url=app_url)
    page.goto("/")
    page.evaluate(f"async () => {{ window.twin = await import('{TWIN}'); }}")
    yield page
    page.close()


def cases():
    """Seeded graphs, each with random edits, then the undo of each (newest first, as the
    page sends them), a text merge's batch, and a replace."""
    yield hostile_graph(), [{"op": "replace", "graph": PLACED}, {"op": "remove_node", "id": "ranker"}]
    for seed in range(40):
        rng = random.Random(seed)
        graph = random_graph(seed, nodes=rng.randrange(3, 15), groups=rng.randrange(3), placed=rng.randrange(3))
        steps, undos, now = [], [], graph
        for op in random_edits(graph, rng, 12):
            now, undo = ops.apply_with_inverse(now, op)
            steps.append(op)
            undos.append(undo)
        steps += reversed(undos)
        # Text edited from the graph and applied to it: one batch.
        mine = graph
        for op in random_edits(graph, rng, 6):
            mine = ops.apply(mine, op)
        merged = merge(format_text(mine) + "A block the text adds\n", base=graph, theirs=graph)
        steps.append({"op": "batch", "ops": merged.ops})
        yield graph, steps


CASES = list(cases())


@pytest.mark.parametrize(("graph", "steps"), CASES)
def test_the_pages_ops_make_the_servers_graphs_step_by_step(twin, graph, steps):
    expected, now = [], graph
    for op in steps:
        now = ops.apply(now, op)
        expected.append(now)
    assert twin.evaluate(APPLY_JS, [graph, steps]) == expected
