"""Swapping roles at the end: a new room, the candidate now interviewing, on a problem
neither has done, both seated; the same room on a second ask; the other page is told."""

import pytest
from channels.db import database_sync_to_async

from core.errors import Forbidden, Invalid
from interview import services
from interview.models import Room
from problembank.models import Problem
from tests.helpers import api_for, open_socket, receive_type


def ended(room, interviewer):
    services.timer_control(room=room, by=interviewer, action="end")
    room.refresh_from_db()
    return room


def test_the_candidate_interviews_next_on_a_problem_neither_has_done(joined_room, interviewer, candidate, stranger):
    # Problems each has already done, elsewhere and with others.
    done_by_candidate = Problem.objects.get(slug="news-feed")
    other = services.room_create(problem=done_by_candidate, interviewer=stranger)
    services.room_join(token=other.invite_token, user=candidate)
    services.timer_control(room=other, by=stranger, action="end")
    services.room_create(problem=Problem.objects.get(slug="people-you-may-know"), interviewer=interviewer)
    room = ended(joined_room, interviewer)

    swapped = services.room_swap(room=room, by=candidate)
    assert (swapped.interviewer, swapped.candidate) == (candidate, interviewer)
    done = set(Room.objects.exclude(pk=swapped.pk).values_list("problem__slug", flat=True))
    assert swapped.problem.slug not in done
    # The same difficulty as the interview just done comes first.
    assert swapped.problem.difficulty == room.problem.difficulty
    assert services.room_swap(room=room, by=interviewer) == swapped
    assert Room.objects.count() == 4


def test_roles_swap_only_once_the_interview_has_ended_and_only_for_its_participants(
    joined_room, interviewer, candidate, stranger
):
    with pytest.raises(Invalid) as error:
        services.room_swap(room=joined_room, by=candidate)
    assert error.value.message == "roles can be swapped once the interview has ended"
    ended(joined_room, interviewer)
    with pytest.raises(Forbidden):
        services.room_swap(room=joined_room, by=stranger)
    answer = api_for(candidate).post(f"/api/rooms/{joined_room.pk}/swap/")
    assert answer.status_code == 201
    assert (answer.json()["role"], answer.json()["interviewer"]) == ("interviewer", "carl")


def test_when_every_problem_is_done_the_swap_says_so(joined_room, interviewer, candidate):
    for problem in Problem.objects.exclude(pk=joined_room.problem_id):
        services.room_create(problem=problem, interviewer=interviewer)
    with pytest.raises(Invalid) as error:
        services.room_swap(room=ended(joined_room, interviewer), by=candidate)
    assert error.value.field == "problem"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_other_side_is_told_of_the_swapped_room(joined_room, interviewer, candidate):
    await database_sync_to_async(ended)(joined_room, interviewer)
    ws, _ = await open_socket(joined_room, interviewer)
    swapped = await database_sync_to_async(lambda: services.room_swap(room=joined_room, by=candidate))()
    title = await database_sync_to_async(lambda: swapped.problem.title)()
    told = await receive_type(ws, "swapped")
    assert told == {"type": "swapped", "room_id": str(swapped.pk), "problem": title}
    await ws.disconnect()
