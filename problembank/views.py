"""The problem bank's pages: the list, a reference diagram's thumbnail, and writing your own."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from interview.selectors import diagrams_to_copy, kit_refusal, kits_refused
from problembank import services
from problembank.forms import ProblemForm
from problembank.models import Difficulty, Problem
from problembank.selectors import problem_search, reference_svg


@login_required
def problem_list(request: HttpRequest) -> HttpResponse:
    visible = list(Problem.objects.visible_to(request.user).select_related("owner"))
    query = request.GET.get("q", "").strip()
    tag = request.GET.get("tag", "")
    difficulty = request.GET.get("difficulty", "")
    problems = problem_search(
        [p for p in visible if (not tag or tag in p.tags) and (not difficulty or p.difficulty == difficulty)], query
    )
    context = {
        "problems": problems,
        "kits_refused": kits_refused(request.user, problems),
        "tags": sorted({tag for problem in visible for tag in problem.tags}),
        "difficulties": Difficulty.choices,
        "filters": {"q": query, "tag": tag, "difficulty": difficulty},
        "filtered": bool(query or tag or difficulty),
    }
    return render(request, "problembank/problem_list.html", context)


def _kit_refused(request: HttpRequest, refusal: str) -> HttpResponse:
    return render(request, "problembank/kit_refused.html", {"reason": refusal}, status=403)


@login_required
def problem_reference_svg(request: HttpRequest, slug: str) -> HttpResponse:
    """The reference diagram as an image for the problem list's thumbnails."""
    problem = get_object_or_404(Problem.objects.visible_to(request.user), slug=slug)
    if refusal := kit_refusal(request.user, problem):
        return HttpResponse(
            f"The reference diagram is closed to you: {refusal}.", status=403, content_type="text/plain"
        )
    svg = reference_svg(problem)
    if svg is None:
        return HttpResponse("the reference diagram could not be drawn", status=503, content_type="text/plain")
    response = HttpResponse(svg, content_type="image/svg+xml")
    # Served from our origin: if opened on its own, nothing in it may run or load.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, max-age=300"
    return response


# The first part of a problem field's path, as services name it, to the form field holding it.
_FORM_FIELD = {"guide": "kit", "rubric": "kit", "twists": "kit"}


def _problem_form(request: HttpRequest, problem: Problem | None) -> HttpResponse:
    if request.method == "POST":
        form = ProblemForm(request.POST, diagrams_to_copy=diagrams_to_copy(request.user))
        if form.is_valid():
            try:
                saved = services.problem_save(by=request.user, data=form.problem_data, problem=problem)
            except ServiceError as error:
                field = re.split(r"[.\[]", error.field or "", maxsplit=1)[0]
                field = _FORM_FIELD.get(field, field)
                where = f"{error.field}: " if error.field and error.field != field else ""
                form.add_error(field if field in form.fields else None, f"{where}{error.message}")
            else:
                messages.success(request, f"Saved “{saved.title}”.")
                return redirect(f"{reverse('problem-list')}?{urlencode({'q': saved.title})}")
    else:
        source = problem
        if problem is None and request.GET.get("from"):
            source = get_object_or_404(Problem.objects.visible_to(request.user), slug=request.GET["from"])
            # A copy is made of the whole kit.
            if refusal := kit_refusal(request.user, source):
                return _kit_refused(request, refusal)
        form = ProblemForm(
            initial=ProblemForm.initial_from(source) if source else None,
            diagrams_to_copy=diagrams_to_copy(request.user),
        )
        if problem is None and source is not None:
            form.initial["title"] = f"{source.title} (my version)"
            form.initial["shared"] = False
    return render(request, "problembank/problem_form.html", {"form": form, "problem": problem})


@login_required
def problem_new(request: HttpRequest) -> HttpResponse:
    return _problem_form(request, None)


@login_required
def problem_edit(request: HttpRequest, slug: str) -> HttpResponse:
    problem = get_object_or_404(Problem.objects.filter(owner=request.user), slug=slug)
    return _problem_form(request, problem)


@login_required
@require_POST
def problem_delete(request: HttpRequest, slug: str) -> HttpResponse:
    problem = get_object_or_404(Problem.objects.filter(owner=request.user), slug=slug)
    try:
        services.problem_delete(problem=problem, by=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("problem-edit", slug=slug)
    messages.success(request, f"Deleted “{problem.title}”.")
    return redirect("problem-list")
