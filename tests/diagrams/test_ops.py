import copy
import random

import pytest

from diagrams import ops
from diagrams.graph import LIMITS, normalize
from diagrams.ops import OpRejected, apply, inverse
from tests.diagrams.graphs import EXAMPLE, random_edits, random_graph

NODE = {"id": "n3", "label": "Ranking model", "kind": "ranking"}


def test_add_node_fills_defaults_and_leaves_the_input_alone():
    before = copy.deepcopy(EXAMPLE)
    after = apply(EXAMPLE, {"op": "add_node", "node": NODE})
    assert after["nodes"][-1] == {**NODE, "group": None, "note": "", "place": None}
    assert before == EXAMPLE


def test_removing_a_node_removes_its_edges():
    after = apply(EXAMPLE, {"op": "remove_node", "id": "n1"})
    assert [n["id"] for n in after["nodes"]] == ["n2"]
    assert after["edges"] == []


def test_removing_a_node_unplaces_the_blocks_beside_it_and_its_undo_places_them_again():
    placed = apply(EXAMPLE, {"op": "update_node", "id": "n2", "set": {"place": {"beside": "n1", "side": "after"}}})
    assert placed["nodes"][1]["place"] == {"beside": "n1", "side": "after"}
    undo = inverse(placed, {"op": "remove_node", "id": "n1"})
    after = apply(placed, {"op": "remove_node", "id": "n1"})
    assert after["nodes"][0]["place"] is None
    assert apply(after, undo) == placed


def test_placing_beside_a_block_that_is_gone_is_a_conflict():
    with pytest.raises(OpRejected, match="node 'n9' no longer exists") as raised:
        apply(EXAMPLE, {"op": "update_node", "id": "n2", "set": {"place": {"beside": "n9", "side": "after"}}})
    assert raised.value.conflict


def test_removing_a_group_ungroups_its_nodes():
    after = apply(EXAMPLE, {"op": "remove_group", "id": "offline"})
    assert after["groups"] == []
    assert after["nodes"][0]["group"] is None


@pytest.mark.parametrize(
    "op",
    [
        {"op": "add_node", "node": NODE},
        {"op": "update_node", "id": "n1", "set": {"label": "Click stream", "kind": "data_source", "group": None}},
        {"op": "update_node", "id": "n2", "set": {"note": "HNSW, 256-d"}},
        {"op": "update_node", "id": "n2", "set": {"place": {"beside": "n1", "side": "before"}}},
        {"op": "remove_node", "id": "n1"},
        {"op": "add_edge", "edge": {"id": "e2", "source": "n2", "target": "n1", "label": "feedback"}},
        {"op": "update_edge", "id": "e1", "set": {"label": "views", "target": "n1"}},
        {"op": "remove_edge", "id": "e1"},
        {"op": "add_group", "group": {"id": "online", "label": "Online"}},
        {"op": "update_group", "id": "offline", "set": {"label": "Batch"}},
        {"op": "remove_group", "id": "offline"},
        {"op": "set_direction", "direction": "TB"},
        {"op": "replace", "graph": {"schema": 1, "nodes": [{"id": "z", "label": "Z", "kind": "cache"}]}},
        {
            "op": "batch",
            "ops": [
                {"op": "add_group", "group": {"id": "online", "label": "Online"}},
                {"op": "add_node", "node": {**NODE, "group": "online"}},
                {"op": "add_edge", "edge": {"id": "e9", "source": "n2", "target": "n3"}},
                {"op": "remove_node", "id": "n1"},
            ],
        },
    ],
)
def test_every_op_has_an_inverse_that_restores_the_graph_it_leaves_alone(op):
    before = copy.deepcopy(EXAMPLE)
    undo = inverse(EXAMPLE, op)
    assert apply(apply(EXAMPLE, op), undo) == EXAMPLE
    assert before == EXAMPLE


@pytest.mark.parametrize(
    ("op", "reason", "conflict"),
    [
        ({"op": "remove_node", "id": "gone"}, "node 'gone' no longer exists", True),
        ({"op": "update_node", "id": "gone", "set": {"label": "x"}}, "node 'gone' no longer exists", True),
        (
            {"op": "add_edge", "edge": {"id": "e2", "source": "n1", "target": "gone"}},
            "node 'gone' no longer exists",
            True,
        ),
        ({"op": "add_node", "node": {**NODE, "id": "n1"}}, "a node with id 'n1' already exists", True),
        ({"op": "add_node", "node": {**NODE, "group": "gone"}}, "group 'gone' no longer exists", True),
        ({"op": "add_node", "node": {**NODE, "kind": "blender"}}, "nodes[2].kind: unknown kind 'blender'", False),
        ({"op": "add_node", "node": {**NODE, "label": "x" * 81}}, "nodes[2].label: longer than 80 characters", False),
        ({"op": "add_node", "node": {**NODE, "id": "has space"}}, "nodes[2].id: must be 1 to 40 characters", False),
        ({"op": "add_node", "node": {**NODE, "colour": "red"}}, "op.node.colour: is not a known field", False),
        ({"op": "update_node", "id": "n1", "set": {"id": "n9"}}, "op.set.id: cannot be changed", False),
        ({"op": "update_node", "id": "n1", "set": {}}, "op.set: must be a non-empty object", False),
        ({"op": "set_direction", "direction": "RL"}, "op.direction: must be one of LR, TB", False),
        ({"op": "explode"}, "op.op: unknown op 'explode'", False),
        ({"op": "add_node"}, "op.node: is required for add_node", False),
        ({"op": "remove_node", "id": "n1", "cascade": True}, "op.cascade: is not a field of remove_node", False),
        ({"op": "add_node", "node": NODE, "index": -1}, "op.index: must be a whole number from 0", False),
        ("add_node", "op: must be an object with a string 'op'", False),
        ({"op": "replace", "graph": {"schema": 3}}, "op.graph.schema: must be 2", False),
        ({"op": "batch", "ops": []}, "op.ops: must be a list of 1 to 1000 ops", False),
        (
            {"op": "batch", "ops": [{"op": "batch", "ops": [{"op": "set_direction", "direction": "TB"}]}]},
            "op.ops[0]: a batch cannot contain another batch",
            False,
        ),
        ({"op": "add_node", "node": NODE, "index": 10**30}, "op.index: must be a whole number from 0 to 2", False),
        (
            {"op": "batch", "ops": [{"op": "add_edge", "edge": {"id": "e5", "target": "n1"}}]},
            "op.ops[0].edge.source: is required",
            False,
        ),
        ({"op": "add_node", "node": {"label": "x", "kind": "cache"}}, "op.node.id: is required", False),
        ({"op": "add_node", "node": {**NODE, "id": 7}}, "op.node.id: must be a string", False),
        (
            {"op": "batch", "ops": [{"op": "add_node", "node": NODE}, {"op": "remove_node", "id": "gone"}]},
            "node 'gone' no longer exists",
            True,
        ),
    ],
)
def test_ops_that_cannot_apply_say_why_and_change_nothing(op, reason, conflict):
    before = copy.deepcopy(EXAMPLE)
    with pytest.raises(OpRejected) as error:
        apply(EXAMPLE, op)
    assert error.value.reason.startswith(reason)
    assert error.value.conflict is conflict
    assert before == EXAMPLE


def test_the_node_limit_is_named_when_an_add_would_pass_it():
    full = normalize(
        {"schema": 1, "nodes": [{"id": f"n{i}", "label": "N", "kind": "generic"} for i in range(LIMITS.nodes)]}
    )
    with pytest.raises(OpRejected, match="nodes: more than 150 nodes"):
        apply(full, {"op": "add_node", "node": {"id": "one-more", "label": "N", "kind": "generic"}})


@pytest.mark.parametrize("seed", range(20))
def test_removing_any_node_of_a_random_graph_is_undone_exactly(seed):
    graph = random_graph(seed, nodes=25)
    victim = graph["nodes"][seed % 25]["id"]
    op = {"op": "remove_node", "id": victim}
    # Exactly, order included: the layout must not shuffle on undo.
    assert apply(apply(graph, op), inverse(graph, op)) == graph


def test_a_batch_may_pass_through_an_invalid_state_on_its_way():
    op = {
        "op": "batch",
        "ops": [
            {"op": "add_node", "node": {"id": "a", "label": "", "kind": "cache"}},
            {"op": "update_node", "id": "a", "set": {"label": "Cache"}},
            {"op": "add_group", "group": {"id": "g2", "label": "Serving"}},
            {"op": "update_node", "id": "a", "set": {"group": "g2"}},
            {"op": "remove_group", "id": "g2"},
        ],
    }
    after = apply(EXAMPLE, op)
    assert after["nodes"][-1] == {
        "id": "a",
        "label": "Cache",
        "kind": "cache",
        "group": None,
        "note": "",
        "place": None,
    }
    assert apply(after, inverse(EXAMPLE, op)) == EXAMPLE


def test_undoing_the_deletion_of_everything_fits_in_one_batch():
    graph = random_graph(3, nodes=LIMITS.nodes, groups=LIMITS.groups)
    op = {"op": "batch", "ops": [{"op": "remove_node", "id": n["id"]} for n in graph["nodes"]]}
    emptied, undo = apply(graph, op), inverse(graph, op)
    assert emptied["nodes"] == []
    assert apply(emptied, undo) == graph


@pytest.mark.parametrize("seed", range(40))
def test_replaying_logged_ops_gives_what_applying_them_one_by_one_gives(seed):
    rng = random.Random(seed)
    start = random_graph(seed, nodes=rng.randrange(3, 15), groups=rng.randrange(3), placed=rng.randrange(3))
    now, undos = start, []
    edits = random_edits(start, rng, 20)
    for op in edits:
        now, undo = ops.apply_with_inverse(now, op)
        undos.append(undo)
    assert ops.replay(start, edits) == now
    # The op log's inverses, newest first, give back where it started (text merged from it).
    assert ops.replay(now, reversed(undos)) == start
