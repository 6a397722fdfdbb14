"""My progress: a candidate's levels on the common axes over their interviews, time per
phase, and the design-review findings that keep coming back; only what was shared counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from interview import services
from problembank.models import Problem
from reports.progress import candidate_progress
from tests.conftest import client_for

T0 = timezone.now() - timedelta(days=3)


def interview(problem, interviewer, candidate, *, day: int, scores: dict, share: bool, review: bool = False):
    room = services.room_create(problem=problem, interviewer=interviewer)
    room = services.room_join(token=room.invite_token, user=candidate)
    start = T0 + timedelta(days=day)
    services.timer_control(room=room, by=interviewer, action="start", now=start)
    # Served with nothing monitoring it, and a block connected to nothing: two findings.
    services.diagram_import_text(room=room, by=candidate, text="Ranker [ranking]\nNotes", base_version=0)
    services.timer_control(room=room, by=interviewer, action="next_phase", now=start + timedelta(minutes=7))
    services.timer_control(room=room, by=interviewer, action="end", now=start + timedelta(minutes=20))
    for dimension, level in scores.items():
        services.score_set(room=room, by=interviewer, dimension=dimension, level=level)
    if share:
        services.feedback_share(room=room, by=interviewer, shared=True, review=review)
    return room


@pytest.fixture
def history(problem, interviewer, candidate):
    fraud = Problem.objects.get(slug="payment-fraud")
    interview(problem, interviewer, candidate, day=0, scores={"requirements": 2, "data": 2}, share=True, review=True)
    # Payment fraud scores "labels" and "features", both on the data axis.
    interview(
        fraud,
        interviewer,
        candidate,
        day=1,
        scores={"requirements": 3, "labels": 3, "features": 4},
        share=True,
        review=True,
    )
    interview(problem, interviewer, candidate, day=2, scores={"requirements": 4}, share=False)


def test_levels_are_per_common_axis_and_only_from_shared_feedback(history, candidate):
    progress = candidate_progress(candidate)
    assert [i["room"].problem.slug for i in progress["interviews"]] == [
        "video-recommendation",
        "payment-fraud",
        "video-recommendation",
    ]
    assert [i["levels"] for i in progress["interviews"]] == [
        {"requirements": 2, "data": 2},
        {"requirements": 3, "data": 3.5},
        None,
    ]
    first = progress["interviews"][0]
    assert [(p.name, p.planned_minutes, p.actual_minutes, p.overrun) for p in first["phases"]][:2] == [
        ("Requirements", 5, 7.0, True),
        ("Data", 10, 13.0, True),
    ]
    # Twice each; "a ranker with no candidates" only on the ranking problem, so once.
    assert [(item["rule"], item["times"]) for item in progress["recurring"]] == [
        ("isolated-block", 2),
        ("serving-unmonitored", 2),
    ]
    assert progress["recurring"][0]["finding"] == "A block is connected to nothing."
    # The chart: a line per axis with two shared interviews, a point each.
    chart = progress["chart"]
    assert chart.count("<polyline") == 2
    assert chart.count("<circle") == 4
    assert 'data-axis="requirements"' in chart
    assert 'data-axis="data"' in chart
    assert 'data-axis="serving"' not in chart


def test_the_page_shows_the_chart_and_every_interview(history, candidate, interviewer):
    page = client_for(candidate).get("/progress/").content.decode()
    assert "Levels per rubric axis" in page
    assert "<polyline" in page
    assert "Real-time fraud scoring for an online payments provider" in page
    assert page.count("Replay</a>") == 3
    assert "What the design review keeps finding" in page
    # The interviewer of those rooms was no candidate in them.
    assert (
        "Interviews you were the candidate of show here" in client_for(interviewer).get("/progress/").content.decode()
    )
