from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from interview import services
from interview.models import Room
from problembank import services as problembank_services
from problembank.models import Problem
from tests.conftest import PASSWORD, client_for, problem_data
from tests.helpers import INTERVIEWER_ONLY


def test_problem_bank_lists_title_tags_and_difficulty(problem, interviewer):
    page = client_for(interviewer).get(reverse("problem-list")).content.decode()
    assert "Video recommendations for a home feed" in page
    assert "Predicting ad click-through rate" in page
    assert "Detecting harmful content in posts" in page
    assert "two-stage" in page
    assert "Medium" in page
    assert "Hard" in page


def test_interviewer_opens_a_room_and_gets_an_invite_link(problem, interviewer):
    client = client_for(interviewer)
    response = client.post(reverse("room-create"), {"problem": problem.slug})
    room = Room.objects.get()
    assert response.url == reverse("room-detail", args=[room.pk])
    page = client.get(response.url).content.decode()
    assert f"/invite/{room.invite_token}/" in page


def test_unknown_problem_does_not_open_a_room(problem, interviewer):
    response = client_for(interviewer).post(reverse("room-create"), {"problem": "nope"}, follow=True)
    assert "Pick a problem from the bank" in response.content.decode()
    assert not Room.objects.exists()


def test_my_rooms_lists_both_roles_with_state(joined_room, interviewer, candidate, problem):
    other = services.room_create(problem=Problem.objects.get(slug="ad-click-prediction"), interviewer=candidate)
    page = client_for(candidate).get(reverse("room-list")).content.decode()
    assert "Video recommendations for a home feed" in page
    assert "Predicting ad click-through rate" in page
    assert "Interviewer" in page
    assert "Candidate" in page
    assert "Waiting" in page
    assert str(other.pk) in page
    assert str(joined_room.pk) in page


def test_invite_link_sends_anonymous_visitors_to_sign_in(room):
    url = reverse("invite", args=[room.invite_token])
    response = Client().get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_candidate_joins_through_the_invite_page(room, candidate):
    client = client_for(candidate)
    url = reverse("invite", args=[room.invite_token])
    assert "Join the room" in client.get(url).content.decode()
    response = client.post(url)
    assert response.url == reverse("room-detail", args=[room.pk])
    room.refresh_from_db()
    assert room.candidate == candidate


def test_second_person_on_the_link_sees_the_seat_is_taken(joined_room, stranger):
    response = client_for(stranger).get(reverse("invite", args=[joined_room.invite_token]))
    assert response.status_code == 409
    assert "This seat is taken" in response.content.decode()


def test_replaced_link_says_it_is_not_valid(room, interviewer, candidate):
    old = room.invite_token
    client_for(interviewer).post(reverse("room-invite-reissue", args=[room.pk]))
    response = client_for(candidate).get(reverse("invite", args=[old]))
    assert response.status_code == 404
    assert "This invite link is not valid any more" in response.content.decode()


def test_revoked_link_leaves_no_way_in_until_a_new_one(room, interviewer, candidate):
    old = room.invite_token
    page = client_for(interviewer).post(reverse("room-invite-revoke", args=[room.pk]), follow=True).content.decode()
    assert "Invite link revoked" in page
    assert "No invite link is active" in page
    assert client_for(candidate).post(reverse("invite", args=[old])).status_code == 404
    room.refresh_from_db()
    assert room.candidate is None


def test_ended_room_cannot_be_joined_by_link(room, interviewer, candidate):
    client_for(interviewer).post(f"/api/rooms/{room.pk}/timer/", {"action": "end"}, content_type="application/json")
    response = client_for(candidate).get(reverse("invite", args=[room.invite_token]))
    assert response.status_code == 404
    assert "This interview has ended" in response.content.decode()


def test_interviewer_removes_the_candidate(joined_room, interviewer, candidate):
    response = client_for(interviewer).post(reverse("room-candidate-remove", args=[joined_room.pk]), follow=True)
    assert "Candidate removed" in response.content.decode()
    assert client_for(candidate).get(reverse("room-detail", args=[joined_room.pk])).status_code == 403


def test_candidate_cannot_reissue_the_invite(joined_room, candidate):
    old = joined_room.invite_token
    response = client_for(candidate).post(reverse("room-invite-reissue", args=[joined_room.pk]), follow=True)
    assert "only the interviewer can re-issue the invite" in response.content.decode()
    joined_room.refresh_from_db()
    assert joined_room.invite_token == old


def test_room_page_shows_the_statement_to_both(joined_room, interviewer, candidate):
    for user in (interviewer, candidate):
        page = client_for(user).get(reverse("room-detail", args=[joined_room.pk])).content.decode()
        assert "Design the system that chooses and orders the videos" in page
        assert 'id="timer"' in page
        assert 'id="presence"' in page


def test_interviewer_page_has_the_kit(joined_room, interviewer):
    page = client_for(interviewer).get(reverse("room-detail", args=[joined_room.pk])).content.decode()
    for text in INTERVIEWER_ONLY:
        assert text in page


def test_candidate_page_never_contains_the_kit(joined_room, candidate):
    page = client_for(candidate).get(reverse("room-detail", args=[joined_room.pk])).content.decode()
    for text in INTERVIEWER_ONLY:
        assert text not in page
    assert joined_room.invite_token not in page
    assert 'id="timer-toggle"' not in page


def test_statement_markdown_is_rendered_and_sanitised(joined_room, candidate, problem):
    problem.statement = (
        "**Bold ask**\n\n<script>alert(1)</script><img src=x onerror=alert(2)>\n\n"
        '[the brief](javascript:alert(3)) and <a href="JaVaScRiPt:alert(4)">this</a>'
    )
    problem.save()
    page = client_for(candidate).get(reverse("room-detail", args=[joined_room.pk])).content.decode()
    assert "<strong>Bold ask</strong>" in page
    assert "<script>alert(1)" not in page
    assert "onerror" not in page
    assert "javascript:" not in page.lower()
    assert "the brief" in page


def test_strangers_are_refused_and_anonymous_sent_to_sign_in(joined_room, stranger):
    url = reverse("room-detail", args=[joined_room.pk])
    response = client_for(stranger).get(url)
    assert response.status_code == 403
    assert "You are not in this room" in response.content.decode()
    assert Client().get(url).url.startswith(reverse("login"))


def test_admin_manages_problems_rooms_and_users(joined_room):
    admin = User.objects.create_superuser("root", password=PASSWORD)
    client = client_for(admin)
    for name in (
        "admin:problembank_problem_changelist",
        "admin:interview_room_changelist",
        "admin:auth_user_changelist",
    ):
        assert client.get(reverse(name)).status_code == 200
    page = client.get(reverse("admin:interview_room_change", args=[joined_room.pk])).content.decode()
    assert "Video recommendations for a home feed" in page
    # The timer only changes through services (which log and broadcast), never by a form.
    assert 'name="timer_phase_index"' not in page
    assert 'name="phases"' not in page
    problem = client.get(reverse("admin:problembank_problem_change", args=[joined_room.problem.pk])).content.decode()
    assert 'name="statement"' not in problem
    assert 'name="shared"' not in problem


def test_admin_can_unshare_a_users_problem(interviewer, stranger):
    mine = problembank_services.problem_save(by=interviewer, data={**problem_data(), "shared": True})
    client = client_for(User.objects.create_superuser("root", password=PASSWORD))
    url = reverse("admin:problembank_problem_change", args=[mine.pk])
    page = client.get(url).content.decode()
    assert 'name="shared"' in page
    assert 'name="statement"' not in page
    assert client.post(url, {}).status_code == 302
    mine.refresh_from_db()
    assert not mine.shared
    assert "Sponsored listings CTR" not in client_for(stranger).get(reverse("problem-list")).content.decode()


def test_my_rooms_shows_when_feedback_is_shared(joined_room, interviewer, candidate):
    assert "Shared" not in client_for(candidate).get(reverse("room-list")).content.decode()
    services.feedback_share(room=joined_room, by=interviewer, shared=True)
    page = client_for(candidate).get(reverse("room-list")).content.decode()
    assert ">Shared</a>" in page
