"""Twists: the interviewer reveals a new constraint mid-interview; the candidate gets it live."""

import html
import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, Forbidden, Invalid
from interview import services
from interview.models import TwistReveal
from tests.conftest import client_for
from tests.helpers import api_for, open_socket, receive_type


def first_twist(room) -> dict:
    return room.problem.twists[0]


@pytest.mark.django_db
def test_a_reveal_is_logged_with_its_phase_and_minute(joined_room, interviewer):
    start = timezone.now() - timedelta(minutes=7)
    services.timer_control(room=joined_room, by=interviewer, action="start", now=start)
    services.timer_control(room=joined_room, by=interviewer, action="next_phase", now=start + timedelta(minutes=5))
    key = first_twist(joined_room)["key"]
    reveal = services.twist_reveal(room=joined_room, by=interviewer, key=key, now=start + timedelta(minutes=7))
    assert (reveal.key, reveal.phase, round(reveal.elapsed)) == (key, "Data", 420)


@pytest.mark.django_db
def test_only_the_interviewer_reveals_a_known_twist_once_before_the_end(joined_room, interviewer, candidate):
    key = first_twist(joined_room)["key"]
    with pytest.raises(Forbidden):
        services.twist_reveal(room=joined_room, by=candidate, key=key)
    with pytest.raises(Invalid, match="no twist 'ghost'") as refused:
        services.twist_reveal(room=joined_room, by=interviewer, key="ghost")
    assert refused.value.field == "key"
    services.twist_reveal(room=joined_room, by=interviewer, key=key)
    with pytest.raises(Conflict, match="already revealed"):
        services.twist_reveal(room=joined_room, by=interviewer, key=key)
    services.timer_control(room=joined_room, by=interviewer, action="start")
    services.timer_control(room=joined_room, by=interviewer, action="end")
    with pytest.raises(Invalid, match="has ended"):
        services.twist_reveal(room=joined_room, by=interviewer, key=joined_room.problem.twists[1]["key"])
    assert TwistReveal.objects.count() == 1


@pytest.mark.django_db
def test_the_rest_api_reveals_and_both_roles_see_it(joined_room, interviewer, candidate):
    twist = first_twist(joined_room)
    url = f"/api/rooms/{joined_room.pk}/twists/"
    assert api_for(candidate).post(url, {"key": twist["key"]}, format="json").status_code == 403
    response = api_for(interviewer).post(url, {"key": twist["key"]}, format="json")
    assert response.status_code == 200
    assert [t["title"] for t in response.json()["twists"]] == [twist["title"]]
    assert api_for(interviewer).post(url, {"key": twist["key"]}, format="json").status_code == 409
    seen = api_for(candidate).get(f"/api/rooms/{joined_room.pk}/").json()["twists"]
    assert seen[0]["reveal"] == twist["reveal"]
    assert "good_adaptation" not in seen[0]


@pytest.mark.django_db
def test_the_candidate_page_holds_no_twist_before_it_is_revealed(joined_room, interviewer, candidate):
    twist = first_twist(joined_room)
    url = reverse("room-detail", args=[joined_room.pk])
    mine = html.unescape(client_for(interviewer).get(url).content.decode())
    assert twist["good_adaptation"] in mine
    assert twist["title"] in mine
    theirs = html.unescape(client_for(candidate).get(url).content.decode())
    for each in joined_room.problem.twists:
        assert each["title"] not in theirs
        assert each["reveal"] not in theirs
        assert each["good_adaptation"] not in theirs


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_candidate_receives_a_revealed_twist_live(joined_room, interviewer, candidate):
    twist = await database_sync_to_async(first_twist)(joined_room)
    ws_i, _ = await open_socket(joined_room, interviewer)
    ws_c, snapshot = await open_socket(joined_room, candidate)
    assert snapshot["room"]["twists"] == []
    await ws_c.send_json_to({"type": "twist.reveal", "key": twist["key"]})
    refused = await receive_type(ws_c, "error")
    assert (refused["code"], refused["request"]) == ("forbidden", "twist.reveal")

    await ws_i.send_json_to({"type": "twist.reveal", "key": twist["key"]})
    message = await receive_type(ws_c, "twists")
    assert [(t["key"], t["title"], t["reveal"]) for t in message["twists"]] == [
        (twist["key"], twist["title"], twist["reveal"])
    ]
    assert twist["good_adaptation"] not in json.dumps(message)
    assert (await receive_type(ws_i, "twists"))["twists"][0]["key"] == twist["key"]
    await ws_i.send_json_to({"type": "twist.reveal", "key": twist["key"]})
    again = await receive_type(ws_i, "error")
    assert (again["code"], again["field"]) == ("conflict", "key")
    assert await database_sync_to_async(TwistReveal.objects.count)() == 1
    await ws_i.disconnect()
    await ws_c.disconnect()
