"""The REST layer's plumbing shared by every app's API: how service errors become answers,
bodies read before actions, and JSON for any other URL under /api/."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authtoken import views as authtoken_views
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Conflict, Forbidden, InviteInvalid, SeatTaken, ServiceError

_STATUS = {Forbidden: 403, InviteInvalid: 404, SeatTaken: 409, Conflict: 409}
# Django's own exceptions, which DRF answers as these of its own.
_DJANGO_ERRORS = {Http404: NotFound.default_code, DjangoPermissionDenied: PermissionDenied.default_code}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Service errors become 400/403/404/409 with the field named, never a 500."""
    if isinstance(exc, ServiceError):
        status_code = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
        body = {exc.field: [exc.message]} if exc.field else {"detail": exc.message}
        body["code"] = exc.code
        return Response(body, status=status_code)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict):
        # Every error body names its kind, as the schema's Error says.
        response.data.setdefault("code", _DJANGO_ERRORS.get(type(exc), getattr(exc, "default_code", "error")))
    return response


class ReadsBodyFirst:
    """Reads a view's request body before its action does, so that a malformed one is refused
    as such on every route, those that ignore their body included."""

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        request.data  # noqa: B018 - parsed (or refused) here


class ObtainAuthToken(ReadsBodyFirst, authtoken_views.ObtainAuthToken):
    """A token for username and password; with our parsers rather than its own list."""

    parser_classes = api_settings.DEFAULT_PARSER_CLASSES


@csrf_exempt  # it changes nothing, whatever the method
def not_found(request: HttpRequest, path: str) -> JsonResponse:
    """Any other URL under /api/ answers in JSON, as the rest of the API does, rather than
    with an HTML page or a redirect that would drop a POST's body."""
    detail = "Not found."
    if not request.path.endswith("/"):
        try:
            if resolve(request.path + "/").func is not not_found:
                detail = f"Not found. API URLs end with a slash: {request.path}/"
        except Resolver404:
            pass
    return JsonResponse({"detail": detail, "code": NotFound.default_code}, status=404)
