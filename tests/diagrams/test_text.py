import pytest

from diagrams.graph import normalize
from diagrams.text import TextError, format_text, parse
from tests.diagrams.graphs import EXAMPLE, PLACED, hostile_graph, random_graph


def test_the_quick_syntax():
    graph = parse(
        "# offline part\n"
        "direction TB\n"
        "Event logs [stream] -> Feature store [feature_store] : hourly\n"
        "Ranker [ranking] // multi-task: watch time, likes\n"
        "Feature store -> Ranker\n"
        "group Offline: Event logs, Feature store\n"
    )
    assert graph["direction"] == "TB"
    assert [(n["id"], n["label"], n["kind"], n["group"]) for n in graph["nodes"]] == [
        ("event-logs", "Event logs", "stream", "offline"),
        ("feature-store", "Feature store", "feature_store", "offline"),
        ("ranker", "Ranker", "ranking", None),
    ]
    assert graph["nodes"][2]["note"] == "multi-task: watch time, likes"
    assert [(e["source"], e["target"], e["label"]) for e in graph["edges"]] == [
        ("event-logs", "feature-store", "hourly"),
        ("feature-store", "ranker", ""),
    ]
    assert graph["groups"] == [{"id": "offline", "label": "Offline"}]


@pytest.mark.parametrize(
    "graph", [EXAMPLE, hostile_graph(), PLACED, *[random_graph(seed, nodes=25) for seed in range(10)]]
)
def test_format_then_parse_gives_back_the_same_graph(graph):
    text = format_text(graph)
    assert parse(text, existing=graph) == graph
    assert format_text(parse(text)) == text


def test_same_label_twice_is_told_apart_by_id():
    graph = parse("Cache {c1} [cache]\nCache {c2} [cache]\nCache {c1} -> Cache {c2}")
    assert [n["id"] for n in graph["nodes"]] == ["c1", "c2"]
    assert "Cache {c1} -> Cache {c2}" in format_text(graph)


def test_import_keeps_the_ids_of_what_already_exists():
    graph = parse("Event logs [stream] -> Ranker [ranking]\nNew thing", existing=EXAMPLE)
    assert graph["nodes"][0]["id"] == "n1"
    assert graph["nodes"][2]["id"] == "new-thing"


def test_blocks_placed_by_hand_keep_their_places_while_the_block_beside_them_is_there():
    text = format_text(PLACED).replace("Ranker", "Reranker")
    graph = parse(text, existing=PLACED)
    places = {node["label"]: node["place"] for node in graph["nodes"]}
    # Ranker is now a new block: what was placed beside it is no longer placed.
    assert places == {
        "Event logs": {"beside": "remark", "side": "after"},
        "Feature store": None,
        "Reranker": None,
        "Cache": None,
        "Ask: how fresh must features be?": None,
    }
    assert {node["label"]: node["place"] for node in parse(format_text(PLACED), existing=PLACED)["nodes"]} == {
        node["label"]: node["place"] for node in PLACED["nodes"]
    }


def test_errors_name_every_bad_line():
    with pytest.raises(TextError) as error:
        parse('A [blender]\nB ->\n"open\nC [cache]\nC [ranking]\ndirection RL\ngroup G A')
    assert error.value.errors == [
        "line 1: unknown kind 'blender'; kinds are client, service, data_source, stream, storage, feature_store, "
        "training, model_registry, retrieval, vector_index, ranking, cache, experiment, labeling, monitoring, generic, "
        "sticky",
        "line 2: a label is missing",
        "line 3: a quoted label is missing its closing quote",
        "line 5: 'C' is [cache] earlier and [ranking] here",
        "line 6: direction must be one of LR, TB",
        "line 7: a group line is `group Name: A, B`",
    ]


def test_limits_apply_to_text_too():
    with pytest.raises(TextError, match="nodes: more than 150 nodes"):
        parse("\n".join(f"Node {i}" for i in range(151)))
    with pytest.raises(TextError, match=r"nodes\[0\].label: longer than 80 characters"):
        parse("x" * 81)


def test_awkward_labels_notes_and_twin_groups_survive_the_round_trip():
    graph = normalize(
        {
            "schema": 1,
            "groups": [{"id": "g1", "label": "Group 1"}, {"id": "g2", "label": "Group 1"}],
            "nodes": [
                {"id": "a", "label": "direction", "kind": "cache", "group": "g1", "note": "  indented note"},
                {"id": "b", "label": "group", "kind": "cache", "group": "g2", "note": "ends in space "},
            ],
        }
    )
    assert parse(format_text(graph), existing=graph) == graph


def test_a_group_id_used_twice_is_named():
    with pytest.raises(TextError, match=r"line 3: the group id 'x' is used twice"):
        parse("A\ngroup G {x}: A\ngroup H {x}: A")


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_characters_python_takes_for_line_ends_stay_in_their_label(separator):
    graph = normalize(
        {
            "nodes": [
                {"id": "a", "label": f"two{separator}lines", "kind": "cache", "note": f"a{separator}b"},
                {"id": "b", "label": "B", "kind": "cache"},
            ],
            "edges": [{"id": "e", "source": "a", "target": "b", "label": f"x{separator}y"}],
        }
    )
    text = format_text(graph)
    assert parse(text, existing=graph) == graph
    assert format_text(parse(text, existing=graph)) == text


def test_text_pasted_with_windows_line_ends_reads_the_same():
    text = "Event logs [stream] -> Ranker [ranking] : clicks\ngroup Online: Ranker\n"
    assert parse(text.replace("\n", "\r\n")) == parse(text)
