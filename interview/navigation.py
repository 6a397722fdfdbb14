"""Where signing in or up brings a person back to, and what the sign-in pages say of it."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from interview.models import Room, RoomState


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` the request names, if it is a page of this site; else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def invited_room(next_url: str) -> Room | None:
    """The room whose invite link `next_url` is, while the link still lets someone in."""
    try:
        match = resolve(next_url.split("?", 1)[0])
    except Resolver404:
        return None
    if match.url_name != "invite":
        return None
    return (
        Room.objects.with_related()
        .filter(invite_token=match.kwargs["token"], candidate__isnull=True)
        .exclude(state=RoomState.ENDED)
        .first()
    )


def sign_in_links(request: HttpRequest) -> dict:
    """Context for the header's Sign in and Sign up links: they bring a signed-out person back to
    where they were (an invite link, above all), or to where the sign-in page was to send them."""
    if request.user.is_authenticated:
        return {}
    next_url = safe_next(request, "")
    if (
        not next_url
        and request.method == "GET"
        and request.path not in {reverse("home"), reverse("login"), reverse("signup")}
    ):
        next_url = request.get_full_path()
    return {"sign_in_next": next_url}
