"""Restarts in the middle of an interview: the ASGI server killed and started again, Redis
stopped and started again. Both browsers come back on their own, resync within 3 s, and
nothing that was acknowledged (diagram ops, timer events, notes, scores) is lost."""

import time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from diagrams.models import DiagramOp
from interview.models import RoomConnection, RoomNote, Score, TimerEvent
from tests import servers
from tests.browser.conftest import off_the_loop
from tests.browser.pages import NODES_JS, add_block, wait_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESYNC_SECONDS = 3


def work_before_the_outage(ines: Page, carl: Page) -> None:
    """A timer start, a diagram op, a note and a score, each acknowledged on screen."""
    ines.get_by_role("button", name="Start").click()
    expect(carl.locator("#timer-status")).to_have_text("Running")
    carl.locator("body").press("t")
    carl.locator("#diagram-text-input").fill("Event logs [stream] -> Feature store [feature_store] : hourly")
    carl.get_by_role("button", name="Apply (Ctrl+Enter)").click()
    wait_version(ines, 1)
    carl.locator("#candidate-notes").fill("Objective: watch time")
    expect(carl.locator('.save-state[data-for="candidate-notes"]')).to_have_text("Saved")
    carl.locator("#candidate-notes").blur()
    ines.get_by_role("tab", name="Scoring").click()
    ines.locator('fieldset[data-dimension="modeling"] .level-option').nth(2).click()
    expect(ines.locator("#scoring-save-state")).to_have_text("Saved")


def resynced(ines: Page, carl: Page, version: int, started: float) -> None:
    for page in (ines, carl):
        expect(page.locator("#conn-state")).to_have_text("Live", timeout=RESYNC_SECONDS * 1000)
        wait_version(page, version)
        expect(page.locator("#timer-status")).to_have_text("Running")
    assert time.monotonic() - started < RESYNC_SECONDS
    assert ines.evaluate(NODES_JS) == carl.evaluate(NODES_JS)
    expect(ines.locator("#candidate-notes")).to_have_value("Objective: watch time")
    expect(ines.locator('fieldset[data-dimension="modeling"] input[value="3"]')).to_be_checked()


def nothing_lost(room, versions: int) -> None:
    def check():
        assert DiagramOp.objects.filter(diagram=room.diagram).count() == versions
        assert list(TimerEvent.objects.filter(room=room).values_list("kind", flat=True)) == ["start"]
        assert RoomNote.objects.get(room=room, kind="candidate").text == "Objective: watch time"
        assert Score.objects.get(room=room, dimension="modeling").level == 3

    off_the_loop(check)


def test_a_killed_server_is_back_in_3_s_with_nothing_lost(open_on, redis_url, live_room, interviewer, candidate):
    database_url = off_the_loop(servers.shared_database_url)
    port = servers.free_port()
    with servers.asgi_process(redis_url=redis_url, database_url=database_url, port=port) as (url, process):
        ines = open_on(interviewer, live_room, url)
        carl = open_on(candidate, live_room, url)
        work_before_the_outage(ines, carl)
        servers.kill_hard(process)
    expect(carl.locator("#conn-state")).to_have_text("Reconnecting…")
    expect(ines.locator("#conn-state")).to_have_text("Reconnecting…")
    restarted = timezone.now()
    with servers.asgi_process(redis_url=redis_url, database_url=database_url, port=port):
        resynced(ines, carl, 1, time.monotonic())
        # And it carries on: a new block reaches the other side.
        add_block(carl, "Ranker")
        wait_version(ines, 3)
        ines.context.close()
        carl.context.close()
        off_the_loop(servers.wait_for_disconnects, since=restarted)
        # The killed process never closed its sockets' rows; they would age out of presence.
        off_the_loop(lambda: RoomConnection.objects.filter(connected_at__lt=restarted).delete())
    nothing_lost(live_room, 3)


def test_redis_stopped_and_started_again_loses_nothing(open_on, live_room, interviewer, candidate):
    database_url = off_the_loop(servers.shared_database_url)
    redis = servers.RedisServer()
    redis.start()
    try:
        with servers.asgi_process(redis_url=redis.url, database_url=database_url) as (url, _):
            ines = open_on(interviewer, live_room, url)
            carl = open_on(candidate, live_room, url)
            work_before_the_outage(ines, carl)
            redis.stop()
            # While Redis is down the candidate adds a block: the op is stored, but nobody hears
            # of it (not even the candidate's own page, which keeps it as unanswered).
            carl.locator("body").press("n")
            off_the_loop(lambda: _wait_for_ops(live_room, 2))
            redis.start()
            resynced(ines, carl, 2, time.monotonic())
            expect(ines.locator("#diagram-svg g.node")).to_have_count(3)
            ines.context.close()
            carl.context.close()
            off_the_loop(servers.wait_for_disconnects)
    finally:
        redis.stop()
    nothing_lost(live_room, 2)


def _wait_for_ops(room, count: int, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while DiagramOp.objects.filter(diagram=room.diagram).count() < count:
        assert time.monotonic() < deadline, "the op made during the outage never reached the database"
        time.sleep(0.05)
