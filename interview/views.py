"""Pages: thin views over interview services and selectors."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from diagrams.dot import dot_style
from diagrams.graph import normalize
from diagrams.render import RenderError, render_svg
from interview import services
from interview.errors import RoomError, SeatTaken
from interview.forms import ProblemForm
from interview.models import HEARTBEAT_SECONDS, Difficulty, NoteKind, Problem, Recommendation, Role, Room
from interview.selectors import guide_by_phase, kit_refusal, kits_refused, problem_search
from mockboard.websocket_protocol import PROTOCOL_VERSION

logger = logging.getLogger(__name__)

# The modules the room page's entry point imports, preloaded together rather than found one
# level of imports at a time. Under their plain names: that is how they import one another
# (collectstatic hashes the entry point's name, not the names inside it).
ROOM_MODULES = tuple(
    f"{settings.STATIC_URL}js/room/{path.name}"
    for path in sorted((settings.BASE_DIR / "static" / "js" / "room").glob("*.js"))
    if path.name not in ("main.js", "layout-worker.js")
)


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("room-list")
    return render(request, "home.html")


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
    return render(request, "interview/problem_list.html", context)


def _kit_refused(request: HttpRequest, refusal: str) -> HttpResponse:
    return render(request, "interview/kit_refused.html", {"reason": refusal}, status=403)


@login_required
def problem_reference_svg(request: HttpRequest, slug: str) -> HttpResponse:
    """The reference diagram as an image for the problem list's thumbnails."""
    problem = get_object_or_404(Problem.objects.visible_to(request.user), slug=slug)
    if refusal := kit_refusal(request.user, problem):
        return HttpResponse(
            f"The reference diagram is closed to you: {refusal}.", status=403, content_type="text/plain"
        )
    svg = _reference_svg(problem)
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
        form = ProblemForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                saved = services.problem_save(by=request.user, data=form.problem_data, problem=problem)
            except RoomError as error:
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
        form = ProblemForm(initial=ProblemForm.initial_from(source) if source else None, user=request.user)
        if problem is None and source is not None:
            form.initial["title"] = f"{source.title} (my version)"
            form.initial["shared"] = False
    return render(request, "interview/problem_form.html", {"form": form, "problem": problem})


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
    except RoomError as error:
        messages.error(request, error.message)
        return redirect("problem-edit", slug=slug)
    messages.success(request, f"Deleted “{problem.title}”.")
    return redirect("problem-list")


@login_required
@require_POST
def room_create(request: HttpRequest) -> HttpResponse:
    problem = Problem.objects.visible_to(request.user).filter(slug=request.POST.get("problem", "")).first()
    if problem is None:
        messages.error(request, "Pick a problem from the bank to open a room.")
        return redirect("problem-list")
    try:
        room = services.room_create(problem=problem, interviewer=request.user)
    except RoomError as error:
        messages.error(request, error.message)
        return redirect("problem-list")
    messages.success(request, "Room created. Copy the invite link at the top and send it to your candidate.")
    return redirect("room-detail", room_id=room.pk)


@login_required
def room_list(request: HttpRequest) -> HttpResponse:
    rooms = Room.objects.for_user(request.user).with_related().select_related("feedback")
    return render(request, "interview/room_list.html", {"rooms": rooms})


@login_required
def room_detail(request: HttpRequest, room_id) -> HttpResponse:
    room = get_object_or_404(Room.objects.with_related().prefetch_related("notes"), pk=room_id)
    role = room.role_of(request.user)
    if role is None:
        return render(request, "interview/room_forbidden.html", {"room": room}, status=403)
    notes = {note.kind: note.text for note in room.notes.all()}
    context = {
        "room": room,
        "problem": room.problem,
        "role": role.value,
        "is_interviewer": role == Role.INTERVIEWER,
        "candidate_notes": notes.get(NoteKind.CANDIDATE, ""),
        "recommendations": Recommendation.choices,
        "config": {
            "room_id": str(room.pk),
            "protocol": PROTOCOL_VERSION,
            "heartbeat_ms": HEARTBEAT_SECONDS * 1000,
            "role": role.value,
            "username": request.user.username,
            # What the page lays its diagram out with: the DOT's every number (diagrams.dot),
            # and Graphviz itself, in WebAssembly, run in a worker.
            "dot": dot_style(),
            "layout": {
                "worker": static("js/room/layout-worker.js"),
                "viz": static("vendor/viz-js/viz.js"),
            },
            "recommendations": dict(Recommendation.choices),
        },
        "room_modules": ROOM_MODULES,
    }
    if role == Role.INTERVIEWER:
        # Interviewer-only material is added to the context here and nowhere else, so the
        # candidate's page cannot contain it even by a template slip.
        context["kit"] = {
            "interviewer_notes": notes.get(NoteKind.INTERVIEWER, ""),
            "invite_url": (
                request.build_absolute_uri(reverse("invite", args=[room.invite_token])) if room.invite_token else None
            ),
        }
        if refusal := kit_refusal(request.user, room.problem):
            context["kit"]["refused"] = refusal
        else:
            context["kit"] |= {
                "guide": room.problem.guide,
                "by_phase": guide_by_phase(room.problem),
                "twists": room.problem.twists,
                "rubric": room.problem.rubric,
                "reference_svg": _reference_svg(room.problem),
            }
    return render(request, "interview/room.html", context)


def _reference_svg(problem: Problem) -> str | None:
    """The problem's reference diagram drawn by Graphviz; None (the page says why) if it fails."""
    try:
        return render_svg(normalize(problem.reference_diagram), id_prefix="reference-")
    except RenderError:
        logger.exception("reference diagram of %s could not be rendered", problem.slug)
        return None


def _room_action(request: HttpRequest, room_id, action, done: str) -> HttpResponse:
    room = get_object_or_404(Room.objects.for_user(request.user), pk=room_id)
    try:
        action(room=room, by=request.user)
    except RoomError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("room-detail", room_id=room.pk)


@login_required
@require_POST
def room_invite_reissue(request: HttpRequest, room_id) -> HttpResponse:
    return _room_action(
        request, room_id, services.room_invite_reissue, "New invite link issued; the old one no longer works."
    )


@login_required
@require_POST
def room_invite_revoke(request: HttpRequest, room_id) -> HttpResponse:
    return _room_action(
        request, room_id, services.room_invite_revoke, "Invite link revoked. Issue a new one to invite someone."
    )


@login_required
@require_POST
def room_candidate_remove(request: HttpRequest, room_id) -> HttpResponse:
    return _room_action(
        request, room_id, services.room_candidate_remove, "Candidate removed. A new invite link is ready."
    )


@login_required
def invite(request: HttpRequest, token: str) -> HttpResponse:
    room = Room.objects.with_related().filter(invite_token=token).first()
    if room is not None and room.role_of(request.user) is not None:
        return redirect("room-detail", room_id=room.pk)
    refusal = services.room_join_refusal(room=room, user=request.user)
    if refusal is None and request.method == "POST":
        try:
            services.room_join(token=token, user=request.user)
        except RoomError as error:
            refusal = error
        else:
            messages.success(request, f"You joined as the candidate. {room.interviewer.username} will start the timer.")
            return redirect("room-detail", room_id=room.pk)
    if isinstance(refusal, SeatTaken):
        return render(request, "interview/invite_taken.html", {"room": room}, status=409)
    if refusal is not None:
        return render(request, "interview/invite_invalid.html", {"reason": refusal.message}, status=404)
    return render(request, "interview/invite.html", {"room": room})
