"""The text view in two browsers: beside the drawing, previewed as it is typed, and applied as
a merge that keeps what the other side did meanwhile."""

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import off_the_loop
from tests.browser.pages import NODES_JS, add_block, wait_version
from tests.browser.test_diagram import apply_text, node
from tests.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each line's number and where it is drawn, and the text box's own measures.
LINES_JS = """() => {
    const input = document.getElementById('diagram-text-input');
    const rows = [...document.querySelectorAll('#diagram-text-lines .text-line')].map(row => ({
        number: row.querySelector('.number').textContent,
        numberHeight: row.querySelector('.number').getBoundingClientRect().height,
        top: row.getBoundingClientRect().top,
        height: row.getBoundingClientRect().height,
        marks: [...row.classList].filter(name => name !== 'text-line'),
    }));
    return {rows, lineHeight: parseFloat(getComputedStyle(input).lineHeight),
            overflowing: input.scrollWidth > input.clientWidth};
}"""


def labels(page: Page) -> list[str]:
    return sorted(label for _, label in page.evaluate(NODES_JS))


def open_text(page: Page):
    page.locator("body").press("t")
    text = page.locator("#diagram-text-input")
    expect(text).to_be_editable()
    expect(text).to_be_focused()
    return text


def test_text_applied_after_the_other_side_changed_the_diagram_keeps_their_change(
    open_room, live_room, interviewer, candidate
):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    apply_text(carl, "Events [stream] -> Ranker [ranking]")
    wait_version(ines, 1)
    text = open_text(carl)
    text.press("Control+End")
    text.type("Ranker -> Cache [cache] : top 100\n")
    # Meanwhile the interviewer adds a block of her own.
    add_block(ines, "User features", kind="feature_store")
    wait_version(carl, 3)
    # The text as typed stays; the drawing previews it merged with her block, not yet applied.
    expect(text).to_have_value(
        "direction TB\nEvents [stream]\nRanker [ranking]\nEvents -> Ranker\nRanker -> Cache [cache] : top 100\n"
    )
    expect(carl.locator("#diagram-canvas")).to_have_class("diagram-canvas previewing")
    expect(node(carl, "Cache")).to_have_count(1)
    expect(node(carl, "User features")).to_have_count(1)
    expect(node(ines, "Cache")).to_have_count(0)
    carl.get_by_role("button", name="Apply (Ctrl+Enter)").click()
    wait_version(ines, 4)
    for page in (ines, carl):
        expect(page.locator("#diagram-svg g.node")).to_have_count(4)
        assert labels(page) == ["Cache", "Events", "Ranker", "User features"]
    expect(carl.locator("#diagram-canvas")).to_have_class("diagram-canvas")
    # Her block is in the text now, and nothing asked to copy and reopen.
    expect(carl.locator("#diagram-text-status")).to_have_text("Applied")
    assert "User features [feature_store]" in text.input_value()
    expect(carl.locator(".toast")).to_have_count(0)


def both_rename_one_block(open_room, room, interviewer, candidate):
    """He renames Ranker to Reranker in the text while she renames it Scorer on the canvas,
    then he applies: one conflict. Her page, his page and his text box."""
    ines = open_room(interviewer, room)
    carl = open_room(candidate, room)
    apply_text(carl, "Events [stream] -> Ranker [ranking]")
    wait_version(ines, 1)
    text = open_text(carl)
    text.fill(text.input_value().replace("Ranker", "Reranker"))
    node(ines, "Ranker").click()
    ines.locator("#diagram-node-label").fill("Scorer")
    ines.locator("#diagram-node-label").press("Enter")
    wait_version(carl, 2)
    text.press("Control+Enter")
    return ines, carl, text


def test_a_choice_keeps_the_focus_while_the_other_side_goes_on(open_room, live_room, interviewer, candidate):
    ines, carl, _ = both_rename_one_block(open_room, live_room, interviewer, candidate)
    theirs = carl.locator("#diagram-text-conflicts input[value=theirs]")
    theirs.focus()
    # She adds a block: his text is previewed again and its conflicts listed anew, under the
    # keyboard of someone still choosing.
    add_block(ines, "Cache", kind="cache")
    wait_version(carl, 3)
    expect(carl.locator("#diagram-text-status")).to_have_text(re.compile("^Preview, with theirs"))
    expect(theirs).to_be_focused()


def test_both_renaming_one_block_asks_which_name_to_keep_at_its_line(open_room, live_room, interviewer, candidate):
    ines, carl, text = both_rename_one_block(open_room, live_room, interviewer, candidate)
    conflict = carl.locator("#diagram-text-conflicts li")
    expect(conflict).to_have_count(1)
    expect(conflict.locator(".where")).to_have_text("Line 3: node 'Reranker': label")
    expect(carl.locator("#diagram-text-conflicts input").first).to_be_focused()
    assert [row["marks"] for row in carl.evaluate(LINES_JS)["rows"]][2] == ["conflict"]
    # Nothing is applied until a name is chosen; then the choice wins, the rest merges.
    expect(carl.locator("#diagram-svg")).to_have_attribute("data-version", "2")
    conflict.get_by_label("Yours").check()
    text.press("Control+Enter")
    wait_version(ines, 3)
    expect(node(ines, "Reranker")).to_have_count(1)
    expect(node(ines, "Scorer")).to_have_count(0)
    expect(ines.locator("#diagram-svg g.edge")).to_have_count(1)
    expect(carl.locator("#diagram-text-conflicts")).to_be_hidden()


def test_the_text_view_sits_beside_the_drawing_wraps_numbers_and_marks_bad_lines(open_room, live_room, candidate):
    carl = open_room(candidate, live_room)
    apply_text(carl, "Events [stream] -> Ranker [ranking]")
    wait_version(carl, 1)
    text = open_text(carl)
    view = carl.locator("#diagram-text-view").bounding_box()
    canvas = carl.locator("#diagram-svg").bounding_box()
    assert canvas["x"] + canvas["width"] <= view["x"] + 1, (canvas, view)
    assert canvas["width"] > 300
    long_note = "a note long enough to wrap over several lines of the text view " * 3
    text.fill(f"direction TB\nEvents [stream] // {long_note}\nRanker [ranking]\nEvents -> Ranker\n")
    shown = carl.evaluate(LINES_JS)
    assert not shown["overflowing"]
    rows = shown["rows"]
    assert [row["number"] for row in rows] == ["1", "2", "3", "4", "5"]
    # Line 2 wraps and keeps one number; line 3's number is where line 3 starts.
    assert rows[1]["height"] > 2.5 * shown["lineHeight"]
    assert rows[2]["top"] == pytest.approx(rows[1]["top"] + rows[1]["height"], abs=0.5)
    # Numbers of two digits stay on one line of the gutter.
    text.fill("\n".join(f"Block {i}" for i in range(12)))
    rows = carl.evaluate(LINES_JS)["rows"]
    assert [row["number"] for row in rows][-1] == "12"
    assert all(row["numberHeight"] < 1.5 * shown["lineHeight"] for row in rows)
    # A bad line is marked where it is, as it is typed: no Apply needed.
    text.fill("direction TB\nEvents [blender]\nRanker [ranking]\n")
    expect(carl.locator("#diagram-text-lines .text-line.error")).to_have_attribute("data-line", "2")
    expect(carl.locator("#diagram-text-errors li")).to_have_text(
        "line 2: unknown kind 'blender'; kinds are client, service, data_source, stream, storage, feature_store, "
        "training, model_registry, retrieval, vector_index, ranking, cache, experiment, labeling, monitoring, "
        "generic, sticky"
    )
    carl.locator("#diagram-text-errors button").click()
    assert (
        carl.evaluate(
            "() => { const t = document.getElementById('diagram-text-input');"
            " return t.value.slice(t.selectionStart, t.selectionEnd); }"
        )
        == "Events [blender]"
    )
    # Fixed, it previews on the canvas after a pause; closing the view shows the diagram again.
    text.fill("direction TB\nEvents [stream]\nRanker [ranking]\nTrainer [training]\nEvents -> Ranker\n")
    expect(carl.locator("#diagram-text-lines .text-line.error")).to_have_count(0)
    expect(node(carl, "Trainer")).to_have_count(1)
    expect(carl.locator("#diagram-svg")).to_have_attribute("data-version", "1")
    text.press("Escape")
    expect(node(carl, "Trainer")).to_have_count(0)


def test_typed_text_stays_as_typed_once_applied_and_a_draft_survives_a_reload(open_room, live_room, candidate):
    carl = open_room(candidate, live_room)
    text = open_text(carl)
    typed = "# the online path\nEvents [stream] -> Ranker [ranking]\n\nRanker -> Cache [cache]\n"
    text.fill(typed)
    text.press("Control+Enter")
    wait_version(carl, 1)
    expect(carl.locator("#diagram-text-status")).to_have_text("Applied")
    expect(text).to_have_value(typed)
    # A draft, not applied: a reload keeps it, and the view opens on it.
    text.fill(typed + "Cache -> Events\n")
    carl.reload()
    expect(carl.locator("#conn-state")).to_have_text("Live")
    text = open_text(carl)
    expect(text).to_have_value(typed + "Cache -> Events\n")
    expect(carl.locator("#diagram-svg g.edge")).to_have_count(3)
    carl.get_by_role("button", name="Revert").click()
    expect(text).to_have_value(
        "direction TB\nEvents [stream]\nRanker [ranking]\nCache [cache]\nEvents -> Ranker\nRanker -> Cache\n"
    )
    expect(carl.locator("#diagram-svg g.edge")).to_have_count(2)


def test_what_is_typed_while_an_apply_is_on_its_way_is_kept(new_context, app_url, live_room, candidate):
    context = new_context()
    context.add_cookies([{"name": "sessionid", "value": off_the_loop(session_cookie, candidate), "url": app_url}])
    page = context.new_page()
    held = {"socket": None, "answers": []}

    def through(ws):
        # The real server; the answer to an Apply is held back until the test lets it go.
        held["socket"] = ws
        server = ws.connect_to_server()

        def to_page(message):
            data = json.loads(message)
            if data["type"] == "diagram.text" and data.get("client_op_id") and held["answers"] is not None:
                held["answers"].append(message)
            else:
                ws.send(message)

        server.on_message(to_page)
        ws.on_message(server.send)

    page.route_web_socket("**/ws/rooms/**", through)
    page.goto(f"/rooms/{live_room.pk}/")
    wait_version(page, 0)
    text = open_text(page)
    text.fill("Events [stream] -> Ranker [ranking]")
    text.press("Control+Enter")
    wait_version(page, 1)  # the diagram has it; the answer to the Apply has not come
    # He closes the view, opens it again and goes on typing before the answer comes.
    text.press("Escape")
    open_text(page)
    expect(page.locator("#diagram-text-status")).to_have_text("Applying…")
    text.press("Control+End")
    text.press_sequentially("\nRanker -> Cache [cache]")
    answers, held["answers"] = held["answers"], None
    assert len(answers) == 1
    held["socket"].send(answers[0])
    expect(page.locator("#diagram-text-status")).to_have_text(re.compile("^Preview of your text"))
    expect(text).to_have_value("Events [stream] -> Ranker [ranking]\nRanker -> Cache [cache]")
    text.press("Control+Enter")
    wait_version(page, 2)
    assert labels(page) == ["Cache", "Events", "Ranker"]
    expect(page.locator("#diagram-text-status")).to_have_text("Applied")
