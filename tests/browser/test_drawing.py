"""The whiteboard as people see it: drawn in the page from Graphviz's layout, readable as it
opens, animated as it changes, easy to hit, with the reference full size and a view to follow."""

import pytest
from playwright.sync_api import Page, expect

from diagrams.graph import normalize
from interview import services
from problembank.models import Problem
from tests.browser.conftest import off_the_loop
from tests.browser.pages import add_block, wait_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FLOOR_PX = 12

# Each block label's size on screen: its font size times the drawing's scale.
LABEL_SIZES_JS = """() => [...document.querySelectorAll('#diagram-svg g.node text')]
    .map(t => Number(t.getAttribute('font-size')) * t.getScreenCTM().a)"""

# Whether the whole drawing is on screen without scrolling.
FITS_JS = """() => { const box = document.getElementById('diagram-svg');
    return box.scrollWidth <= box.clientWidth + 1 && box.scrollHeight <= box.clientHeight + 1; }"""


# Where block `id` is on screen when version `version` is first drawn, before it glides
# anywhere: kept in window.glideStart.
GLIDE_START_JS = """([id, version]) => {
    const box = document.getElementById('diagram-svg');
    window.glideStart = new Promise(resolve => new MutationObserver((_, observer) => {
        if (box.dataset.drawn !== version) return;
        observer.disconnect();
        const drawn = document.getElementById(id).getBoundingClientRect();
        resolve([drawn.x, drawn.y]);
    }).observe(box, {attributes: true}));
}"""


def node(page: Page, label: str):
    return page.locator("#diagram-svg g.node", has_text=label)


def reference_rooms(interviewer) -> dict[str, object]:
    """A room for every problem of the bank, drawn as its reference diagram."""
    rooms = {}
    for problem in Problem.objects.order_by("slug"):
        room = services.room_create(problem=problem, interviewer=interviewer)
        graph = normalize(problem.reference_diagram)
        services.diagram_op_apply(room=room, by=interviewer, op={"op": "replace", "graph": graph})
        rooms[problem.slug] = room
    return rooms


@pytest.mark.parametrize("viewport", [(1440, 900), (1280, 720)], ids=["1440x900", "1280x720"])
def test_every_reference_diagram_opens_with_labels_at_12_px_or_more(open_room, problem, interviewer, viewport):
    rooms = off_the_loop(reference_rooms, interviewer)
    width, height = viewport
    page = None
    fits = []
    for slug, room in rooms.items():
        if page is None:
            page = open_room(interviewer, room, panels_open=False, viewport={"width": width, "height": height})
        else:
            page.goto(f"/rooms/{room.pk}/")
        wait_version(page, 1)
        sizes = page.evaluate(LABEL_SIZES_JS)
        assert sizes, slug
        assert min(sizes) >= FLOOR_PX - 0.01, (slug, min(sizes))
        fits.append(page.evaluate(FITS_JS))
    # The panels folded, most fit whole at that size on the larger screen (bench.room_view
    # reports each; the target is 12 of the 16).
    if width == 1440:
        assert sum(fits) >= 12, fits


def test_the_panels_fold_to_rails_and_the_choice_is_remembered(open_room, live_room, interviewer):
    page = open_room(interviewer, live_room, panels_open=False)
    statement, side = page.locator("#statement-toggle"), page.locator("#side-toggle")
    # A 1280x720 screen opens with both folded: the canvas has the width.
    expect(statement).to_have_attribute("aria-expanded", "false")
    expect(side).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#candidate-notes")).to_be_hidden()
    folded_width = page.locator("#diagram-svg").evaluate("e => e.clientWidth")
    assert folded_width > 1100
    # A tab on the rail opens the panel at that tab; the choice survives a reload.
    page.locator("#tab-private").click()
    expect(side).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#interviewer-notes")).to_be_visible()
    assert page.locator("#diagram-svg").evaluate("e => e.clientWidth") < folded_width - 300
    page.keyboard.press("Shift+P")
    expect(page.locator(".statement")).to_be_visible()
    page.reload()
    expect(page.locator("#conn-state")).to_have_text("Live")
    expect(statement).to_have_attribute("aria-expanded", "true")
    expect(side).to_have_attribute("aria-expanded", "true")
    page.locator("#side-toggle").click()
    expect(page.locator("#interviewer-notes")).to_be_hidden()


# Every transform a block is drawn at from now on, and whether its class said it was new.
WATCH_JS = """(id) => {
    window.seen = {moves: [], entered: [], changed: []};
    const watched = document.getElementById('node-' + id);
    const drawn = () => Number(document.getElementById('diagram-svg').dataset.drawn);
    new MutationObserver(() => window.seen.moves.push([drawn(), watched.getAttribute('transform')]))
        .observe(watched, {attributes: true, attributeFilter: ['transform']});
    new MutationObserver(records => { for (const r of records) for (const n of r.addedNodes) {
        if (n.classList?.contains('entering')) window.seen.entered.push(n.id);
        if (n.classList?.contains('changed')) window.seen.changed.push(n.id);
    }}).observe(document.querySelector('#diagram-svg svg'), {childList: true, subtree: true});
    new MutationObserver(records => { for (const r of records)
        if (r.target.classList.contains('changed')) window.seen.changed.push(r.target.id);
    }).observe(document.querySelector('#diagram-svg svg'),
        {attributes: true, attributeFilter: ['class'], subtree: true});
}"""


def translate(transform: str) -> tuple[float, float]:
    x, y = transform.removeprefix("translate(").removesuffix(")").split()
    return float(x), float(y)


def test_the_other_sides_change_glides_fades_in_and_is_highlighted(open_room, live_room, interviewer, candidate):
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    svg_requests = []
    ines.on("request", lambda request: svg_requests.append(request.url) if "diagram" in request.url else None)
    add_block(carl, "Ranker")
    add_block(carl, "Features")
    wait_version(ines, 4)
    ranker = node(ines, "Ranker")
    ines.evaluate(WATCH_JS, ranker.get_attribute("id").removeprefix("node-"))

    # A block above both, joined to them: the two move down a rank, and glide there.
    carl.locator("body").press("Escape")
    add_block(carl, "Events", kind="stream")
    wait_version(ines, 6)
    events = node(carl, "Events").get_attribute("id").removeprefix("node-")
    before = translate(ranker.get_attribute("transform"))
    for target in ("Ranker", "Features"):
        node(carl, "Events").click()
        node(carl, target).click(modifiers=["Shift"])
        carl.locator("body").press("c")
    wait_version(ines, 8)
    seen = ines.evaluate("() => window.seen")
    after = translate(ranker.get_attribute("transform"))
    assert after[1] > before[1]  # moved down
    # It went through places in between, each further along than the one before.
    path = [translate(transform)[1] for version, transform in seen["moves"] if version > 6]
    assert len(path) >= 3, path
    assert path == sorted(path), path
    assert before[1] <= path[0] < path[-1] == after[1], path
    # The new block faded in and was highlighted on the side that did not make it.
    assert f"node-{events}" in seen["entered"]
    assert f"node-{events}" in seen["changed"]
    # Drawn from the page's own layout: nothing was asked of the server to draw it.
    assert not [url for url in svg_requests if url.endswith(".svg") or "/diagram/" in url], svg_requests


# The middle of an arrow's drawn line, on screen.
ARROW_MIDDLE_JS = """() => { const line = document.querySelector('#diagram-svg g.edge path.line');
    const point = line.getPointAtLength(line.getTotalLength() / 2).matrixTransform(line.getScreenCTM());
    return [point.x, point.y]; }"""


def test_an_arrow_is_hit_6_px_from_its_line_at_any_zoom(open_room, live_room, interviewer):
    ines = open_room(interviewer, live_room)
    add_block(ines, "Events")
    add_block(ines, "Features")
    ines.locator("body").press("Escape")
    ines.locator("body").press("]")
    ines.locator("body").press("}")
    ines.locator("body").press("c")
    wait_version(ines, 5)
    edge_form = ines.locator("#diagram-edge-form")
    for zoom_key in ("0", "-", "-", "-"):
        ines.locator("body").press(zoom_key)
        ines.locator("body").press("Escape")
        expect(edge_form).to_be_hidden()
        x, y = ines.evaluate(ARROW_MIDDLE_JS)
        # The arrow runs top to bottom: beside it, 6 px to the right, still selects it...
        ines.mouse.click(x + 6, y)
        expect(edge_form).to_be_visible()
        # ...and 12 px away does not.
        ines.mouse.click(x + 12, y)
        expect(edge_form).to_be_hidden()
    # The selection's outline is drawn at one screen width whatever the zoom.
    outline = ines.locator("#diagram-svg g.node .outline").first
    assert outline.evaluate("e => getComputedStyle(e).vectorEffect") == "non-scaling-stroke"


def test_the_reference_tab_opens_the_diagram_full_size(open_room, live_room, interviewer):
    ines = open_room(interviewer, live_room)
    ines.locator("#tab-reference").click()
    ines.get_by_role("button", name="Open full size").click()
    overlay = ines.locator("#reference-overlay")
    expect(overlay).to_be_visible()
    sizes_js = """() => [...document.querySelectorAll('#reference-overlay g.node text')]
        .map(t => Number(t.getAttribute('font-size')) * t.getScreenCTM().a)"""
    sizes = ines.evaluate(sizes_js)
    assert len(sizes) >= 10
    assert min(sizes) >= FLOOR_PX - 0.01, sizes
    overlay.get_by_role("button", name="Zoom in").click()
    assert min(ines.evaluate(sizes_js)) > min(sizes) * 1.2
    # Dragging pans the drawing when it is larger than the overlay.
    canvas = overlay.locator(".overlay-canvas")
    overlay.get_by_role("button", name="Zoom in").click()
    box = canvas.bounding_box()
    ines.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    ines.mouse.down()
    ines.mouse.move(box["x"] + box["width"] / 2 - 150, box["y"] + box["height"] / 2 - 100)
    ines.mouse.up()
    assert canvas.evaluate("e => [e.scrollLeft, e.scrollTop]") != [0, 0]
    ines.keyboard.press("Escape")
    expect(overlay).to_be_hidden()
    expect(ines.locator("#reference-thumbnail svg")).to_be_visible()


# Which labelled blocks are wholly inside the canvas as this page shows it.
ON_SCREEN_JS = """() => { const view = document.getElementById('diagram-svg').getBoundingClientRect();
    return [...document.querySelectorAll('#diagram-svg g.node')].filter(g => { const b = g.getBoundingClientRect();
        return b.left >= view.left && b.right <= view.right && b.top >= view.top && b.bottom <= view.bottom; })
    .map(g => g.textContent).sort(); }"""


def test_follow_shows_what_the_other_side_sees(open_room, live_room, interviewer, candidate):
    graph = normalize(live_room.problem.reference_diagram)
    off_the_loop(services.diagram_op_apply, room=live_room, by=interviewer, op={"op": "replace", "graph": graph})
    ines = open_room(interviewer, live_room)
    carl = open_room(candidate, live_room)
    wait_version(ines, 1)
    wait_version(carl, 1)
    # The candidate looks closely at one corner of the drawing...
    for _ in range(4):
        carl.locator("body").press("+")
    carl.locator("#diagram-svg").evaluate("e => e.scrollTo(e.scrollWidth, e.scrollHeight)")
    carl_sees = carl.evaluate(ON_SCREEN_JS)
    assert 0 < len(carl_sees) < len(graph["nodes"])
    assert ines.evaluate(ON_SCREEN_JS) != carl_sees
    # ...the interviewer follows, and sees at least what the candidate sees.
    ines.get_by_role("button", name="Follow").click()
    expect(carl.locator("#diagram-followed")).to_have_text("ines follows your view")
    ines.wait_for_function(f"(want) => want.every(t => ({ON_SCREEN_JS})().includes(t))", arg=carl_sees)
    # The candidate moves to the other corner, and the view follows.
    carl.locator("#diagram-svg").evaluate("e => e.scrollTo(0, 0)")
    carl_sees = carl.evaluate(ON_SCREEN_JS)
    ines.wait_for_function(f"(want) => want.every(t => ({ON_SCREEN_JS})().includes(t))", arg=carl_sees)
    # Panning by hand ends it, on both sides.
    box = ines.locator("#diagram-svg").bounding_box()
    ines.mouse.move(box["x"] + 5, box["y"] + 5)
    ines.mouse.down()
    ines.mouse.move(box["x"] + 60, box["y"] + 40)
    ines.mouse.up()
    expect(ines.get_by_role("button", name="Follow")).to_have_attribute("aria-pressed", "false")
    expect(carl.locator("#diagram-followed")).to_be_hidden()


def test_blocks_already_drawn_stay_put_on_screen_as_the_drawing_grows(open_room, live_room, interviewer):
    ines = open_room(interviewer, live_room)
    add_block(ines, "Events")
    wait_version(ines, 2)
    first = node(ines, "Events").bounding_box()
    # Top to bottom, each new block joined below the last: the drawing grows downwards from
    # its top, at the same scale, so the first block does not move (but for a pixel or so:
    # sizes are whole pixels).
    for version, label in ((5, "Features"), (8, "Ranker")):
        add_block(ines, label)
        ines.locator("body").press("[")  # the block made before it
        ines.locator("body").press("}")  # and the new one
        ines.locator("body").press("c")
        wait_version(ines, version)
        box = node(ines, "Events").bounding_box()
        assert abs(box["x"] - first["x"]) < 3
        assert abs(box["y"] - first["y"]) < 2


def test_what_graphviz_shifts_as_a_whole_stays_put_on_screen(open_room, live_room, interviewer):
    ines = open_room(interviewer, live_room)
    for label in ("Events", "Features"):
        add_block(ines, label)
    ines.locator("body").press("[")  # Events
    ines.locator("body").press("}")  # and Features
    ines.locator("body").press("c")
    wait_version(ines, 5)
    before = {label: node(ines, label).bounding_box() for label in ("Events", "Features")}
    # A second source joined to Features: Graphviz puts it beside Events and centres Features
    # under both, so in its layout Events moves left and Features right. The oldest block
    # keeps its place on screen; the drawing is not re-centred around them.
    add_block(ines, "Clicks")
    ines.locator("body").press("{")  # Clicks, then Features
    features = node(ines, "Features").get_attribute("id")
    ines.evaluate(GLIDE_START_JS, [features, "8"])
    ines.locator("body").press("c")
    wait_version(ines, 8)
    events = node(ines, "Events").bounding_box()
    assert abs(events["x"] - before["Events"]["x"]) < 2
    assert abs(events["y"] - before["Events"]["y"]) < 2
    assert node(ines, "Clicks").bounding_box()["x"] > events["x"] + events["width"]
    # Features glided to its new place from where it was on screen.
    start = ines.evaluate("window.glideStart")
    assert abs(start[0] - before["Features"]["x"]) < 2
    assert abs(start[1] - before["Features"]["y"]) < 2
    assert node(ines, "Features").bounding_box()["x"] > before["Features"]["x"] + 10


def test_the_scale_keeps_its_step_while_the_drawing_still_fits(open_room, problem, interviewer):
    def payment_fraud_room():
        problem = Problem.objects.get(slug="payment-fraud")
        room = services.room_create(problem=problem, interviewer=interviewer)
        graph = normalize(problem.reference_diagram)
        services.diagram_op_apply(room=room, by=interviewer, op={"op": "replace", "graph": graph})
        return room

    room = off_the_loop(payment_fraud_room)
    page = open_room(interviewer, room, panels_open=False, viewport={"width": 1440, "height": 900})
    wait_version(page, 1)
    before = page.evaluate(LABEL_SIZES_JS)
    # Fitted with room to spare (1.3 x 0.85 = 1.105, not the 1.17 that would just fit)...
    assert round(min(before), 1) == round(14 * 1.3 * 0.85, 1)
    add_block(page, "Chargebacks")
    wait_version(page, 3)
    # ...so one more block changes nothing else on screen.
    assert round(min(page.evaluate(LABEL_SIZES_JS)), 2) == round(min(before), 2)
    assert page.evaluate(FITS_JS)
