"""The room's WebSocket: one per participant at /ws/rooms/<room id>/.

Protocol (JSON text frames). Client to server:
  {"type": "ping"}                                     heartbeat; "pong" has server time and presence
  {"type": "sync"}                                     ask for a fresh snapshot
  {"type": "timer.control", "action": "start"|...}     interviewer only
  {"type": "timer.phases", "phases": [{name, minutes}]} interviewer only, before start
  {"type": "notes.save", "kind": "candidate"|"interviewer", "text": "..."}
  {"type": "diagram.op", "op": {...}, "client_op_id": "..."}
                                                       applied to the current graph (ops name
                                                       what they touch by id)
  {"type": "diagram.sync", "since": n}                 the ops after version n, or a snapshot
  {"type": "diagram.text"}                             the current graph in the text form
  {"type": "diagram.import", "text": "...", "base_version": n, "client_op_id": "...",
   "choices"?: {key: "mine"|"theirs"}}
                                                       apply what the text, opened at version n,
                                                       changed since (diagrams.merge); answered
                                                       by "diagram.text" (the text to show now)
                                                       or, when both sides changed one thing,
                                                       by "diagram.conflicts" for a choice
  {"type": "diagram.preview", "text": "...", "base_version": n, "choices"?: {...}}
                                                       what importing it would make of the
                                                       graph now: "diagram.preview" with the
                                                       graph and the conflicts
  {"type": "diagram.lock", "locked": true|false}       interviewer only
  {"type": "diagram.select", "node_ids": [...]}        show the other side my selection
  {"type": "diagram.follow", "following": true|false}  I follow the other side's view (or stop)
  {"type": "diagram.view", "x", "y", "width", "height", "scale"}
                                                       the part of the drawing I see (layout
                                                       points) and my scale, for my followers
  {"type": "scoring.score", "dimension": k, "level": 1-4|null, "comment": "...", "node_ids": [...]}
  {"type": "scoring.feedback", "summary"|"strengths"|"improvements"|"recommendation": ...}
  {"type": "scoring.share", "shared": true|false, "review"?: true|false}
                                                       interviewer only, all three; with the
                                                       design review if "review" (default no)
  {"type": "review"}                                   the design review of the diagram now:
                                                       the interviewer's (unless the kit is
                                                       closed to them); the candidate's once
                                                       shared with it
  {"type": "self.rate", "dimension": k, "level": 1-4|null, "comment": "..."}
                                                       candidate only, after the end
  {"type": "twist.reveal", "key": k}                   interviewer only, before the end
Any message may carry "save_id" (a string of up to 64 characters): once it is handled and
committed the server answers {"type": "saved", "request": <type>, "save_id": ...}, and an error
about it carries the same save_id, so a page can say "Saved" only when it is true.
Server to client: "snapshot" (with "protocol", this protocol's version), "pong",
"timer.state", "presence", "notes.updated",
"diagram.applied" (to everyone, after the commit, in version order; the author matches it
by client_op_id and also gets the op's "inverse" for undo),
"diagram.rejected" (to the sender: reason, whether it is a conflict, current version),
"diagram.ops" / "diagram.snapshot" (answers to diagram.sync), "diagram.text" (with the
client_op_id of the import it answers, if any), "diagram.conflicts", "diagram.preview",
"diagram.lock", "diagram.selection", "diagram.follow", "diagram.view" (the last three relayed
from the other side with its role and username), "scoring.state" (interviewer tabs),
"self_assessment.state", "feedback.shared"
(the shared feedback, or null when taken back), "twists" (every twist revealed so far),
"review" (the answer to review: version, findings, coverage and covered), "swapped" (the
room made from this one with the roles reversed: its room_id and problem), and
{"type": "error", "code": ..., "message": ..., "field"?: ..., "request"?: <type>} for
anything refused; the connection stays open after an error.

A handshake from someone who is not signed in (4401), not a participant (4403) or for no
such room (4404) is refused before accept; Channels turns that into an HTTP 403, so a
browser sees only a failed connection (the page then asks the REST API why). So is one whose
Origin is not one of ALLOWED_HOSTS (cross-site WebSocket hijacking with a victim's cookie);
browsers always send Origin, so a handshake without one (a script, not a page) is refused too.
A participant removed while connected gets an "access_revoked" error and close code 4403.

Under load (core/busy.py): past what the process can handle in time, a message that would add
work is refused with {"type": "error", "code": "busy", "retry_after_ms": n, ...} and nothing of
it applied; the page sends it again after n ms, with backoff, and so does every later message
of the socket that gets the same answer (they are refused until the first comes again, so
that they are applied in the order they were sent). What can be shed goes first: a selection
or a view is dropped (the next one replaces it) and a heartbeat is answered from what the
socket last knew of presence, touching the database only when its presence would otherwise
grow stale.

Limits, each answered with an error naming it: a frame over MAX_FRAME_BYTES gets "too_large"
and close code 1009 (the page reconnects); more than RATE_PER_SECOND messages a second (after
a burst of RATE_BURST) get "rate_limited" each, and the socket stays open; a user with the
room open in services.MAX_CONNECTIONS_PER_USER places gets "too_many_connections" and close
code 4429 on the next one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime
from uuid import UUID

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from core import statements
from core.busy import admission, busy_text, is_pool_timeout, retry_after_ms
from core.errors import Forbidden, Invalid, ServiceError, TooManyConnections
from core.statements import Statements, database_sync_to_async
from core.text import json_problem, unstorable
from diagrams.models import DiagramOp
from diagrams.ops import OpRejected
from diagrams.services import diagram_ops_since
from diagrams.text import format_text
from interview import services
from interview.broadcast import interviewer_group, room_group
from interview.layer_watch import watch_register, watch_unregister
from interview.models import PRESENCE_STALE_SECONDS, Role, Room
from interview.protocol import CLOSE_TOO_LARGE, MAX_FRAME_BYTES, PROTOCOL_VERSION, too_large_error
from interview.selectors import participants_json, room_participants, room_review_for, room_seats_statements
from interview.serializers import diagram_state, room_serializer_class

logger = logging.getLogger(__name__)

# Messages a socket may send: a burst of RATE_BURST, then RATE_PER_SECOND. A person sends a
# few a second, and up to the keyboard's repeat rate (about 30) holding down undo; a page
# back online resends what was in flight. Past this it is a runaway script, answered with
# "rate_limited".
RATE_PER_SECOND = 50
# A view (diagram.view) is a rectangle of the drawing in layout points and a scale; the worst
# legal drawing is a few thousand points across.
VIEW_FIELDS = ("x", "y", "width", "height", "scale")
MAX_VIEW_POINTS = 100_000
RATE_BURST = 200
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY_CONNECTIONS = 4429
# A diagram broadcast can overtake the one before it: two sockets each commit an op, then
# publish, in either order. One that arrives ahead of the version before it is held this long
# for that one, so that the page sees versions in order; past it, it goes anyway and the page,
# seeing the gap, asks for what it lacks.
HOLD_AHEAD_SECONDS = 0.25
# What the other side only sees in passing, and the next message replaces: dropped when the
# process is busy.
SHED_WHEN_BUSY = frozenset({"diagram.select", "diagram.view"})
# Under load a heartbeat touches presence only if this long has passed since the last touch,
# well inside the time after which a silent socket stops counting as present.
PRESENCE_TOUCH_SECONDS = PRESENCE_STALE_SECONDS / 3
# How long a socket refuses everything after a busy refusal if the refused message never
# comes again (a page sends it again within seconds).
REFUSED_HOLD_SECONDS = 30


def refusal_key(message: dict) -> tuple:
    """What tells a message sent again from others: its op or save id; for notes, the pad, since
    the page sends its newest text in place of a refused save."""
    last = message.get("kind") if message["type"] == "notes.save" else message.get("save_id")
    return (message["type"], message.get("client_op_id"), last)


def server_now_ms() -> int:
    return round(time.time() * 1000)


class RoomConsumer(AsyncWebsocketConsumer):
    role: Role | None = None

    async def dispatch(self, message: dict) -> None:
        # Channels' dispatch first closes stale database connections through a hop to its one
        # shared sync thread, for every frame and every group event: under load every room's
        # messages queued behind one another there. Here all database work goes through
        # core.statements, whose worker threads do that cleanup around each call.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"no handler for message type {message['type']}")
        try:
            await handler(message)
        except OSError:
            # ASGI servers raise an IOError for a send on a socket the client has just closed
            # (a broadcast, a snapshot on connecting). Its websocket.disconnect is next in line
            # and cleans up; let this escape, and the consumer would end without it, leaving
            # the socket counted present until it aged out.
            return

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
        # Diagram broadcasts in version order: the last version sent, those that came ahead
        # of their turn, and the timer that stops waiting for the one missing.
        self.sent_version: int | None = None
        self.ahead: dict[int, dict] = {}
        self.hold: asyncio.TimerHandle | None = None
        self.held_over: asyncio.Task | None = None
        self.sending = asyncio.Lock()
        self.joined_groups = [room_group(room.pk)]
        if self.role == Role.INTERVIEWER:
            self.joined_groups.append(interviewer_group(room.pk))
        for group in self.joined_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        try:
            await database_sync_to_async(services.presence_connect)(
                room=room, user=user, channel_name=self.channel_name
            )
        except TooManyConnections as error:
            # Accepted first so that the page is told why, rather than seeing a failed handshake;
            # disconnect then leaves the groups as usual.
            await self.send_error(error.code, error.message)
            await self.close(code=CLOSE_TOO_MANY_CONNECTIONS)
            return
        self.allowance, self.allowance_at = float(RATE_BURST), time.monotonic()
        # The first message refused as busy, until it is sent again (or REFUSED_HOLD_SECONDS
        # pass): what this socket sends meanwhile is refused too, so that all of it is applied
        # in the order it was sent. A page under load hears of a refusal late, and has sent
        # more by then.
        self.refused: tuple | None = None
        self.refused_until = 0.0
        # Presence as the last heartbeat read it, and when, for answering heartbeats under load.
        self.presence: list[dict] | None = None
        self.presence_at = 0.0
        await self._send_snapshot()
        watch_register(self)

    async def disconnect(self, code: int) -> None:
        if self.role is None:
            return
        if self.hold is not None:
            self.hold.cancel()
        watch_unregister(self)
        # Presence first: the other side should see us leave at once, whatever the channel
        # layer takes to unsubscribe.
        await services.presence_disconnect_now(room_id=self.room_id, channel_name=self.channel_name)
        for group in self.joined_groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    @database_sync_to_async
    def _load_room(self) -> Room | None:
        try:
            room_id = UUID(str(self.scope["url_route"]["kwargs"]["room_id"]))
        except ValueError:
            return None
        return Room.objects.with_related().filter(pk=room_id).first()

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content, separators=(",", ":")))

    async def send_error(
        self, code: str, message: str, *, field: str | None = None, request: dict | None = None, **extra
    ) -> None:
        """An error; with the request it answers, so the client knows which of its own messages
        (and which op, by client_op_id) was refused."""
        error = {"type": "error", "code": code, "message": message, **extra}
        if field:
            error["field"] = field
        if request:
            # Echoed only as the text it should have been: a page matches its own ids.
            for key, answer in (("type", "request"), ("client_op_id", "client_op_id"), ("save_id", "save_id")):
                if isinstance(request.get(key), str) and unstorable(request[key]) is None:
                    error[answer] = request[key]
        await self.send_json(error)

    # Client messages

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.send_error("invalid_message", "binary frames are not accepted; send JSON text")
            return
        # Our web processes refuse such a frame before reading it (mockboard.websocket_protocol);
        # this holds under any other ASGI server, with the same error and close code.
        if len(text_data.encode()) > MAX_FRAME_BYTES:
            await self.send_json(too_large_error())
            await self.close(code=CLOSE_TOO_LARGE)
            return
        try:
            message = json.loads(text_data)
        except (ValueError, RecursionError):
            await self.send_error("invalid_json", "message is not valid JSON (or nested too deeply)")
            return
        if found := json_problem(message):
            field, problem = found
            await self.send_error(
                "invalid", problem, field=field, request=message if isinstance(message, dict) else None
            )
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.send_error("invalid_message", "message must be a JSON object with a string 'type'")
            return
        handler = self.HANDLERS.get(message["type"])
        if handler is None:
            known = ", ".join(sorted(self.HANDLERS))
            await self.send_error("unknown_type", f"unknown message type {message['type']!r}; expected one of {known}")
            return
        if not self._within_rate():
            await self.send_error(
                "rate_limited",
                f"more than {RATE_PER_SECOND} messages a second; this one was not applied, send it again shortly",
                request=message,
            )
            return
        if self.refused is not None and (refusal_key(message) == self.refused or time.monotonic() > self.refused_until):
            self.refused = None
        if admission.busy or self.refused is not None:
            if message["type"] in SHED_WHEN_BUSY:
                return
            if message["type"] == "ping" and time.monotonic() - self.presence_at < PRESENCE_TOUCH_SECONDS:
                await self.send_json({"type": "pong", "server_now": server_now_ms(), "participants": self.presence})
                return
            if message["type"] != "ping":
                await self._refuse_busy(message)
                return
        save_id = message.get("save_id")
        try:
            if save_id is not None and not (isinstance(save_id, str) and len(save_id) <= 64):
                raise Invalid("'save_id' must be a string of at most 64 characters", field="save_id")
            with admission:
                await handler(self, message)
            if save_id is not None:
                # Only now is the change committed: the page may say "Saved".
                await self.send_json({"type": "saved", "request": message["type"], "save_id": save_id})
        except ServiceError as error:
            await self.send_error(error.code, error.message, field=error.field, request=message)
        except OSError:
            # ASGI servers raise an IOError for a send on a socket the client has closed: not a
            # fault, and there is nobody left to answer (the disconnect handler cleans up).
            return
        except Exception as error:
            if is_pool_timeout(error):
                # No database connection came in time: too much work, and nothing was applied.
                await self._refuse_busy(message)
                return
            # A bug must cost one message, not the connection; the transaction rolled back.
            logger.exception("room %s: %s failed", self.room_id, message["type"])
            await self.send_error(
                "server_error", "the server could not process this message; nothing was changed", request=message
            )

    async def _refuse_busy(self, message: dict) -> None:
        retry_ms = retry_after_ms()
        if self.refused is None:
            self.refused, self.refused_until = refusal_key(message), time.monotonic() + REFUSED_HOLD_SECONDS
        await self.send_error("busy", busy_text(retry_ms), request=message, retry_after_ms=retry_ms)

    def _within_rate(self) -> bool:
        """Take one message from this socket's allowance, which refills RATE_PER_SECOND a
        second up to RATE_BURST; False when it is spent."""
        now = time.monotonic()
        self.allowance = min(RATE_BURST, self.allowance + (now - self.allowance_at) * RATE_PER_SECOND)
        self.allowance_at = now
        if self.allowance < 1:
            return False
        self.allowance -= 1
        return True

    async def _on_ping(self, message: dict) -> None:
        server_now = server_now_ms()
        participants = await statements.run_now(self._heartbeat(now=timezone.now()))
        if participants is None:
            await self._revoke()
            return
        self.presence, self.presence_at = participants, time.monotonic()
        await self.send_json({"type": "pong", "server_now": server_now, "participants": participants})

    def _heartbeat(self, *, now: datetime) -> Statements[list[dict] | None]:
        """Keep this socket counted as present and report presence as it stands now; None
        once this user is no longer a participant.

        Broadcasts can be lost or cross between processes (presence, the removal of a
        candidate) and rows of a crashed process only age out: each heartbeat re-checks
        access and presence, so every such gap closes within one beat.
        """
        yield from services.presence_touch_statements(channel_name=self.channel_name, now=now)
        seats = yield from room_seats_statements(self.room_id, now=now)
        if seats is None or all(seat.user_id != self.scope["user"].pk for seat in seats):
            return None
        return participants_json(seats)

    def _room_if_participant(self) -> Room | None:
        room = Room.objects.with_related().filter(pk=self.room_id).first()
        return room if room and room.role_of(self.scope["user"]) else None

    async def _on_sync(self, message: dict) -> None:
        await self._send_snapshot()

    async def _on_timer_control(self, message: dict) -> None:
        await self._call_service(services.timer_control, action=_field(message, "action", str))

    async def _on_timer_phases(self, message: dict) -> None:
        await self._call_service(services.room_phases_set, phases=_field(message, "phases", list))

    async def _on_notes_save(self, message: dict) -> None:
        kind = _field(message, "kind", str)
        # Acknowledged, like any message with a save_id, by "saved" once committed.
        await self._call_service(
            services.note_save, kind=kind, text=_field(message, "text", str), origin=self.channel_name
        )

    async def _on_diagram_op(self, message: dict) -> None:
        client_op_id = services.client_op_id_check(message.get("client_op_id", ""))
        if "op" not in message:
            raise Invalid("'op' is required", field="op")
        try:
            applied, new = await services.diagram_op_apply_now(
                room_id=self.room_id, by=self.scope["user"], op=message["op"], client_op_id=client_op_id
            )
        except (OpRejected, ServiceError) as refused:
            # A refused op (it no longer applies, it is malformed, the diagram is locked) is
            # answered in kind, with the version so the client can tell whether to resync.
            version = await database_sync_to_async(self._diagram_version)()
            await self.send_json(
                {
                    "type": "diagram.rejected",
                    "client_op_id": client_op_id,
                    "reason": getattr(refused, "reason", None) or refused.message,
                    "conflict": getattr(refused, "conflict", False),
                    "version": version,
                }
            )
            return
        await self._answer_resend(applied, new)

    async def _answer_resend(self, applied: DiagramOp | None, new: bool) -> None:
        """A resend of an op already applied is answered to this socket alone (services/diagram.py, _news:
        the room heard of it the first time); the client drops it if it already has it."""
        if applied is not None and not new:
            await self.room_diagram_applied(services.diagram_applied_event(applied))

    def _diagram_version(self) -> int:
        return Room.objects.select_related("diagram").get(pk=self.room_id).diagram.version

    async def _on_diagram_sync(self, message: dict) -> None:
        since = message.get("since")
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            raise Invalid("'since' must be a version number (a whole number from 0)", field="since")
        answer = await database_sync_to_async(self._catch_up)(since)
        self._sent(answer["version"])  # the ops up to it, or the graph at it
        await self.send_json(answer)

    def _catch_up(self, since: int) -> dict:
        room = self._room_if_participant()
        if room is None:
            raise Forbidden("you are no longer a participant in this room")
        missed = diagram_ops_since(diagram=room.diagram, version=since)
        if missed is None:
            return {"type": "diagram.snapshot", **diagram_state(room)}
        return {
            "type": "diagram.ops",
            "version": room.diagram.version,
            "ops": [self._applied(services.diagram_applied_event(op)) for op in missed],
        }

    def _applied(self, event: dict) -> dict:
        """What a client is told of an applied op; the inverse (for undo) only if it is theirs."""
        applied = {key: event[key] for key in ("version", "op", "client_op_id", "author")}
        if event["author"] == self.scope["user"].get_username():
            applied["inverse"] = event["inverse"]
        return applied

    async def _on_diagram_text(self, message: dict) -> None:
        room = await database_sync_to_async(self._room_if_participant)()
        if room is None:
            raise Forbidden("you are no longer a participant in this room")
        text = format_text(room.diagram.graph)
        await self.send_json({"type": "diagram.text", "version": room.diagram.version, "text": text})

    async def _on_diagram_preview(self, message: dict) -> None:
        text = _field(message, "text", str)
        merged = await database_sync_to_async(self._participant_call)(
            services.diagram_text_preview,
            text=text,
            base_version=message.get("base_version"),
            choices=message.get("choices"),
        )
        await self.send_json(
            {
                "type": "diagram.preview",
                "base_version": message["base_version"],
                "graph": merged.graph,
                "conflicts": [conflict.as_json() for conflict in merged.conflicts],
            }
        )

    async def _on_diagram_import(self, message: dict) -> None:
        client_op_id = services.client_op_id_check(message.get("client_op_id", ""))
        text = _field(message, "text", str)
        result = await database_sync_to_async(self._participant_call)(
            services.diagram_import_text,
            text=text,
            base_version=message.get("base_version"),
            client_op_id=client_op_id,
            choices=message.get("choices"),
        )
        await self._answer_resend(result.applied, result.new)
        if result.conflicts:
            answer = {"type": "diagram.conflicts", "conflicts": [conflict.as_json() for conflict in result.conflicts]}
        else:
            answer = {"type": "diagram.text", "text": result.text}
        await self.send_json({**answer, "version": result.version, "client_op_id": client_op_id})

    async def _on_diagram_lock(self, message: dict) -> None:
        locked = message.get("locked")
        if not isinstance(locked, bool):
            raise Invalid("'locked' must be true or false", field="locked")
        await self._call_service(services.diagram_lock_set, locked=locked)

    async def _on_diagram_select(self, message: dict) -> None:
        node_ids = message.get("node_ids")
        if not isinstance(node_ids, list) or len(node_ids) > 200 or not all(isinstance(i, str) for i in node_ids):
            raise Invalid("'node_ids' must be a list of at most 200 node ids", field="node_ids")
        await self._relay({"type": "diagram.selection", "node_ids": [i[:40] for i in node_ids]})

    async def _on_diagram_follow(self, message: dict) -> None:
        following = message.get("following")
        if not isinstance(following, bool):
            raise Invalid("'following' must be true or false", field="following")
        await self._relay({"type": "diagram.follow", "following": following})

    async def _on_diagram_view(self, message: dict) -> None:
        view = {}
        for key in VIEW_FIELDS:
            value = message.get(key)
            # A number a page can place the drawing by: finite, and within any drawing's size.
            if not isinstance(value, int | float) or isinstance(value, bool) or not abs(value) <= MAX_VIEW_POINTS:
                raise Invalid(f"'{key}' must be a number of at most {MAX_VIEW_POINTS}", field=key)
            if key in ("width", "height", "scale") and value <= 0:
                raise Invalid(f"'{key}' must be more than 0", field=key)
            view[key] = round(value, 3)
        await self._relay({"type": "diagram.view", **view})

    async def _relay(self, message: dict) -> None:
        """Pass a message on to the other participant's sockets as it is, saying who it is
        from: what a page shows of the other side (selection, view) and is never stored."""
        await self.channel_layer.group_send(
            room_group(self.room_id),
            {
                "type": "room.relay",
                "message": {**message, "role": self.role.value, "username": self.scope["user"].get_username()},
            },
        )

    async def _on_scoring_score(self, message: dict) -> None:
        await self._call_service(
            services.score_set,
            dimension=_field(message, "dimension", str),
            level=message.get("level"),
            comment=message.get("comment", ""),
            node_ids=message.get("node_ids", []),
        )

    async def _on_scoring_feedback(self, message: dict) -> None:
        fields = {key: message[key] for key in services.FEEDBACK_FIELDS if key in message}
        if not fields:
            raise Invalid(f"give at least one of {', '.join(services.FEEDBACK_FIELDS)}", field="summary")
        await self._call_service(services.feedback_set, **fields)

    async def _on_scoring_share(self, message: dict) -> None:
        shared = message.get("shared")
        if not isinstance(shared, bool):
            raise Invalid("'shared' must be true or false", field="shared")
        await self._call_service(services.feedback_share, shared=shared, review=message.get("review", False))

    async def _on_review(self, message: dict) -> None:
        await self.send_json({"type": "review", **await database_sync_to_async(self._review)()})

    def _review(self) -> dict:
        room = Room.objects.with_related().filter(pk=self.room_id).first()
        if room is None or room.role_of(self.scope["user"]) is None:
            raise Forbidden("you are no longer a participant in this room")
        return room_review_for(room=room, by=self.scope["user"])

    async def _on_self_rate(self, message: dict) -> None:
        await self._call_service(
            services.self_assessment_set,
            dimension=_field(message, "dimension", str),
            level=message.get("level"),
            comment=message.get("comment", ""),
        )

    async def _on_twist_reveal(self, message: dict) -> None:
        await self._call_service(services.twist_reveal, key=_field(message, "key", str))

    HANDLERS = {
        "ping": _on_ping,
        "sync": _on_sync,
        "timer.control": _on_timer_control,
        "timer.phases": _on_timer_phases,
        "notes.save": _on_notes_save,
        "diagram.op": _on_diagram_op,
        "diagram.sync": _on_diagram_sync,
        "diagram.text": _on_diagram_text,
        "diagram.import": _on_diagram_import,
        "diagram.preview": _on_diagram_preview,
        "diagram.lock": _on_diagram_lock,
        "diagram.select": _on_diagram_select,
        "diagram.follow": _on_diagram_follow,
        "diagram.view": _on_diagram_view,
        "scoring.score": _on_scoring_score,
        "scoring.feedback": _on_scoring_feedback,
        "scoring.share": _on_scoring_share,
        "review": _on_review,
        "self.rate": _on_self_rate,
        "twist.reveal": _on_twist_reveal,
    }

    def _participant_call(self, service, **kwargs):
        # Services lock and load what they need themselves; checking the seat is enough here.
        room = Room.objects.seats().filter(pk=self.room_id).first()
        if room is None or room.role_of(self.scope["user"]) is None:
            raise Forbidden("you are no longer a participant in this room")
        return service(room=room, by=self.scope["user"], **kwargs)

    async def _call_service(self, service, **kwargs) -> None:
        await database_sync_to_async(self._participant_call)(service, **kwargs)

    @database_sync_to_async
    def _snapshot(self) -> dict | None:
        room = Room.objects.with_related().prefetch_related("notes").filter(pk=self.room_id).first()
        user = self.scope["user"]
        role = room.role_of(user) if room else None
        if role is None:
            return None
        serializer = room_serializer_class(role)(room, context={"user": user, "base_url": self._base_url()})
        return {
            "type": "snapshot",
            "protocol": PROTOCOL_VERSION,
            "role": role.value,
            "user": user.username,
            "room": serializer.data,
            "participants": room_participants(room.pk, now=timezone.now()),
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
            self._sent(snapshot["room"]["diagram"]["version"])
            await self.send_json(snapshot)

    async def resync(self) -> None:
        """A fresh snapshot, for when this client may have missed broadcasts."""
        await self._send_snapshot()

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

    async def room_diagram_applied(self, event: dict) -> None:
        self.ahead[event["version"]] = event
        await self._send_in_order()

    async def _send_in_order(self, *, waited: bool = False) -> None:
        """Send the broadcasts that came, in version order, but not past a missing version
        until HOLD_AHEAD_SECONDS have passed (`waited`)."""
        async with self.sending:
            while self.ahead:
                version = min(self.ahead)
                if not waited and self.sent_version is not None and version > self.sent_version + 1:
                    if self.hold is None:
                        self.hold = asyncio.get_running_loop().call_later(HOLD_AHEAD_SECONDS, self._stop_waiting)
                    return
                event = self.ahead.pop(version)
                self._sent(version)
                await self.send_json({"type": "diagram.applied", **self._applied(event)})
            if self.hold is not None:
                self.hold.cancel()
                self.hold = None

    def _stop_waiting(self) -> None:
        self.hold = None
        self.held_over = asyncio.ensure_future(self._send_in_order(waited=True))

    def _sent(self, version: int) -> None:
        """The page has the diagram up to `version` (or is told of it now)."""
        self.sent_version = version if self.sent_version is None else max(self.sent_version, version)

    async def room_diagram_lock(self, event: dict) -> None:
        await self.send_json({"type": "diagram.lock", "locked": event["locked"]})

    async def room_relay(self, event: dict) -> None:
        # To the other participant only: the sender's other tabs are the same person, whose own
        # selection is not "the other side's", and who must not follow themselves.
        if event["message"]["username"] != self.scope["user"].get_username():
            await self.send_json(event["message"])

    async def room_scoring(self, event: dict) -> None:
        await self.send_json({"type": "scoring.state", "scoring": event["scoring"]})

    async def room_self_assessment(self, event: dict) -> None:
        await self.send_json({"type": "self_assessment.state", "self_assessment": event["self_assessment"]})

    async def room_feedback(self, event: dict) -> None:
        await self.send_json({"type": "feedback.shared", "feedback": event["feedback"]})

    async def room_swapped(self, event: dict) -> None:
        await self.send_json({"type": "swapped", "room_id": event["room_id"], "problem": event["problem"]})

    async def room_twists(self, event: dict) -> None:
        await self.send_json({"type": "twists", "twists": event["twists"]})

    async def room_access(self, event: dict) -> None:
        if await database_sync_to_async(self._room_if_participant)() is None:
            await self._revoke()


def _field(message: dict, name: str, kind: type):
    value = message.get(name)
    if not isinstance(value, kind):
        raise Invalid(f"'{name}' is required and must be a {'list' if kind is list else 'string'}", field=name)
    return value
