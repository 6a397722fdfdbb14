"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mockboard.settings")
# Django must be set up before anything imports models (the consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from interview.routing import websocket_urlpatterns  # noqa: E402
from mockboard.security import WebsocketOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The Origin check refuses cross-site WebSocket hijacking with a victim's cookie.
        "websocket": WebsocketOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Everything loaded so far (Django, the URL conf, the problem bank's code) lives as long as
# the process: out of the cyclic collector's way, a full collection under load pauses every
# room about half as long (112 -> 65 ms at 100 rooms, bench/README.md).
gc.freeze()
# With a thousand sockets a process ran a full collection more than once a second, pausing
# every room for 50 to 300 ms each time (bench/README.md): a message's objects live a few
# milliseconds across awaits, long enough to outlive two young collections at the default
# 700 allocations, so they reached the oldest generation and kept triggering it. Collected
# young after 10,000 allocations they mostly die there, and the oldest generation waits for
# 100 middle collections rather than 10. (At 50,000 each young collection took 100 ms.)
gc.set_threshold(10_000, 10, 100)
