"""The Origin a WebSocket handshake must come from: scheme, host and port of the site."""

import pytest

from mockboard.security import websocket_origin_allowed


def handshake(origin: str, host: str = "mock.example.com", scheme: str = "ws", **headers: str) -> dict:
    raw = [(b"origin", origin.encode()), (b"host", host.encode())]
    raw += [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    return {"type": "websocket", "scheme": scheme, "headers": raw}


@pytest.fixture(autouse=True)
def site(settings):
    settings.ALLOWED_HOSTS = ["mock.example.com", "localhost"]
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.SECURE_PROXY_SSL_HEADER = None


@pytest.mark.parametrize(
    ("origin", "host", "scheme", "allowed"),
    [
        ("http://mock.example.com", "mock.example.com", "ws", True),
        ("https://mock.example.com", "mock.example.com", "wss", True),
        ("http://localhost:8000", "localhost:8000", "ws", True),
        ("https://mock.example.com", "mock.example.com", "ws", False),
        ("http://mock.example.com", "mock.example.com", "wss", False),
        ("http://localhost:9999", "localhost:8000", "ws", False),
        ("http://localhost", "localhost:8000", "ws", False),
        ("http://evil.example", "evil.example", "ws", False),  # a Host we do not serve
        ("", "mock.example.com", "ws", False),
    ],
)
def test_only_the_sites_own_scheme_host_and_port_may_open_a_socket(origin, host, scheme, allowed):
    assert websocket_origin_allowed(handshake(origin, host, scheme)) is allowed


def test_behind_a_tls_proxy_the_forwarded_scheme_counts_once_trusted(settings):
    forwarded = handshake("https://mock.example.com", x_forwarded_proto="https")
    assert not websocket_origin_allowed(forwarded)
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert websocket_origin_allowed(forwarded)
    assert not websocket_origin_allowed(handshake("http://mock.example.com", x_forwarded_proto="https"))


def test_a_proxys_public_origin_is_accepted_when_trusted(settings):
    public = handshake("https://board.example.org", host="localhost:8001")
    assert not websocket_origin_allowed(public)
    settings.CSRF_TRUSTED_ORIGINS = ["https://board.example.org"]
    assert websocket_origin_allowed(public)
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.org"]
    assert websocket_origin_allowed(public)
    assert not websocket_origin_allowed(handshake("http://board.example.org", host="localhost:8001"))
