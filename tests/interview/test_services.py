import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core import statements
from core.errors import Conflict, Forbidden, Invalid, InviteInvalid, SeatTaken
from core.statements import database_sync_to_async
from diagrams.models import Diagram, DiagramOp
from interview import services
from interview.models import (
    PRESENCE_STALE_SECONDS,
    NoteKind,
    Role,
    Room,
    RoomConnection,
    RoomNote,
    RoomState,
    TimerEvent,
)
from interview.selectors import room_seats

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_new_room_copies_the_problem_phases_and_waits(room, problem, interviewer):
    assert room.phases == problem.phases
    assert room.state == RoomState.WAITING
    assert room.candidate is None
    assert room.invite_token
    assert len(room.invite_token) >= 32


def test_candidate_joins_with_the_invite_token(room, candidate):
    joined = services.room_join(token=room.invite_token, user=candidate)
    assert joined.candidate == candidate
    assert Room.objects.for_user(candidate).get() == room


def test_second_user_finds_the_seat_taken(joined_room, stranger):
    with pytest.raises(SeatTaken, match="already joined"):
        services.room_join(token=joined_room.invite_token, user=stranger)
    joined_room.refresh_from_db()
    assert joined_room.candidate.username == "carl"


def test_joining_again_as_the_candidate_is_harmless(joined_room, candidate):
    assert services.room_join(token=joined_room.invite_token, user=candidate).candidate == candidate


def test_interviewer_opening_own_link_does_not_take_the_seat(room, interviewer):
    services.room_join(token=room.invite_token, user=interviewer)
    room.refresh_from_db()
    assert room.candidate is None


def test_reissued_invite_replaces_the_old_link(room, interviewer, candidate):
    old = room.invite_token
    services.room_invite_reissue(room=room, by=interviewer)
    with pytest.raises(InviteInvalid):
        services.room_join(token=old, user=candidate)
    room.refresh_from_db()
    assert services.room_join(token=room.invite_token, user=candidate).candidate == candidate


def test_only_the_interviewer_reissues_or_removes(joined_room, candidate):
    with pytest.raises(Forbidden):
        services.room_invite_reissue(room=joined_room, by=candidate)
    with pytest.raises(Forbidden):
        services.room_candidate_remove(room=joined_room, by=candidate)


def test_removing_the_candidate_frees_the_seat_for_a_new_link(joined_room, interviewer, stranger):
    old = joined_room.invite_token
    room = services.room_candidate_remove(room=joined_room, by=interviewer)
    assert room.candidate is None
    assert room.invite_token != old
    assert services.room_join(token=room.invite_token, user=stranger).candidate == stranger


def test_ended_room_cannot_be_joined(room, interviewer, candidate):
    services.timer_control(room=room, by=interviewer, action="end")
    with pytest.raises(InviteInvalid, match="ended"):
        services.room_join(token=room.invite_token, user=candidate)


def test_every_timer_action_is_logged_with_its_phase(joined_room, interviewer):
    for seconds, action in [(0, "start"), (60, "pause"), (90, "resume"), (120, "next_phase"), (200, "end")]:
        services.timer_control(room=joined_room, by=interviewer, action=action, now=T0 + timedelta(seconds=seconds))
    events = list(TimerEvent.objects.filter(room=joined_room).values_list("kind", "phase_index", "by__username"))
    assert events == [
        ("start", 0, "ines"),
        ("pause", 0, "ines"),
        ("resume", 0, "ines"),
        ("next_phase", 1, "ines"),
        ("end", 1, "ines"),
    ]
    room = Room.objects.get(pk=joined_room.pk)
    assert room.state == RoomState.ENDED
    assert room.started_at == T0
    assert room.ended_at == T0 + timedelta(seconds=200)
    assert room.timer.total_elapsed_at(T0 + timedelta(hours=1)) == 170


def test_candidate_cannot_control_the_timer(joined_room, candidate):
    with pytest.raises(Forbidden, match="only the interviewer can control the timer"):
        services.timer_control(room=joined_room, by=candidate, action="start")
    assert not TimerEvent.objects.exists()


def test_timer_state_survives_a_reload_from_the_database(joined_room, interviewer):
    services.timer_control(room=joined_room, by=interviewer, action="start", now=T0)
    services.timer_control(room=joined_room, by=interviewer, action="pause", now=T0 + timedelta(seconds=30))
    timer = Room.objects.get(pk=joined_room.pk).timer
    assert timer.status == "paused"
    assert timer.remaining_at(T0 + timedelta(hours=2)) == 270


def test_bad_timer_action_names_the_field(joined_room, interviewer):
    with pytest.raises(Invalid) as error:
        services.timer_control(room=joined_room, by=interviewer, action="pause")
    assert error.value.field == "action"
    assert "cannot pause: the timer is not started" in error.value.message


def test_phases_editable_until_start(room, interviewer):
    services.room_phases_set(room=room, by=interviewer, phases=[{"name": "Warm-up", "minutes": 3}])
    room.refresh_from_db()
    assert room.phases == [{"name": "Warm-up", "minutes": 3}]
    services.timer_control(room=room, by=interviewer, action="start")
    with pytest.raises(Invalid, match="before the timer starts"):
        services.room_phases_set(room=room, by=interviewer, phases=[{"name": "Late", "minutes": 3}])


def test_bad_phases_are_refused_with_the_item_named(room, interviewer):
    with pytest.raises(Invalid, match=r"phases\[0\].minutes") as error:
        services.room_phases_set(room=room, by=interviewer, phases=[{"name": "Data", "minutes": -1}])
    assert error.value.field == "phases"


def test_notes_are_written_by_their_owner_only(joined_room, interviewer, candidate):
    services.note_save(room=joined_room, by=candidate, kind="candidate", text="QPS ~ 75k peak")
    services.note_save(room=joined_room, by=interviewer, kind="interviewer", text="good framing")
    with pytest.raises(Forbidden):
        services.note_save(room=joined_room, by=interviewer, kind="candidate", text="edited")
    with pytest.raises(Forbidden):
        services.note_save(room=joined_room, by=candidate, kind="interviewer", text="peek")
    notes = dict(RoomNote.objects.values_list("kind", "text"))
    assert notes == {NoteKind.CANDIDATE: "QPS ~ 75k peak", NoteKind.INTERVIEWER: "good framing"}


def test_overlong_notes_are_refused_and_the_saved_text_kept(joined_room, candidate):
    services.note_save(room=joined_room, by=candidate, kind="candidate", text="kept")
    with pytest.raises(Invalid, match="longer than 20000 characters") as error:
        services.note_save(room=joined_room, by=candidate, kind="candidate", text="x" * 20_001)
    assert error.value.field == "text"
    assert RoomNote.objects.get().text == "kept"


def test_stranger_sees_no_rooms(joined_room, stranger):
    assert not Room.objects.for_user(stranger).exists()


def test_connecting_clears_rows_a_crashed_process_left(joined_room, interviewer, candidate):
    stale = timezone.now() - timedelta(seconds=PRESENCE_STALE_SECONDS + 1)
    RoomConnection.objects.create(room=joined_room, user=candidate, channel_name="dead", last_seen=stale)
    services.presence_connect(room=joined_room, user=interviewer, channel_name="fresh")
    assert list(RoomConnection.objects.values_list("channel_name", flat=True)) == ["fresh"]


def test_heartbeat_presence_is_one_write_and_one_read(joined_room, interviewer, candidate, django_assert_num_queries):
    now = timezone.now()
    RoomConnection.objects.create(
        room=joined_room, user=candidate, channel_name="c", last_seen=now - timedelta(hours=1)
    )
    with django_assert_num_queries(2):
        statements.run(services.presence_touch_statements(channel_name="c", now=now))
        seats = room_seats(joined_room.pk, now=now)
    assert [(s.role, s.user_id, s.username, s.connected) for s in seats] == [
        (Role.INTERVIEWER, interviewer.pk, "ines", False),
        (Role.CANDIDATE, candidate.pk, "carl", True),
    ]
    assert room_seats(joined_room.pk, now=now + timedelta(seconds=PRESENCE_STALE_SECONDS + 1))[1].connected is False


def test_an_empty_seat_and_a_missing_room_read_as_such(room, interviewer):
    seats = room_seats(room.pk, now=timezone.now())
    assert [(s.role, s.user_id, s.username, s.connected) for s in seats] == [
        (Role.INTERVIEWER, interviewer.pk, "ines", False),
        (Role.CANDIDATE, None, None, False),
    ]
    assert room_seats(uuid.uuid4(), now=timezone.now()) is None


def test_an_op_is_one_read_and_one_conditional_write(joined_room, candidate, django_assert_num_queries):
    node = {"id": "a", "label": "A", "kind": "service"}
    services.diagram_op_apply(room=joined_room, by=candidate, op={"op": "add_node", "node": node}, client_op_id="1")
    # The seat, the lock flag, the graph and an earlier copy of the op come in one read; then
    # the diagram is updated and the op logged, in one statement on PostgreSQL (two on SQLite,
    # which has no writes in WITH), inside the savepoint of the test's own transaction.
    with django_assert_num_queries(4 if connection.vendor == "postgresql" else 5):
        applied, new = services.diagram_op_apply(
            room=joined_room,
            by=candidate,
            op={"op": "update_node", "id": "a", "set": {"label": "B"}},
            client_op_id="2",
        )
    assert (new, applied.version) == (True, 2)
    assert applied.pk == DiagramOp.objects.get(client_op_id="2").pk
    assert applied.inverse == {"op": "update_node", "id": "a", "set": {"label": "A"}}
    joined_room.diagram.refresh_from_db()
    assert joined_room.diagram.version == 2
    assert joined_room.diagram.graph["nodes"][0]["label"] == "B"
    # A resend is found by that same read and acknowledged, not applied again.
    again, new = services.diagram_op_apply(
        room=joined_room, by=candidate, op={"op": "update_node", "id": "a", "set": {"label": "B"}}, client_op_id="2"
    )
    assert (again.pk, again.version, new) == (applied.pk, 2, False)
    assert joined_room.diagram.ops.count() == 2


def test_a_different_op_under_a_client_op_id_already_used_is_refused_not_taken_for_the_first(joined_room, candidate):
    node = {"id": "a", "label": "A", "kind": "service"}
    services.diagram_op_apply(room=joined_room, by=candidate, op={"op": "add_node", "node": node}, client_op_id="c1")
    other = {"op": "update_node", "id": "a", "set": {"label": "Renamed"}}
    with pytest.raises(Conflict, match="client_op_id 'c1' already named another op of yours"):
        services.diagram_op_apply(room=joined_room, by=candidate, op=other, client_op_id="c1")
    joined_room.diagram.refresh_from_db()
    assert (joined_room.diagram.version, joined_room.diagram.graph["nodes"][0]["label"]) == (1, "A")


def _run_with_a_change_before_each_write(op_statements, change):
    """Run an op's statements as statements.run does, but let `change` commit something else
    between the op's read and its write, as another participant's op can."""
    with connection.cursor() as cursor:
        row = None
        try:
            while True:
                statement = op_statements.send(row)
                if statement is statements.TRANSACTION:
                    continue
                if statement.sql.startswith(("WITH", "UPDATE")):
                    change()
                cursor.execute(statement.sql, statement.params)
                row = cursor.fetchone() if statement.fetch else None
        except StopIteration as done:
            return done.value


def _add_node(room, by, node_id):
    node = {"id": node_id, "label": node_id.upper(), "kind": "service"}
    return services.diagram_op_apply(room=room, by=by, op={"op": "add_node", "node": node}, client_op_id=node_id)


def _graph_labels(room):
    room.diagram.refresh_from_db()
    return {node["id"]: node["label"] for node in room.diagram.graph["nodes"]}


def test_an_op_whose_graph_changed_after_its_read_is_applied_to_the_new_graph(joined_room, interviewer, candidate):
    _add_node(joined_room, candidate, "a")
    changes = iter([lambda: _add_node(joined_room, interviewer, "b")])
    applied, new = _run_with_a_change_before_each_write(
        services.diagram_op_statements(
            room_id=joined_room.pk,
            by=candidate,
            op={"op": "update_node", "id": "a", "set": {"label": "Ranker"}},
            client_op_id="2",
        ),
        lambda: next(changes, lambda: None)(),
    )
    # Written over the graph it read, the op would have erased the interviewer's node.
    assert (new, applied.version) == (True, 3)
    assert _graph_labels(joined_room) == {"a": "Ranker", "b": "B"}
    assert list(joined_room.diagram.ops.values_list("version", "client_op_id")) == [(1, "a"), (2, "b"), (3, "2")]


def test_a_lock_set_between_read_and_write_refuses_the_candidates_op(joined_room, interviewer, candidate):
    _add_node(joined_room, candidate, "a")
    with pytest.raises(Forbidden, match="locked"):
        _run_with_a_change_before_each_write(
            services.diagram_op_statements(
                room_id=joined_room.pk,
                by=candidate,
                op={"op": "update_node", "id": "a", "set": {"label": "X"}},
                client_op_id="2",
            ),
            lambda: services.diagram_lock_set(room=joined_room, by=interviewer, locked=True),
        )
    assert _graph_labels(joined_room) == {"a": "A"}
    assert joined_room.diagram.version == 1


def test_two_copies_of_an_op_racing_in_apply_it_once(joined_room, candidate):
    op = {"op": "add_node", "node": {"id": "a", "label": "A", "kind": "service"}}
    first = []
    again, new = _run_with_a_change_before_each_write(
        services.diagram_op_statements(room_id=joined_room.pk, by=candidate, op=op, client_op_id="same"),
        lambda: (
            first or first.append(services.diagram_op_apply(room=joined_room, by=candidate, op=op, client_op_id="same"))
        ),
    )
    assert (again.pk, again.version, new) == (first[0][0].pk, 1, False)
    assert joined_room.diagram.ops.count() == 1


def test_an_op_that_loses_the_race_twice_is_applied_under_the_row_lock(joined_room, interviewer, candidate):
    # Another participant's op lands between this op's read and its write, twice; the third
    # read takes the row lock, so nothing can land in between any more.
    changes = iter([lambda: _add_node(joined_room, interviewer, "b"), lambda: _add_node(joined_room, interviewer, "c")])
    applied, new = _run_with_a_change_before_each_write(
        services.diagram_op_statements(
            room_id=joined_room.pk,
            by=candidate,
            op={"op": "add_node", "node": {"id": "a", "label": "A", "kind": "service"}},
            client_op_id="mine",
        ),
        lambda: next(changes, lambda: None)(),
    )
    assert (new, applied.version) == (True, 3)
    assert _graph_labels(joined_room) == {"b": "B", "c": "C", "a": "A"}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_ops_racing_on_the_servers_pool_all_apply_once_in_order(joined_room, interviewer, candidate):
    """Three sockets (the candidate in two tabs) each send ops one after another, as a consumer
    does, all at once on the event loop's pool: every op applies exactly once."""
    if not statements.async_available():
        pytest.skip("the event loop's pool is PostgreSQL's")

    async def socket(user, tab):
        for number in range(15):
            op_id = f"{user.username}-{tab}-{number}"
            node = {"id": op_id, "label": op_id, "kind": "service"}
            await statements.run_now(
                services.diagram_op_statements(
                    room_id=joined_room.pk, by=user, op={"op": "add_node", "node": node}, client_op_id=op_id
                )
            )

    # Every socket runs to its end before anything is asserted: one left holding a row lock
    # would block the test database's teardown.
    outcomes = await asyncio.gather(
        socket(interviewer, 1), socket(candidate, 1), socket(candidate, 2), return_exceptions=True
    )
    assert outcomes == [None, None, None]
    diagram, logged = await database_sync_to_async(_diagram_and_log)(joined_room)
    assert logged == list(range(1, 46))
    assert diagram.version == 45
    assert len(diagram.graph["nodes"]) == 45


def _diagram_and_log(room):
    return Diagram.objects.get(pk=room.diagram_id), list(room.diagram.ops.values_list("version", flat=True))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_pooled_connection_that_died_while_idle_is_replaced_before_use(joined_room, candidate, monkeypatch):
    if not statements.async_available():
        pytest.skip("the event loop's pool is PostgreSQL's")

    async def add(node_id):
        node = {"id": node_id, "label": node_id, "kind": "service"}
        op = services.diagram_op_statements(
            room_id=joined_room.pk, by=candidate, op={"op": "add_node", "node": node}, client_op_id=node_id
        )
        return await statements.run_now(op)

    await add("before")
    # The database restarts while the pool sits idle: every connection it had is gone.
    await database_sync_to_async(_end_the_pools_sessions)()
    monkeypatch.setattr(statements, "IDLE_CHECK_SECONDS", 0.0)
    applied, new = await add("after")
    assert (applied.version, new) == (2, True)


def _end_the_pools_sessions():
    # Only this test database's: the other test processes' pools (their consumers, their
    # servers) are on databases of their own, and must not lose theirs mid-test.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            [statements.POOL_APPLICATION_NAME],
        )
        assert cursor.rowcount >= 1
