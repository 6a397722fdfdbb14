"""Pages: thin views over interview services and selectors."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import SeatTaken, ServiceError
from diagrams.dot import dot_style
from interview import services
from interview.calendar import room_ics
from interview.models import HEARTBEAT_SECONDS, NoteKind, Recommendation, Role, Room
from interview.protocol import PROTOCOL_VERSION
from interview.replay import replay_refusal
from interview.selectors import kit_refusal
from problembank.models import Problem
from problembank.selectors import guide_by_phase, reference_svg

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
@require_POST
def room_create(request: HttpRequest) -> HttpResponse:
    problem = Problem.objects.visible_to(request.user).filter(slug=request.POST.get("problem", "")).first()
    if problem is None:
        messages.error(request, "Pick a problem from the bank to open a room.")
        return redirect("problem-list")
    try:
        room = services.room_create(problem=problem, interviewer=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("problem-list")
    messages.success(request, "Room created. Copy the invite link at the top and send it to your candidate.")
    return redirect("room-detail", room_id=room.pk)


@login_required
def room_list(request: HttpRequest) -> HttpResponse:
    rooms = Room.objects.for_user(request.user).with_related().select_related("feedback")
    return render(request, "interview/room_list.html", {"rooms": rooms})


def _layout_config() -> dict:
    """What a page lays its diagram out with: the DOT's every number (diagrams.dot), and
    Graphviz itself, in WebAssembly, run in a worker."""
    return {
        "dot": dot_style(),
        "layout": {"worker": static("js/room/layout-worker.js"), "viz": static("vendor/viz-js/viz.js")},
    }


@login_required
def room_replay(request: HttpRequest, room_id) -> HttpResponse:
    """The session played back: the diagram as it stood at any moment (interview.replay)."""
    room = get_object_or_404(Room.objects.with_related(), pk=room_id)
    if room.role_of(request.user) is None:
        return render(request, "interview/room_forbidden.html", {"room": room}, status=403)
    refusal = replay_refusal(room, request.user)
    context = {
        "room": room,
        "problem": room.problem,
        "refused": refusal,
        "config": {"room_id": str(room.pk), **_layout_config()},
        "room_modules": ROOM_MODULES,
    }
    return render(request, "interview/replay.html", context, status=403 if refusal else 200)


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
            **_layout_config(),
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
                "reference_svg": reference_svg(room.problem),
            }
    return render(request, "interview/room.html", context)


def _room_action(request: HttpRequest, room_id, action, done: str) -> HttpResponse:
    room = get_object_or_404(Room.objects.for_user(request.user), pk=room_id)
    try:
        action(room=room, by=request.user)
    except ServiceError as error:
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
def room_swap(request: HttpRequest, room_id) -> HttpResponse:
    room = get_object_or_404(Room.objects.for_user(request.user), pk=room_id)
    try:
        swapped = services.room_swap(room=room, by=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("room-detail", room_id=room.pk)
    role = "interview" if swapped.interviewer_id == request.user.pk else "are the candidate"
    messages.success(request, f"Roles swapped: you {role} this time, on a problem neither of you has done.")
    return redirect("room-detail", room_id=swapped.pk)


@login_required
@require_POST
def room_schedule(request: HttpRequest, room_id) -> HttpResponse:
    """The Setup tab's form: the page sends the time it was given in the browser's own zone,
    as ISO 8601 with the offset; empty plans nothing."""
    room = get_object_or_404(Room.objects.for_user(request.user), pk=room_id)
    raw = request.POST.get("scheduled_at", "").strip()
    try:
        at = datetime.fromisoformat(raw) if raw else None
        services.room_schedule(room=room, by=request.user, at=at)
    except ValueError:
        messages.error(request, "Give the date and time the interview is held.")
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Scheduled: download the calendar file to send it." if at else "No time planned.")
    return redirect("room-detail", room_id=room.pk)


@login_required
def room_calendar(request: HttpRequest, room_id) -> HttpResponse:
    """The scheduled room as an .ics file with the invite link, for the interviewer to send."""
    room = get_object_or_404(Room.objects.with_related(), pk=room_id, interviewer=request.user)
    if room.scheduled_at is None or not room.invite_token:
        raise Http404("schedule the interview, with an invite link, first")
    body = room_ics(
        room_id=str(room.pk),
        title=room.problem.title,
        start=room.scheduled_at,
        minutes=sum(phase["minutes"] for phase in room.phases),
        invite_url=request.build_absolute_uri(reverse("invite", args=[room.invite_token])),
        host=request.get_host(),
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mock-interview-{room.problem.slug}.ics"'
    return response


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
        except ServiceError as error:
            refusal = error
        else:
            messages.success(request, f"You joined as the candidate. {room.interviewer.username} will start the timer.")
            return redirect("room-detail", room_id=room.pk)
    if isinstance(refusal, SeatTaken):
        return render(request, "interview/invite_taken.html", {"room": room}, status=409)
    if refusal is not None:
        return render(request, "interview/invite_invalid.html", {"reason": refusal.message}, status=404)
    return render(request, "interview/invite.html", {"room": room})
