"""A server too busy to take more: the page keeps what it was refused and sends it again,
in order, after the retry hint; the person is told once, and nothing is lost or doubled."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from diagrams.models import DiagramOp
from interview.models import RoomNote
from tests import servers
from tests.browser.conftest import off_the_loop
from tests.browser.pages import wait_version

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="holds a row lock, which SQLite does not have; CI runs on PostgreSQL"
    ),
]


def test_a_page_refused_as_busy_sends_its_ops_again_and_none_is_lost(
    open_on, redis_url, live_room, interviewer, candidate
):
    database_url = off_the_loop(servers.shared_database_url)
    diagram_id = off_the_loop(lambda: live_room.diagram.pk)
    # One message in hand is all this server takes. While the candidate's op waits for the
    # database (and her socket's next op waits behind it), the interviewer's note is refused.
    with servers.asgi_process(
        redis_url=redis_url, database_url=database_url, settings_env={"MOCKBOARD_MAX_IN_FLIGHT": "1"}
    ) as (url, _):
        ines = open_on(interviewer, live_room, url)
        carl = open_on(candidate, live_room, url)
        ines.get_by_role("tab", name="Private").click()
        with servers.diagram_row_held(diagram_id):
            carl.locator("body").press("n")
            carl.locator("body").press("n")
            ines.locator("#interviewer-notes").fill("Asks about the objective first")
            expect(ines.locator(".toast-warning")).to_contain_text("The server is busy")
            expect(ines.locator('.save-state[data-for="interviewer-notes"]')).not_to_have_text("Saved")
        # The database answers again: the held ops are applied, and the refused note, sent again.
        wait_version(ines, 2)
        expect(ines.locator("#diagram-svg g.node")).to_have_count(2)
        expect(ines.locator('.save-state[data-for="interviewer-notes"]')).to_have_text("Saved")
    logged = DiagramOp.objects.filter(diagram_id=diagram_id).order_by("version")
    ops = off_the_loop(lambda: list(logged.values_list("op", "client_op_id")))
    assert [op["op"] for op, _ in ops] == ["add_node", "add_node"]
    assert len({client_op_id for _, client_op_id in ops}) == 2
    note = off_the_loop(lambda: RoomNote.objects.get(room=live_room, kind="interviewer").text)
    assert note == "Asks about the objective first"
