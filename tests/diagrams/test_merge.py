import random
import re

import pytest

from diagrams import ops
from diagrams.merge import CHOICES, diff, merge, shown_text
from diagrams.text import TextError, format_text, parse
from tests.diagrams.graphs import EXAMPLE, PLACED, hostile_graph, random_edits, random_graph


def labels(graph: dict) -> dict[str, str]:
    return {node["label"]: node["kind"] for node in graph["nodes"]}


def arrows(graph: dict) -> set[tuple[str, str, str]]:
    names = {node["id"]: node["label"] for node in graph["nodes"]}
    return {(names[e["source"]], names[e["target"]], e["label"]) for e in graph["edges"]}


def applied(graph: dict, merged) -> dict:
    """What the merge's ops make of `graph`: the merge's own result, always."""
    result = ops.apply(graph, {"op": "batch", "ops": merged.ops}) if merged.ops else graph
    assert result == merged.graph
    return result


def theirs_after(graph: dict, *changes: dict) -> dict:
    for change in changes:
        graph = ops.apply(graph, change)
    return graph


def test_what_the_other_side_did_meanwhile_survives_the_text():
    text = format_text(EXAMPLE) + "Candidate generation -> Ranker [ranking] : top 500\n"
    theirs = theirs_after(
        EXAMPLE,
        {"op": "add_node", "node": {"id": "cache", "label": "Cache", "kind": "cache"}},
        {"op": "update_node", "id": "n2", "set": {"note": "two-tower"}},
        {"op": "set_direction", "direction": "TB"},
    )
    merged = merge(text, base=EXAMPLE, theirs=theirs)
    result = applied(theirs, merged)
    assert merged.conflicts == []
    assert labels(result) == {
        "Event logs": "stream",
        "Candidate generation": "retrieval",
        "Cache": "cache",
        "Ranker": "ranking",
    }
    assert arrows(result) == {
        ("Event logs", "Candidate generation", "clicks"),
        ("Candidate generation", "Ranker", "top 500"),
    }
    assert result["nodes"][1]["note"] == "two-tower"
    assert result["direction"] == "TB"
    # Only what the text changed is sent: one block and one arrow.
    assert [op["op"] for op in merged.ops] == ["add_node", "add_edge"]


def test_both_changing_one_field_is_a_conflict_until_chosen_and_theirs_stands_meanwhile():
    text = format_text(EXAMPLE).replace("Event logs", "Click stream")
    theirs = theirs_after(EXAMPLE, {"op": "update_node", "id": "n1", "set": {"label": "Impressions"}})
    merged = merge(text, base=EXAMPLE, theirs=theirs)
    assert [c.as_json() for c in merged.conflicts] == [
        {
            "key": "nodes:n1:label",
            "line": 2,
            "about": "node 'Click stream': label",
            "mine": "Click stream",
            "theirs": "Impressions",
            "choice": None,
        }
    ]
    assert labels(applied(theirs, merged))["Impressions"] == "stream"
    for choice, label in (("mine", "Click stream"), ("theirs", "Impressions")):
        chosen = merge(text, base=EXAMPLE, theirs=theirs, choices={"nodes:n1:label": choice})
        # Still met, but settled: nothing waits for a choice.
        assert [(c.key, c.choice) for c in chosen.conflicts] == [("nodes:n1:label", choice)]
        assert chosen.unchosen == []
        result = applied(theirs, chosen)
        # The block keeps its id, its group and its arrow whichever name wins.
        first = result["nodes"][0]
        assert (first["id"], first["label"], first["group"]) == ("n1", label, "offline")
        assert arrows(result) == {(label, "Candidate generation", "clicks")}


def test_different_fields_of_one_block_merge_without_a_question():
    text = format_text(EXAMPLE).replace("Candidate generation [retrieval]", "Candidate generation [vector_index]")
    theirs = theirs_after(EXAMPLE, {"op": "update_node", "id": "n2", "set": {"label": "Retrieval"}})
    merged = merge(text, base=EXAMPLE, theirs=theirs)
    assert merged.conflicts == []
    assert labels(applied(theirs, merged)) == {"Event logs": "stream", "Retrieval": "vector_index"}


def test_a_renamed_line_is_the_same_block_renamed():
    text = format_text(PLACED).replace("Ranker", "Reranker")
    theirs = theirs_after(PLACED, {"op": "update_node", "id": "ranker", "set": {"note": "LightGBM"}})
    result = applied(theirs, merge(text, base=PLACED, theirs=theirs))
    ranker = next(node for node in result["nodes"] if node["id"] == "ranker")
    assert (ranker["label"], ranker["note"]) == ("Reranker", "LightGBM")
    # What was placed beside it keeps its place, and its arrows stay.
    assert [n["place"] for n in result["nodes"]] == [n["place"] for n in PLACED["nodes"]]
    assert ("Event logs", "Reranker", "") in arrows(result)


def test_a_change_to_a_block_the_other_side_removed_asks_whether_to_keep_it():
    text = format_text(EXAMPLE) + "Candidate generation -> Ranker [ranking]\n"
    text = text.replace("Candidate generation [retrieval]", "Candidate generation [vector_index]")
    theirs = theirs_after(EXAMPLE, {"op": "remove_node", "id": "n2"})
    merged = merge(text, base=EXAMPLE, theirs=theirs)
    assert [(c.key, c.line, c.mine, c.theirs) for c in merged.conflicts] == [
        ("keep:nodes:n2", 3, "keep it, with your change", "leave it removed, as the other side did")
    ]
    # Meanwhile it stays removed, and so does the new arrow to it; the new block is added.
    assert labels(applied(theirs, merged)) == {"Event logs": "stream", "Ranker": "ranking"}
    assert arrows(merged.graph) == set()
    kept = applied(theirs, merge(text, base=EXAMPLE, theirs=theirs, choices={"keep:nodes:n2": "mine"}))
    assert labels(kept)["Candidate generation"] == "vector_index"
    assert arrows(kept) == {("Candidate generation", "Ranker", "")}


def test_a_block_kept_by_choice_comes_back_with_the_arrows_the_text_gives_it():
    text = format_text(EXAMPLE).replace("[retrieval]", "[vector_index]").replace(": clicks", ": views")
    theirs = theirs_after(EXAMPLE, {"op": "remove_node", "id": "n2"})
    kept = merge(text, base=EXAMPLE, theirs=theirs, choices={"keep:nodes:n2": "mine"})
    # One question was enough: the arrow it had comes back with it, as the text has it.
    assert kept.unchosen == []
    assert arrows(applied(theirs, kept)) == {("Event logs", "Candidate generation", "views")}


def test_what_the_other_side_removed_and_the_text_left_alone_stays_removed():
    theirs = theirs_after(EXAMPLE, {"op": "remove_node", "id": "n2"})
    merged = merge(format_text(EXAMPLE) + "Cache\n", base=EXAMPLE, theirs=theirs)
    assert merged.conflicts == []
    assert labels(applied(theirs, merged)) == {"Event logs": "stream", "Cache": "generic"}


def test_removing_what_the_other_side_changed_or_connected_asks_first():
    text = "\n".join(line for line in format_text(EXAMPLE).splitlines() if "Candidate" not in line)
    theirs = theirs_after(
        EXAMPLE,
        {"op": "add_node", "node": {"id": "r", "label": "Ranker", "kind": "ranking"}},
        {"op": "add_edge", "edge": {"id": "e2", "source": "n2", "target": "r"}},
    )
    merged = merge(text, base=EXAMPLE, theirs=theirs)
    assert [(c.key, c.line, c.about) for c in merged.conflicts] == [
        ("remove:nodes:n2", None, "node 'Candidate generation'")
    ]
    assert "Candidate generation" in labels(applied(theirs, merged))
    removed = applied(theirs, merge(text, base=EXAMPLE, theirs=theirs, choices={"remove:nodes:n2": "mine"}))
    assert labels(removed) == {"Event logs": "stream", "Ranker": "ranking"}
    # Left alone by the other side, a removal needs no question.
    assert merge(text, base=EXAMPLE, theirs=EXAMPLE).conflicts == []


def test_a_block_both_sides_added_under_one_name_is_one_block():
    text = format_text(EXAMPLE) + "Candidate generation -> Cache [cache]\n"
    theirs = theirs_after(EXAMPLE, {"op": "add_node", "node": {"id": "c9", "label": "Cache", "kind": "cache"}})
    result = applied(theirs, merge(text, base=EXAMPLE, theirs=theirs))
    assert [n["id"] for n in result["nodes"]] == ["n1", "n2", "c9"]
    assert arrows(result) == {("Event logs", "Candidate generation", "clicks"), ("Candidate generation", "Cache", "")}


def test_a_group_renamed_in_the_text_keeps_the_member_the_other_side_put_in_it():
    text = format_text(EXAMPLE).replace("group Offline training: Event logs", "group Offline: Event logs")
    theirs = theirs_after(EXAMPLE, {"op": "update_node", "id": "n2", "set": {"group": "offline"}})
    result = applied(theirs, merge(text, base=EXAMPLE, theirs=theirs))
    assert result["groups"] == [{"id": "offline", "label": "Offline"}]
    assert [n["group"] for n in result["nodes"]] == ["offline", "offline"]


def test_bad_text_is_refused_line_by_line():
    with pytest.raises(TextError, match="line 2: a label is missing"):
        merge("A\nB ->\n", base=EXAMPLE, theirs=EXAMPLE)


@pytest.mark.parametrize("seed", range(8))
def test_the_ops_of_a_diff_make_one_graph_the_other(seed):
    before, after = random_graph(seed, nodes=20, placed=3), random_graph(seed + 100, nodes=20, placed=3)
    result = ops.apply(before, {"op": "batch", "ops": diff(before, after)})
    assert format_text(result) == format_text(after)
    assert sorted(map(repr, result["nodes"])) == sorted(map(repr, after["nodes"]))


@pytest.mark.parametrize("graph", [EXAMPLE, PLACED, hostile_graph(), random_graph(3, nodes=25)])
def test_text_unchanged_on_both_sides_changes_nothing(graph):
    merged = merge(format_text(graph), base=graph, theirs=graph)
    assert (merged.ops, merged.conflicts, merged.graph) == ([], [], graph)


def test_the_text_as_typed_is_kept_while_it_says_what_the_diagram_holds():
    typed = "# the online path\nEvents [stream] -> Ranker [ranking]\n\nRanker -> Cache [cache]\n"
    graph = parse(typed)
    assert shown_text(typed, graph) == typed
    moved_on = ops.apply(graph, {"op": "update_node", "id": "cache", "set": {"kind": "storage"}})
    assert shown_text(typed, moved_on) == format_text(moved_on)


def edited(graph: dict, rng: random.Random, count: int) -> dict:
    """`graph` after `count` random edits of the kinds people make (some do not apply)."""
    for op in random_edits(graph, rng, count):
        graph = ops.apply(graph, op)
    return graph


@pytest.mark.parametrize("seed", range(300))
def test_any_two_sets_of_edits_merge_into_what_the_ops_make(seed):
    rng = random.Random(seed)
    base = random_graph(seed, nodes=rng.randrange(3, 12), groups=rng.randrange(0, 3), placed=rng.randrange(0, 2))
    theirs, text = edited(base, rng, rng.randrange(5)), format_text(edited(base, rng, rng.randrange(5)))
    choices = {}
    while (merged := merge(text, base=base, theirs=theirs, choices=choices)).unchosen:
        choices |= {conflict.key: rng.choice(CHOICES) for conflict in merged.unchosen}
    applied(theirs, merged)
    # Alone, the text gives what it says, whatever it renamed.
    alone = merge(text, base=base, theirs=base)
    assert alone.conflicts == []
    assert said(alone.graph) == said(parse(text))
    # With the text winning every conflict, merging it again (an import sent twice) changes nothing.
    mine = {}
    while (merged := merge(text, base=base, theirs=theirs, choices=mine)).unchosen:
        mine |= dict.fromkeys((conflict.key for conflict in merged.unchosen), "mine")
    again = merge(text, base=base, theirs=merged.graph)
    assert (again.ops, again.conflicts) == ([], [])


def said(graph: dict) -> list[str]:
    """What the text of a graph says, whatever the order and the ids that tell twins apart."""
    return sorted(re.sub(r" \{[^}]*\}", "", line) for line in format_text(graph).splitlines())
