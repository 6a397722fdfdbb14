"""Scoring in the page: saved as typed, live on the interviewer's tabs, shown when shared."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_scoring_is_private_until_shared(open_room, live_room, interviewer, candidate):
    ines = open_room(interviewer, live_room)
    other_tab = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)

    ines.get_by_role("tab", name="Scoring").click()
    modeling = ines.locator('fieldset[data-dimension="modeling"]')
    modeling.locator(".level-option").nth(2).click()
    modeling.get_by_label("Comment").fill("Two stages, clear trade-offs")
    ines.get_by_label("Summary").fill("Strong structure; metrics need work")
    ines.locator("select[name=recommendation]").select_option("yes")

    other_tab.get_by_role("tab", name="Scoring").click()
    other = other_tab.locator('fieldset[data-dimension="modeling"]')
    expect(other.get_by_label("Comment")).to_have_value("Two stages, clear trade-offs")
    expect(other.locator('input[value="3"]')).to_be_checked()
    expect(other_tab.get_by_label("Summary")).to_have_value("Strong structure; metrics need work")
    expect(carl.get_by_role("tab", name="Feedback")).to_be_hidden()
    assert "metrics need work" not in carl.content()

    ines.get_by_role("button", name="Share feedback").click()
    carl.get_by_role("tab", name="Feedback").click()
    feedback = carl.locator("#pane-feedback")
    expect(feedback).to_contain_text("Recommendation: Yes")
    expect(feedback).to_contain_text("Strong structure; metrics need work")
    expect(feedback).to_contain_text("Modeling: 3 / 4")
    expect(feedback).to_contain_text("Two stages, clear trade-offs")

    ines.get_by_role("button", name="Unshare").click()
    expect(carl.get_by_role("tab", name="Feedback")).to_be_hidden()
    expect(carl.locator("#pane-notes")).to_be_visible()


def test_candidate_rates_themself_after_the_end(open_room, live_room, interviewer, candidate):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    expect(carl.get_by_role("tab", name="Self-assessment")).to_be_hidden()
    # Both pages hold their snapshot's timer: an end that came before it would be what the
    # snapshot says, not an end seen live (no toast), and the test would race the page.
    for page in (ines, carl):
        expect(page.locator("#timer-left")).to_have_text("05:00")
    ines.get_by_role("button", name="End").click()
    # Both are told, and the candidate's new tab is marked until opened.
    expect(carl.locator(".toast", has_text="The interview has ended. Rate yourself")).to_be_visible()
    expect(ines.locator(".toast", has_text="The interview has ended.")).to_be_visible()
    tab = carl.get_by_role("tab", name="Self-assessment")
    expect(tab).to_have_attribute("data-fresh", "true")
    tab.click()
    expect(tab).not_to_have_attribute("data-fresh", "true")
    levels = carl.get_by_role("radiogroup", name="My level for Modeling")
    # The candidate rates on the interviewer's scale: each level with what it means.
    modeling = next(d for d in live_room.problem.rubric if d["key"] == "modeling")
    for meaning in modeling["levels"]:
        expect(levels).to_contain_text(meaning)
    levels.locator(".level-option").nth(1).click()
    ines.get_by_role("tab", name="Scoring").click()
    expect(ines.locator('fieldset[data-dimension="modeling"] .self-rating')).to_have_text(
        "Candidate's own rating: 2 / 4."
    )


def test_interviewer_exports_a_pdf_from_the_page(open_room, live_room, interviewer, candidate, celery_worker_for_tests):
    ines = open_room(interviewer, live_room)
    ines.get_by_role("tab", name="Scoring").click()
    ines.get_by_role("button", name="Export PDF").click()
    link = ines.get_by_role("link", name="Download the PDF")
    expect(link).to_be_visible(timeout=60_000)
    response = ines.request.get(link.get_attribute("href"))
    assert response.ok
    assert response.body().startswith(b"%PDF")
