"""What browser tests do to our pages, shared by them."""

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

# Each drawn node's id and its text, in drawing order: what a person sees of the diagram.
NODES_JS = """() => [...document.querySelectorAll('#diagram-svg g.node')]
    .map(g => [g.id, [...g.querySelectorAll('text')].map(t => t.textContent).join(' ')])"""


def sign_up(page: Page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()


def new_page(new_context, **options) -> Page:
    page = new_context(**options).new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def wait_version(page: Page, version: int) -> None:
    expect(page.locator("#diagram-svg")).to_have_attribute("data-version", str(version))


def add_block(page: Page, label: str, *, kind: str | None = None) -> None:
    """A block placed from the palette (`kind`) or with N, then named: two ops."""
    if kind:
        page.locator(f'#diagram-palette button[data-kind="{kind}"]').click()
    else:
        page.locator("body").press("n")
    expect(page.locator("#diagram-node-label")).to_be_focused()
    page.keyboard.type(label)
    page.keyboard.press("Enter")
