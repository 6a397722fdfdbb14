"""Sign-up, sign-in (paused after wrong passwords, on the page and the API alike) and out."""

import time

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_sign_up_signs_in_and_lands_on_my_rooms():
    response = Client().post(
        reverse("signup"), {"username": "nadia", "password1": PASSWORD, "password2": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("room-list")
    assert response.context["user"].username == "nadia"
    assert "Welcome, nadia" in response.content.decode()


@pytest.mark.django_db
def test_sign_up_with_mismatched_passwords_says_so():
    response = Client().post(reverse("signup"), {"username": "nadia", "password1": PASSWORD, "password2": "other"})
    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.content.decode()  # noqa: RUF001 - Django's text
    assert not User.objects.filter(username="nadia").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1x", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("4815162342", "This password is entirely numeric."),
        ("nadia-12", "The password is too similar to the username."),
    ],
)
def test_sign_up_refuses_weak_passwords(password, message):
    response = Client().post(reverse("signup"), {"username": "nadia", "password1": password, "password2": password})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="nadia").exists()


def test_sign_in_with_a_wrong_password_says_so(interviewer):
    response = Client().post(reverse("login"), {"username": "ines", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def _signs_in(username: str, password: str) -> bool:
    response = Client().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def _gets_a_token(username: str, password: str) -> bool:
    return Client().post(reverse("api-token"), {"username": username, "password": password}).status_code == 200


def test_sign_in_pauses_after_five_wrong_passwords_on_the_page_and_the_api(stranger, interviewer):
    with time_machine.travel(time.time(), tick=False) as clock:
        for _ in range(5):
            assert not _signs_in("sam", "guess")
        # The right password no longer opens the account, on either path, and the page says why
        # it might not (without saying whether the password was right).
        response = Client().post(reverse("login"), {"username": "sam", "password": PASSWORD})
        assert response.status_code == 200
        assert "After 5 wrong passwords in a row, signing in to that account is paused" in response.content.decode()
        assert not _gets_a_token("sam", PASSWORD)
        # Another account is not affected, and the pause ends when it says.
        assert _signs_in("ines", PASSWORD)
        clock.shift(settings.SIGN_IN_LOCKOUT_SECONDS - 1)
        assert not _signs_in("sam", PASSWORD)
        clock.shift(1)
        assert _signs_in("sam", PASSWORD)
        assert _gets_a_token("sam", PASSWORD)


def test_a_right_password_starts_the_count_again(stranger):
    for _ in range(4):
        assert not _signs_in("sam", "guess")
    assert _signs_in("sam", PASSWORD)
    for _ in range(4):
        assert not _signs_in("sam", "guess")
    assert _signs_in("sam", PASSWORD)


def test_sign_in_and_out(interviewer):
    client = Client()
    response = client.post(reverse("login"), {"username": "ines", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("room-list")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("room-list")).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_a_session_made_before_the_sign_in_backend_moved_stays_signed_in(interviewer, settings):
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", None)])
    # Signed in under the backend's old path (mockboard.auth), as sessions before the move are.
    session = SessionStore()
    session.update(
        {
            SESSION_KEY: str(interviewer.pk),
            BACKEND_SESSION_KEY: "mockboard.auth.ThrottledModelBackend",
            HASH_SESSION_KEY: interviewer.get_session_auth_hash(),
        }
    )
    session.create()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert client.get(reverse("room-list")).status_code == 200
    assert SessionStore(session.session_key).load()[BACKEND_SESSION_KEY] == settings.AUTHENTICATION_BACKENDS[0]
