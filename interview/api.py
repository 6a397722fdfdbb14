"""REST API: thin views that translate HTTP to interview services and back."""

from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ReadsBodyFirst
from diagrams.dot import to_dot
from diagrams.ops import OpRejected
from diagrams.render import RenderError, render_graph_png, render_svg
from interview import services
from interview.models import NoteKind, Room
from interview.replay import room_replay, room_replay_at
from interview.selectors import room_feedback_for, room_review_for, room_scoring, room_self_assessment
from interview.serializers import (
    CandidateRoomSerializer,
    DiagramReplaceSerializer,
    DiagramSerializer,
    FeedbackSerializer,
    FeedbackShareSerializer,
    InterviewerRoomSerializer,
    JoinSerializer,
    NoteSerializer,
    PhasesSerializer,
    ReplayDiagramSerializer,
    ReplaySerializer,
    ReviewSerializer,
    RoomCreateSerializer,
    RoomListSerializer,
    ScheduleSerializer,
    ScoreSerializer,
    SelfAssessmentSerializer,
    SelfRatingSerializer,
    TimerActionSerializer,
    TwistRevealSerializer,
    diagram_state,
    room_serializer_class,
)

DOWNLOADS = {
    "svg": ("image/svg+xml", render_svg),
    "png": ("image/png", render_graph_png),
    "dot": ("text/vnd.graphviz; charset=utf-8", to_dot),
    "json": ("application/json", lambda graph: json.dumps(graph, indent=2, ensure_ascii=False)),
}


ROOM_RESPONSE = PolymorphicProxySerializer(
    component_name="RoomForRole",
    serializers={"interviewer": InterviewerRoomSerializer, "candidate": CandidateRoomSerializer},
    resource_type_field_name="role",
)


class RoomViewSet(ReadsBodyFirst, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rooms where the signed-in user is the interviewer or the candidate."""

    serializer_class = RoomListSerializer

    def get_queryset(self):
        return Room.objects.for_user(self.request.user).with_related().prefetch_related("notes")

    def get_serializer_context(self) -> dict:
        base_url = self.request.build_absolute_uri("/").rstrip("/")
        return {**super().get_serializer_context(), "user": self.request.user, "base_url": base_url}

    def _detail(self, room: Room, status_code: int = status.HTTP_200_OK) -> Response:
        serializer = room_serializer_class(room.role_of(self.request.user))
        return Response(serializer(room, context=self.get_serializer_context()).data, status=status_code)

    def _fresh(self, room: Room) -> Room:
        return self.get_queryset().get(pk=room.pk)

    @extend_schema(responses=ROOM_RESPONSE)
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return self._detail(self.get_object())

    @extend_schema(request=RoomCreateSerializer, responses={201: InterviewerRoomSerializer})
    def create(self, request: Request) -> Response:
        serializer = RoomCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        room = services.room_create(problem=serializer.validated_data["problem"], interviewer=request.user)
        return self._detail(self._fresh(room), status.HTTP_201_CREATED)

    @extend_schema(
        request=JoinSerializer,
        responses={
            200: ROOM_RESPONSE,
            404: OpenApiResponse(description="invite not valid"),
            409: OpenApiResponse(description="seat taken"),
        },
    )
    @action(detail=False, methods=["post"])
    def join(self, request: Request) -> Response:
        """Take the candidate seat with the token from an invite link."""
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        room = services.room_join(token=serializer.validated_data["token"], user=request.user)
        return self._detail(self._fresh(room))

    def _change(self, service, input_serializer=None) -> Response:
        """Run a room service with the validated body as its arguments; answer with the room."""
        arguments = {}
        if input_serializer is not None:
            serializer = input_serializer(data=self.request.data)
            serializer.is_valid(raise_exception=True)
            arguments = serializer.validated_data
        room = self.get_object()
        service(room=room, by=self.request.user, **arguments)
        return self._detail(self._fresh(room))

    @extend_schema(request=TimerActionSerializer, responses=ROOM_RESPONSE)
    @action(detail=True, methods=["post"])
    def timer(self, request: Request, pk: str) -> Response:
        """Start, pause, resume, next_phase or end (interviewer only)."""
        return self._change(services.timer_control, TimerActionSerializer)

    @extend_schema(
        request=TwistRevealSerializer,
        responses={200: ROOM_RESPONSE, 409: OpenApiResponse(description="already revealed")},
    )
    @action(detail=True, methods=["post"])
    def twists(self, request: Request, pk: str) -> Response:
        """Reveal one of the problem's twists: the candidate sees it live (interviewer only)."""
        return self._change(services.twist_reveal, TwistRevealSerializer)

    @extend_schema(request=ScheduleSerializer, responses=ROOM_RESPONSE)
    @action(detail=True, methods=["put"])
    def schedule(self, request: Request, pk: str) -> Response:
        """Plan when the interview is held, or null (interviewer, before the end); the page's
        calendar file (/rooms/<id>/calendar.ics) then has the time."""
        serializer = ScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        room = self.get_object()
        services.room_schedule(room=room, by=request.user, at=serializer.validated_data["scheduled_at"])
        return self._detail(self._fresh(room))

    @extend_schema(request=PhasesSerializer, responses=ROOM_RESPONSE)
    @action(detail=True, methods=["put"])
    def phases(self, request: Request, pk: str) -> Response:
        """Replace the phases before the timer starts (interviewer only)."""
        return self._change(services.room_phases_set, PhasesSerializer)

    @extend_schema(methods=["POST"], request=None, responses=ROOM_RESPONSE, description="New invite link.")
    @extend_schema(methods=["DELETE"], request=None, responses={200: ROOM_RESPONSE}, description="No invite link.")
    @action(detail=True, methods=["post", "delete"])
    def invite(self, request: Request, pk: str) -> Response:
        """Re-issue (POST) or revoke (DELETE) the invite link; the old one stops working at
        once (interviewer only)."""
        if request.method == "DELETE":
            return self._change(services.room_invite_revoke)
        return self._change(services.room_invite_reissue)

    @extend_schema(methods=["GET"], responses=DiagramSerializer)
    @extend_schema(
        methods=["PUT"],
        request=DiagramReplaceSerializer,
        responses={200: DiagramSerializer, 409: OpenApiResponse(description="base_version is not current")},
    )
    @action(detail=True, methods=["get", "put"])
    def diagram(self, request: Request, pk: str) -> Response:
        """The diagram (GET), or replace it whole (PUT) if `base_version` is still current."""
        room = self.get_object()
        if request.method == "PUT":
            serializer = DiagramReplaceSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            try:
                services.diagram_replace(room=room, by=request.user, **serializer.validated_data)
            except OpRejected as rejected:
                return Response({"graph": [rejected.reason], "code": "invalid"}, status=400)
            room = self._fresh(room)
        return Response(diagram_state(room))

    @extend_schema(
        operation_id="rooms_diagram_download",
        parameters=[OpenApiParameter("file_format", str, OpenApiParameter.PATH, enum=list(DOWNLOADS))],
        responses={
            (200, content_type.split(";")[0]): OpenApiTypes.OBJECT if file_format == "json" else OpenApiTypes.BINARY
            for file_format, (content_type, _) in DOWNLOADS.items()
        },
    )
    @action(detail=True, methods=["get"], url_path=r"diagram/(?P<file_format>svg|png|dot|json)")
    def diagram_download(self, request: Request, pk: str, file_format: str) -> HttpResponse:
        """Download the diagram as SVG, PNG, DOT or JSON (participants only)."""
        room = self.get_object()
        content_type, render = DOWNLOADS[file_format]
        try:
            body = render(room.diagram.graph)
        except RenderError as error:
            return Response({"detail": f"the diagram could not be drawn: {error}", "code": "render_failed"}, 422)
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{room.problem.slug}-diagram.{file_format}"'
        return response

    @extend_schema(request=ScoreSerializer, responses=FeedbackSerializer)
    @action(detail=True, methods=["put"], url_path=r"scores/(?P<dimension>[a-z0-9_]{1,40})")
    def score(self, request: Request, pk: str, dimension: str) -> Response:
        """Set one rubric dimension's level (1-4 or null), comment and referenced nodes (interviewer)."""
        serializer = ScoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        room = self.get_object()
        services.score_set(room=room, by=request.user, dimension=dimension, **serializer.validated_data)
        return Response(room_scoring(room))

    @extend_schema(methods=["GET"], responses={200: FeedbackSerializer, 404: OpenApiResponse(description="not shared")})
    @extend_schema(methods=["PATCH"], request=FeedbackSerializer, responses=FeedbackSerializer)
    @action(detail=True, methods=["get", "patch"])
    def feedback(self, request: Request, pk: str) -> Response:
        """Scores and verdict: the interviewer's to edit (PATCH); the candidate's to read once shared."""
        room = self.get_object()
        if request.method == "PATCH":
            serializer = FeedbackSerializer(data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            services.feedback_set(room=room, by=request.user, **serializer.validated_data)
        feedback = room_feedback_for(room, room.role_of(request.user))
        if feedback is None:
            return Response({"detail": "the interviewer has not shared feedback yet", "code": "not_shared"}, 404)
        return Response(feedback)

    @extend_schema(
        methods=["POST"], request=FeedbackShareSerializer, responses={200: FeedbackSerializer}, description="Share."
    )
    @extend_schema(methods=["DELETE"], request=None, responses={200: FeedbackSerializer}, description="Take it back.")
    @action(detail=True, methods=["post", "delete"], url_path="feedback/share")
    def feedback_share(self, request: Request, pk: str) -> Response:
        """Show the candidate the scores and feedback, with the design review if asked, or take
        them back (interviewer)."""
        review = False
        if request.method == "POST":
            serializer = FeedbackShareSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            review = serializer.validated_data["review"]
        room = self.get_object()
        services.feedback_share(room=room, by=request.user, shared=request.method == "POST", review=review)
        return Response(room_scoring(room))

    @extend_schema(request=None, responses={201: ROOM_RESPONSE})
    @action(detail=True, methods=["post"])
    def swap(self, request: Request, pk: str) -> Response:
        """Once ended, a new room with the roles reversed on a problem neither has done, both
        seated (either participant; asking again gives the same room)."""
        swapped = services.room_swap(room=self.get_object(), by=request.user)
        return self._detail(self._fresh(swapped), status.HTTP_201_CREATED)

    @extend_schema(responses={200: ReplaySerializer, 403: OpenApiResponse(description="not open to you now")})
    @action(detail=True, methods=["get"])
    def replay(self, request: Request, pk: str) -> Response:
        """The session's time line: phases, twists and every change to the diagram (both
        participants once the interview has ended; the interviewer alone before)."""
        return Response(room_replay(room=self.get_object(), by=request.user))

    @extend_schema(
        parameters=[OpenApiParameter("version", int, OpenApiParameter.QUERY, required=True)],
        responses={
            200: ReplayDiagramSerializer,
            400: OpenApiResponse(description="`version` is missing, not a whole number, or past the last"),
            403: OpenApiResponse(description="not open to you now"),
        },
    )
    @action(detail=True, methods=["get"], url_path="replay/diagram")
    def replay_diagram(self, request: Request, pk: str) -> Response:
        """The diagram as it stood at a version, drawn from the op log."""
        raw = request.query_params.get("version", "")
        version = int(raw) if raw.isascii() and raw.isdigit() else raw
        return Response(room_replay_at(room=self.get_object(), by=request.user, version=version))

    @extend_schema(responses={200: ReviewSerializer, 403: OpenApiResponse(description="not open to you now")})
    @action(detail=True, methods=["get"])
    def review(self, request: Request, pk: str) -> Response:
        """The design review of the diagram now: the checks' findings and the coverage of the
        reference (the interviewer; the candidate once shared with the feedback)."""
        return Response(room_review_for(room=self.get_object(), by=request.user))

    @extend_schema(request=SelfRatingSerializer, responses=SelfAssessmentSerializer)
    @action(detail=True, methods=["put"], url_path=r"self-assessment/(?P<dimension>[a-z0-9_]{1,40})")
    def self_assessment(self, request: Request, pk: str, dimension: str) -> Response:
        """The candidate rates themself on one dimension, once the interview has ended."""
        serializer = SelfRatingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        room = self.get_object()
        services.self_assessment_set(room=room, by=request.user, dimension=dimension, **serializer.validated_data)
        return Response(room_self_assessment(room, room.role_of(request.user)))

    @extend_schema(
        request=NoteSerializer,
        responses=NoteSerializer,
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=NoteKind.values)],
    )
    @action(detail=True, methods=["put"], url_path=r"notes/(?P<kind>candidate|interviewer)")
    def notes(self, request: Request, pk: str, kind: str) -> Response:
        """Save the candidate's notes (candidate) or the private notes (interviewer)."""
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = services.note_save(
            room=self.get_object(), by=request.user, kind=kind, text=serializer.validated_data["text"]
        )
        return Response({"text": note.text})
