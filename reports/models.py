"""A session report: the PDF of one room for one participant, built in the background."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

from interview.models import Room


class ReportQuerySet(models.QuerySet):
    def lost(self, before: datetime) -> ReportQuerySet:
        """The reports "running" since before `before`: their worker is gone (reports.tasks.lost_before)."""
        return self.filter(status=Report.Status.RUNNING, started_at__lt=before)


class Report(models.Model):
    """A PDF session report, built in the background by Celery."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Variant(models.TextChoices):
        # The interviewer's copy adds the private notes; the candidate's never has them.
        INTERVIEWER = "interviewer", "For the interviewer"
        CANDIDATE = "candidate", "For the candidate"

    class Paper(models.TextChoices):
        A4 = "A4", "A4"
        LETTER = "letter", "Letter"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="reports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    variant = models.CharField(max_length=12, choices=Variant.choices)
    paper = models.CharField(max_length=8, choices=Paper.choices, default=Paper.A4)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    pdf = models.FileField(upload_to="reports/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The Celery worker (its node name) building it, so a worker that dies mid-build can hand
    # its report back when it starts again.
    worker = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.status})"

    def lost(self, before: datetime) -> bool:
        """Whether this report is "running" since before `before`, so its worker is gone (see
        ReportQuerySet.lost, the same rule in SQL)."""
        return self.status == Report.Status.RUNNING and self.started_at is not None and self.started_at < before
