from pathlib import Path

import pytest

from diagrams.dot import KIND_STYLES, to_dot, wrap
from diagrams.graph import KINDS
from tests.diagrams.graphs import EXAMPLE, PLACED, hostile_graph, random_graph

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize(("name", "graph"), [("example", EXAMPLE), ("hostile", hostile_graph()), ("placed", PLACED)])
def test_dot_matches_the_golden_file(name, graph):
    assert to_dot(graph) == (GOLDEN / f"{name}.dot").read_text()


def test_same_graph_same_text():
    assert to_dot(random_graph(7)) == to_dot(random_graph(7))


def test_clusters_always_use_newrank():
    assert 'newrank="true"' in to_dot(random_graph(1))


def test_every_kind_has_its_own_look():
    assert set(KIND_STYLES) == set(KINDS)
    looks = {(style.shape, style.fill) for style in KIND_STYLES.values()}
    assert len(looks) == len(KINDS)


def test_dot_names_are_ours_and_user_ids_only_in_id_attributes():
    source = to_dot(hostile_graph())
    assert "\th4 " not in source
    assert 'id="node-h4"' in source


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("Candidate generation", ["Candidate generation"]),
        ("Candidate generation with an ANN index", ["Candidate generation", "with an ANN index"]),
        ("Approximate-nearest-neighbour-index of items", ["Approximate-nearest-neighbour-index", "of items"]),
        ("typed\nbreak kept", ["typed", "break kept"]),
        ("two  spaces stay together in this long label", ["two  spaces stay", "together in this", "long label"]),
    ],
)
def test_long_labels_wrap_at_single_spaces_and_lose_nothing(text, lines):
    wrapped = wrap(text, 20)
    assert wrapped.split("\n") == lines
    # Only single spaces between words became breaks: put back, it is the label as typed.
    assert wrapped.replace("\n", " ") == text.replace("\n", " ")
