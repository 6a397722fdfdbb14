"""The replay page: the session on a scrubber, the diagram drawn as it stood at the moment
picked, op by op from the keyboard, from a link to a moment, and played back."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from diagrams.models import DiagramOp
from interview import services
from tests.browser.conftest import off_the_loop
from tests.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def recorded(room, interviewer, candidate) -> None:
    """A 20-minute session: two phases, a block at minute 2 by the candidate and one at
    minute 7 by the interviewer, a twist at minute 8."""

    def record():
        t0 = timezone.now() - timedelta(hours=1)
        services.timer_control(room=room, by=interviewer, action="start", now=t0)
        for minute, by, node in ((2, candidate, ("a", "Event logs")), (7, interviewer, ("b", "Ranker"))):
            op = {"op": "add_node", "node": {"id": node[0], "label": node[1], "kind": "service"}}
            applied, _ = services.diagram_op_apply(room=room, by=by, op=op)
            DiagramOp.objects.filter(pk=applied.pk).update(at=t0 + timedelta(minutes=minute))
        services.timer_control(room=room, by=interviewer, action="next_phase", now=t0 + timedelta(minutes=5))
        services.note_save(room=room, by=candidate, kind="candidate", text="QPS 75k")
        twist = room.problem.twists[0]["key"]
        services.twist_reveal(room=room, by=interviewer, key=twist, now=t0 + timedelta(minutes=8))
        services.timer_control(room=room, by=interviewer, action="end", now=t0 + timedelta(minutes=20))

    off_the_loop(record)


def open_replay(new_context, app_url, user, room, query: str = ""):
    context = new_context()
    context.add_cookies([{"name": "sessionid", "value": off_the_loop(session_cookie, user), "url": app_url}])
    page = context.new_page()
    page.goto(f"/rooms/{room.pk}/replay/{query}")
    return page


def blocks(page):
    return page.locator("#replay-svg g.node")


def test_the_candidate_replays_the_ended_session_from_a_link_to_a_moment(
    new_context, app_url, live_room, interviewer, candidate
):
    recorded(live_room, interviewer, candidate)
    page = open_replay(new_context, app_url, candidate, live_room, "?at=5:00")
    expect(page.locator("#replay-clock")).to_have_text("05:00, Data")
    expect(blocks(page)).to_have_text(["Event logs"])
    expect(page.locator("#replay-change")).to_have_text("Change 1 of 2, at 02:00: carl, add node Event logs.")
    expect(page.locator(".replay-phase")).to_have_text(["Requirements", "Data"])
    expect(page.locator(".replay-twist")).to_have_count(1)
    expect(page.locator(".replay-note.notes-candidate")).to_have_count(1)

    page.keyboard.press("ArrowRight")
    expect(page.locator("#replay-change")).to_have_text("Change 2 of 2, at 07:00: ines, add node Ranker.")
    expect(blocks(page)).to_have_text(["Event logs", "Ranker"])
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#replay-change")).to_have_text("Before any change.")
    expect(blocks(page)).to_have_count(0)

    # Dragged to minute 7:30 on the scrubber.
    page.locator("#replay-scrubber").evaluate("(s) => { s.value = 450; s.dispatchEvent(new Event('input')); }")
    expect(blocks(page)).to_have_text(["Event logs", "Ranker"])
    page.locator("#replay-log button", has_text="carl: add node Event logs").click()
    expect(blocks(page)).to_have_text(["Event logs"])

    # Played at 32x from the start, idle stretches skipped: to the end in seconds.
    page.keyboard.press("Home")
    page.get_by_label("Speed").select_option("32")
    page.get_by_role("button", name="Play").click()
    expect(page.locator("#replay-clock")).to_have_text("20:00", timeout=15_000)
    expect(blocks(page)).to_have_text(["Event logs", "Ranker"])
    expect(page.get_by_role("button", name="Play")).to_be_visible()


def test_before_the_end_only_the_interviewer_replays(new_context, app_url, live_room, interviewer, candidate):
    page = open_replay(new_context, app_url, candidate, live_room)
    expect(page.locator(".kit-refused")).to_have_text("The replay opens to you when the interview ends.")
    page = open_replay(new_context, app_url, interviewer, live_room)
    expect(page.locator("#replay-change")).to_have_text("Before any change.")
