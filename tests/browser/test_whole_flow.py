"""A whole interview through two browsers on a fresh install: on the embedded default that
`make run` serves (SQLite, the in-memory channel layer, the filesystem Celery broker) and
with Redis carrying the channel layer and the broker."""

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests import servers
from tests.browser.conftest import room_context
from tests.browser.pages import NODES_JS, add_block, new_page, sign_up, wait_version

pytestmark = pytest.mark.browser

# Drawn in the text view after two blocks placed with the palette and the keyboard.
MORE = """Watch events -> Trainer [training] : daily
Trainer -> Model registry [model_registry] : weights
Feature store -> Ranking model [ranking] : features
Candidate generation [retrieval] -> Ranking model : candidates
Video index [vector_index] -> Candidate generation
Ranking model -> Feed API [service] : top 20
Feed API -> Monitoring [monitoring]
group Offline: Watch events, Trainer, Model registry"""
LABELS = [
    "Candidate generation",
    "Feature store",
    "Feed API",
    "Model registry",
    "Monitoring",
    "Ranking model",
    "Trainer",
    "Video index",
    "Watch events",
]
PRIVATE = "Probe the cold-start answer again next time"


@pytest.fixture(scope="module", params=["embedded-default", "redis"])
def fresh_url(request, tmp_path_factory):
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    with servers.fresh_app(tmp_path_factory.mktemp("var"), redis_url=redis_url) as url:
        yield url


@pytest.fixture
def fresh_url_kind(request) -> str:
    """Which setup the module runs on, for naming screenshots."""
    return request.node.callspec.params["fresh_url"]


@pytest.fixture
def fresh_context(browser, fresh_url, csp_violations):
    contexts = []

    def make(**options):
        context = room_context(browser, csp_violations, fresh_url, **options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def export_pdf_text(page: Page) -> str:
    """Press Export PDF, wait for the worker's download link, and the PDF's text."""
    page.get_by_role("button", name="Export PDF").click()
    link = page.get_by_role("link", name="Download the PDF")
    expect(link).to_be_visible(timeout=60_000)
    response = page.request.get(link.get_attribute("href"))
    assert response.ok
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)


def test_a_whole_interview(fresh_context, fresh_url_kind, screenshot):
    ines = new_page(fresh_context)
    ines.goto("/accounts/signup/")
    sign_up(ines, "ines")
    ines.get_by_role("link", name="New room").click()
    ines.locator(".problem", has_text="Video recommendations").get_by_role("button", name="Open a room").click()
    expect(ines.locator("#conn-state")).to_have_text("Live")
    ines.get_by_role("tab", name="Setup").click()
    invite_url = ines.locator("#invite-url").input_value()

    carl = new_page(fresh_context)
    carl.goto(invite_url)
    carl.get_by_role("link", name="Create an account").click()
    sign_up(carl, "carl")
    carl.get_by_role("button", name="Join the room").click()
    expect(carl.locator("#conn-state")).to_have_text("Live")
    expect(ines.locator('#presence [data-role="candidate"]')).to_have_attribute("data-connected", "true")

    # The interviewer shortens the first phase before starting.
    first = ines.locator("#phases-rows li").first
    first.get_by_label("Minutes").fill("3")
    ines.get_by_role("button", name="Save phases").click()
    expect(carl.locator("#timer-planned")).to_have_text("33:00")
    ines.get_by_role("button", name="Start").click()
    expect(carl.locator("#timer-status")).to_have_text("Running")

    # The palette: a block named as it is placed (an op for the block, one for its name).
    add_block(carl, "Watch events", kind="stream")
    wait_version(carl, 2)
    # The keyboard: N, the name, Enter.
    add_block(carl, "Feature store")
    wait_version(carl, 4)
    # The text view for the rest: blocks, labelled arrows and a group, in one op.
    carl.locator("body").press("t")
    text = carl.locator("#diagram-text-input")
    expect(text).to_have_value(re.compile("Feature store"))
    text.fill(f"{text.input_value()}\n{MORE}")
    carl.get_by_role("button", name="Apply (Ctrl+Enter)").click()
    wait_version(carl, 5)
    carl.locator("body").press("t")
    # The interviewer's page draws the same blocks within a second.
    expect(ines.locator("#diagram-svg")).to_have_attribute("data-version", "5", timeout=1000)
    assert ines.evaluate(NODES_JS) == carl.evaluate(NODES_JS)
    assert sorted(label for _, label in ines.evaluate(NODES_JS)) == LABELS
    expect(ines.locator("#diagram-svg g.cluster")).to_have_count(1)
    expect(ines.locator("#diagram-svg g.edge text", has_text="candidates")).to_have_count(1)
    for width, height in ((1280, 720), (1920, 1080)):
        for name, page in (("interviewer", ines), ("candidate", carl)):
            page.set_viewport_size({"width": width, "height": height})
            screenshot(page, f"{fresh_url_kind}-room-{name}-{width}x{height}")

    ines.get_by_role("tab", name="Private").click()
    ines.locator("#interviewer-notes").fill(PRIVATE)
    expect(ines.locator('.save-state[data-for="interviewer-notes"]')).to_have_text("Saved")
    expect(carl.locator("#timer-phase")).to_have_text("Requirements · 1/4")
    for phase in ("Data · 2/4", "Modeling & scaling · 3/4", "Monitoring · 4/4"):
        ines.locator("#timer-next").click()
        expect(carl.locator("#timer-phase")).to_have_text(phase)
    ines.get_by_role("button", name="End").click()
    expect(carl.locator("#timer-status")).to_have_text("Ended")

    ines.get_by_role("tab", name="Scoring").click()
    dimensions = ines.locator("fieldset.rubric-dimension")
    for i in range(dimensions.count()):
        dimensions.nth(i).locator(".level-option").nth(2).click()
    ines.locator("select[name=recommendation]").select_option("yes")
    ines.get_by_label("Summary").fill("Clear two-stage design")
    expect(ines.locator("#scoring-save-state")).to_have_text("Saved")

    text = export_pdf_text(ines)
    assert "Video recommendations" in text
    assert all(label in text for label in LABELS)
    assert "Clear two-stage design" in text
    assert PRIVATE in text

    ines.get_by_role("button", name="Share feedback").click()
    carl.get_by_role("tab", name="Feedback").click()
    expect(carl.locator("#pane-feedback")).to_contain_text("Clear two-stage design")
    text = export_pdf_text(carl)
    assert all(label in text for label in LABELS)
    assert PRIVATE not in text
