"""The problem list and the twist reveal, in the browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import off_the_loop
from tests.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_problem_list_searches_filters_and_previews(new_context, app_url, problem, stranger, screenshot):
    context = new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": off_the_loop(session_cookie, stranger), "url": app_url}])
    page = context.new_page()
    page.goto("/problems/")
    cards = page.locator(".problem-list .problem")
    expect(cards).to_have_count(off_the_loop(lambda: type(problem).objects.count()))
    # Every thumbnail is a drawn diagram, not a broken image (they load lazily, as scrolled to).
    for image in page.locator(".thumb img").all():
        image.scroll_into_view_if_needed()
    page.wait_for_function("[...document.querySelectorAll('.thumb img')].every(i => i.complete)")
    widths = page.eval_on_selector_all(".thumb img", "imgs => imgs.map(i => i.naturalWidth)")
    assert all(widths), widths
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "problem-list")

    page.get_by_role("searchbox", name="Search").fill("fraud")
    page.get_by_role("button", name="Filter").click()
    expect(cards).to_have_count(1)
    expect(cards.first.get_by_role("heading")).to_contain_text("fraud")
    cards.first.get_by_text("Preview the statement").click()
    expect(cards.first.locator(".statement-preview .prose")).to_be_visible()

    page.get_by_role("link", name="Clear").click()
    page.locator("select[name=difficulty]").select_option("hard")
    page.get_by_role("button", name="Filter").click()
    for text in cards.locator(".difficulty").all_inner_texts():
        assert text == "Hard"


def test_a_revealed_twist_reaches_the_candidate_live(open_room, live_room, interviewer, candidate, screenshot):
    twist = live_room.problem.twists[0]
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    expect(carl.locator("#twists")).to_be_hidden()

    ines.get_by_role("tab", name="Guide").click()
    item = ines.locator(f'#twist-kit li[data-twist="{twist["key"]}"]')
    item.get_by_role("button", name="Reveal to the candidate").click()

    expect(carl.locator("#twists")).to_be_visible()
    expect(carl.locator("#twists-list li")).to_have_count(1)
    expect(carl.locator("#twists-list li")).to_contain_text(twist["title"])
    expect(carl.locator("#twists-list li")).to_contain_text(twist["reveal"])
    expect(carl.locator(".toast", has_text=f"New constraint: {twist['title']}")).to_be_visible()
    assert twist["good_adaptation"] not in carl.content()
    expect(item.get_by_role("button", name="Reveal to the candidate")).to_be_disabled()
    # Said as the timer shows it (the room's timer started seconds ago).
    expect(item.locator(".twist-state")).to_have_text(
        re.compile(r"Revealed in Requirements, at (the start|00:0\d of the interview)\.")
    )
    item.scroll_into_view_if_needed()
    screenshot(ines, "room-interviewer-guide-twist")
    screenshot(carl, "room-candidate-twist")

    # A reload keeps it, from the snapshot.
    carl.reload()
    expect(carl.locator("#twists-list li")).to_contain_text(twist["title"])
