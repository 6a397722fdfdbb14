"""What every response and handshake is checked for: the Content-Security-Policy every response
carries, and the Origin a WebSocket handshake must come from."""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A view that serves something else than our pages (a diagram's SVG, say) sets a
        # stricter one itself.
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


def _scheme(scope: dict, headers: dict[bytes, bytes]) -> str:
    """http or https, as the browser sees this site: a TLS-terminating proxy's header counts
    when SECURE_PROXY_SSL_HEADER trusts it, as for Django's request.is_secure()."""
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        forwarded = headers.get(header.removeprefix("HTTP_").replace("_", "-").lower().encode())
        if forwarded is not None:
            return "https" if forwarded.decode("latin-1").split(",")[0].strip() == secure_value else "http"
    return "https" if scope.get("scheme", "ws") in ("wss", "https") else "http"


def _trusted(origin: str) -> bool:
    """Whether CSRF_TRUSTED_ORIGINS names `origin`, exactly or as `scheme://*.domain`."""
    parsed = urlsplit(origin)
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if origin == trusted:
            return True
        if "://*." in trusted:
            scheme, _, domain = trusted.partition("://*.")
            if parsed.scheme == scheme and parsed.netloc.endswith(f".{domain}"):
                return True
    return False


def websocket_origin_allowed(scope: dict) -> bool:
    """Whether a handshake's Origin is an origin the site is served from: the scheme, host
    and port of the handshake itself (its Host in ALLOWED_HOSTS), or one of
    CSRF_TRUSTED_ORIGINS (a proxy's public origin). Channels' own check compares host names
    alone, so a page on http://127.0.0.1:9999 could open the room's socket with the victim's
    cookie. Browsers always send Origin: a handshake without one is not from a page."""
    headers = dict(scope.get("headers", []))
    origin = headers.get(b"origin", b"").decode("latin-1")
    host = headers.get(b"host", b"").decode("latin-1")
    if not origin or not host:
        return False
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    return origin == f"{_scheme(scope, headers)}://{host}" or _trusted(origin)


class WebsocketOriginValidator:
    """Refuses, before any other code sees it, a WebSocket handshake from another origin."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not websocket_origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
