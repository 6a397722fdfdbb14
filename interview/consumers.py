"""The room's WebSocket: one per participant at /ws/rooms/<room id>/.

Protocol (JSON text frames). Client to server:
  {"type": "ping"}                                     heartbeat; "pong" has server time and presence
  {"type": "sync"}                                     ask for a fresh snapshot
  {"type": "timer.control", "action": "start"|...}     interviewer only
  {"type": "timer.phases", "phases": [{name, minutes}]} interviewer only, before start
  {"type": "notes.save", "kind": "candidate"|"interviewer", "text": "..."}
Server to client: "snapshot", "pong", "timer.state", "presence", "notes.updated",
"notes.saved" (the sender's save is committed), and
{"type": "error", "code": ..., "message": ..., "field"?: ..., "request"?: <type>} for
anything refused; the connection stays open after an error.

A handshake from someone who is not signed in (4401), not a participant (4403) or for no
such room (4404) is refused before accept; Channels turns that into an HTTP 403, so a
browser sees only a failed connection (the page then asks the REST API why). A participant
removed while connected gets an "access_revoked" error and close code 4403.
"""

from __future__ import annotations

import json
import logging
import time
from uuid import UUID

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from interview import services
from interview.broadcast import interviewer_group, room_group
from interview.errors import Forbidden, Invalid, RoomError
from interview.models import Role, Room
from interview.selectors import room_participants
from interview.serializers import room_serializer_class

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 256 * 1024
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def server_now_ms() -> int:
    return round(time.time() * 1000)


class RoomConsumer(AsyncWebsocketConsumer):
    role: Role | None = None

    async def connect(self) -> None:
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        room = await self._load_room()
        if room is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.role = room.role_of(user)
        if self.role is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.room_id = room.pk
        self.joined_groups = [room_group(room.pk)]
        if self.role == Role.INTERVIEWER:
            self.joined_groups.append(interviewer_group(room.pk))
        for group in self.joined_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await database_sync_to_async(services.presence_connect)(room=room, user=user, channel_name=self.channel_name)
        await self._send_snapshot()

    async def disconnect(self, code: int) -> None:
        if self.role is None:
            return
        for group in self.joined_groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        await database_sync_to_async(self._presence_disconnect)()

    def _presence_disconnect(self) -> None:
        room = Room.objects.filter(pk=self.room_id).first()
        if room is not None:
            services.presence_disconnect(room=room, channel_name=self.channel_name)

    @database_sync_to_async
    def _load_room(self) -> Room | None:
        try:
            room_id = UUID(str(self.scope["url_route"]["kwargs"]["room_id"]))
        except ValueError:
            return None
        return Room.objects.with_people().filter(pk=room_id).first()

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content, separators=(",", ":")))

    async def send_error(self, code: str, message: str, *, field: str | None = None, request: str = "") -> None:
        error = {"type": "error", "code": code, "message": message}
        if field:
            error["field"] = field
        if request:
            error["request"] = request
        await self.send_json(error)

    # Client messages

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.send_error("invalid_message", "binary frames are not accepted; send JSON text")
            return
        if len(text_data.encode()) > MAX_FRAME_BYTES:
            await self.send_error("too_large", f"message larger than {MAX_FRAME_BYTES} bytes; nothing was applied")
            return
        try:
            message = json.loads(text_data)
        except (ValueError, RecursionError):
            await self.send_error("invalid_json", "message is not valid JSON (or nested too deeply)")
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.send_error("invalid_message", "message must be a JSON object with a string 'type'")
            return
        handler = self.HANDLERS.get(message["type"])
        if handler is None:
            known = ", ".join(sorted(self.HANDLERS))
            await self.send_error("unknown_type", f"unknown message type {message['type']!r}; expected one of {known}")
            return
        try:
            await handler(self, message)
        except RoomError as error:
            await self.send_error(error.code, error.message, field=error.field, request=message["type"])
        except Exception:
            # A bug must cost one message, not the connection; the transaction rolled back.
            logger.exception("room %s: %s failed", self.room_id, message["type"])
            await self.send_error(
                "server_error",
                "the server could not process this message; nothing was changed",
                request=message["type"],
            )

    async def _on_ping(self, message: dict) -> None:
        server_now = server_now_ms()
        participants = await database_sync_to_async(self._heartbeat)()
        if participants is None:
            await self._revoke()
            return
        await self.send_json({"type": "pong", "server_now": server_now, "participants": participants})

    def _heartbeat(self) -> list[dict] | None:
        """Keep this socket counted as present and report presence as it stands now; None
        once this user is no longer a participant.

        Broadcasts can be lost or cross between processes (presence, the removal of a
        candidate) and rows of a crashed process only age out: each heartbeat re-checks
        access and presence, so every such gap closes within one beat.
        """
        room = self._room_if_participant()
        if room is None:
            return None
        services.presence_touch(channel_name=self.channel_name)
        return room_participants(room, now=timezone.now())

    def _room_if_participant(self) -> Room | None:
        room = Room.objects.with_people().filter(pk=self.room_id).first()
        return room if room and room.role_of(self.scope["user"]) else None

    async def _on_sync(self, message: dict) -> None:
        await self._send_snapshot()

    async def _on_timer_control(self, message: dict) -> None:
        await self._call_service(services.timer_control, action=_field(message, "action", str))

    async def _on_timer_phases(self, message: dict) -> None:
        await self._call_service(services.room_phases_set, phases=_field(message, "phases", list))

    async def _on_notes_save(self, message: dict) -> None:
        kind = _field(message, "kind", str)
        await self._call_service(
            services.note_save, kind=kind, text=_field(message, "text", str), origin=self.channel_name
        )
        # Acknowledged only after the commit, so "Saved" in the page is the truth.
        await self.send_json({"type": "notes.saved", "kind": kind})

    HANDLERS = {
        "ping": _on_ping,
        "sync": _on_sync,
        "timer.control": _on_timer_control,
        "timer.phases": _on_timer_phases,
        "notes.save": _on_notes_save,
    }

    @database_sync_to_async
    def _call_service(self, service, **kwargs) -> None:
        room = self._room_if_participant()
        if room is None:
            raise Forbidden("you are no longer a participant in this room")
        service(room=room, by=self.scope["user"], **kwargs)

    @database_sync_to_async
    def _snapshot(self) -> dict | None:
        room = Room.objects.with_people().prefetch_related("notes").filter(pk=self.room_id).first()
        user = self.scope["user"]
        role = room.role_of(user) if room else None
        if role is None:
            return None
        serializer = room_serializer_class(role)(room, context={"user": user, "base_url": self._base_url()})
        return {
            "type": "snapshot",
            "role": role.value,
            "user": user.username,
            "room": serializer.data,
            "participants": room_participants(room, now=timezone.now()),
            "server_now": server_now_ms(),
        }

    def _base_url(self) -> str:
        headers = dict(self.scope.get("headers", []))
        host = headers.get(b"host", b"").decode("latin1")
        scheme = "https" if self.scope.get("scheme") == "wss" else "http"
        return f"{scheme}://{host}"

    async def _send_snapshot(self) -> None:
        snapshot = await self._snapshot()
        if snapshot is None:
            await self._revoke()
        else:
            await self.send_json(snapshot)

    async def _revoke(self) -> None:
        await self.send_error("access_revoked", "you are no longer a participant in this room")
        await self.close(code=CLOSE_FORBIDDEN)

    # Group events, sent by interview.broadcast after a commit

    async def room_timer(self, event: dict) -> None:
        await self.send_json(
            {"type": "timer.state", "timer": event["timer"], "action": event["action"], "server_now": server_now_ms()}
        )

    async def room_presence(self, event: dict) -> None:
        await self.send_json({"type": "presence", "participants": event["participants"]})

    async def room_note(self, event: dict) -> None:
        if event["origin"] == self.channel_name:
            return
        await self.send_json({"type": "notes.updated", "kind": event["kind"], "text": event["text"]})

    async def room_access(self, event: dict) -> None:
        if await database_sync_to_async(self._room_if_participant)() is None:
            await self._revoke()


def _field(message: dict, name: str, kind: type):
    value = message.get(name)
    if not isinstance(value, kind):
        raise Invalid(f"'{name}' is required and must be a {'list' if kind is list else 'string'}", field=name)
    return value
