"""REST representations. What a role may see is decided by which serializer is used.

The WebSocket snapshot uses these same serializers, so page, API and socket agree on
what the candidate never receives. Context: `user` (the viewer) and `base_url`
(scheme and host, for absolute links), so they work without an HTTP request.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from interview.models import NoteKind, Recommendation, Role, Room
from interview.selectors import room_feedback_for, room_self_assessment, room_twists
from interview.timer import ACTIONS
from problembank.bank import RUBRIC_LEVELS
from problembank.models import Problem
from problembank.serializers import ProblemInterviewerSerializer, ProblemSerializer, ProblemSummarySerializer


class ScheduleSerializer(serializers.Serializer):
    scheduled_at = serializers.DateTimeField(
        allow_null=True, help_text="When it is held, with its time zone; null for not planned."
    )


class PhaseSerializer(serializers.Serializer):
    name = serializers.CharField()
    minutes = serializers.IntegerField()


class TimerSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["not_started", "running", "paused", "ended"])
    phases = PhaseSerializer(many=True)
    phase_index = serializers.IntegerField()
    phase_elapsed = serializers.FloatField(help_text="Seconds spent in the phase before running_since.")
    total_elapsed = serializers.FloatField(help_text="Seconds spent overall before running_since.")
    running_since = serializers.IntegerField(
        allow_null=True, help_text="Server time (ms since epoch) the clock last started; null when stopped."
    )
    amber_seconds = serializers.IntegerField()
    revision = serializers.IntegerField(
        help_text="Grows with every change to the timer: of two states, show the one with the higher revision."
    )


class RoomListSerializer(serializers.ModelSerializer):
    problem = ProblemSummarySerializer()
    interviewer = serializers.CharField(source="interviewer.username")
    candidate = serializers.CharField(source="candidate.username", allow_null=True, default=None)
    role = serializers.SerializerMethodField()

    class Meta:
        model = Room
        fields = [
            "id",
            "problem",
            "interviewer",
            "candidate",
            "role",
            "state",
            "created_at",
            "scheduled_at",
            "started_at",
            "ended_at",
        ]

    def get_role(self, room: Room) -> str:
        return room.role_of(self.context["user"])


class DiagramSerializer(serializers.Serializer):
    graph = serializers.JSONField(help_text="Graph JSON, schema 1 (see DESIGN.md).")
    version = serializers.IntegerField(help_text="Number of ops applied so far.")
    locked = serializers.BooleanField(help_text="Read-only for the candidate.")


class ScoreSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True, help_text="The rubric dimension's name.")
    level = serializers.IntegerField(
        min_value=1, max_value=RUBRIC_LEVELS, allow_null=True, required=False, default=None
    )
    comment = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False, default="")
    node_ids = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class FeedbackSerializer(serializers.Serializer):
    """The scoring as a whole: what the interviewer edits, and the candidate sees once shared."""

    scores = serializers.DictField(child=ScoreSerializer(), read_only=True, help_text="By rubric dimension key.")
    recommendation = serializers.ChoiceField([("", "none"), *Recommendation.choices], required=False)
    summary = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)
    strengths = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)
    improvements = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)
    shared_at = serializers.DateTimeField(read_only=True, allow_null=True)
    review_shared = serializers.BooleanField(
        read_only=True, help_text="Whether the shared feedback comes with the design review."
    )


class FeedbackShareSerializer(serializers.Serializer):
    review = serializers.BooleanField(
        required=False, default=False, help_text="Share the design review with the feedback too."
    )


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="The check's id, e.g. serving-unmonitored.")
    finding = serializers.CharField()
    blocks = serializers.ListField(child=serializers.CharField(), help_text="Ids of the blocks it is about.")
    question = serializers.CharField(help_text="A question the interviewer can ask about it.")


class CoverageSerializer(serializers.Serializer):
    block = serializers.CharField(help_text="The reference diagram's block id.")
    label = serializers.CharField()
    kind = serializers.CharField()
    phase = serializers.CharField(help_text="The phase in which such a block is usually drawn.")
    status = serializers.ChoiceField(["present", "partial", "missing"])
    match = serializers.CharField(allow_null=True, help_text="The diagram's block that stands for it.")


class ReviewSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The diagram version reviewed.")
    findings = FindingSerializer(many=True)
    coverage = CoverageSerializer(many=True, allow_null=True, help_text="Null when the problem has no reference.")
    covered = serializers.FloatField(allow_null=True, help_text="Share of the reference covered, partial as half.")


class ReplayPhaseSerializer(serializers.Serializer):
    name = serializers.CharField()
    start = serializers.FloatField(help_text="Seconds from the session's start.")
    end = serializers.FloatField()


class ReplayTwistSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    at = serializers.FloatField()
    phase = serializers.CharField()


class ReplayNotesSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(["candidate", "interviewer"])
    at = serializers.FloatField(help_text="Where a burst of typing in that pad ended.")


class ReplayOpSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The diagram's version once the op was applied.")
    at = serializers.FloatField()
    author = serializers.CharField(allow_null=True)
    summary = serializers.CharField(help_text="What the op did, in words.")


class ReplaySerializer(serializers.Serializer):
    duration = serializers.FloatField(help_text="Seconds from the start to the end (or now).")
    started_at = serializers.DateTimeField()
    version = serializers.IntegerField()
    phases = ReplayPhaseSerializer(many=True)
    twists = ReplayTwistSerializer(many=True)
    notes = ReplayNotesSerializer(many=True)
    ops = ReplayOpSerializer(many=True)


class ReplayDiagramSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    graph = serializers.JSONField()


class SelfRatingSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    levels = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="What levels 1 to 4 mean, in order."
    )
    level = serializers.IntegerField(
        min_value=1, max_value=RUBRIC_LEVELS, allow_null=True, required=False, default=None
    )
    comment = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False, default="")


class SelfAssessmentSerializer(serializers.Serializer):
    dimensions = SelfRatingSerializer(many=True, read_only=True)


class TwistSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    reveal = serializers.CharField(help_text="The new constraint, as the candidate reads it.")
    phase = serializers.CharField(help_text="The phase the interview was in when it was revealed.")
    minute = serializers.IntegerField(help_text="Whole minutes of interview time at the reveal.")
    elapsed = serializers.IntegerField(help_text="Seconds of interview time at the reveal (0 before the start).")
    revealed_at = serializers.DateTimeField()


class CandidateRoomSerializer(RoomListSerializer):
    problem = ProblemSerializer()
    timer = serializers.SerializerMethodField()
    candidate_notes = serializers.SerializerMethodField()
    diagram = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()
    self_assessment = serializers.SerializerMethodField()
    twists = serializers.SerializerMethodField()

    class Meta(RoomListSerializer.Meta):
        fields = [
            *RoomListSerializer.Meta.fields,
            *("timer", "candidate_notes", "diagram", "feedback", "self_assessment", "twists"),
        ]

    @extend_schema_field(TwistSerializer(many=True))
    def get_twists(self, room: Room) -> list[dict]:
        """The twists the interviewer has revealed, in order."""
        return room_twists(room)

    @extend_schema_field(SelfAssessmentSerializer(allow_null=True))
    def get_self_assessment(self, room: Room) -> dict | None:
        """Null until the interview ends."""
        return room_self_assessment(room, room.role_of(self.context["user"]))

    @extend_schema_field(FeedbackSerializer(allow_null=True))
    def get_feedback(self, room: Room) -> dict | None:
        """All of it for the interviewer; for the candidate, null until it is shared."""
        return room_feedback_for(room, room.role_of(self.context["user"]))

    @extend_schema_field(DiagramSerializer)
    def get_diagram(self, room: Room) -> dict:
        return diagram_state(room)

    def _note(self, room: Room, kind: str) -> str:
        return next((n.text for n in room.notes.all() if n.kind == kind), "")

    @extend_schema_field(TimerSerializer)
    def get_timer(self, room: Room) -> dict:
        return room.timer.as_dict()

    def get_candidate_notes(self, room: Room) -> str:
        return self._note(room, NoteKind.CANDIDATE)


class InterviewerRoomSerializer(CandidateRoomSerializer):
    problem = ProblemInterviewerSerializer()
    invite_url = serializers.SerializerMethodField()
    interviewer_notes = serializers.SerializerMethodField()

    class Meta(CandidateRoomSerializer.Meta):
        fields = [*CandidateRoomSerializer.Meta.fields, "invite_url", "interviewer_notes"]

    def get_invite_url(self, room: Room) -> str | None:
        if not room.invite_token:
            return None
        return self.context["base_url"] + reverse("invite", args=[room.invite_token])

    def get_interviewer_notes(self, room: Room) -> str:
        return self._note(room, NoteKind.INTERVIEWER)


def diagram_state(room: Room) -> dict:
    return {"graph": room.diagram.graph, "version": room.diagram.version, "locked": room.diagram_locked}


def room_serializer_class(role: Role) -> type[CandidateRoomSerializer]:
    return InterviewerRoomSerializer if role == Role.INTERVIEWER else CandidateRoomSerializer


@extend_schema_field(OpenApiTypes.STR)
class VisibleProblemField(serializers.SlugRelatedField):
    """A problem the requesting user may use, by slug; anyone else's private one is "not found"."""

    def get_queryset(self):
        return Problem.objects.visible_to(self.context["request"].user)


class RoomCreateSerializer(serializers.Serializer):
    problem = VisibleProblemField(slug_field="slug")


class JoinSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=64)


class TimerActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(ACTIONS)


class TwistRevealSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=80, help_text="The key of one of the problem's twists.")


class PhasesSerializer(serializers.Serializer):
    phases = serializers.JSONField(help_text="List of {name, minutes}.")


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)


class DiagramReplaceSerializer(serializers.Serializer):
    graph = serializers.JSONField(help_text="The whole new graph (schema 1).")
    base_version = serializers.IntegerField(min_value=0, help_text="The version this change was made against.")
