"""Pages: a candidate's progress across their interviews."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from problembank.bank import AXES
from reports.progress import AXIS_COLOURS, candidate_progress


@login_required
def progress(request: HttpRequest) -> HttpResponse:
    context = {**candidate_progress(request.user), "axes": AXES, "colours": AXIS_COLOURS}
    return render(request, "reports/progress.html", context)
