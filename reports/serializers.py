"""What the API says of a report, and what it takes to ask for one."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from reports.build import REPORT_LOST
from reports.models import Report
from reports.tasks import lost_before


class ReportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "variant", "paper", "status", "error", "created_at", "finished_at", "download_url"]

    def to_representation(self, report: Report) -> dict:
        data = super().to_representation(report)
        if report.lost(lost_before(timezone.now())):
            # Shown as it is; the workers record it (reports.tasks), as a GET never writes.
            data |= {"status": Report.Status.FAILED.value, "error": REPORT_LOST}
        return data

    def get_download_url(self, report: Report) -> str | None:
        if report.status != Report.Status.DONE:
            return None
        return reverse("api:room-report-download", args=[report.room_id, report.pk])


class ReportExportSerializer(serializers.Serializer):
    paper = serializers.ChoiceField(Report.Paper.choices, default=Report.Paper.A4)
