import copy
import re

import pytest

from diagrams.graph import LIMITS, GraphError, normalize, validate
from tests.diagrams.graphs import EXAMPLE


def with_change(path_setter):
    graph = copy.deepcopy(EXAMPLE)
    path_setter(graph)
    return graph


def test_design_example_is_valid():
    validate(EXAMPLE)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda g: g.update(schema=3), r"schema: must be 2 \(or 1, without layout hints\)"),
        (lambda g: g.update(schema=True), "schema: must be 2"),
        (lambda g: g["nodes"][0].update(place="n2"), r"nodes\[0\].place: must be an object"),
        (lambda g: g["nodes"][0].update(place={"beside": "n2"}), r"nodes\[0\].place.side: is required"),
        (lambda g: g["nodes"][0].update(place={"beside": "n2", "side": "up"}), r"nodes\[0\].place.side: must be one"),
        (lambda g: g["nodes"][0].update(place={"beside": "n9", "side": "after"}), r"nodes\[0\].place.beside: no other"),
        (lambda g: g["nodes"][0].update(place={"beside": "n1", "side": "after"}), r"nodes\[0\].place.beside: no other"),
        (
            lambda g: g["nodes"][0].update(place={"beside": ["n2"], "side": "after"}),
            r"nodes\[0\].place.beside: no other",
        ),
        (lambda g: g.update(schema=1), r"nodes\[0\].place: is not a known field"),
        (lambda g: g.update(direction="RL"), "direction: must be one of LR, TB"),
        (lambda g: g["nodes"][1].update(id="n1"), r"nodes\[1\].id: duplicate id 'n1'"),
        (lambda g: g["nodes"][0].update(id="bad id"), r"nodes\[0\].id: must be 1 to 40"),
        (lambda g: g["nodes"][0].update(kind="blender"), r"nodes\[0\].kind: unknown kind 'blender'"),
        (lambda g: g["nodes"][0].update(label="x" * 81), r"nodes\[0\].label: longer than 80 characters"),
        (lambda g: g["nodes"][0].update(note="x" * 501), r"nodes\[0\].note: longer than 500 characters"),
        (lambda g: g["nodes"][0].update(group="online"), r"nodes\[0\].group: no group with id 'online'"),
        (lambda g: g["nodes"][0].update(group=["x"]), r"nodes\[0\].group: no group with id"),
        (lambda g: g["edges"][0].update(target="n9"), r"edges\[0\].target: no node with id 'n9'"),
        (lambda g: g["edges"][0].update(source=[1]), r"edges\[0\].source: no node with id"),
        (lambda g: g["nodes"][0].update(colour="red"), r"nodes\[0\].colour: is not a known field"),
        (lambda g: g["nodes"][0].pop("kind"), r"nodes\[0\].kind: is required"),
        (lambda g: g.update(nodes="n1"), "nodes: must be a list"),
        (lambda g: g.update(groups=[{"id": f"g{i}", "label": "G"} for i in range(21)]), "groups: more than 20"),
    ],
)
def test_invalid_graph_names_the_field(change, message):
    with pytest.raises(GraphError, match=message):
        validate(with_change(change))


def test_a_block_may_be_placed_beside_one_listed_after_it():
    graph = copy.deepcopy(EXAMPLE)
    graph["nodes"][0]["place"] = {"beside": "n2", "side": "before"}
    validate(graph)


def test_schema_1_is_read_and_made_schema_2():
    old = {"schema": 1, "nodes": [{"id": "a", "label": "A", "kind": "cache"}]}
    validate(old)
    assert normalize(old)["schema"] == 2
    assert normalize(old)["nodes"][0]["place"] is None
    validate(normalize(old))


def test_node_limit_is_enforced_and_named():
    nodes = [{"id": f"n{i}", "label": "N", "kind": "generic"} for i in range(LIMITS.nodes + 1)]
    with pytest.raises(GraphError, match=f"nodes: more than {LIMITS.nodes} nodes"):
        validate({"schema": 1, "nodes": nodes})


@pytest.mark.parametrize("character", ["\ufffe", "\uffff", "\ufdd0", "\U0010ffff", "\x00", "\x1f", "\ud800"])
def test_noncharacters_controls_and_broken_unicode_are_refused_in_every_text(character):
    for graph, path in (
        ({"schema": 1, "nodes": [{"id": "a", "label": f"x{character}", "kind": "service"}]}, "nodes[0].label"),
        ({"schema": 1, "groups": [{"id": "g", "label": f"x{character}"}]}, "groups[0].label"),
    ):
        with pytest.raises(GraphError, match=rf"^{re.escape(path)}: holds a control character or broken Unicode"):
            validate(graph)
