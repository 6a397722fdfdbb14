"""Two ASGI server processes behind one Redis: the interviewer on one, the candidate on the
other, as behind a load balancer. Each sees the other's presence, timer and diagram."""

import pytest
from playwright.sync_api import expect

from tests import servers
from tests.browser.conftest import off_the_loop
from tests.browser.pages import NODES_JS, add_block, wait_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_participants_on_two_processes_see_each_other(open_on, redis_url, live_room, interviewer, candidate):
    database_url = off_the_loop(servers.shared_database_url)
    with (
        servers.asgi_server(redis_url=redis_url, database_url=database_url) as first,
        servers.asgi_server(redis_url=redis_url, database_url=database_url) as second,
    ):
        ines = open_on(interviewer, live_room, first)
        carl = open_on(candidate, live_room, second)
        expect(ines.locator('#presence [data-role="candidate"]')).to_have_attribute("data-connected", "true")
        expect(carl.locator('#presence [data-role="interviewer"]')).to_have_attribute("data-connected", "true")
        ines.get_by_role("button", name="Start").click()
        expect(carl.locator("#timer-status")).to_have_text("Running")
        add_block(carl, "Ranker")
        # Each page draws version 2 when its own SVG comes back; either may be first.
        wait_version(ines, 2)
        wait_version(carl, 2)
        assert ines.evaluate(NODES_JS) == carl.evaluate(NODES_JS)
        ines.context.close()
        # A close frame makes it at once; a half-open socket is dropped by the server's ping.
        expect(carl.locator('#presence [data-role="interviewer"]')).to_have_attribute(
            "data-connected", "false", timeout=15_000
        )
        carl.context.close()
        off_the_loop(servers.wait_for_disconnects)
