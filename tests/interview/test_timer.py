from datetime import UTC, datetime, timedelta

import pytest

from interview.timer import TimerError, TimerState
from problembank.phases import DEFAULT_PHASES, Phase, parse_phases

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PHASES = parse_phases(list(DEFAULT_PHASES))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_default_phases_are_the_answer_framework():
    assert (
        Phase("Requirements", 5),
        Phase("Data", 10),
        Phase("Modeling & scaling", 15),
        Phase("Monitoring", 5),
    ) == PHASES
    assert sum(p.minutes for p in PHASES) == 35


def test_running_timer_counts_down_from_server_time():
    timer = TimerState(PHASES).apply("start", at(0))
    assert timer.remaining_at(at(90)) == 5 * 60 - 90
    assert timer.total_elapsed_at(at(90)) == 90


def test_pause_freezes_and_resume_continues():
    timer = TimerState(PHASES).apply("start", at(0)).apply("pause", at(100))
    assert timer.status == "paused"
    assert timer.remaining_at(at(1000)) == 200
    timer = timer.apply("resume", at(1000))
    assert timer.remaining_at(at(1050)) == 150
    assert timer.total_elapsed_at(at(1050)) == 150


def test_overrun_is_counted_not_blocked():
    timer = TimerState(PHASES).apply("start", at(0))
    assert timer.remaining_at(at(5 * 60 + 42)) == -42


def test_next_phase_resets_phase_time_but_keeps_total():
    timer = TimerState(PHASES).apply("start", at(0)).apply("next_phase", at(400))
    assert timer.phase == Phase("Data", 10)
    assert timer.remaining_at(at(460)) == 10 * 60 - 60
    assert timer.total_elapsed_at(at(460)) == 460


def test_next_phase_while_paused_stays_paused():
    timer = TimerState(PHASES).apply("start", at(0)).apply("pause", at(10)).apply("next_phase", at(50))
    assert timer.status == "paused"
    assert timer.phase_elapsed_at(at(500)) == 0
    assert timer.total_elapsed_at(at(500)) == 10


def test_last_phase_cannot_advance():
    timer = TimerState(PHASES).apply("start", at(0))
    for i in range(3):
        timer = timer.apply("next_phase", at(i + 1))
    with pytest.raises(TimerError, match="last phase"):
        timer.apply("next_phase", at(10))


def test_end_banks_the_time_and_stops():
    timer = TimerState(PHASES).apply("start", at(0)).apply("end", at(300))
    assert timer.status == "ended"
    assert timer.total_elapsed_at(at(9999)) == 300


@pytest.mark.parametrize(
    ("actions", "action", "message"),
    [
        ([], "pause", "cannot pause: the timer is not started"),
        ([], "resume", "cannot resume: the timer is not started"),
        (["start"], "start", "cannot start: the timer is running"),
        (["start", "end"], "resume", "cannot resume: the timer is ended"),
        (["start", "end"], "end", "cannot end: the timer is ended"),
        ([], "rewind", "unknown timer action 'rewind'"),
    ],
)
def test_actions_that_do_not_apply_are_refused(actions, action, message):
    timer = TimerState(PHASES)
    for step in actions:
        timer = timer.apply(step, at(0))
    with pytest.raises(TimerError, match=message):
        timer.apply(action, at(1))


def test_every_change_bumps_the_revision():
    timer = TimerState(PHASES)
    assert timer.revision == 0
    timer = timer.apply("start", at(0)).apply("pause", at(1))
    assert timer.revision == 2
    assert timer.as_dict()["revision"] == 2


def test_timer_actions_match_the_logged_event_kinds():
    from interview.models import TimerEvent
    from interview.timer import ACTIONS

    assert set(ACTIONS) == set(TimerEvent.Kind.values)


def test_as_dict_gives_clients_server_milliseconds():
    timer = TimerState(PHASES).apply("start", at(0))
    data = timer.as_dict()
    assert data["status"] == "running"
    assert data["running_since"] == round(T0.timestamp() * 1000)
    assert data["phases"][0] == {"name": "Requirements", "minutes": 5}
    assert TimerState(PHASES).apply("start", at(0)).apply("pause", at(2)).as_dict()["running_since"] is None


@pytest.mark.parametrize(
    ("phases", "message"),
    [
        ([], "phases: must be a non-empty list"),
        ("Requirements", "phases: must be a non-empty list"),
        ([{"name": "A", "minutes": 5}] * 11, "phases: at most 10 phases"),
        ([{"name": "", "minutes": 5}], r"phases\[0\].name: must be a non-empty string"),
        ([{"name": "x" * 41, "minutes": 5}], r"phases\[0\].name: longer than 40 characters"),
        ([{"name": "A", "minutes": 0}], r"phases\[0\].minutes: must be between 1 and 180"),
        ([{"name": "A", "minutes": "5"}], r"phases\[0\].minutes: must be a whole number"),
        ([{"name": "A", "minutes": True}], r"phases\[0\].minutes: must be a whole number"),
        ([{"name": "A"}], r"phases\[0\]: must be an object with exactly name and minutes"),
        ([{"name": "A\x00", "minutes": 5}], r"phases\[0\].name: must not contain NUL"),
    ],
)
def test_bad_phases_name_the_field(phases, message):
    with pytest.raises(ValueError, match=message):
        parse_phases(phases)
