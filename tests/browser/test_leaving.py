"""Nothing typed is lost when the page goes away, and the room tells both sides what changed."""

import pytest
from playwright.sync_api import expect

from interview import services
from interview.models import Feedback, RoomNote, Score
from tests import servers
from tests.browser.conftest import off_the_loop, room_context
from tests.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTES = "QPS peaks at 75k; p99 under 200 ms; cold start for new uploads"


def type_fast(field, text: str) -> None:
    """Keystrokes closer together than the pause a save waits for, so none is sent before the end."""
    field.click()
    field.press_sequentially(text, delay=5)


def test_typing_then_reloading_at_once_keeps_every_character(open_room, live_room, interviewer, candidate):
    carl = open_room(candidate, live_room)
    type_fast(carl.locator("#candidate-notes"), NOTES)
    carl.reload()
    expect(carl.locator("#candidate-notes")).to_have_value(NOTES)

    ines = open_room(interviewer, live_room)
    ines.get_by_role("tab", name="Private").click()
    type_fast(ines.locator("#interviewer-notes"), "Strong on data, vague on metrics")
    ines.get_by_role("tab", name="Scoring").click()
    modeling = ines.locator('fieldset[data-dimension="modeling"]')
    type_fast(modeling.get_by_label("Comment"), "Two stages, clear trade-offs")
    type_fast(ines.get_by_label("Summary"), "Solid structure overall")
    ines.reload()
    ines.get_by_role("tab", name="Private").click()
    expect(ines.locator("#interviewer-notes")).to_have_value("Strong on data, vague on metrics")
    ines.get_by_role("tab", name="Scoring").click()
    expect(modeling.get_by_label("Comment")).to_have_value("Two stages, clear trade-offs")
    expect(ines.get_by_label("Summary")).to_have_value("Solid structure overall")

    def saved():
        return (
            RoomNote.objects.get(room=live_room, kind="interviewer").text,
            Score.objects.get(room=live_room, dimension="modeling").comment,
            Feedback.objects.get(room=live_room).summary,
        )

    assert off_the_loop(saved) == (
        "Strong on data, vague on metrics",
        "Two stages, clear trade-offs",
        "Solid structure overall",
    )


def test_typing_then_closing_the_tab_or_leaving_keeps_every_character(open_room, live_room, interviewer, candidate):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    type_fast(carl.locator("#candidate-notes"), NOTES)
    carl.close(run_before_unload=True)
    expect(ines.locator("#candidate-notes")).to_have_value(NOTES)
    carl = open_room(candidate, live_room)
    type_fast(carl.locator("#candidate-notes"), " and a second thought")
    carl.goto("/rooms/")
    expect(ines.locator("#candidate-notes")).to_have_value(f"{NOTES} and a second thought")


def test_leaving_with_text_the_server_has_not_got_asks_first(browser, app_url, live_room, candidate, csp_violations):
    link = servers.FlakyLink(app_url)
    context = room_context(browser, csp_violations, link.url)
    try:
        context.add_cookies([{"name": "sessionid", "value": off_the_loop(session_cookie, candidate), "url": link.url}])
        carl = context.new_page()
        asked = []
        carl.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
        carl.goto(f"/rooms/{live_room.pk}/")
        expect(carl.locator("#conn-state")).to_have_text("Live")
        link.cut()
        expect(carl.locator("#conn-state")).to_have_text("Reconnecting…")
        type_fast(carl.locator("#candidate-notes"), "typed offline")
        carl.get_by_role("link", name="Back to my rooms").click()
        # The browser asked, the person chose to stay: the text is still there, and is saved
        # once the connection is back.
        for _ in range(50):
            if asked:
                break
            carl.wait_for_timeout(100)
        assert asked == ["beforeunload"]
        expect(carl.locator("#candidate-notes")).to_have_value("typed offline")
        link.restore()
        expect(carl.locator('.save-state[data-for="candidate-notes"]')).to_have_text("Saved", timeout=10_000)
        assert off_the_loop(lambda: RoomNote.objects.get(room=live_room, kind="candidate").text) == "typed offline"
    finally:
        context.close()
        link.close()
        off_the_loop(servers.wait_for_disconnects)


def test_the_end_and_shared_feedback_are_announced_to_the_candidate(open_room, live_room, interviewer, candidate):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    ines.get_by_role("button", name="End").click()
    expect(carl.locator("#timer-left")).to_have_text("Ended")
    expect(ines.locator("#timer-left")).to_have_text("Ended")
    expect(carl.locator("#diagram-locked-badge")).to_have_text("Frozen: the interview has ended")
    ines.get_by_role("tab", name="Scoring").click()
    ines.get_by_role("button", name="Share feedback").click()
    expect(carl.locator(".toast", has_text="Your interviewer shared their feedback")).to_be_visible()
    tab = carl.get_by_role("tab", name="Feedback")
    expect(tab).to_have_attribute("data-fresh", "true")
    tab.click()
    expect(tab).not_to_have_attribute("data-fresh", "true")


def test_the_invite_link_is_in_the_top_bar_until_the_candidate_joins(
    open_room, new_context, app_url, problem, interviewer, candidate
):
    room = off_the_loop(services.room_create, problem=problem, interviewer=interviewer)
    ines = open_room(interviewer, room)
    bar = ines.locator("#invite-bar")
    expect(bar).to_be_visible()
    expect(bar.get_by_role("button", name="Copy invite link")).to_be_visible()
    invite = f"{app_url}/invite/{room.invite_token}/"
    expect(bar.locator("input")).to_have_value(invite)
    context = new_context()
    context.add_cookies([{"name": "sessionid", "value": off_the_loop(session_cookie, candidate), "url": app_url}])
    carl = context.new_page()
    carl.goto(invite)
    carl.get_by_role("button", name="Join the room").click()
    expect(carl.locator("#conn-state")).to_have_text("Live")
    expect(bar).to_be_hidden()
