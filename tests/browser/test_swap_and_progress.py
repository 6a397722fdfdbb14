"""Swapping roles at the end, from both pages, and a candidate's progress chart."""

import pytest
from playwright.sync_api import expect

from interview import services
from tests.browser.conftest import off_the_loop
from tests.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_candidate_swaps_roles_and_the_interviewer_follows(open_room, live_room, interviewer, candidate):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    expect(carl.get_by_role("button", name="Swap roles")).to_be_hidden()
    ines.get_by_role("button", name="End").click()
    carl.get_by_role("button", name="Swap roles").click()
    # Carl interviews now, on another problem, with Ines in the candidate seat.
    expect(carl.locator(".role-badge")).to_have_text("Interviewer")
    expect(carl.locator(".toast", has_text="Roles swapped: you interview this time")).to_be_visible()
    expect(carl.locator("#candidate-seat")).to_have_text("Candidate: ines")
    assert carl.locator("h1").inner_text() != live_room.problem.title
    expect(ines.locator(".toast", has_text="Roles swapped: a new interview on")).to_be_visible()
    ines.get_by_role("link", name="Open the swapped room").click()
    expect(ines.locator(".role-badge")).to_have_text("Candidate")
    expect(ines.locator("#conn-state")).to_have_text("Live")


def test_the_progress_chart_shows_each_axis_over_the_interviews(new_context, app_url, problem, interviewer, candidate):
    def history():
        for levels in ({"requirements": 2, "data": 1}, {"requirements": 3, "data": 3}):
            room = services.room_create(problem=problem, interviewer=interviewer)
            room = services.room_join(token=room.invite_token, user=candidate)
            services.timer_control(room=room, by=interviewer, action="start")
            services.timer_control(room=room, by=interviewer, action="end")
            for dimension, level in levels.items():
                services.score_set(room=room, by=interviewer, dimension=dimension, level=level)
            services.feedback_share(room=room, by=interviewer, shared=True)

    off_the_loop(history)
    context = new_context()
    context.add_cookies([{"name": "sessionid", "value": off_the_loop(session_cookie, candidate), "url": app_url}])
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name="My progress").click()
    chart = page.get_by_role("img", name="Levels per rubric axis, interview by interview")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(2)
    expect(chart.locator("[data-axis]")).to_have_text(["Requirements", "Data"])
    expect(page.locator(".progress-levels tr").nth(2)).to_contain_text("3")
    expect(page.get_by_role("link", name="Replay")).to_have_count(2)
