"""REST API of a room's reports: ask for one, follow it, download it. Routes of the room
(`/api/rooms/<id>/reports/`), added to the room's viewset where the project puts its API
together (mockboard/urls.py)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from interview.models import Room
from reports import services
from reports.models import Report
from reports.selectors import room_reports_for
from reports.serializers import ReportExportSerializer, ReportSerializer


class RoomReportActions:
    """The report routes of a room viewset, whose get_object() finds the user's room."""

    @extend_schema(methods=["GET"], responses=ReportSerializer(many=True))
    @extend_schema(methods=["POST"], request=ReportExportSerializer, responses={202: ReportSerializer})
    @action(detail=True, methods=["get", "post"])
    def reports(self, request: Request, pk: str) -> Response:
        """Export a PDF report (POST: queued, built by a worker; poll GET for its status)."""
        room = self.get_object()
        if request.method == "POST":
            serializer = ReportExportSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            report = services.report_request(room=room, by=request.user, **serializer.validated_data)
            return Response(ReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)
        return Response(ReportSerializer(self._my_reports(room), many=True).data)

    def _my_reports(self, room: Room):
        return room_reports_for(room, self.request.user)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"reports/(?P<report_id>[0-9]+)/pdf")
    def report_download(self, request: Request, pk: str, report_id: str) -> HttpResponse:
        """The finished PDF; each participant downloads the copies they asked for (the
        candidate only while the feedback is shared)."""
        report = self._my_reports(self.get_object()).filter(pk=report_id, status=Report.Status.DONE).first()
        if report is None:
            raise Http404
        response = FileResponse(report.pdf.open("rb"), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report.room.problem.slug}-report.pdf"'
        return response
