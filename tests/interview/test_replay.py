"""The session's replay: its time line from the op log, the timer and the twists, and the
diagram at any version, sought from snapshots; who may replay when."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Forbidden, Invalid
from diagrams import ops
from diagrams.graph import EMPTY
from diagrams.models import DiagramOp, DiagramSnapshot
from diagrams.services import SNAPSHOT_EVERY, diagram_replayed_to
from interview import services
from interview.replay import room_replay, room_replay_at
from tests.helpers import api_for

T0 = timezone.now() - timedelta(hours=1)


def add(room, user, node_id: str, label: str, at) -> None:
    node = {"id": node_id, "label": label, "kind": "service"}
    applied, _ = services.diagram_op_apply(room=room, by=user, op={"op": "add_node", "node": node})
    DiagramOp.objects.filter(pk=applied.pk).update(at=at)


def test_the_time_line_holds_the_phases_the_twists_and_every_change_with_its_author(
    joined_room, interviewer, candidate
):
    room = joined_room
    services.timer_control(room=room, by=interviewer, action="start", now=T0)
    add(room, candidate, "a", "Event logs", T0 + timedelta(minutes=2))
    services.timer_control(room=room, by=interviewer, action="next_phase", now=T0 + timedelta(minutes=5))
    add(room, interviewer, "b", "Ranker", T0 + timedelta(minutes=7))
    twist = room.problem.twists[0]
    services.twist_reveal(room=room, by=interviewer, key=twist["key"], now=T0 + timedelta(minutes=8))
    services.timer_control(room=room, by=interviewer, action="end", now=T0 + timedelta(minutes=20))
    room.refresh_from_db()
    replay = room_replay(room=room, by=candidate)
    assert replay["duration"] == 1200
    assert replay["phases"] == [
        {"name": "Requirements", "start": 0, "end": 300},
        {"name": "Data", "start": 300, "end": 1200},
    ]
    assert replay["twists"] == [{"key": twist["key"], "title": twist["title"], "at": 480, "phase": "Data"}]
    assert replay["ops"] == [
        {"version": 1, "at": 120, "author": "carl", "summary": "add node Event logs"},
        {"version": 2, "at": 420, "author": "ines", "summary": "add node Ranker"},
    ]
    assert room_replay_at(room=room, by=candidate, version=1)["graph"]["nodes"][0]["label"] == "Event logs"
    assert room_replay_at(room=room, by=candidate, version=0)["graph"] == ops.replay(EMPTY, ())


def test_notes_saves_are_marked_by_bursts_of_typing_and_private_ones_for_the_interviewer_alone(
    joined_room, interviewer, candidate, time_machine
):
    room = joined_room
    time_machine.move_to(T0, tick=False)
    services.timer_control(room=room, by=interviewer, action="start", now=T0)
    for seconds in (60, 75, 200):
        time_machine.move_to(T0 + timedelta(seconds=seconds), tick=False)
        services.note_save(room=room, by=candidate, kind="candidate", text=f"at {seconds}")
    time_machine.move_to(T0 + timedelta(seconds=90), tick=False)
    services.note_save(room=room, by=interviewer, kind="interviewer", text="private")
    time_machine.move_to(T0 + timedelta(seconds=300), tick=False)
    services.timer_control(room=room, by=interviewer, action="end", now=T0 + timedelta(seconds=300))
    room.refresh_from_db()
    assert room_replay(room=room, by=interviewer)["notes"] == [
        {"kind": "candidate", "at": 75},
        {"kind": "interviewer", "at": 90},
        {"kind": "candidate", "at": 200},
    ]
    assert room_replay(room=room, by=candidate)["notes"] == [
        {"kind": "candidate", "at": 75},
        {"kind": "candidate", "at": 200},
    ]


def test_seeking_plays_forward_from_the_nearest_snapshot(joined_room, candidate, django_assert_max_num_queries):
    room = joined_room
    versions = 2 * SNAPSHOT_EVERY + 50
    expected = [ops.replay(EMPTY, ())]
    for number in range(versions):
        # Blocks come and go, so that a wrong starting point shows.
        if number % 3 == 2:
            op = {"op": "remove_node", "id": f"n{number - 1}"}
        else:
            op = {"op": "add_node", "node": {"id": f"n{number}", "label": f"Block {number}", "kind": "storage"}}
        services.diagram_op_apply(room=room, by=candidate, op=op)
        expected.append(ops.apply(expected[-1], op))
    room.refresh_from_db()
    # Every SNAPSHOT_EVERY-th op stored one as it was applied...
    stored = list(DiagramSnapshot.objects.order_by("version").values_list("version", "graph"))
    assert stored == [(SNAPSHOT_EVERY, expected[SNAPSHOT_EVERY]), (2 * SNAPSHOT_EVERY, expected[2 * SNAPSHOT_EVERY])]
    for version in (versions, 37, SNAPSHOT_EVERY, SNAPSHOT_EVERY + 1, 2 * SNAPSHOT_EVERY + 7, 0):
        assert diagram_replayed_to(diagram=room.diagram, version=version) == expected[version], version
    # ... and one lost is stored again by the first seek that passes it.
    DiagramSnapshot.objects.all().delete()
    assert diagram_replayed_to(diagram=room.diagram, version=2 * SNAPSHOT_EVERY + 7) == expected[2 * SNAPSHOT_EVERY + 7]
    assert sorted(DiagramSnapshot.objects.values_list("version", flat=True)) == [SNAPSHOT_EVERY, 2 * SNAPSHOT_EVERY]
    # Now any seek is one snapshot and at most SNAPSHOT_EVERY ops: two queries.
    with django_assert_max_num_queries(2):
        assert diagram_replayed_to(diagram=room.diagram, version=versions - 1) == expected[versions - 1]
    assert room.diagram.graph == expected[versions]


def test_the_candidate_replays_only_once_the_interview_ends(joined_room, interviewer, candidate, stranger):
    url = f"/api/rooms/{joined_room.pk}/replay/"
    assert api_for(interviewer).get(url).status_code == 200
    refused = api_for(candidate).get(url)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "the replay opens to you when the interview ends"
    assert api_for(stranger).get(url).status_code == 404
    with pytest.raises(Forbidden):
        room_replay_at(room=joined_room, by=candidate, version=0)
    services.timer_control(room=joined_room, by=interviewer, action="end")
    assert api_for(candidate).get(url).status_code == 200
    assert api_for(candidate).get(f"{url}diagram/?version=0").json()["version"] == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("version=abc", "must be a whole number"),
        ("version=-1", "must be a whole number"),
        ("version=4", "must be a version from 0 to 1"),
        ("version=%D9%A3", "must be a whole number"),
        ("", "must be a whole number"),
    ],
)
def test_a_bad_version_is_a_400_naming_it(joined_room, interviewer, candidate, query, message):
    add(joined_room, candidate, "a", "Events", timezone.now())
    answer = api_for(interviewer).get(f"/api/rooms/{joined_room.pk}/replay/diagram/?{query}")
    assert answer.status_code == 400
    assert answer.json()["version"] == [message]
    with pytest.raises(Invalid):
        room_replay_at(room=joined_room, by=interviewer, version="1")
