"""Problems users write: checked like the bank's, private unless shared, the author's alone to change."""

import pytest
import yaml
from django.urls import reverse

from core.errors import Conflict, Forbidden, Invalid
from diagrams.text import format_text
from interview import services
from interview.models import Room
from problembank import services as problembank_services
from problembank.bank import MAX_ITEMS, MAX_STATEMENT, MAX_TEXT
from problembank.models import Problem
from tests.conftest import client_for, problem_data
from tests.helpers import api_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_problem(interviewer) -> Problem:
    return problembank_services.problem_save(by=interviewer, data=problem_data())


def test_a_written_problem_is_private_to_its_author_with_a_slug_from_its_title(private_problem, interviewer):
    assert private_problem.owner == interviewer
    assert not private_problem.shared
    assert private_problem.slug.startswith("sponsored-listings-ctr-")
    assert private_problem.rubric == problem_data()["rubric"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "must be non-empty text"),
        ({"difficulty": "brutal"}, "difficulty", "must be one of easy, medium, hard"),
        ({"rubric": [{"key": "x", "name": "X", "description": "d", "levels": ["a"]}]}, "rubric[0].levels", "exactly 4"),
        (
            {"twists": [{"key": "Bad Key", "title": "t", "reveal": "r", "good_adaptation": "g"}]},
            "twists[0].key",
            "lower-case",
        ),
        ({"reference_diagram": {"schema": 1, "nodes": [{"id": "a"}]}}, "reference_diagram.nodes[0].kind", "required"),
        ({"guide": {"hints": [{"phase": "Lunch", "text": "eat"}]}}, "guide.hints[0].phase", "'Lunch'"),
        ({"shared": "yes"}, "shared", "true or false"),
        # What would make every report of the problem slow to lay out, or overflow WeasyPrint.
        ({"statement": "x" * (MAX_STATEMENT + 1)}, "statement", f"longer than {MAX_STATEMENT} characters"),
        ({"statement": "\n".join("    " * i + "- deeper" for i in range(13))}, "statement", "nest more than 24"),
        ({"statement": ">" * 30 + " deep"}, "statement", "nest more than 24"),
        ({"summary": "x" * 301}, "summary", "longer than 300"),
        ({"tags": ["x" * (MAX_TEXT + 1)]}, "tags[0]", f"longer than {MAX_TEXT}"),
        ({"tags": ["ml"] * (MAX_ITEMS + 1)}, "tags", f"at most {MAX_ITEMS} items"),
    ],
)
def test_each_bad_field_is_named(interviewer, changes, field, message):
    with pytest.raises(Invalid, match=message) as refused:
        problembank_services.problem_save(by=interviewer, data=problem_data(**changes))
    assert refused.value.field == field
    assert not Problem.objects.exists()


def test_twelve_levels_of_lists_are_still_allowed(interviewer):
    statement = "\n".join("    " * i + "- deeper" for i in range(12))
    assert (
        problembank_services.problem_save(by=interviewer, data=problem_data(statement=statement)).statement == statement
    )


def test_a_sketchy_problem_is_allowed_where_the_bank_would_refuse(interviewer):
    # One rubric dimension, an empty guide, no twists, an empty diagram: enough to practise.
    data = problem_data(
        guide={},
        twists=[],
        rubric=problem_data()["rubric"][:1],
        reference_diagram={"schema": 1, "nodes": [], "edges": []},
    )
    assert problembank_services.problem_save(by=interviewer, data=data).guide["hints"] == []


def test_a_private_problem_is_invisible_to_everyone_else(problem, private_problem, stranger, interviewer):
    slug = private_problem.slug
    page = client_for(stranger).get(reverse("problem-list")).content.decode()
    assert "Sponsored listings CTR" not in page
    assert client_for(stranger).get(reverse("problem-reference-svg", args=[slug])).status_code == 404
    assert client_for(stranger).get(reverse("problem-new") + f"?from={slug}").status_code == 404
    assert client_for(stranger).get(reverse("problem-edit", args=[slug])).status_code == 404
    api = api_for(stranger)
    assert slug not in {p["slug"] for p in api.get("/api/problems/").json()}
    assert api.get(f"/api/problems/{slug}/").status_code == 404
    response = api.post("/api/rooms/", {"problem": slug}, format="json")
    assert response.status_code == 400
    assert "problem" in response.json()
    response = client_for(stranger).post(reverse("room-create"), {"problem": slug}, follow=True)
    assert "Pick a problem from the bank" in response.content.decode()
    assert not Room.objects.filter(problem=private_problem).exists()
    # Its author sees and uses it everywhere.
    assert "Sponsored listings CTR" in client_for(interviewer).get(reverse("problem-list")).content.decode()
    assert api_for(interviewer).post("/api/rooms/", {"problem": slug}, format="json").status_code == 201


def test_a_shared_problem_is_usable_by_all_but_changed_only_by_its_author(private_problem, interviewer, stranger):
    problembank_services.problem_save(by=interviewer, data={**problem_data(), "shared": True}, problem=private_problem)
    api = api_for(stranger)
    detail = api.get(f"/api/problems/{private_problem.slug}/").json()
    assert detail["owner"] == "ines"
    assert "guide" not in detail
    assert api.post("/api/rooms/", {"problem": private_problem.slug}, format="json").status_code == 201
    response = api.put(f"/api/problems/{private_problem.slug}/", problem_data(title="Mine now"), format="json")
    assert response.status_code == 403
    assert api.delete(f"/api/problems/{private_problem.slug}/").status_code == 403
    with pytest.raises(Forbidden):
        problembank_services.problem_delete(problem=private_problem, by=stranger)
    assert Problem.objects.get(pk=private_problem.pk).title == "Sponsored listings CTR"


def test_the_api_writes_reads_and_deletes_my_problem(interviewer):
    api = api_for(interviewer)
    response = api.post("/api/problems/", problem_data(), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["rubric"][0]["levels"]
    slug = body["slug"]
    response = api.put(f"/api/problems/{slug}/", problem_data(title="Sponsored CTR v2", shared=True), format="json")
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["shared"]) == ("Sponsored CTR v2", True)
    response = api.put(f"/api/problems/{slug}/", problem_data(rubric="none"), format="json")
    assert response.status_code == 400
    assert response.json()["rubric"] == ["needs at least one dimension"]
    assert api.delete(f"/api/problems/{slug}/").status_code == 204
    assert not Problem.objects.filter(slug=slug).exists()


def test_a_problem_rooms_used_cannot_be_deleted(private_problem, interviewer):
    services.room_create(problem=private_problem, interviewer=interviewer)
    with pytest.raises(Conflict, match="make it private instead"):
        problembank_services.problem_delete(problem=private_problem, by=interviewer)
    assert api_for(interviewer).delete(f"/api/problems/{private_problem.slug}/").status_code == 409


def test_the_bank_cannot_be_changed_through_the_api(problem, interviewer):
    response = api_for(interviewer).put("/api/problems/video-recommendation/", problem_data(), format="json")
    assert response.status_code == 403
    assert Problem.objects.get(slug="video-recommendation").title == "Video recommendations for a home feed"


def form_data(**changes) -> dict:
    data = problem_data()
    kit = {key: data[key] for key in ("guide", "rubric", "twists")}
    return {
        "title": "Sponsored listings CTR",
        "summary": data["summary"],
        "difficulty": "hard",
        "tags": "ads, ranking , calibration",
        "statement": data["statement"],
        "phases": "Requirements: 5\nData: 10\nModeling & scaling: 15\nMonitoring: 5",
        "kit": yaml.safe_dump(kit, sort_keys=False),
        "reference_diagram": format_text(data["reference_diagram"]),
        **changes,
    }


def test_the_form_creates_a_problem_from_its_fields(interviewer):
    response = client_for(interviewer).post(reverse("problem-new"), form_data(), follow=True)
    assert "Saved “Sponsored listings CTR”" in response.content.decode()
    problem = Problem.objects.get(owner=interviewer)
    assert problem.tags == ["ads", "ranking", "calibration"]
    assert problem.difficulty == "hard"
    # The text form keeps blocks, kinds, groups and arrows (ids are made up afresh).
    drawn = problem_data()["reference_diagram"]
    assert sorted((n["label"], n["kind"]) for n in problem.reference_diagram["nodes"]) == sorted(
        (n["label"], n["kind"]) for n in drawn["nodes"]
    )
    assert len(problem.reference_diagram["edges"]) == len(drawn["edges"])
    assert sorted(g["label"] for g in problem.reference_diagram["groups"]) == sorted(
        g["label"] for g in drawn["groups"]
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kit": "guide: [unclosed"}, "kit", "not valid YAML"),
        ({"kit": "guide: {}\nrubric: []\n"}, "kit", "rubric: needs at least one dimension"),
        ({"phases": "Requirements five"}, "phases", "line 1: write a name, a colon and whole minutes"),
        ({"reference_diagram": "A -> "}, "reference_diagram", "line 1"),
        ({"title": ""}, "title", "This field is required"),
    ],
)
def test_the_form_shows_each_error_at_its_field_and_saves_nothing(interviewer, changes, field, message):
    response = client_for(interviewer).post(reverse("problem-new"), form_data(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert not Problem.objects.exists()


def test_the_form_can_take_the_diagram_of_one_of_my_rooms(joined_room, interviewer, candidate):
    graph = {"schema": 1, "nodes": [{"id": "a", "label": "Feature store", "kind": "feature_store"}]}
    services.diagram_op_apply(room=joined_room, by=candidate, op={"op": "replace", "graph": graph})
    response = client_for(interviewer).post(
        reverse("problem-new"), form_data(reference_diagram="", diagram_from_room=str(joined_room.pk))
    )
    assert response.status_code == 302
    assert Problem.objects.get(owner=interviewer).reference_diagram["nodes"][0]["label"] == "Feature store"


def test_make_my_version_starts_from_a_copy_of_a_bank_problem(problem, stranger):
    form = client_for(stranger).get(reverse("problem-new") + "?from=video-recommendation").context["form"]
    assert form.initial["title"] == "Video recommendations for a home feed (my version)"
    assert "Ranker training" in form.initial["reference_diagram"]
    assert yaml.safe_load(form.initial["kit"])["rubric"] == problem.rubric


def test_problem_list_searches_and_filters(problem, stranger):
    client = client_for(stranger)

    def slugs(**params) -> list[str]:
        return [p.slug for p in client.get(reverse("problem-list"), params).context["problems"]]

    everything = slugs()
    assert len(everything) == Problem.objects.count()
    assert slugs(q="fraud") == ["payment-fraud"]
    assert "video-recommendation" in slugs(tag="two-stage")
    assert all(p.difficulty == "hard" for p in Problem.objects.filter(slug__in=slugs(difficulty="hard")))
    assert slugs(q="no such thing at all") == []
    page = client.get(reverse("problem-list"), {"q": "no such thing at all"}).content.decode()
    assert "No problem matches" in page


def test_the_thumbnail_is_the_reference_diagram_drawn_by_graphviz(problem, stranger):
    response = client_for(stranger).get(reverse("problem-reference-svg", args=["video-recommendation"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "Ranker training" in response.content.decode()
