"""The calendar file of a scheduled room: an iCalendar event with the title, the time, the
phases' length and the invite link, every text escaped and every line folded."""

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import Invalid
from interview import services
from interview.calendar import fold, room_ics
from tests.conftest import client_for
from tests.helpers import api_for

AT = datetime(2026, 12, 24, 9, 30, tzinfo=UTC)


def test_a_scheduled_room_downloads_as_an_event_with_the_invite_link(room, interviewer):
    client = client_for(interviewer)
    answer = client.post(f"/rooms/{room.pk}/schedule/", {"scheduled_at": "2026-12-24T10:30:00+01:00"})
    assert answer.status_code == 302
    room.refresh_from_db()
    assert room.scheduled_at == AT
    ics = client.get(f"/rooms/{room.pk}/calendar.ics")
    assert ics["Content-Type"] == "text/calendar; charset=utf-8"
    assert ics["Content-Disposition"] == 'attachment; filename="mock-interview-video-recommendation.ics"'
    body = ics.content.decode()
    unfolded = body.replace("\r\n ", "")
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert "DTSTART:20261224T093000Z\r\n" in body
    # The default phases plan 35 minutes.
    assert "DTEND:20261224T100500Z\r\n" in body
    assert "SUMMARY:Mock interview: Video recommendations for a home feed\r\n" in unfolded
    assert f"http://testserver/invite/{room.invite_token}/" in unfolded
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_text_is_escaped_so_a_title_cannot_add_properties():
    title = "Ranking; with, commas\\ and\nATTENDEE:mailto:evil@example.com"
    body = room_ics(
        room_id="r1", title=title, start=AT, minutes=35, invite_url="http://x/invite/t/", host="x", now=AT
    ).replace("\r\n ", "")
    assert "\nATTENDEE" not in body
    assert "SUMMARY:Mock interview: Ranking\\; with\\, commas\\\\ and\\nATTENDEE:mailto:evil@example.com\r\n" in body


def test_folding_never_splits_a_character():
    line = "DESCRIPTION:" + "é" * 100
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_only_the_interviewer_schedules_before_the_end_with_a_time_zone(joined_room, interviewer, candidate):
    room = joined_room
    url = f"/api/rooms/{room.pk}/schedule/"
    answer = api_for(interviewer).put(url, {"scheduled_at": "2026-12-24T09:30:00Z"}, format="json")
    assert (answer.status_code, answer.json()["scheduled_at"]) == (200, "2026-12-24T09:30:00Z")
    assert api_for(candidate).put(url, {"scheduled_at": None}, format="json").status_code == 403
    bad = api_for(interviewer).put(url, {"scheduled_at": "soon"}, format="json")
    assert (bad.status_code, list(bad.json())) == (400, ["scheduled_at", "code"])
    with pytest.raises(Invalid):
        services.room_schedule(room=room, by=interviewer, at=datetime(2026, 12, 24, 9, 30))
    services.timer_control(room=joined_room, by=interviewer, action="end")
    with pytest.raises(Invalid) as error:
        services.room_schedule(room=joined_room, by=interviewer, at=AT + timedelta(days=1))
    assert error.value.message == "this interview has ended"


def test_no_calendar_file_without_a_time(room, interviewer, candidate):
    assert client_for(interviewer).get(f"/rooms/{room.pk}/calendar.ics").status_code == 404
