"""Live diagram ops over the room WebSocket: apply, reject, catch up, render, lock."""

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from diagrams import ops
from diagrams.graph import EMPTY
from diagrams.models import DiagramOp
from diagrams.services import MAX_OPS_TO_REPLAY
from interview.broadcast import room_group
from interview.models import Room
from tests.helpers import open_socket, receive_type

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def node(node_id: str, label: str, kind: str = "service") -> dict:
    return {"op": "add_node", "node": {"id": node_id, "label": label, "kind": kind}}


async def receive_types(ws, *kinds: str) -> dict[str, dict]:
    """The next message of each kind, in whatever order they come: an answer sent to one
    socket may overtake a broadcast to the whole room."""
    found = {}
    while found.keys() < set(kinds):
        message = await ws.receive_json_from(timeout=3)
        if message["type"] in kinds:
            found.setdefault(message["type"], message)
    return found


@database_sync_to_async
def stored(room) -> tuple[dict, int, int]:
    diagram = Room.objects.select_related("diagram").get(pk=room.pk).diagram
    return diagram.graph, diagram.version, DiagramOp.objects.filter(diagram=diagram).count()


async def test_interleaved_ops_from_both_sides_converge(joined_room, interviewer, candidate):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, snapshot = await open_socket(joined_room, candidate)
    assert snapshot["room"]["diagram"]["version"] == 0
    # Each side's ops depend only on its own earlier ones: the server may interleave the two
    # streams in any order, and every op must still apply.
    by_candidate = [
        node("logs", "Event logs", "stream"),
        {"op": "add_group", "group": {"id": "offline", "label": "Offline"}},
        {"op": "update_node", "id": "logs", "set": {"group": "offline", "label": "Click logs"}},
        node("train", "Trainer", "training"),
        {"op": "add_edge", "edge": {"id": "e1", "source": "logs", "target": "train", "label": "hourly"}},
    ]
    by_interviewer = [
        node("fs", "Feature store", "feature_store"),
        node("rank", "Ranker", "ranking"),
        {"op": "add_edge", "edge": {"id": "e2", "source": "fs", "target": "rank"}},
        {"op": "set_direction", "direction": "TB"},
    ]
    for i in range(max(len(by_candidate), len(by_interviewer))):
        for ws, ops_list, who in ((ws_c, by_candidate, "c"), (ws_i, by_interviewer, "i")):
            if i < len(ops_list):
                await ws.send_json_to({"type": "diagram.op", "op": ops_list[i], "client_op_id": f"{who}{i}"})
    total = len(by_candidate) + len(by_interviewer)
    for ws in (ws_i, ws_c):
        received = [await receive_type(ws, "diagram.applied") for _ in range(total)]
        assert [m["version"] for m in received] == list(range(1, total + 1))
        # Replaying what the client received, in version order, gives the server's graph.
        replayed = EMPTY
        for message in received:
            replayed = ops.apply(replayed, message["op"])
        assert replayed == (await stored(joined_room))[0]
    graph, version, logged = await stored(joined_room)
    assert (version, logged) == (total, total)
    assert {n["id"]: n["group"] for n in graph["nodes"]} == {"logs": "offline", "train": None, "fs": None, "rank": None}
    assert sorted(e["id"] for e in graph["edges"]) == ["e1", "e2"]
    assert graph["direction"] == "TB"
    for ws in (ws_i, ws_c):
        await ws.disconnect()


async def test_only_the_author_gets_the_inverse_for_undo(joined_room, interviewer, candidate):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    await ws_c.send_json_to({"type": "diagram.op", "op": node("a", "A"), "client_op_id": "mine"})
    mine = await receive_type(ws_c, "diagram.applied")
    theirs = await receive_type(ws_i, "diagram.applied")
    assert mine["inverse"] == {"op": "remove_node", "id": "a"}
    assert mine["author"] == "carl"
    assert "inverse" not in theirs
    await ws_c.send_json_to({"type": "diagram.op", "op": mine["inverse"], "client_op_id": "undo"})
    assert (await receive_type(ws_i, "diagram.applied"))["op"] == {"op": "remove_node", "id": "a"}
    graph, version, _ = await stored(joined_room)
    assert (graph["nodes"], version) == ([], 2)
    for ws in (ws_i, ws_c):
        await ws.disconnect()


@pytest.mark.parametrize(
    ("op", "reason", "conflict"),
    [
        ({"op": "remove_node", "id": "ghost"}, "node 'ghost' no longer exists", True),
        (node("a", "x" * 81), "nodes[1].label: longer than 80 characters", False),
        (node("a", "A", "blender"), "nodes[1].kind: unknown kind 'blender'", False),
        (node("seed", "Twice"), "a node with id 'seed' already exists", True),
        ({"op": "add_edge", "edge": {"id": "e", "source": "seed", "target": "nope"}}, "node 'nope' no longer", True),
        ("add_node", "op: must be an object with a string 'op'", False),
    ],
)
async def test_a_rejected_op_changes_nothing_and_only_the_sender_hears(
    joined_room, interviewer, candidate, op, reason, conflict
):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    await ws_i.send_json_to({"type": "diagram.op", "op": node("seed", "Seed"), "client_op_id": "s"})
    await receive_type(ws_c, "diagram.applied")
    await ws_c.send_json_to({"type": "diagram.op", "op": op, "client_op_id": "bad"})
    rejected = await receive_type(ws_c, "diagram.rejected")
    assert rejected["reason"].startswith(reason)
    assert (rejected["client_op_id"], rejected["conflict"], rejected["version"]) == ("bad", conflict, 1)
    graph, version, logged = await stored(joined_room)
    assert ([n["id"] for n in graph["nodes"]], version, logged) == (["seed"], 1, 1)
    await ws_i.send_json_to({"type": "ping"})
    assert (await ws_i.receive_json_from(timeout=3))["type"] in ("pong", "presence")
    for ws in (ws_i, ws_c):
        await ws.disconnect()


async def test_a_client_that_fell_behind_gets_the_ops_it_missed(joined_room, interviewer, candidate):
    ws_i, _ = await open_socket(joined_room, interviewer)
    for i in range(3):
        await ws_i.send_json_to({"type": "diagram.op", "op": node(f"n{i}", f"N{i}"), "client_op_id": f"c{i}"})
        await receive_type(ws_i, "diagram.applied")
    ws_c, _ = await open_socket(joined_room, candidate)
    await ws_c.send_json_to({"type": "diagram.sync", "since": 1})
    caught_up = await receive_type(ws_c, "diagram.ops")
    assert caught_up["version"] == 3
    assert [(m["version"], m["op"]["node"]["id"], m["author"]) for m in caught_up["ops"]] == [
        (2, "n1", "ines"),
        (3, "n2", "ines"),
    ]
    assert all("inverse" not in m for m in caught_up["ops"])
    await ws_c.send_json_to({"type": "diagram.sync", "since": 99})
    snapshot = await receive_type(ws_c, "diagram.snapshot")
    assert (snapshot["version"], len(snapshot["graph"]["nodes"]), snapshot["locked"]) == (3, 3, False)
    for ws in (ws_i, ws_c):
        await ws.disconnect()


async def test_a_long_gap_is_closed_with_a_snapshot(joined_room, interviewer):
    ws, _ = await open_socket(joined_room, interviewer)
    batch = {"op": "batch", "ops": [node(f"n{i}", "N") for i in range(3)]}
    for i in range(MAX_OPS_TO_REPLAY + 1):
        op = batch if i == 0 else {"op": "update_node", "id": "n0", "set": {"label": f"N{i}"}}
        await ws.send_json_to({"type": "diagram.op", "op": op})
        await receive_type(ws, "diagram.applied")
    await ws.send_json_to({"type": "diagram.sync", "since": 0})
    snapshot = await receive_type(ws, "diagram.snapshot")
    assert snapshot["version"] == MAX_OPS_TO_REPLAY + 1
    assert snapshot["graph"]["nodes"][0]["label"] == f"N{MAX_OPS_TO_REPLAY}"
    await ws.disconnect()


async def test_the_socket_no_longer_draws_the_page_lays_out_its_own(joined_room, candidate):
    # The page lays the diagram out with Graphviz in WebAssembly: a live op costs the server
    # the op alone, never a picture per version.
    ws, _ = await open_socket(joined_room, candidate)
    await ws.send_json_to({"type": "diagram.svg"})
    assert (await receive_type(ws, "error"))["code"] == "unknown_type"
    await ws.disconnect()


async def test_interviewer_lock_makes_the_diagram_read_only_for_the_candidate(joined_room, interviewer, candidate):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    await ws_c.send_json_to({"type": "diagram.lock", "locked": True})
    assert (await receive_type(ws_c, "error"))["message"] == "only the interviewer can lock the diagram"
    await ws_i.send_json_to({"type": "diagram.lock", "locked": True})
    assert await receive_type(ws_c, "diagram.lock") == {"type": "diagram.lock", "locked": True}
    await ws_c.send_json_to({"type": "diagram.op", "op": node("a", "A"), "client_op_id": "c1"})
    assert await receive_type(ws_c, "diagram.rejected") == {
        "type": "diagram.rejected",
        "client_op_id": "c1",
        "reason": "the interviewer has locked the diagram; it is read-only for now",
        "conflict": False,
        "version": 0,
    }
    await ws_i.send_json_to({"type": "diagram.op", "op": node("b", "B")})
    await receive_type(ws_c, "diagram.applied")
    await ws_i.send_json_to({"type": "diagram.lock", "locked": False})
    await receive_type(ws_c, "diagram.lock")
    await ws_c.send_json_to({"type": "diagram.op", "op": node("a", "A")})
    assert (await receive_type(ws_c, "diagram.applied"))["version"] == 2
    for ws in (ws_i, ws_c):
        await ws.disconnect()


async def test_selection_is_shown_to_the_other_side(joined_room, interviewer, candidate):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    await ws_c.send_json_to({"type": "diagram.select", "node_ids": ["rank", "ann"]})
    assert await receive_type(ws_i, "diagram.selection") == {
        "type": "diagram.selection",
        "role": "candidate",
        "username": "carl",
        "node_ids": ["rank", "ann"],
    }
    for ws in (ws_i, ws_c):
        await ws.disconnect()


async def test_following_and_the_view_followed_reach_only_the_other_side(joined_room, interviewer, candidate):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    await ws_i.send_json_to({"type": "diagram.follow", "following": True})
    assert await receive_type(ws_c, "diagram.follow") == {
        "type": "diagram.follow",
        "following": True,
        "role": "interviewer",
        "username": "ines",
    }
    view = {"x": 12.5, "y": 0, "width": 640.25, "height": 480, "scale": 0.9}
    await ws_c.send_json_to({"type": "diagram.view", **view})
    assert await receive_type(ws_i, "diagram.view") == {
        "type": "diagram.view",
        **view,
        "role": "candidate",
        "username": "carl",
    }
    # Neither comes back to its sender: nothing relayed before its own ping's answer.
    for ws, own in ((ws_i, "diagram.follow"), (ws_c, "diagram.view")):
        await ws.send_json_to({"type": "ping"})
        seen = []
        while not seen or seen[-1] != "pong":
            seen.append((await ws.receive_json_from())["type"])
        assert own not in seen
    for ws in (ws_i, ws_c):
        await ws.disconnect()


def applied_event(version: int) -> dict:
    """A diagram broadcast, as services.diagram_applied_event makes them."""
    direction = "LR" if version % 2 else "TB"
    return {
        "type": "room.diagram_applied",
        "version": version,
        "op": {"op": "set_direction", "direction": direction},
        "inverse": {"op": "set_direction", "direction": "TB" if direction == "LR" else "LR"},
        "client_op_id": f"elsewhere-{version}",
        "author": "someone",
    }


async def test_a_broadcast_that_overtook_the_one_before_it_is_sent_after_it(joined_room, interviewer):
    ws, snapshot = await open_socket(joined_room, interviewer)
    assert snapshot["room"]["diagram"]["version"] == 0
    group = room_group(joined_room.pk)
    # Two sockets committed versions 1 and 2 and published them the other way round.
    await get_channel_layer().group_send(group, applied_event(2))
    await get_channel_layer().group_send(group, applied_event(1))
    assert [(await receive_type(ws, "diagram.applied"))["version"] for _ in range(2)] == [1, 2]
    # A version that never comes holds the next for a moment only: the page then sees the gap
    # and asks for what it lacks.
    await get_channel_layer().group_send(group, applied_event(4))
    assert (await receive_type(ws, "diagram.applied"))["version"] == 4
    await get_channel_layer().group_send(group, applied_event(5))
    assert (await receive_type(ws, "diagram.applied"))["version"] == 5
    await ws.disconnect()


async def test_a_second_tab_of_the_same_person_is_not_the_other_side(joined_room, interviewer, candidate):
    first, _ = await open_socket(joined_room, interviewer)
    second, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    await first.send_json_to({"type": "diagram.follow", "following": True})
    await first.send_json_to({"type": "diagram.select", "node_ids": ["rank"]})
    assert (await receive_type(ws_c, "diagram.follow"))["username"] == "ines"
    assert (await receive_type(ws_c, "diagram.selection"))["node_ids"] == ["rank"]
    # The interviewer's other tab neither follows itself nor shows its own selection as remote.
    await second.send_json_to({"type": "ping"})
    seen = []
    while not seen or seen[-1] != "pong":
        seen.append((await second.receive_json_from())["type"])
    assert "diagram.follow" not in seen
    assert "diagram.selection" not in seen
    for ws in (first, second, ws_c):
        await ws.disconnect()


VIEW = {"type": "diagram.view", "x": 0, "y": 0, "width": 400, "height": 300, "scale": 1}


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "diagram.op"}, "op"),
        ({"type": "diagram.follow", "following": "yes"}, "following"),
        ({**VIEW, "x": float("nan")}, "x"),
        ({**VIEW, "y": float("inf")}, "y"),
        ({**VIEW, "y": 1e9}, "y"),
        ({**VIEW, "width": 0}, "width"),
        ({**VIEW, "height": True}, "height"),
        ({**VIEW, "scale": "1"}, "scale"),
        ({key: value for key, value in VIEW.items() if key != "scale"}, "scale"),
        ({"type": "diagram.op", "op": {}, "client_op_id": 5}, "client_op_id"),
        ({"type": "diagram.sync", "since": -1}, "since"),
        ({"type": "diagram.sync", "since": "3"}, "since"),
        ({"type": "diagram.lock", "locked": "yes"}, "locked"),
        ({"type": "diagram.select", "node_ids": "a"}, "node_ids"),
        ({"type": "diagram.import", "text": "A", "base_version": "0"}, "base_version"),
        ({"type": "diagram.import", "text": "A", "base_version": 0, "choices": ["mine"]}, "choices"),
        ({"type": "diagram.import", "text": "A", "base_version": 0, "choices": {"nodes:a:label": "both"}}, "choices"),
        ({"type": "diagram.preview", "text": 5, "base_version": 0}, "text"),
        ({"type": "diagram.preview", "text": "A"}, "base_version"),
    ],
)
async def test_malformed_diagram_messages_name_the_field(joined_room, interviewer, message, field):
    ws, _ = await open_socket(joined_room, interviewer)
    await ws.send_json_to(message)
    error = await receive_type(ws, "error")
    assert (error["code"], error["field"], error["request"]) == ("invalid", field, message["type"])
    await ws.disconnect()


async def test_text_view_round_trip_over_the_socket(joined_room, interviewer, candidate):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    typed = "# the offline part\nEvent logs [stream] -> Trainer [training] : daily\ngroup Offline: Trainer"
    await ws_c.send_json_to({"type": "diagram.import", "text": typed, "base_version": 0, "client_op_id": "t1"})
    applied = await receive_type(ws_i, "diagram.applied")
    assert [op["op"] for op in applied["op"]["ops"]] == ["add_group", "add_node", "add_node", "add_edge"]
    mine = await receive_types(ws_c, "diagram.applied", "diagram.text")
    assert mine["diagram.applied"]["inverse"]["op"] == "batch"  # importing text can be undone
    # The text view keeps the text as typed: it says exactly what the diagram now holds.
    assert mine["diagram.text"] == {
        "type": "diagram.text",
        "version": 1,
        "text": typed,
        "client_op_id": "t1",
    }
    await ws_i.send_json_to({"type": "diagram.text"})
    assert await receive_type(ws_i, "diagram.text") == {
        "type": "diagram.text",
        "version": 1,
        "text": "direction TB\nEvent logs [stream]\nTrainer [training]\ngroup Offline: Trainer\n"
        "Event logs -> Trainer : daily\n",
    }
    await ws_c.send_json_to({"type": "diagram.import", "text": "A [blender]\nB ->", "base_version": 1})
    error = await receive_type(ws_c, "error")
    assert error["field"] == "text"
    assert error["message"].startswith("line 1: unknown kind 'blender'")
    assert error["message"].endswith("\nline 2: a label is missing")
    assert (await stored(joined_room))[1] == 1
    for ws in (ws_i, ws_c):
        await ws.disconnect()


async def test_text_applied_after_the_other_side_changed_the_diagram_merges(joined_room, interviewer, candidate):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    await ws_c.send_json_to({"type": "diagram.op", "op": node("rank", "Ranker", "ranking"), "client_op_id": "c1"})
    await receive_type(ws_i, "diagram.applied")
    # The candidate opens the text at version 1; meanwhile the interviewer adds a block and
    # renames the ranker.
    await ws_i.send_json_to({"type": "diagram.op", "op": node("cache", "Cache", "cache")})
    await ws_i.send_json_to(
        {"type": "diagram.op", "op": {"op": "update_node", "id": "rank", "set": {"label": "Scorer"}}}
    )
    while (await receive_type(ws_c, "diagram.applied"))["version"] < 3:
        pass
    text = "direction TB\nReranker [ranking]\nEvent logs [stream] -> Reranker\n"
    preview = {"type": "diagram.preview", "text": text, "base_version": 1}
    await ws_c.send_json_to(preview)
    shown = await receive_type(ws_c, "diagram.preview")
    conflict = {
        "key": "nodes:rank:label",
        "line": 2,
        "about": "node 'Reranker': label",
        "mine": "Reranker",
        "theirs": "Scorer",
        "choice": None,
    }
    assert shown["conflicts"] == [conflict]
    # Until a side is chosen, theirs stands in the preview; nothing is stored.
    assert [n["label"] for n in shown["graph"]["nodes"]] == ["Scorer", "Cache", "Event logs"]
    assert (await stored(joined_room))[1] == 3
    await ws_c.send_json_to({"type": "diagram.import", "text": text, "base_version": 1, "client_op_id": "t1"})
    asked = await receive_type(ws_c, "diagram.conflicts")
    assert asked == {"type": "diagram.conflicts", "conflicts": [conflict], "version": 3, "client_op_id": "t1"}
    assert (await stored(joined_room))[1] == 3
    choose = {"type": "diagram.import", "text": text, "base_version": 1, "client_op_id": "t2"}
    await ws_c.send_json_to({**choose, "choices": {"nodes:rank:label": "mine"}})
    merged = (await receive_types(ws_c, "diagram.applied", "diagram.text"))["diagram.text"]
    graph, version, _ = await stored(joined_room)
    # The interviewer's cache survives the text, which never had it; the ranker is the same
    # block, renamed as chosen.
    assert [(n["id"], n["label"]) for n in graph["nodes"]] == [
        ("rank", "Reranker"),
        ("cache", "Cache"),
        ("event-logs", "Event logs"),
    ]
    assert version == 4
    # The text view shows the merged diagram, cache included.
    assert (merged["version"], merged["client_op_id"]) == (4, "t2")
    assert "Cache [cache]" in merged["text"]
    for ws in (ws_i, ws_c):
        await ws.disconnect()


async def test_text_from_a_version_that_never_was_is_refused(joined_room, candidate):
    ws, _ = await open_socket(joined_room, candidate)
    for message in (
        {"type": "diagram.import", "text": "A", "base_version": 7, "client_op_id": "t1"},
        {"type": "diagram.preview", "text": "A", "base_version": -1},
    ):
        await ws.send_json_to(message)
        error = await receive_type(ws, "error")
        assert (error["code"], error["field"], error["request"]) == ("conflict", "base_version", message["type"])
        assert "your text is kept" in error["message"]
    assert (await stored(joined_room))[1] == 0
    await ws.disconnect()


async def test_an_op_sent_again_after_a_drop_is_not_applied_twice(joined_room, interviewer, candidate):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    op = {"type": "diagram.op", "op": node("a", "A"), "client_op_id": "tab1-7"}
    await ws_c.send_json_to(op)
    await receive_type(ws_c, "diagram.applied")
    await receive_type(ws_i, "diagram.applied")
    # The ack was lost with the connection; the client sends the same op again.
    await ws_c.send_json_to(op)
    again = await receive_type(ws_c, "diagram.applied")
    assert (again["version"], again["client_op_id"], again["inverse"]) == (
        1,
        "tab1-7",
        {"op": "remove_node", "id": "a"},
    )
    _, version, logged = await stored(joined_room)
    assert (version, logged) == (1, 1)
    await ws_i.send_json_to({"type": "ping"})
    while (message := await ws_i.receive_json_from(timeout=3))["type"] != "pong":
        assert message["type"] != "diagram.applied"
    for ws in (ws_i, ws_c):
        await ws.disconnect()


@pytest.mark.parametrize(
    ("client_op_id", "echoed"),
    [
        ('"half a pair \\ud800"', False),
        ('"nul \\u0000"', False),
        ('"with space"', True),
        ('"' + "x" * 65 + '"', True),
        ('"caf\\u00e9"', True),
        ("[]", False),
    ],
    ids=["lone surrogate", "nul", "space", "65 characters", "not ascii", "not a string"],
)
async def test_a_client_op_id_of_the_wrong_characters_is_refused_naming_it(
    joined_room, candidate, client_op_id, echoed
):
    ws, _ = await open_socket(joined_room, candidate)
    op = '{"op": "add_node", "node": {"id": "a", "label": "A", "kind": "service"}}'
    await ws.send_to(text_data=f'{{"type": "diagram.op", "op": {op}, "client_op_id": {client_op_id}}}')
    error = await receive_type(ws, "error")
    assert (error["code"], error["field"], error["request"]) == ("invalid", "client_op_id", "diagram.op")
    # Echoed for the page to match it, but never as text that is itself broken.
    assert ("client_op_id" in error) is echoed
    await ws.send_json_to({"type": "ping"})
    await receive_type(ws, "pong")
    assert (await stored(joined_room))[1:] == (0, 0)
    await ws.disconnect()


async def test_a_different_op_under_a_used_client_op_id_is_rejected_and_changes_nothing(
    joined_room, interviewer, candidate
):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    await ws_c.send_json_to({"type": "diagram.op", "op": node("a", "A"), "client_op_id": "c-1"})
    await receive_type(ws_c, "diagram.applied")
    await receive_type(ws_i, "diagram.applied")
    await ws_c.send_json_to({"type": "diagram.op", "op": node("b", "B"), "client_op_id": "c-1"})
    rejected = await receive_type(ws_c, "diagram.rejected")
    assert rejected["client_op_id"] == "c-1"
    assert rejected["reason"].startswith("client_op_id 'c-1' already named another op of yours (version 1)")
    graph, version, logged = await stored(joined_room)
    assert ([n["id"] for n in graph["nodes"]], version, logged) == (["a"], 1, 1)
    await ws_i.send_json_to({"type": "ping"})
    while (message := await ws_i.receive_json_from(timeout=3))["type"] != "pong":
        assert message["type"] != "diagram.applied"
    for ws in (ws_i, ws_c):
        await ws.disconnect()


async def test_the_end_of_the_interview_freezes_the_diagram_for_both_until_the_interviewer_unlocks_it(
    joined_room, interviewer, candidate
):
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, _ = await open_socket(joined_room, candidate)
    await ws_i.send_json_to({"type": "timer.control", "action": "end"})
    assert (await receive_type(ws_c, "diagram.lock"))["locked"] is True
    for ws, who in ((ws_i, "i"), (ws_c, "c")):
        await ws.send_json_to({"type": "diagram.op", "op": node(who, who.upper()), "client_op_id": f"{who}-1"})
        # The end's own news may still be on its way to the interviewer's socket.
        rejected = await receive_type(ws, "diagram.rejected", skipping=("timer.state", "diagram.lock"))
        assert rejected["reason"].startswith("the interview has ended and its diagram is frozen")
    assert (await stored(joined_room))[1] == 0
    await ws_i.send_json_to({"type": "diagram.lock", "locked": False})
    await receive_type(ws_c, "diagram.lock")
    await ws_c.send_json_to({"type": "diagram.op", "op": node("c", "C"), "client_op_id": "c-2"})
    assert (await receive_type(ws_c, "diagram.applied"))["version"] == 1
    for ws in (ws_i, ws_c):
        await ws.disconnect()
