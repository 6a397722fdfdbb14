"""The pages people use pass axe-core's checks (tests/browser/vendor/axe-core) with no serious
or critical violation: signed out, the problem bank and rooms, the room as interviewer and as
candidate with its dialogs open, and a room whose interview has ended (scores, feedback, the
report's button and status)."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from diagrams.graph import KINDS
from interview import services
from tests.browser.conftest import off_the_loop
from tests.browser.pages import new_page, wait_version
from tests.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
# Each serious or critical violation as "rule: the first elements it was found on".
VIOLATIONS_JS = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id}: ${v.nodes.slice(0, 3)
        .map(n => `${n.target.join(" ")} ${JSON.stringify(n.any[0]?.data ?? "")}`)}`)"""


def violations(page: Page) -> list[str]:
    # Run through the DevTools protocol, which the page's CSP (no inline script) does not govern.
    page.evaluate(AXE)
    return page.evaluate(VIOLATIONS_JS)


def test_signed_out_pages(new_context):
    page = new_page(new_context)
    for path in ("/", "/accounts/login/", "/accounts/signup/"):
        page.goto(path)
        assert violations(page) == [], path


def test_problem_bank_and_rooms(new_context, app_url, interviewer, problem):
    context = new_context()
    context.add_cookies([{"name": "sessionid", "value": off_the_loop(session_cookie, interviewer), "url": app_url}])
    page = context.new_page()
    for path in ("/problems/", "/rooms/", "/problems/new/"):
        page.goto(path)
        assert violations(page) == [], path


def test_the_room_for_each_side_with_its_dialogs(open_room, live_room, interviewer, candidate):
    def draw():
        # Every kind of block, a group and a sticky note: the drawing's text on each fill.
        nodes = [{"id": kind, "label": f"A {kind} block", "kind": kind, "group": "g"} for kind in KINDS]
        graph = {"schema": 2, "groups": [{"id": "g", "label": "Online"}], "nodes": nodes}
        services.diagram_op_apply(room=live_room, by=interviewer, op={"op": "replace", "graph": graph})

    off_the_loop(draw)
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    wait_version(ines, 1)
    wait_version(carl, 1)
    assert violations(ines) == []
    assert violations(carl) == []
    ines.locator("body").press("?")
    expect(ines.locator("#help")).to_be_visible()
    assert violations(ines) == []
    ines.keyboard.press("Escape")
    ines.locator("#tab-reference").click()
    assert violations(ines) == []
    ines.locator("#reference-open").click()
    expect(ines.locator("#reference-overlay")).to_be_visible()
    assert violations(ines) == []

    # The text view beside the drawing, with a conflict to settle and a bad line marked.
    carl.locator("body").press("t")
    text = carl.locator("#diagram-text-input")
    expect(text).to_be_editable()
    text.fill(text.input_value().replace("A cache block", "A cached block"))
    ines.locator("#reference-overlay").press("Escape")
    ines.locator("#diagram-svg g.node", has_text="A cache block").dblclick()
    ines.keyboard.type("Cache tier")
    ines.keyboard.press("Enter")
    wait_version(carl, 2)
    text.press("Control+Enter")
    expect(carl.locator("#diagram-text-conflicts li")).to_have_count(1)
    text.press("Control+End")
    text.type("\nB [blender]")
    expect(carl.locator("#diagram-text-errors li")).to_have_count(1)
    assert violations(carl) == []


def test_an_ended_room(open_room, live_room, interviewer, candidate):
    def end():
        services.timer_control(room=live_room, by=interviewer, action="start")
        services.timer_control(room=live_room, by=interviewer, action="end")

    off_the_loop(end)
    for user in (interviewer, candidate):
        page = open_room(user, live_room)
        wait_version(page, 0)
        assert violations(page) == [], user.username
