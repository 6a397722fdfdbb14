"""Repairs what a Redis outage costs live rooms.

With the Redis channel layer, a broadcast sent while Redis is down is lost (the change
itself is committed). One watch per server process pings Redis; when it answers again after
an outage, or after a broadcast was lost, every WebSocket client of this process gets a
fresh snapshot, which also makes clients resend the diagram ops still waiting for an answer.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

import redis.asyncio as redis
from django.conf import settings

from interview.broadcast import broadcast_lost

logger = logging.getLogger(__name__)

PING_INTERVAL_SECONDS = 0.5


class LayerWatch:
    def __init__(self, url: str) -> None:
        self.url = url
        self.clients: weakref.WeakSet = weakref.WeakSet()
        self.task: asyncio.Task | None = None

    def register(self, consumer) -> None:
        self.clients.add(consumer)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._watch())

    def unregister(self, consumer) -> None:
        self.clients.discard(consumer)

    async def _watch(self) -> None:
        client = redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)
        healthy = True
        while True:
            try:
                await client.ping()
            except (redis.RedisError, OSError):
                if healthy:
                    logger.error("Redis is not answering: live updates pause until it is back")
                healthy = False
            else:
                if not healthy or broadcast_lost.is_set():
                    broadcast_lost.clear()
                    logger.warning("Redis answers again: resyncing %d clients", len(self.clients))
                    for consumer in list(self.clients):
                        asyncio.get_running_loop().create_task(consumer.resync())
                healthy = True
            await asyncio.sleep(PING_INTERVAL_SECONDS)


_watch = LayerWatch(settings.REDIS_URL) if settings.REDIS_URL else None


def watch_register(consumer) -> None:
    if _watch is not None:
        _watch.register(consumer)


def watch_unregister(consumer) -> None:
    if _watch is not None:
        _watch.unregister(consumer)
