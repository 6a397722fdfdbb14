"""The design review in the page: live in the interviewer's Review tab as the diagram changes,
never on the candidate's socket until the interviewer shares it with the feedback."""

import json

import pytest
from playwright.sync_api import expect

from interview import services
from tests.browser.conftest import off_the_loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_CANDIDATES = "A ranking stage has no candidate generation before it."
SERVED = "Mobile app [client] -> Ranking model [ranking]\nRanking model -> Monitoring [monitoring]"


def draw(room, user, text: str) -> None:
    """The candidate imports text, as the text view does; both pages get the ops."""

    def imported():
        room.refresh_from_db()
        services.diagram_import_text(room=room, by=user, text=text, base_version=room.diagram.version)

    off_the_loop(imported)


def test_the_review_follows_the_diagram_for_the_interviewer_and_reaches_the_candidate_only_when_shared(
    open_room, live_room, interviewer, candidate
):
    received: list[dict] = []

    def watch(socket) -> None:
        socket.on("framereceived", lambda payload: received.append(json.loads(payload)))

    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room, on_websocket=watch)
    expect(carl.get_by_role("tab", name="Review")).to_have_count(0)

    ines.get_by_role("tab", name="Review").click()
    pane = ines.locator("#pane-review")
    expect(pane.locator(".review-summary")).to_have_text("No findings, covers 0% of the reference diagram.")
    expect(pane.locator('[data-status="missing"]', has_text="Ranking model")).to_be_visible()

    draw(live_room, candidate, SERVED)
    finding = pane.locator(".finding", has_text=NO_CANDIDATES)
    expect(finding).to_be_visible()
    expect(finding.locator(".finding-question")).to_contain_text("Ask: How many items does this ranker score")
    expect(pane.locator('[data-status="present"]', has_text="Ranking model")).to_contain_text("as “Ranking model”")
    # A block it is about, picked on the canvas from the finding.
    finding.get_by_role("button", name="Ranking model").click()
    expect(ines.locator("#diagram-svg g.node.selected")).to_have_text("Ranking model")

    # The text is the whole diagram: the same, with candidates before the ranker.
    draw(live_room, candidate, f"{SERVED}\nCandidate generation [retrieval] -> Ranking model")
    expect(finding).to_have_count(0)
    expect(pane.locator('[data-status="present"]', has_text="Candidate generation")).to_be_visible()

    assert received, "the candidate's socket carried nothing at all"
    assert not [message for message in received if message.get("type") == "review"]
    assert not [message for message in received if NO_CANDIDATES in json.dumps(message)]

    # Shared without the review: the candidate's feedback has none.
    ines.get_by_role("tab", name="Scoring").click()
    ines.get_by_role("button", name="Share feedback").click()
    carl.get_by_role("tab", name="Feedback").click()
    expect(carl.locator("#pane-feedback")).to_contain_text("Feedback from your interviewer")
    expect(carl.locator("#feedback-review")).to_be_hidden()
    assert not [message for message in received if message.get("type") == "review"]

    # Ticked: it opens in the candidate's feedback at once.
    ines.get_by_label("with the design review").check()
    review = carl.locator("#feedback-review")
    expect(review).to_be_visible()
    expect(review.locator(".review-summary")).to_contain_text("No findings")
    expect(review.locator('[data-status="present"]', has_text="Candidate generation")).to_be_visible()
    expect(ines.locator("#feedback-shared-state")).to_contain_text("and the design review")
