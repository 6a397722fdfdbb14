"""The kit a candidate may not read during their interview, the invite kept through signing up,
and finding a problem by the words people use."""

from __future__ import annotations

import pytest
from django.template.defaultfilters import urlencode
from django.test import Client
from django.urls import reverse

from interview import services
from problembank import services as problembank_services
from problembank.models import Problem
from tests.conftest import PASSWORD, client_for, problem_data
from tests.helpers import api_for

CLOSED = "the candidate in an interview on “Video recommendations for a home feed” that has not ended"


def kit_texts(problem: Problem) -> list[str]:
    """Strings only the kit holds: a clarifying answer, a rubric level, a twist's adaptation."""
    return [
        problem.guide["clarifications"][0]["answer"],
        problem.rubric[0]["levels"][3],
        problem.twists[0]["good_adaptation"],
    ]


def test_make_my_version_is_refused_to_the_candidate_during_the_interview_and_says_why(joined_room, candidate):
    response = client_for(candidate).get(reverse("problem-new"), {"from": joined_room.problem.slug})
    assert response.status_code == 403
    page = response.content.decode()
    assert CLOSED in page
    assert "opens to you once that interview ends" in page
    for text in kit_texts(joined_room.problem):
        assert text not in page


def test_the_reference_drawing_is_refused_to_the_candidate_during_the_interview(joined_room, candidate):
    response = client_for(candidate).get(reverse("problem-reference-svg", args=[joined_room.problem.slug]))
    assert response.status_code == 403
    assert CLOSED in response.content.decode()
    assert b"<svg" not in response.content


def test_opening_a_room_on_the_problem_is_refused_to_the_candidate_on_the_page_and_the_api(joined_room, candidate):
    page = client_for(candidate).post(reverse("room-create"), {"problem": joined_room.problem.slug}, follow=True)
    assert CLOSED in page.content.decode()
    response = api_for(candidate).post("/api/rooms/", {"problem": joined_room.problem.slug}, format="json")
    assert response.status_code == 403
    assert CLOSED in response.json()["problem"][0]
    assert not joined_room.problem.rooms.filter(interviewer=candidate).exists()


def test_the_candidates_own_earlier_room_on_the_problem_withholds_the_kit_on_every_path(
    problem, interviewer, candidate
):
    own = services.room_create(problem=problem, interviewer=candidate)
    interview = services.room_create(problem=problem, interviewer=interviewer)
    services.room_join(token=interview.invite_token, user=candidate)
    page = client_for(candidate).get(reverse("room-detail", args=[own.pk])).content.decode()
    room = api_for(candidate).get(f"/api/rooms/{own.pk}/").json()
    for text in kit_texts(problem):
        assert text not in page
        assert text not in str(room)
    assert CLOSED in page
    assert CLOSED in room["problem"]["kit_refused"]
    assert [room["problem"][field] for field in ("guide", "rubric", "reference_diagram", "twists")] == [None] * 4
    refused = api_for(candidate).post(f"/api/rooms/{own.pk}/reports/", {}, format="json")
    assert refused.status_code == 403


def test_the_kit_opens_again_once_the_interview_ends(joined_room, interviewer, candidate):
    services.timer_control(room=joined_room, by=interviewer, action="end")
    assert (
        client_for(candidate).get(reverse("problem-reference-svg", args=[joined_room.problem.slug])).status_code == 200
    )
    response = client_for(candidate).get(reverse("problem-new"), {"from": joined_room.problem.slug})
    assert response.status_code == 200
    assert " ".join(joined_room.problem.twists[0]["good_adaptation"].split()[:6]) in response.content.decode()


def test_the_problem_list_says_why_the_candidate_cannot_open_a_room_on_it(joined_room, candidate):
    page = client_for(candidate).get(reverse("problem-list")).content.decode()
    card = page.split(f'data-slug="{joined_room.problem.slug}"', 1)[1].split("</li>", 1)[0]
    assert "its kit opens to you, and you can open a room on it, once that interview ends" in card
    assert "reference.svg" not in card
    assert "Open a room" not in card
    other = page.split('data-slug="ad-click-prediction"', 1)[1].split("</li>", 1)[0]
    assert "Open a room" in other


def test_the_author_of_a_problem_keeps_its_kit_while_interviewed_on_it(interviewer, candidate):
    own = problembank_services.problem_save(by=candidate, data=problem_data(shared=True))
    room = services.room_create(problem=own, interviewer=interviewer)
    services.room_join(token=room.invite_token, user=candidate)
    assert client_for(candidate).get(reverse("problem-edit", args=[own.slug])).status_code == 200
    assert client_for(candidate).get(reverse("problem-reference-svg", args=[own.slug])).status_code == 200


def test_every_way_in_from_an_invite_leads_back_to_it_and_says_who_invited_whom(room):
    invite = reverse("invite", args=[room.invite_token])
    visitor = Client()
    sign_in = visitor.get(invite, follow=True)
    page = sign_in.content.decode()
    assert "ines</strong> invited you to a mock interview" in page
    assert "Video recommendations for a home feed" in page
    # The header's links as well as the card's keep the invite.
    next_query = f"?next={urlencode(invite)}"
    assert page.count(f'href="{reverse("signup")}{next_query}"') == 2
    assert f'href="{reverse("login")}{next_query}"' in page
    sign_up = visitor.get(f"{reverse('signup')}{next_query}").content.decode()
    assert "ines</strong> invited you to a mock interview" in sign_up
    assert f'name="next" value="{invite}"' in sign_up
    created = visitor.post(
        reverse("signup"), {"username": "newcomer", "password1": PASSWORD, "password2": PASSWORD, "next": invite}
    )
    assert created.url == invite
    assert "Join the room" in visitor.get(invite).content.decode()


def test_a_signed_out_page_sends_sign_in_back_to_it(problem):
    page = Client().get(reverse("login"), {"next": "/problems/?q=fraud"}).content.decode()
    assert f'href="{reverse("signup")}?next={urlencode("/problems/?q=fraud")}"' in page
    assert "invited you" not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("recsys", {"video-recommendation", "event-recommendation", "similar-listings"}),
        ("ANN", {"video-recommendation", "visual-search", "similar-listings"}),
        ("youtube", {"video-recommendation", "video-search"}),
        ("recommendations", {"video-recommendation", "event-recommendation"}),
        ("ctr ads", {"ad-click-prediction"}),
    ],
)
def test_search_finds_problems_by_the_words_people_use(problem, stranger, query, expected):
    page = client_for(stranger).get(reverse("problem-list"), {"q": query}).content.decode()
    found = {slug for slug in Problem.objects.values_list("slug", flat=True) if f'data-slug="{slug}"' in page}
    assert expected <= found
    assert "payment-fraud" not in found
