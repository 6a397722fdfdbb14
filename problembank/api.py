"""REST API of the problem bank."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ReadsBodyFirst
from problembank import services
from problembank.models import Problem
from problembank.serializers import (
    ProblemInterviewerSerializer,
    ProblemSerializer,
    ProblemSummarySerializer,
    ProblemWriteSerializer,
)


class ProblemViewSet(ReadsBodyFirst, viewsets.GenericViewSet):
    """The problems you may use: the bank, your own, and those other users share. Write your
    own (private unless `shared`); only its author can change or delete it. The kit (guide,
    rubric, reference diagram, twists) is served to the author here, and to the interviewer
    inside a room."""

    lookup_field = "slug"
    serializer_class = ProblemSerializer

    def get_queryset(self):
        return Problem.objects.visible_to(self.request.user).select_related("owner")

    def _own(self, problem: Problem, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(ProblemInterviewerSerializer(problem).data, status=status_code)

    @extend_schema(responses=ProblemSummarySerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(ProblemSummarySerializer(self.get_queryset(), many=True).data)

    @extend_schema(
        responses=PolymorphicProxySerializer(
            component_name="ProblemForReader",
            serializers=[ProblemSerializer, ProblemInterviewerSerializer],
            resource_type_field_name=None,
        )
    )
    def retrieve(self, request: Request, slug: str) -> Response:
        problem = self.get_object()
        if problem.owner_id == request.user.pk:
            return self._own(problem)
        return Response(ProblemSerializer(problem).data)

    @extend_schema(request=ProblemWriteSerializer, responses={201: ProblemInterviewerSerializer})
    def create(self, request: Request) -> Response:
        return self._own(services.problem_save(by=request.user, data=request.data), status.HTTP_201_CREATED)

    @extend_schema(request=ProblemWriteSerializer, responses=ProblemInterviewerSerializer)
    def update(self, request: Request, slug: str) -> Response:
        return self._own(services.problem_save(by=request.user, data=request.data, problem=self.get_object()))

    @extend_schema(responses={204: None, 409: OpenApiResponse(description="rooms used it")})
    def destroy(self, request: Request, slug: str) -> Response:
        services.problem_delete(problem=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
