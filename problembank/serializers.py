"""What the API says of a problem, by who reads it, and what it takes to write one."""

from __future__ import annotations

from rest_framework import serializers

from interview.selectors import kit_refusal
from problembank.markup import render_markdown
from problembank.models import Difficulty, Problem


class ProblemSummarySerializer(serializers.ModelSerializer):
    """A problem as the list shows it; its author's username is null for the shipped bank."""

    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)

    class Meta:
        model = Problem
        fields = ["slug", "title", "summary", "difficulty", "tags", "phases", "owner", "shared"]


class ProblemSerializer(ProblemSummarySerializer):
    statement_html = serializers.SerializerMethodField()

    class Meta(ProblemSummarySerializer.Meta):
        fields = [*ProblemSummarySerializer.Meta.fields, "statement", "statement_html"]

    def get_statement_html(self, problem: Problem) -> str:
        return render_markdown(problem.statement)


KIT_FIELDS = ("guide", "rubric", "reference_diagram", "twists")


class ProblemInterviewerSerializer(ProblemSerializer):
    """Adds the interviewer's kit: for the interviewer in a room, and for a problem's author.
    The kit's fields are null while `kit_refused` says why the viewer may not see it."""

    kit_refused = serializers.SerializerMethodField()

    class Meta(ProblemSerializer.Meta):
        fields = [*ProblemSerializer.Meta.fields, *KIT_FIELDS, "kit_refused"]

    def get_kit_refused(self, problem: Problem) -> str | None:
        user = self.context.get("user")
        return kit_refusal(user, problem) if user is not None else None

    def to_representation(self, problem: Problem) -> dict:
        data = super().to_representation(problem)
        if data["kit_refused"]:
            data.update(dict.fromkeys(KIT_FIELDS))
        return data


class ProblemWriteSerializer(serializers.Serializer):
    """A problem you write: the fields of a problem file, checked as the bank's are (the
    error names the field, e.g. `rubric[2].levels`)."""

    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=300)
    difficulty = serializers.ChoiceField(Difficulty.choices)
    tags = serializers.ListField(child=serializers.CharField())
    statement = serializers.CharField(help_text="Markdown, shown to the candidate.")
    phases = serializers.JSONField(required=False, help_text="List of {name, minutes}; the standard four if left out.")
    guide = serializers.JSONField(
        help_text="{clarifications: [{question, answer}], scale: [text], hints|followups|strong_answer: "
        "[{phase, text}], pitfalls: [text]}"
    )
    rubric = serializers.JSONField(help_text="[{key, name, description, levels: [4 descriptors]}]")
    reference_diagram = serializers.JSONField(help_text="Graph JSON, schema 1.")
    twists = serializers.JSONField(required=False, help_text="[{key, title, reveal, good_adaptation}]")
    shared = serializers.BooleanField(required=False, default=False, help_text="Let every user see and use it.")
