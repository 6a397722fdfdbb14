"""The bare relay the load benchmark measures Mockboard against: a Channels consumer that
group-sends whatever it receives to everyone in its room. No authentication, database,
validation or op log; the same server, flags and channel layer as the app.
Served by: uvicorn bench.relay:application (bench/sync_load.py starts it).
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mockboard.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class Relay(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = f"relay_{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send(self.group, {"type": "relay.message", "text": text_data})

    async def relay_message(self, event: dict) -> None:
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/relay/<str:room>/", Relay.as_asgi())])})
