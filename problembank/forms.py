"""Forms of the pages: a user's own problems."""

import yaml
from django import forms

from diagrams.graph import EMPTY, normalize
from diagrams.text import TextError, format_text
from diagrams.text import parse as parse_text
from problembank.models import Difficulty, Problem
from problembank.phases import DEFAULT_PHASES

KIT_TEMPLATE = """\
# The interviewer's kit, in YAML. Phases named here must match the phases above.
guide:
  clarifications:
    - question: What is the business goal?
      answer: ...
  scale:
    - ...
  hints:
    - {phase: Requirements, text: ...}
  followups:
    - {phase: Data, text: ...}
  strong_answer:
    - {phase: Modeling & scaling, text: ...}
  pitfalls:
    - ...
rubric:
  - key: framing
    name: ML problem framing
    description: ...
    levels:
      - Level 1 ...
      - Level 2 ...
      - Level 3 ...
      - Level 4 ...
twists:
  - key: latency-cut
    title: The latency budget halves
    reveal: What the candidate reads when you reveal it.
    good_adaptation: What a good answer changes.
"""


class ProblemForm(forms.Form):
    """A user's own problem: the fields of a problem file, the structured parts as YAML and
    the reference diagram in the diagram's text form."""

    title = forms.CharField(max_length=200)
    summary = forms.CharField(max_length=300, help_text="One sentence, shown in the problem list.")
    difficulty = forms.ChoiceField(choices=Difficulty.choices, initial=Difficulty.MEDIUM)
    tags = forms.CharField(max_length=300, help_text="Comma-separated, e.g. recommendation, ranking, embeddings.")
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), help_text="Markdown, shown to the candidate.")
    phases = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="\n".join(f"{p['name']}: {p['minutes']}" for p in DEFAULT_PHASES),
        help_text="One phase per line: name, colon, minutes.",
    )
    kit = forms.CharField(
        label="Guide, rubric and twists",
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "code"}),
        initial=KIT_TEMPLATE,
        help_text="YAML with guide, rubric and (optional) twists, as in the files of problems/.",
    )
    reference_diagram = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "code"}),
        help_text="The diagram's text form, as in the room's Text view; or copy a room's diagram below.",
    )
    diagram_from_room = forms.ChoiceField(
        required=False, label="Or copy the diagram of one of my rooms", choices=[("", "(no)")]
    )
    shared = forms.BooleanField(required=False, label="Share with all users (otherwise only you see it)")

    def __init__(self, *args, diagrams_to_copy: dict[str, tuple[str, dict]], **kwargs) -> None:
        """`diagrams_to_copy`: the user's rooms' diagrams by room id, each with its name in the list."""
        super().__init__(*args, **kwargs)
        self.diagrams_to_copy = diagrams_to_copy
        self.fields["diagram_from_room"].choices = [
            ("", "(no)"),
            *((pk, name) for pk, (name, _) in diagrams_to_copy.items()),
        ]

    @classmethod
    def initial_from(cls, problem: Problem) -> dict:
        """The form's fields for an existing problem: to edit it, or to start a new one from it."""
        kit = {"guide": problem.guide, "rubric": problem.rubric, "twists": problem.twists}
        return {
            "title": problem.title,
            "summary": problem.summary,
            "difficulty": problem.difficulty,
            "tags": ", ".join(problem.tags),
            "statement": problem.statement,
            "phases": "\n".join(f"{p['name']}: {p['minutes']}" for p in problem.phases),
            "kit": yaml.safe_dump(kit, sort_keys=False, allow_unicode=True, width=100),
            "reference_diagram": format_text(normalize(problem.reference_diagram)),
            "shared": problem.shared,
        }

    def clean(self) -> dict:
        data = super().clean()
        self.problem_data = {
            "title": data.get("title"),
            "summary": data.get("summary"),
            "difficulty": data.get("difficulty"),
            "tags": [tag.strip() for tag in data.get("tags", "").split(",") if tag.strip()],
            "statement": data.get("statement"),
            "phases": self._phases(data.get("phases", "")),
            "reference_diagram": self._diagram(data.get("reference_diagram", ""), data.get("diagram_from_room")),
            "shared": data.get("shared", False),
        }
        try:
            kit = yaml.safe_load(data.get("kit") or "")
        except yaml.YAMLError as error:
            self.add_error("kit", f"not valid YAML: {error}")
            kit = None
        if kit is not None and not (isinstance(kit, dict) and set(kit) <= {"guide", "rubric", "twists"}):
            self.add_error("kit", "must be a mapping with guide, rubric and (optional) twists")
        elif isinstance(kit, dict):
            self.problem_data.update(kit)
        return data

    def _phases(self, text: str) -> list | None:
        phases = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            name, _, minutes = line.rpartition(":")
            if not name.strip() or not minutes.strip().isdigit():
                self.add_error("phases", f"line {number}: write a name, a colon and whole minutes, e.g. Data: 10")
                return None
            phases.append({"name": name.strip(), "minutes": int(minutes)})
        return phases

    def _diagram(self, text: str, room_id: str | None) -> dict | None:
        if room_id:
            return self.diagrams_to_copy[room_id][1]
        try:
            return parse_text(text) if text.strip() else dict(EMPTY)
        except TextError as error:
            for line in error.errors:
                self.add_error("reference_diagram", line)
            return None
