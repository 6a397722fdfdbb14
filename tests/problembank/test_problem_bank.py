import html
import io
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from diagrams.dot import NODE_WRAP, wrap
from diagrams.render import render_svg
from problembank.bank import AXES, PHASED_SECTIONS, ProblemFileError, kit_gaps, parse_problem, read_problem_bank
from problembank.models import Problem

BANK = settings.BASE_DIR / "problems"


def copy_bank(tmp_path: Path) -> Path:
    for path in BANK.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text())
    return tmp_path


REQUIRED_TOPICS = {
    "video-recommendation",
    "ad-click-prediction",
    "harmful-content-detection",
    "visual-search",
    "news-feed",
    "event-recommendation",
    "people-you-may-know",
    "similar-listings",
    "video-search",
    "street-view-blurring",
}
FIVE_OF = {
    "ecommerce-search-ranking",
    "payment-fraud",
    "rag-support-assistant",
    "delivery-eta",
    "spam-filtering",
    "query-autocomplete",
    "notification-send-time",
    "review-summariser",
}


def test_the_bank_covers_every_required_topic_with_a_complete_kit():
    # read_problem_bank refuses any file that is not a complete kit (kit_gaps).
    problems = {p["slug"]: p for p in read_problem_bank(BANK)}
    assert len(problems) >= 15
    assert set(problems) >= REQUIRED_TOPICS
    assert len(FIVE_OF & set(problems)) >= 5
    for problem in problems.values():
        assert all(len(d["levels"]) == 4 for d in problem["rubric"]), problem["slug"]
        assert len({level for d in problem["rubric"] for level in d["levels"]}) == 4 * len(problem["rubric"])
        assert all(t["good_adaptation"] for t in problem["twists"])


def test_every_reference_diagram_renders_with_graphviz_within_the_time_limit():
    for problem in read_problem_bank(BANK):
        # Graphviz writes some characters as entities (a hyphen is &#45;).
        svg = html.unescape(render_svg(problem["reference_diagram"]))
        # Each line of each label, as it wraps.
        lines = {
            line
            for node in problem["reference_diagram"]["nodes"]
            for line in wrap(node["label"], NODE_WRAP).split("\n")
        }
        assert [line for line in lines if f">{line}<" not in svg] == [], problem["slug"]


def test_no_rubric_level_or_guide_line_is_shared_between_problems():
    # Each kit is written for its problem: a sentence reused across problems is generic.
    seen: dict[str, str] = {}
    for problem in read_problem_bank(BANK):
        lines = [level for d in problem["rubric"] for level in d["levels"]]
        lines += [item["text"] for section in PHASED_SECTIONS for item in problem["guide"][section]]
        for line in set(lines):
            assert line not in seen, f"{problem['slug']} repeats a line of {seen.get(line)}: {line}"
            seen[line] = problem["slug"]


def test_kit_gaps_names_what_a_bank_problem_lacks():
    data = yaml.safe_load((BANK / "video-recommendation.yaml").read_text())
    data["guide"]["followups"] = [f for f in data["guide"]["followups"] if f["phase"] != "Monitoring"]
    data["twists"] = data["twists"][:1]
    data["reference_diagram"]["groups"] = [g for g in data["reference_diagram"]["groups"] if g["id"] != "online"]
    data["reference_diagram"]["nodes"] = [
        {**node, "group": None if node.get("group") == "online" else node.get("group")}
        for node in data["reference_diagram"]["nodes"][:9]
    ]
    data["reference_diagram"]["edges"] = []
    gaps = kit_gaps(parse_problem(data, slug="video-recommendation"))
    assert gaps == [
        "guide.followups: nothing for phase 'Monitoring'",
        "twists: needs at least 2",
        "reference_diagram.nodes: needs 10 to 30 nodes, has 9",
        "reference_diagram.groups: needs groups with ids online",
    ]


def test_every_dimension_of_the_bank_belongs_to_a_common_axis():
    for problem in read_problem_bank(BANK):
        axes = [dimension["axis"] for dimension in problem["rubric"]]
        assert set(axes) <= set(AXES), problem["slug"]
        # Each problem scores the start and the end of the framework at least.
        assert {"requirements", "evaluation", "monitoring"} <= set(axes), problem["slug"]


def test_phases_default_to_the_answer_framework_unless_the_file_sets_them(tmp_path):
    bank = copy_bank(tmp_path)
    path = bank / "harmful-content-detection.yaml"
    data = yaml.safe_load(path.read_text())
    data["phases"] = [{"name": "Policy", "minutes": 8}, {"name": "Models", "minutes": 20}]
    for section in PHASED_SECTIONS:
        data["guide"][section] = [{"phase": name, "text": f"{section} for {name}"} for name in ("Policy", "Models")]
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
    count = len(list(bank.glob("*.yaml")))
    out = io.StringIO()
    call_command("load_problems", dir=bank, stdout=out)
    assert f"{count} created, 0 updated, 0 unchanged" in out.getvalue()
    before = Problem.objects.get(slug="ad-click-prediction").updated_at
    call_command("load_problems", dir=bank, stdout=out)
    assert f"0 created, 0 updated, {count} unchanged" in out.getvalue()
    assert Problem.objects.get(slug="ad-click-prediction").updated_at == before

    path = bank / "ad-click-prediction.yaml"
    data = yaml.safe_load(path.read_text())
    data["title"] = "Click-through rate for sponsored posts"
    path.write_text(yaml.safe_dump(data))
    call_command("load_problems", dir=bank, stdout=out)
    assert f"0 created, 1 updated, {count - 1} unchanged" in out.getvalue()
    assert Problem.objects.get(slug="ad-click-prediction").title == "Click-through rate for sponsored posts"
    assert Problem.objects.count() == count


def test_load_problems_check_renders_every_diagram_and_writes_nothing(tmp_path):
    out = io.StringIO()
    call_command("load_problems", dir=copy_bank(tmp_path), check=True, stdout=out)
    assert f"{len(list(BANK.glob('*.yaml')))} problems are complete and render." in out.getvalue()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["rubric"][2].update(levels=["a", "b", "c"]), r"rubric\[2\].levels: needs exactly 4"),
        (lambda d: d.update(rubric=d["rubric"][:5]), "rubric: needs at least 6 dimensions"),
        (lambda d: d.update(difficulty="brutal"), "difficulty: must be one of easy, medium, hard"),
        (lambda d: d["guide"]["hints"][0].update(phase="Coffee"), r"guide.hints\[0\].phase: 'Coffee' is not one"),
        (lambda d: d["guide"]["followups"][1].update(phase="Tea"), r"guide.followups\[1\].phase: 'Tea' is not one"),
        (lambda d: d["twists"][1].update(key=d["twists"][0]["key"]), r"twists\[1\].key: duplicate key"),
        (lambda d: d["twists"][0].pop("good_adaptation"), r"twists\[0\]: must have exactly the fields"),
        (lambda d: d.update(phases=[{"name": "A", "minutes": 5}, {"name": "B", "minutes": 0}]), r"phases\[1\].minutes"),
        (lambda d: d["reference_diagram"]["edges"][0].update(target="ghost"), "reference_diagram.edges"),
        (lambda d: d.pop("statement"), "statement: is required"),
        (lambda d: d.update(slug="other"), "slug: 'other' must match the file name"),
        (
            lambda d: d["rubric"][3].update(axis="vibes"),
            r"rubric\[3\].axis: 'vibes' is not a common axis; expected one",
        ),
        (
            lambda d: d["rubric"][4].update(key="offline_metrics"),
            r"rubric\[4\].axis: dimension 'offline_metrics' names no common axis; give one of requirements, framing",
        ),
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
