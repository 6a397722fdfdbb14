from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from interview.models import Problem
from interview.problem_bank import ProblemFileError, read_problem_bank

BANK = settings.BASE_DIR / "problems"


def copy_bank(tmp_path: Path) -> Path:
    for path in BANK.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text())
    return tmp_path


def test_bank_holds_the_first_three_problems_complete():
    problems = {p["slug"]: p for p in read_problem_bank(BANK)}
    assert set(problems) >= {"video-recommendation", "ad-click-prediction", "harmful-content-detection"}
    for problem in problems.values():
        assert len(problem["rubric"]) >= 6
        assert all(len(d["levels"]) == 4 for d in problem["rubric"])
        assert problem["guide"]["clarifications"]
        assert problem["guide"]["hints"]
        assert problem["reference_diagram"]["nodes"]


def test_phases_default_to_the_answer_framework_unless_the_file_sets_them(tmp_path):
    bank = copy_bank(tmp_path)
    path = bank / "harmful-content-detection.yaml"
    data = yaml.safe_load(path.read_text())
    data["phases"] = [{"name": "Policy", "minutes": 8}, {"name": "Models", "minutes": 20}]
    data["guide"]["hints"] = [{"phase": "Policy", "text": "Which actions exist?"}]
    path.write_text(yaml.safe_dump(data))
    phases = {p["slug"]: p["phases"] for p in read_problem_bank(bank)}
    assert phases["harmful-content-detection"] == [{"name": "Policy", "minutes": 8}, {"name": "Models", "minutes": 20}]
    assert [p["name"] for p in phases["video-recommendation"]] == [
        "Requirements",
        "Data",
        "Modeling & scaling",
        "Monitoring",
    ]


@pytest.mark.django_db
def test_load_problems_is_idempotent_and_picks_up_edits(tmp_path):
    bank = copy_bank(tmp_path)
    call_command("load_problems", dir=bank)
    call_command("load_problems", dir=bank)
    assert Problem.objects.count() == 3

    path = bank / "ad-click-prediction.yaml"
    data = yaml.safe_load(path.read_text())
    data["title"] = "Click-through rate for sponsored posts"
    path.write_text(yaml.safe_dump(data))
    call_command("load_problems", dir=bank)
    assert Problem.objects.get(slug="ad-click-prediction").title == "Click-through rate for sponsored posts"
    assert Problem.objects.count() == 3


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["rubric"][2].update(levels=["a", "b", "c"]), r"rubric\[2\].levels: needs exactly 4"),
        (lambda d: d.update(rubric=d["rubric"][:5]), "rubric: needs at least 6 dimensions"),
        (lambda d: d.update(difficulty="brutal"), "difficulty: must be one of easy, medium, hard"),
        (lambda d: d["guide"]["hints"][0].update(phase="Coffee"), r"guide.hints\[0\].phase: 'Coffee' is not one"),
        (lambda d: d.update(phases=[{"name": "A", "minutes": 5}, {"name": "B", "minutes": 0}]), r"phases\[1\].minutes"),
        (lambda d: d["reference_diagram"]["edges"][0].update(target="ghost"), "reference_diagram.edges"),
        (lambda d: d.pop("statement"), "statement: is required"),
        (lambda d: d.update(slug="other"), "slug: 'other' must match the file name"),
    ],
)
def test_a_broken_file_is_refused_naming_file_and_field(tmp_path, edit, message):
    bank = copy_bank(tmp_path)
    path = bank / "video-recommendation.yaml"
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ProblemFileError, match=rf"video-recommendation\.yaml: {message}"):
        read_problem_bank(bank)


@pytest.mark.django_db
def test_command_reports_a_broken_file_and_changes_nothing(tmp_path):
    bank = copy_bank(tmp_path)
    (bank / "zz-broken.yaml").write_text("slug: zz-broken\ntitle: [unclosed\n")
    with pytest.raises(CommandError, match=r"zz-broken\.yaml"):
        call_command("load_problems", dir=bank)
    assert Problem.objects.count() == 0
