"""The people of the access matrices (test_access_*.py), and what their tests share."""

import pytest
from django.urls import reverse

ANONYMOUS, STRANGER, STAFF = "anonymous", "stranger", "staff"
CANDIDATE, INTERVIEWER = "candidate", "interviewer"
OTHER_CANDIDATE, OTHER_INTERVIEWER = "candidate of another room", "interviewer of another room"
PEOPLE = [ANONYMOUS, STRANGER, STAFF, CANDIDATE, INTERVIEWER, OTHER_CANDIDATE, OTHER_INTERVIEWER]
SIGNED_IN = set(PEOPLE) - {ANONYMOUS}
PARTICIPANTS = {CANDIDATE, INTERVIEWER}
# Both rooms of the world are on BANK and not ended: its kit is closed to their candidates.
KIT_READERS = SIGNED_IN - {CANDIDATE, OTHER_CANDIDATE}
BANK = "video-recommendation"


def matrix(rows: list[tuple]):
    """Every row (route name, method, URL arguments, body, who may) for every person."""
    ids = [f"{method} {name} {arguments}{f' {body}' if body else ''}" for name, method, arguments, body, _ in rows]

    def mark(test):
        test = pytest.mark.parametrize(("name", "method", "arguments", "body", "allowed"), rows, ids=ids)(test)
        return pytest.mark.django_db(pytest.mark.parametrize("who", PEOPLE)(test))

    return mark


def client_as(client, who: str, people: dict):
    if who != ANONYMOUS:
        client.force_login(people[who])
    return client


def url_for(name: str, arguments: dict, values: dict) -> str:
    """The route's URL, its placeholder arguments ("room", "own problem"...) filled in."""
    return reverse(name, kwargs={key: values.get(value, value) for key, value in arguments.items()})
