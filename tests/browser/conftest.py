"""A real app server and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright

from interview import services
from tests import servers
from tests.conftest import session_cookie

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = servers.BASE_DIR / "build" / "screenshots"


@pytest.fixture(scope="module")
def celery_worker_for_tests(redis_url, django_db_setup, django_db_blocker):
    """A worker on the same Redis broker as the app server, for reports."""
    with django_db_blocker.unblock():
        database_url = servers.shared_database_url()
    with servers.celery_worker(redis_url=redis_url, database_url=database_url):
        yield


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        raise RuntimeError("Chromium is not installed: run `make test` (installs it) or apt-get install chromium")
    # Playwright's sync API runs an event loop in this thread; Django's ORM guard would
    # then refuse the test's own (synchronous, legitimate) database calls. Both the loop
    # and this switch end with the module, before any other test runs.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--headless",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def csp_violations():
    """What the Content-Security-Policy refused in any of the test's pages. Every browser test
    fails on one: the pages must work under the policy, not around it."""
    refused: list[str] = []
    yield refused
    assert not refused, f"the Content-Security-Policy refused: {refused}"


def watch_csp(context, refused: list[str]) -> None:
    def seen(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            refused.append(message.text)

    context.on("console", seen)


# The room's panels as a person leaves them open (remembered in the browser, see
# static/js/room/panels.js): on a 1280x720 screen they open folded, and most tests are about
# what is in them. A test of the folded rails passes `panels_open=False`.
PANELS_OPEN = """if (localStorage.getItem('mockboard.panels') === null)
    localStorage.setItem('mockboard.panels', '{"statement": false, "side": false, "palette": false}');"""


def room_context(browser, csp_violations: list[str], base_url: str, *, panels_open: bool = True, **options):
    """A browser context at 1280x720 whose refusals by the CSP are watched."""
    context = browser.new_context(**{"base_url": base_url, "viewport": {"width": 1280, "height": 720}, **options})
    watch_csp(context, csp_violations)
    if panels_open:
        context.add_init_script(PANELS_OPEN)
    return context


@pytest.fixture
def new_context(browser, app_url, csp_violations):
    """Browser contexts for one test, closed after it so no page outlives its room."""
    contexts = []

    def make(**options):
        context = room_context(browser, csp_violations, app_url, **options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    off_the_loop(servers.wait_for_disconnects)


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=SCREENSHOTS / f"{name}.png")

    return take


def off_the_loop(function, *args, **kwargs):
    """Run Django code in a fresh thread: Playwright's sync API keeps an event loop running in
    this one, where Django's async_to_sync (used to broadcast) refuses to work."""

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


@pytest.fixture
def live_room(browser, problem, interviewer, candidate):
    """A room the candidate has joined, made after the browser started."""

    def make():
        room = services.room_create(problem=problem, interviewer=interviewer)
        return services.room_join(token=room.invite_token, user=candidate)

    return off_the_loop(make)


@pytest.fixture
def open_room(new_context, app_url):
    def open_as(user, room, *, on_websocket=None, **context_options) -> Page:
        context = new_context(**context_options)
        context.add_cookies([{"name": "sessionid", "value": off_the_loop(session_cookie, user), "url": app_url}])
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        if on_websocket:
            page.on("websocket", on_websocket)
        page.goto(f"/rooms/{room.pk}/")
        expect(page.locator("#conn-state")).to_have_text("Live")
        return page

    return open_as


@pytest.fixture
def open_on(browser, csp_violations):
    """Pages on a server of the test's own, closed (and their sockets settled) after it."""
    contexts = []

    def open_as(user, room, url: str) -> Page:
        context = room_context(browser, csp_violations, url)
        contexts.append(context)
        context.add_cookies([{"name": "sessionid", "value": off_the_loop(session_cookie, user), "url": url}])
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"/rooms/{room.pk}/")
        expect(page.locator("#conn-state")).to_have_text("Live")
        return page

    yield open_as
    for context in contexts:
        context.close()
    off_the_loop(servers.wait_for_disconnects)
