"""The diagram editor in two browsers: mouse, keyboard and text, live on both sides."""

import re
from xml.etree import ElementTree

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from reports.build import report_build
from reports.models import Report
from tests.browser.conftest import off_the_loop
from tests.browser.pages import NODES_JS, add_block, wait_version
from tests.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A point of the canvas with nothing drawn (or laid over it) there.
EMPTY_CANVAS_JS = """() => {
    const box = document.getElementById('diagram-svg');
    const rect = box.getBoundingClientRect();
    for (let y = rect.bottom - 30; y > rect.top; y -= 25) {
        for (let x = rect.left + 30; x < rect.right; x += 25) {
            const hit = document.elementFromPoint(x, y);
            if (hit === box || hit === box.querySelector('svg')) return {x, y};
        }
    }
}"""

SVG = "{http://www.w3.org/2000/svg}"


def node(page: Page, label: str):
    return page.locator("#diagram-svg g.node", has_text=label)


def apply_text(page: Page, text: str) -> None:
    """The whole diagram typed in the text view and applied, the view closed again."""
    page.locator("body").press("t")
    page.locator("#diagram-text-input").fill(text)
    page.locator("#diagram-text-input").press("Control+Enter")
    # Its answer first: the view opened again shows the diagram's own text, not the one typed.
    expect(page.locator("#diagram-text-status")).to_have_text("Applied")
    page.locator("#diagram-text-input").press("Escape")
    expect(page.locator("#diagram-text-input")).to_be_hidden()


def steady_box(page: Page, label: str) -> dict:
    """A block's box once the page around it has stopped moving (the palette widening again
    as the text view closes moves the canvas): the same on two reads 100 ms apart."""
    box = node(page, label).bounding_box()
    for _ in range(50):
        page.wait_for_timeout(100)
        again = node(page, label).bounding_box()
        if again == box:
            return box
        box = again
    raise AssertionError(f"{label} never stopped moving")


def test_building_a_diagram_with_mouse_keyboard_and_text(open_room, live_room, interviewer, candidate):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)

    # Palette click, then type the label straight away.
    carl.locator('#diagram-palette button[data-kind="stream"]').click()
    expect(carl.locator("#diagram-node-label")).to_be_focused()
    carl.keyboard.type("Event logs")
    carl.keyboard.press("Enter")
    wait_version(carl, 2)

    # Keyboard only: N for a node, type, Enter; change its kind in the inspector.
    carl.locator("body").press("n")
    expect(carl.locator("#diagram-node-label")).to_be_focused()
    carl.keyboard.type("Feature store")
    carl.keyboard.press("Enter")
    carl.locator("#diagram-node-kind").select_option("feature_store")
    wait_version(carl, 5)

    # Select both with [ and { and connect with C.
    carl.locator("body").press("Escape")
    carl.locator("body").press("[")
    carl.locator("body").press("{")
    carl.locator("body").press("c")
    wait_version(carl, 6)
    expect(carl.locator("#diagram-svg g.edge")).to_have_count(1)

    # Label the arrow by clicking it.
    carl.locator("#diagram-svg g.edge path").first.click(force=True)
    carl.locator("#diagram-edge-label").fill("hourly")
    carl.locator("#diagram-edge-label").press("Enter")
    wait_version(carl, 7)

    # Text view: add a ranker with a hostile-looking name and a labelled arrow.
    carl.locator("body").press("t")
    text = carl.locator("#diagram-text-input")
    expect(text).to_have_value(re.compile("Event logs -> Feature store : hourly"))
    text.press("End")
    text.press("Control+End")
    text.type('\n"Ranker <v2> \\"x\\"" [ranking]\nFeature store -> "Ranker <v2> \\"x\\"" : features')
    carl.get_by_role("button", name="Apply (Ctrl+Enter)").click()
    wait_version(carl, 8)
    carl.locator("body").press("t")

    # Group two nodes by shift-clicking them, then switch direction.
    node(carl, "Feature store").click()
    node(carl, 'Ranker <v2> "x"').click(modifiers=["Shift"])
    carl.locator("body").press("g")
    wait_version(carl, 9)
    expect(carl.locator("#diagram-svg g.cluster")).to_have_count(1)
    carl.locator("body").press("d")
    wait_version(carl, 10)
    expect(carl.locator("#diagram-direction")).to_have_text("LR")

    # Undo and redo my own direction change.
    carl.locator("body").press("Control+z")
    wait_version(carl, 11)
    expect(carl.locator("#diagram-direction")).to_have_text("TB")
    carl.locator("body").press("Control+Shift+z")
    wait_version(carl, 12)
    expect(carl.locator("#diagram-direction")).to_have_text("LR")

    # The interviewer sees the very same drawing, live.
    wait_version(ines, 12)
    carl_nodes = carl.evaluate(NODES_JS)
    assert sorted(label for _, label in carl_nodes) == ["Event logs", "Feature store", 'Ranker <v2> "x"']
    assert ines.evaluate(NODES_JS) == carl_nodes
    expect(ines.locator("#diagram-svg g.edge text", has_text="hourly")).to_have_count(1)

    # The interviewer's selection shows on the candidate's side.
    node(ines, "Event logs").click()
    expect(node(carl, "Event logs")).to_have_class("node kind-stream remote-selected")

    # Delete removes the node and its arrows, for both.
    node(carl, 'Ranker <v2> "x"').click()
    carl.locator("body").press("Delete")
    wait_version(ines, 13)
    expect(ines.locator("#diagram-svg g.node")).to_have_count(2)
    expect(ines.locator("#diagram-svg g.edge")).to_have_count(1)

    # Exports come from the same graph.
    svg = carl.request.get(f"/api/rooms/{live_room.pk}/diagram/svg/")
    assert svg.ok
    assert "Feature store" in svg.text()


def test_interviewer_lock_makes_the_editor_read_only(open_room, live_room, interviewer, candidate):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    ines.get_by_role("button", name="Lock").click()
    expect(carl.locator("#diagram-locked-badge")).to_be_visible()
    expect(carl.locator('#diagram-palette button[data-kind="service"]')).to_be_disabled()
    carl.locator("body").press("n")
    expect(carl.locator(".toast", has_text="The interviewer has locked the diagram")).to_be_visible()
    ines.locator('#diagram-palette button[data-kind="service"]').click()
    wait_version(carl, 1)
    ines.get_by_role("button", name="Unlock").click()
    expect(carl.locator('#diagram-palette button[data-kind="service"]')).to_be_enabled()


def test_bad_text_lines_are_listed_and_nothing_changes(open_room, live_room, candidate):
    carl = open_room(candidate, live_room)
    carl.locator("body").press("t")
    carl.locator("#diagram-text-input").fill("A [blender]\nB ->")
    carl.locator("#diagram-text-input").press("Control+Enter")
    errors = carl.locator("#diagram-text-errors li")
    expect(errors).to_have_count(2)
    expect(errors.nth(1)).to_have_text("line 2: a label is missing")
    expect(carl.locator("#diagram-svg")).to_have_attribute("data-version", "0")


def test_dragging_from_one_node_to_another_connects_them(open_room, live_room, candidate):
    carl = open_room(candidate, live_room)
    apply_text(carl, "Trainer [training]\nRegistry [model_registry]")
    wait_version(carl, 1)
    source = node(carl, "Trainer").bounding_box()
    target = node(carl, "Registry").bounding_box()
    # From the block's dot (shown on hover): a drag from the block itself moves it.
    carl.mouse.move(source["x"] + source["width"] / 2, source["y"] + source["height"] / 2)
    handle = node(carl, "Trainer").locator("circle.handle").bounding_box()
    source = {"x": handle["x"], "y": handle["y"], "width": handle["width"], "height": handle["height"]}
    carl.mouse.move(source["x"] + source["width"] / 2, source["y"] + source["height"] / 2)
    carl.mouse.down()
    # Off to the side, a line follows the pointer and no block is marked as the one it will join.
    half = target["x"] + target["width"] + 20, (source["y"] + target["y"]) / 2
    carl.mouse.move(*half, steps=5)
    line = carl.locator("#diagram-svg line.connect-line")
    expect(line).to_have_count(1)
    end = line.evaluate(
        "l => { const q = new DOMPoint(l.x2.baseVal.value, l.y2.baseVal.value).matrixTransform(l.getScreenCTM()); "
        "return {x: q.x, y: q.y}; }"
    )
    assert abs(end["x"] - half[0]) < 1
    assert abs(end["y"] - half[1]) < 1
    expect(carl.locator("#diagram-svg g.connect-target")).to_have_count(0)
    # Over the other block, that block is marked; dropped there, the arrow is made.
    carl.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=5)
    expect(node(carl, "Registry")).to_have_class(re.compile(r"\bconnect-target\b"))
    carl.mouse.up()
    wait_version(carl, 2)
    expect(carl.locator("#diagram-svg g.edge")).to_have_count(1)
    expect(line).to_have_count(0)
    expect(carl.locator("#diagram-svg g.connect-target")).to_have_count(0)


def test_double_click_renames_in_place_and_adds_a_block(open_room, live_room, interviewer, candidate):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    apply_text(
        carl, "Trainer [training]\nRegistry [model_registry]\nTrainer -> Registry : weights\ngroup Offline: Trainer"
    )
    wait_version(carl, 1)
    inline = carl.locator("#diagram-canvas input.inline-label")

    # A block: its name in an input over it, selected, kept with Enter.
    node(carl, "Trainer").dblclick()
    expect(inline).to_be_focused()
    expect(inline).to_have_value("Trainer")
    carl.keyboard.type("Model trainer")
    carl.keyboard.press("Enter")
    wait_version(ines, 2)
    expect(node(ines, "Model trainer")).to_have_count(1)
    expect(inline).to_have_count(0)

    # Escape leaves it as it was.
    node(carl, "Registry").dblclick()
    carl.keyboard.type("Oops")
    carl.keyboard.press("Escape")
    expect(inline).to_have_count(0)
    expect(node(carl, "Registry")).to_have_count(1)

    # An arrow, and a group by its name.
    middle = carl.locator("#diagram-svg g.edge path.hit").evaluate(
        "p => { const q = p.getPointAtLength(p.getTotalLength() / 2).matrixTransform(p.getScreenCTM()); "
        "return {x: q.x, y: q.y}; }"
    )
    carl.mouse.dblclick(middle["x"], middle["y"])
    expect(inline).to_have_value("weights")
    carl.keyboard.type("checkpoints")
    carl.keyboard.press("Enter")
    wait_version(ines, 3)
    expect(ines.locator("#diagram-svg g.edge text")).to_have_text("checkpoints")
    carl.locator("#diagram-svg g.cluster text").dblclick()
    expect(inline).to_have_value("Offline")
    carl.keyboard.type("Training")
    carl.locator("#diagram-svg").click(position={"x": 5, "y": 5})  # leaving it keeps it
    wait_version(ines, 4)
    expect(ines.locator("#diagram-svg g.cluster text")).to_have_text("Training")
    wait_version(carl, 4)  # its own edit's ack may reach it after the other side's broadcast

    # On empty canvas, a block of the kind last added.
    carl.locator('#diagram-palette button[data-kind="service"]').click()
    wait_version(carl, 5)
    carl.locator("body").press("Escape")
    empty = carl.evaluate(EMPTY_CANVAS_JS)
    carl.mouse.dblclick(empty["x"], empty["y"])
    wait_version(ines, 6)
    expect(ines.locator("#diagram-svg g.node.kind-service")).to_have_count(2)


def test_a_double_click_beside_a_block_adds_the_new_one_there(open_room, live_room, interviewer, candidate):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    apply_text(carl, "Events [stream]\nRanker [ranking]\nEvents -> Ranker")
    wait_version(ines, 1)
    ranker = steady_box(carl, "Ranker")
    # Left of the ranker, a rank below the events: the new block goes there, not where an
    # unconnected block would (beside the events).
    # On the canvas though: drawn near its left edge, the ranker has the palette beside it.
    left = max(ranker["x"] - ranker["width"] * 0.6, carl.locator("#diagram-canvas").bounding_box()["x"] + 8)
    assert left < ranker["x"] - 8
    carl.mouse.dblclick(left, ranker["y"] + ranker["height"] / 2)
    wait_version(ines, 2)
    new = ines.locator("#diagram-svg g.node.kind-generic")
    expect(new).to_have_count(1)
    box, ranker = new.bounding_box(), node(ines, "Ranker").bounding_box()
    assert abs((box["y"] + box["height"] / 2) - (ranker["y"] + ranker["height"] / 2)) < 2
    assert box["x"] + box["width"] <= ranker["x"]


def centre(page: Page, label: str) -> tuple[float, float]:
    box = node(page, label).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def exported_x(svg: str, node_id: str) -> float:
    """Where the server's drawing (exports and the PDF) puts a block's label, across."""
    group = next(g for g in ElementTree.fromstring(svg).iter(f"{SVG}g") if g.get("id") == f"node-{node_id}")
    return float(next(group.iter(f"{SVG}text")).get("x"))


def printed_order(room, labels: set[str]) -> list[str]:
    """The order the interviewer's PDF report draws blocks of one rank in, along the rank (the
    report lays a diagram out in whichever direction prints it larger)."""

    def build() -> str:
        report = Report.objects.create(room=room, requested_by=room.interviewer, variant="interviewer")
        return report_build(report_id=report.pk).pdf.path

    found = {}

    def visit(text, cm, tm, font, size):
        # Each label of the drawing is a form of its own, its text placed in the drawing's
        # coordinates (y down); the table of blocks prints its text otherwise.
        if text.strip() in labels:
            found[text.strip()] = (tm[4], tm[5])

    final = next(page for page in PdfReader(off_the_loop(build)).pages if "Final diagram" in page.extract_text())
    final.extract_text(visitor_text=visit)
    assert found.keys() == labels, found
    xs, ys = {round(x) for x, _ in found.values()}, {round(y) for _, y in found.values()}
    along = 0 if len(ys) == 1 else 1
    assert len(xs if along else ys) == 1, f"not in one rank: {found}"
    return sorted(labels, key=lambda label: found[label][along])


def test_a_block_moved_by_hand_stays_there_for_both_sides_and_in_the_pdf(open_room, live_room, interviewer, candidate):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    apply_text(
        carl, "Events [stream]\nClicks [stream]\nFeatures [feature_store]\nEvents -> Features\nClicks -> Features"
    )
    wait_version(ines, 1)
    assert centre(ines, "Events")[0] < centre(ines, "Clicks")[0]
    assert printed_order(live_room, {"Events", "Clicks"}) == ["Events", "Clicks"]

    # Dragged past Clicks: a bar shows where it goes, and both sides then draw it there.
    start, clicks = centre(carl, "Events"), node(carl, "Clicks").bounding_box()
    carl.mouse.move(*start)
    carl.mouse.down()
    carl.mouse.move(clicks["x"] + clicks["width"] + 15, start[1], steps=8)
    expect(carl.locator("#diagram-svg line.drop-marker")).to_have_count(1)
    carl.mouse.up()
    wait_version(ines, 2)
    expect(carl.locator("#diagram-svg line.drop-marker")).to_have_count(0)
    assert centre(ines, "Events")[0] > centre(ines, "Clicks")[0]
    assert centre(carl, "Events")[0] > centre(carl, "Clicks")[0]
    svg = carl.request.get(f"/api/rooms/{live_room.pk}/diagram/svg/").text()
    assert exported_x(svg, "events") > exported_x(svg, "clicks")
    assert printed_order(live_room, {"Events", "Clicks"}) == ["Clicks", "Events"]

    # From the keyboard: back past Clicks, then down to the rank of Features.
    node(carl, "Events").click()
    carl.locator("body").press("Alt+ArrowLeft")
    wait_version(ines, 3)
    assert centre(ines, "Events")[0] < centre(ines, "Clicks")[0]
    carl.locator("body").press("Alt+ArrowDown")
    wait_version(ines, 4)
    assert abs(centre(ines, "Events")[1] - centre(ines, "Features")[1]) < 2

    # Unpinned, it goes back where the layout puts it.
    carl.get_by_role("button", name="Unpin").click()
    wait_version(ines, 5)
    assert centre(ines, "Events")[1] < centre(ines, "Features")[1] - 10
    expect(carl.get_by_role("button", name="Unpin")).to_be_hidden()


def test_a_sticky_note_on_the_canvas_attached_to_a_block(open_room, live_room, interviewer, candidate):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    apply_text(carl, "Ranker [ranking]")
    wait_version(carl, 1)
    add_block(carl, "Ask about cold start", kind="sticky")
    wait_version(carl, 3)
    # Attached with C, like any arrow: drawn as a dotted line without a head.
    carl.locator("body").press("Escape")
    carl.locator("body").press("]")  # Ranker
    carl.locator("body").press("}")  # and the note
    carl.locator("body").press("c")
    wait_version(ines, 4)
    note = node(ines, "Ask about cold start")
    expect(note).to_have_class(re.compile(r"\bkind-sticky\b"))
    attached = ines.locator("#diagram-svg g.edge")
    expect(attached.locator("path.line")).to_have_attribute("stroke-dasharray", "1.5,3")
    expect(attached.locator(".decorations polygon")).to_have_count(0)
    # Part of the graph: the text form and the server's drawing (exports and the PDF) have it.
    ines.locator("body").press("t")
    expect(ines.locator("#diagram-text-input")).to_have_value(re.compile(r"Ranker -> Ask about cold start\b"))
    expect(ines.locator("#diagram-text-input")).to_have_value(re.compile(r"Ask about cold start \[sticky\]"))
    svg = ines.request.get(f"/api/rooms/{live_room.pk}/diagram/svg/").text()
    assert 'class="node kind&#45;sticky"' in svg
    assert 'stroke-dasharray="1,5"' in svg  # how Graphviz draws "dotted"


def test_a_screen_reader_reads_the_diagram_and_hears_the_other_side_change_it(
    open_room, live_room, interviewer, candidate
):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    apply_text(ines, "Events [stream] -> Ranker [ranking] : clicks\ngroup Online: Ranker")
    wait_version(carl, 1)
    outline = carl.locator("#diagram-outline li")
    expect(outline).to_have_text(
        ["Events, Stream / event log; connects to Ranker (clicks)", "Ranker, Ranking, in Online; from Events (clicks)"]
    )
    announced = carl.locator("#diagram-announce")
    expect(announced).to_have_attribute("aria-live", "polite")
    # Text applied is said as the changes it made.
    expect(announced).to_have_text(
        f"{interviewer.username} made the group Online, added Events, added Ranker and made 1 more change"
    )
    # A change by the other side is said; one's own is not.
    node(ines, "Ranker").dblclick()
    ines.keyboard.type("Reranker")
    ines.keyboard.press("Enter")
    wait_version(carl, 2)
    expect(announced).to_have_text(f"{interviewer.username} renamed Ranker to Reranker")
    expect(outline.nth(1)).to_have_text("Reranker, Ranking, in Online; from Events (clicks)")
    expect(ines.locator("#diagram-announce")).to_have_text("")


def test_a_diagram_built_with_the_keyboard_alone(open_room, live_room, interviewer, candidate):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    for label in ("Events", "Features", "Ranker"):
        add_block(carl, label)
    wait_version(carl, 6)
    # The last two blocks: select one with ], add the other with {, connect, then group them.
    carl.locator("body").press("Escape")
    carl.locator("body").press("]")
    carl.locator("body").press("{")
    carl.locator("body").press("c")
    wait_version(carl, 7)
    carl.locator("body").press("g")
    wait_version(carl, 8)
    carl.locator("body").press("d")
    wait_version(ines, 9)
    expect(ines.locator("#diagram-svg g.node")).to_have_count(3)
    expect(ines.locator("#diagram-svg g.edge")).to_have_count(1)
    expect(ines.locator("#diagram-svg g.cluster")).to_have_count(1)
    expect(ines.locator("#diagram-direction")).to_have_text("LR")
    assert ines.evaluate(NODES_JS) == carl.evaluate(NODES_JS)
    # Arrows walk the drawing: from Events to the block drawn to its right, Ranker (Features
    # sits in Events' column), which Enter renames where it is drawn.
    carl.locator("body").press("Escape")
    carl.locator("body").press("]")
    expect(carl.locator("#diagram-svg g.node.selected")).to_have_text("Events")
    carl.locator("body").press("ArrowRight")
    expect(carl.locator("#diagram-svg g.node.selected")).to_have_text("Ranker")
    carl.locator("body").press("Enter")
    expect(carl.locator("#diagram-canvas input.inline-label")).to_be_focused()
    carl.keyboard.type("Scorer")
    carl.keyboard.press("Enter")
    wait_version(ines, 10)
    expect(node(ines, "Scorer")).to_have_count(1)
    # Delete and undo it; zoom in and fit again; follow the other side and stop.
    expect(carl.locator("#diagram-svg g.node.selected")).to_have_text("Scorer")
    carl.locator("body").press("Delete")
    wait_version(ines, 11)
    expect(ines.locator("#diagram-svg g.node")).to_have_count(2)
    carl.locator("body").press("Control+z")
    wait_version(ines, 12)
    expect(node(ines, "Scorer")).to_have_count(1)
    width = "document.querySelector('#diagram-svg svg').getBoundingClientRect().width"
    fitted = carl.evaluate(width)
    carl.locator("body").press("+")
    carl.wait_for_function(f"() => {width} > {fitted} * 1.1")
    carl.locator("body").press("0")
    carl.wait_for_function(f"() => Math.abs({width} - {fitted}) < 1")
    carl.locator("body").press("f")
    expect(carl.locator("#diagram-follow")).to_have_attribute("aria-pressed", "true")
    expect(ines.locator("#diagram-followed")).to_be_visible()
    carl.locator("body").press("f")
    expect(carl.locator("#diagram-follow")).to_have_attribute("aria-pressed", "false")


def test_undo_and_redo_survive_a_reload_of_the_same_tab(open_room, live_room, candidate):
    carl = open_room(candidate, live_room)
    add_block(carl, "Events")
    carl.locator("body").press("Escape")
    carl.locator("body").press("d")
    wait_version(carl, 3)
    expect(carl.locator("#diagram-direction")).to_have_text("LR")
    carl.reload()
    wait_version(carl, 3)
    expect(carl.locator("#diagram-undo")).to_be_enabled()
    carl.locator("body").press("Control+z")
    wait_version(carl, 4)
    expect(carl.locator("#diagram-direction")).to_have_text("TB")
    carl.reload()
    wait_version(carl, 4)
    carl.locator("body").press("Control+Shift+z")
    wait_version(carl, 5)
    expect(carl.locator("#diagram-direction")).to_have_text("LR")
    # The history is the tab's: the same person in a new tab starts without one.
    other_tab = carl.context.new_page()
    other_tab.goto(carl.url)
    wait_version(other_tab, 5)
    expect(other_tab.locator("#diagram-undo")).to_be_disabled()


def test_graphviz_that_could_not_load_is_said_and_loaded_again(new_context, app_url, live_room, candidate):
    context = new_context()
    context.add_cookies([{"name": "sessionid", "value": off_the_loop(session_cookie, candidate), "url": app_url}])
    refused = []
    network = {"up": False}

    def while_down(route):
        if network["up"]:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    # As if the network dropped while the page fetched Graphviz: the canvas says so...
    context.route("**/vendor/viz-js/**", while_down)
    page = context.new_page()
    page.goto(f"/rooms/{live_room.pk}/")
    expect(page.locator("#diagram-svg")).to_have_attribute("data-error", re.compile("could not be drawn"))
    assert refused
    # ...and once it is back, the page loads Graphviz again by itself and draws.
    network["up"] = True
    wait_version(page, 0)
    expect(page.locator("#diagram-svg")).not_to_have_attribute("data-error", re.compile("."))
