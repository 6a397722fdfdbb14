"""Every write to rooms, timers, notes and presence; pages, REST and WebSocket call these.

Who may do what is decided here once, so the same rule holds on every path.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.text import slugify
from psycopg.pq import TransactionStatus

from diagrams import services as diagrams_services
from diagrams.merge import CHOICES as MERGE_CHOICES
from diagrams.merge import Conflict as TextConflict
from diagrams.merge import Merge as TextMerge
from diagrams.merge import merge as merge_text
from diagrams.merge import shown_text
from diagrams.models import Diagram, DiagramOp
from diagrams.services import diagram_op_find
from diagrams.text import TextError
from interview.broadcast import broadcast_on_commit, interviewer_group, room_group
from interview.errors import (
    Conflict,
    Forbidden,
    Invalid,
    InviteInvalid,
    RoomError,
    SeatTaken,
    TooManyConnections,
)
from interview.models import (
    REPORT_LOST,
    Feedback,
    NoteKind,
    Problem,
    Recommendation,
    Report,
    Role,
    Room,
    RoomConnection,
    RoomNote,
    RoomState,
    Score,
    SelfAssessment,
    TimerEvent,
    TwistReveal,
    new_invite_token,
)
from interview.problem_bank import RUBRIC_LEVELS, parse_problem, read_problem_bank
from interview.selectors import (
    feedback_is_shared,
    kit_refusal,
    room_participants,
    room_scoring,
    room_self_assessment,
    room_twists,
)
from interview.text import unstorable
from interview.timer import TimerError, parse_phases
from mockboard import statements
from mockboard.statements import Statement, Statements


def problem_bank_load(*, directory: Path) -> tuple[int, int, int]:
    """Create or update every problem from its file; returns (created, updated, unchanged)."""
    created = updated = unchanged = 0
    with transaction.atomic():
        for fields in read_problem_bank(directory):
            problem = Problem.objects.filter(slug=fields["slug"]).first()
            if problem is None:
                Problem.objects.create(**fields)
                created += 1
            elif any(getattr(problem, name) != value for name, value in fields.items()):
                Problem.objects.filter(pk=problem.pk).update(**fields, updated_at=timezone.now())
                updated += 1
            else:
                unchanged += 1
    return created, updated, unchanged


def _problem_fields(data: dict, slug: str) -> dict:
    """The checked fields of a problem written in the app; Invalid names the field at fault."""
    try:
        return parse_problem({**data, "slug": slug}, slug=slug)
    except ValueError as error:
        field, _, problem = str(error).partition(": ")
        raise Invalid(problem, field=field) from None


@transaction.atomic
def problem_save(*, by: AbstractBaseUser, data: object, problem: Problem | None = None) -> Problem:
    """Create a user's own problem, or change one they wrote. `data` holds the fields of a
    problem file (less the slug, which is made up from the title) and `shared`."""
    if problem is not None and problem.owner_id != by.pk:
        raise Forbidden("only the author of a problem can change it")
    if not isinstance(data, dict):
        raise Invalid("a problem must be an object of fields", field="problem")
    shared = data.get("shared", problem.shared if problem else False)
    if not isinstance(shared, bool):
        raise Invalid("must be true or false", field="shared")
    slug = (
        problem.slug if problem else f"{slugify(str(data.get('title', '')))[:60] or 'problem'}-{secrets.token_hex(3)}"
    )
    checked = _problem_fields({key: value for key, value in data.items() if key != "shared"}, slug)
    if problem is None:
        return Problem.objects.create(**checked, owner=by, shared=shared)
    for name, value in checked.items():
        setattr(problem, name, value)
    problem.shared = shared
    problem.save()
    return problem


@transaction.atomic
def problem_delete(*, problem: Problem, by: AbstractBaseUser) -> None:
    if problem.owner_id != by.pk:
        raise Forbidden("only the author of a problem can delete it")
    rooms = problem.rooms.count()
    if rooms:
        raise Conflict(
            f"{rooms} room{'s' if rooms > 1 else ''} used this problem, and their reports need it; "
            "make it private instead",
            field="problem",
        )
    problem.delete()


def _require_interviewer(room: Room, user: AbstractBaseUser, doing: str) -> None:
    if room.role_of(user) != Role.INTERVIEWER:
        raise Forbidden(f"only the interviewer can {doing}")


def _locked(room: Room) -> Room:
    """The room row locked for this transaction, so concurrent writers queue up."""
    return (
        Room.objects.select_for_update(of=("self",))
        .select_related("problem", "interviewer", "candidate")
        .get(pk=room.pk)
    )


def _broadcast_presence(room: Room) -> None:
    broadcast_on_commit(
        room_group(room.pk),
        {"type": "room.presence", "participants": room_participants(room.pk, now=timezone.now())},
    )


@transaction.atomic
def room_create(*, problem: Problem, interviewer: AbstractBaseUser) -> Room:
    """Open a room as its interviewer, which shows them the problem's kit: refused while they
    are the candidate of an interview on the problem that has not ended."""
    if refusal := kit_refusal(interviewer, problem):
        raise Forbidden(f"you cannot open a room on this problem now: {refusal}", field="problem")
    return Room.objects.create(
        problem=problem, interviewer=interviewer, phases=problem.phases, diagram=Diagram.objects.create()
    )


def room_join_refusal(*, room: Room | None, user: AbstractBaseUser) -> RoomError | None:
    """Why `user` cannot take the seat through this invite, or None if they can (or are in)."""
    if room is None:
        return InviteInvalid("this invite link is not valid any more; ask the interviewer for a new one")
    if room.role_of(user) is not None:
        return None
    if room.candidate_id is not None:
        return SeatTaken("another candidate has already joined this room")
    if room.state == RoomState.ENDED:
        return InviteInvalid("this interview has ended")
    return None


@transaction.atomic
def room_join(*, token: str, user: AbstractBaseUser) -> Room:
    """Take the candidate seat of the room whose invite link holds `token`."""
    room = Room.objects.select_for_update().filter(invite_token=token).first() if token else None
    if refusal := room_join_refusal(room=room, user=user):
        raise refusal
    if room.role_of(user) is not None:
        return room
    room.candidate = user
    room.save(update_fields=["candidate"])
    _broadcast_presence(room)
    return room


@transaction.atomic
def room_invite_revoke(*, room: Room, by: AbstractBaseUser) -> Room:
    """Kill the invite link; nobody new can join until a new one is issued."""
    room = _locked(room)
    _require_interviewer(room, by, "revoke the invite")
    room.invite_token = None
    room.save(update_fields=["invite_token"])
    return room


@transaction.atomic
def room_invite_reissue(*, room: Room, by: AbstractBaseUser) -> Room:
    """A new invite link; the old one stops working at once."""
    room = _locked(room)
    _require_interviewer(room, by, "re-issue the invite")
    room.invite_token = new_invite_token()
    room.save(update_fields=["invite_token"])
    return room


@transaction.atomic
def room_candidate_remove(*, room: Room, by: AbstractBaseUser) -> Room:
    """Free the candidate seat (a wrong person joined) and re-issue the invite."""
    room = _locked(room)
    _require_interviewer(room, by, "remove the candidate")
    if room.candidate_id is None:
        raise Invalid("no candidate has joined yet", field="candidate")
    room.candidate = None
    room.invite_token = new_invite_token()
    room.save(update_fields=["candidate", "invite_token"])
    # Open sockets re-check their access, so the removed candidate is cut off at once.
    broadcast_on_commit(room_group(room.pk), {"type": "room.access"})
    _broadcast_presence(room)
    return room


def _broadcast_timer(room: Room, action: str | None) -> None:
    broadcast_on_commit(room_group(room.pk), {"type": "room.timer", "timer": room.timer.as_dict(), "action": action})


@transaction.atomic
def room_phases_set(*, room: Room, by: AbstractBaseUser, phases: object) -> Room:
    """Replace the room's phases; allowed until the timer starts."""
    room = _locked(room)
    _require_interviewer(room, by, "edit the phases")
    if room.state != RoomState.WAITING:
        raise Invalid("phases can only be edited before the timer starts", field="phases")
    try:
        parsed = parse_phases(phases)
    except ValueError as error:
        raise Invalid(str(error), field="phases") from None
    room.phases = [p.as_dict() for p in parsed]
    room.timer_revision += 1
    room.save(update_fields=["phases", "timer_revision"])
    _broadcast_timer(room, None)
    return room


@transaction.atomic
def timer_control(*, room: Room, by: AbstractBaseUser, action: str, now: datetime | None = None) -> Room:
    """Start, pause, resume, advance or end the timer, logging a TimerEvent."""
    room = _locked(room)
    # Read the clock only once the lock is held, so events are stored in the order applied.
    now = now or timezone.now()
    _require_interviewer(room, by, "control the timer")
    try:
        room.timer = room.timer.apply(action, now)
    except TimerError as error:
        raise Invalid(str(error), field="action") from None
    if action == TimerEvent.Kind.START:
        room.started_at = now
    elif action == TimerEvent.Kind.END:
        room.ended_at = now
        # Frozen for both sides, so that the report shows the diagram as it stood at the end;
        # the interviewer may unlock it again.
        room.diagram_locked = True
        broadcast_on_commit(room_group(room.pk), {"type": "room.diagram_lock", "locked": True})
    room.save()
    TimerEvent.objects.create(room=room, kind=action, at=now, phase_index=room.timer_phase_index, by=by)
    _broadcast_timer(room, action)
    return room


@transaction.atomic
def twist_reveal(*, room: Room, by: AbstractBaseUser, key: object, now: datetime | None = None) -> TwistReveal:
    """Reveal one of the problem's twists: logged with the phase and time, and sent live to
    both participants."""
    room = _locked(room)
    now = now or timezone.now()
    _require_interviewer(room, by, "reveal a twist")
    keys = [twist["key"] for twist in room.problem.twists]
    if key not in keys:
        raise Invalid(f"no twist {key!r} in this problem; expected one of {', '.join(keys) or 'none'}", field="key")
    if room.state == RoomState.ENDED:
        raise Invalid("the interview has ended; twists can no longer be revealed", field="key")
    if room.twist_reveals.filter(key=key).exists():
        raise Conflict(f"the twist {key!r} is already revealed", field="key")
    timer = room.timer
    reveal = TwistReveal.objects.create(
        room=room, key=key, revealed_at=now, phase=timer.phase.name, elapsed=timer.total_elapsed_at(now)
    )
    broadcast_on_commit(room_group(room.pk), {"type": "room.twists", "twists": room_twists(room)})
    return reveal


@transaction.atomic
def note_save(*, room: Room, by: AbstractBaseUser, kind: str, text: object, origin: str = "") -> RoomNote:
    """Save a notes pad. `origin` tags the broadcast so the author's own tab can skip its echo."""
    role = room.role_of(by)
    if kind not in NoteKind.values:
        raise Invalid(f"unknown notes kind {kind!r}; expected candidate or interviewer", field="kind")
    if role is None or role.value != kind:
        raise Forbidden(f"only the {kind} can write the {NoteKind(kind).label.lower()}")
    if not isinstance(text, str):
        raise Invalid("must be a string", field="text")
    if len(text) > RoomNote.MAX_LENGTH:
        raise Invalid(f"longer than {RoomNote.MAX_LENGTH} characters", field="text")
    if problem := unstorable(text):
        raise Invalid(problem, field="text")
    note, _ = RoomNote.objects.update_or_create(room=room, kind=kind, defaults={"text": text, "updated_by": by})
    group = room_group(room.pk) if kind == NoteKind.CANDIDATE else interviewer_group(room.pk)
    broadcast_on_commit(group, {"type": "room.note", "kind": kind, "text": text, "origin": origin})
    return note


# Open sockets one user may have in one room: a few tabs and devices, not a script's hundreds.
MAX_CONNECTIONS_PER_USER = 8


@transaction.atomic
def presence_connect(*, room: Room, user: AbstractBaseUser, channel_name: str) -> None:
    """Count this socket as present; TooManyConnections if the user already has the room
    open in MAX_CONNECTIONS_PER_USER live places (the room's row lock makes the count hold)."""
    room = _locked(room)
    now = timezone.now()
    # Rows left in this room by a server process that died without running disconnect.
    RoomConnection.objects.stale(now).filter(room=room).delete()
    if RoomConnection.objects.filter(room=room, user=user).count() >= MAX_CONNECTIONS_PER_USER:
        raise TooManyConnections(
            f"you already have this room open in {MAX_CONNECTIONS_PER_USER} places; close one of them first"
        )
    RoomConnection.objects.create(room=room, user=user, channel_name=channel_name, last_seen=now)
    _broadcast_presence(room)


def presence_touch_statements(*, channel_name: str, now: datetime) -> Statements[None]:
    """Keep a connection counted as live; each client heartbeat runs this."""
    # Written out for the same reason as the presence read (interview.selectors).
    yield Statement(
        f'UPDATE "{RoomConnection._meta.db_table}" SET "last_seen" = %s WHERE "channel_name" = %s',  # noqa: S608
        [connection.ops.adapt_datetimefield_value(now), channel_name],
    )


@transaction.atomic
def presence_disconnect(*, room: Room, channel_name: str) -> None:
    RoomConnection.objects.filter(channel_name=channel_name).delete()
    _broadcast_presence(room)


# A client's name for one op: printable ASCII, as clients make them (no spaces, nothing a
# database or a log line could choke on).
_CLIENT_OP_ID = re.compile(r"[!-~]{1,64}")


def client_op_id_check(value: object) -> str:
    """`value` as a client_op_id ("" for none); Invalid names what is wrong with it."""
    if value == "":
        return value
    if not isinstance(value, str) or not _CLIENT_OP_ID.fullmatch(value):
        raise Invalid(
            "'client_op_id' must be 1 to 64 printable ASCII characters (letters, digits, punctuation; no spaces)",
            field="client_op_id",
        )
    return value


def diagram_op_apply(*, room: Room, by: AbstractBaseUser, op: object, client_op_id: str = "") -> tuple[DiagramOp, bool]:
    """Apply a participant's op; diagrams.ops.OpRejected says why one cannot apply.

    An op sent again (same client_op_id) is not applied twice: the logged op comes back with
    new=False, and since everyone heard of it the first time, nothing is broadcast. Of two
    copies racing in, one writes first; the other's write then finds the version moved on, and
    its second try finds the first copy and is acked with it. A different op under a
    client_op_id already used is refused (Conflict), never taken for the first one.
    """
    with transaction.atomic():
        applied, new = statements.run(diagram_op_statements(room_id=room.pk, by=by, op=op, client_op_id=client_op_id))
        if new:
            broadcast_on_commit(room_group(room.pk), diagram_applied_event(applied))
    return applied, new


# The hot path of every edit, written out (see diagrams.services for why). One read gets the
# seats, the lock flag, the graph and an op already applied under this client_op_id; the write
# then happens only if the diagram is still at the version read and the author may still edit
# it. No lock is held in between: in a room of two a write rarely loses that race, and when it
# does the op is read and applied again, the last time under a row lock so that it cannot lose.
# Table names from the models (tests/test_sql_table_names.py); values are bound parameters.
_ROOM = Room._meta.db_table
_DIAGRAM_SEAT = (
    'SELECT r."interviewer_id", r."candidate_id", r."diagram_locked", r."state", d."id", d."graph", d."version", '  # noqa: S608
    f'(SELECT o."id" FROM "{diagrams_services.OP_TABLE}" o WHERE o."diagram_id" = d."id" AND o."author_id" = %s '
    'AND o."client_op_id" = %s LIMIT 1) '
    f'FROM "{_ROOM}" r INNER JOIN "{diagrams_services.DIAGRAM_TABLE}" d ON d."id" = r."diagram_id" WHERE r."id" = %s'
)
# A lock makes the diagram read-only for the candidate; once the interview has ended, for both.
_MAY_EDIT = (
    f' AND EXISTS (SELECT 1 FROM "{_ROOM}" r WHERE r."diagram_id" = "{diagrams_services.DIAGRAM_TABLE}"."id" '  # noqa: S608
    'AND (NOT r."diagram_locked" AND %s IN (r."interviewer_id", r."candidate_id") '
    'OR r."diagram_locked" AND r."interviewer_id" = %s AND r."state" <> %s))'
)
_EARLIER_OP = f'SELECT "version", "op", "inverse" FROM "{diagrams_services.OP_TABLE}" WHERE "id" = %s'  # noqa: S608
# Whether each try of an op holds the row lock from its read to its write.
_OP_TRIES = (False, False, True)


def diagram_op_statements(
    *, room_id, by: AbstractBaseUser, op: object, client_op_id: str
) -> Statements[tuple[DiagramOp, bool]]:
    """diagram_op_apply's statements, for either driver of mockboard.statements (the
    WebSocket consumer runs them in its event loop on PostgreSQL)."""
    client_op_id = client_op_id_check(client_op_id)
    database = connections[DEFAULT_DB_ALIAS]
    json_field = DiagramOp._meta.get_field("op")
    # An empty client_op_id names no op: NULL matches nothing.
    seat_params = [by.pk, client_op_id or None, Room._meta.pk.get_db_prep_value(room_id, database)]
    for locking in _OP_TRIES:
        read = _DIAGRAM_SEAT
        if locking:
            yield statements.TRANSACTION
            if database.features.has_select_for_update_of:
                read += " FOR UPDATE OF r, d"
        row = yield Statement(read, seat_params, fetch=True)
        if row is None or by.pk not in (row[0], row[1]):
            raise Forbidden("only the room's participants can edit the diagram")
        interviewer_id, _, locked, state, diagram_id, graph, version, earlier_op_id = row
        if earlier_op_id is not None:
            version, earlier_op, inverse = yield Statement(_EARLIER_OP, [earlier_op_id], fetch=True)
            earlier = DiagramOp(
                pk=earlier_op_id,
                diagram_id=diagram_id,
                version=version,
                op=json_field.from_db_value(earlier_op, None, database),
                inverse=json_field.from_db_value(inverse, None, database),
                author=by,
                client_op_id=client_op_id,
            )
            if earlier.op != op:
                raise Conflict(
                    f"client_op_id {client_op_id!r} already named another op of yours (version {version}); "
                    "this one was not applied: send each new op under a new client_op_id",
                    field="client_op_id",
                )
            return earlier, False
        if locked and state == RoomState.ENDED:
            raise Forbidden(
                "the interview has ended and its diagram is frozen, so that it matches the report; "
                "the interviewer can unlock it"
            )
        if locked and by.pk != interviewer_id:
            raise Forbidden("the interviewer has locked the diagram; it is read-only for now")
        graph = json_field.from_db_value(graph, None, database)
        diagram = Diagram.from_db(DEFAULT_DB_ALIAS, ["id", "graph", "version"], [diagram_id, graph, version])
        applied = yield from diagrams_services.diagram_op_statements(
            diagram=diagram,
            op=op,
            author=by,
            client_op_id=client_op_id,
            guard=Statement(_MAY_EDIT, [by.pk, by.pk, RoomState.ENDED.value]),
        )
        if applied is not None:
            return applied, True
    raise AssertionError("an op's write under the row lock cannot find its diagram changed")


def diagram_applied_event(applied: DiagramOp) -> dict:
    """The group event for an applied op; consumers pass `inverse` to its author only."""
    return {
        "type": "room.diagram_applied",
        "version": applied.version,
        "op": applied.op,
        "inverse": applied.inverse,
        "client_op_id": applied.client_op_id,
        "author": applied.author.get_username() if applied.author else None,
    }


def diagram_replace(*, room: Room, by: AbstractBaseUser, graph: object, base_version: int) -> tuple[DiagramOp, bool]:
    """Replace the whole graph, only if nobody changed it since `base_version` (REST PUT)."""
    with transaction.atomic():
        room = _locked(room)
        if room.diagram.version != base_version:
            raise Conflict(
                f"the diagram is at version {room.diagram.version}, not {base_version}; "
                "fetch it again and reapply your change",
                field="base_version",
            )
        return diagram_op_apply(room=room, by=by, op={"op": "replace", "graph": graph})


# A conflict's key is "keep:nodes:<id>" or the like, ids being at most 40 characters.
MAX_CHOICE_KEY = 64


@dataclass(frozen=True)
class TextApplied:
    """What became of text applied from the text view."""

    applied: DiagramOp | None  # None: the text changes nothing, or a conflict awaits a choice
    new: bool
    conflicts: list[TextConflict]  # each met, when one awaits a choice; else none
    text: str  # what the text view shows now
    version: int


def _check_choices(choices: object) -> dict[str, str]:
    if choices is None:
        return {}
    if not isinstance(choices, dict) or not all(
        isinstance(key, str) and len(key) <= MAX_CHOICE_KEY and value in MERGE_CHOICES for key, value in choices.items()
    ):
        raise Invalid(
            f"'choices' must map each conflict's key to {' or '.join(map(repr, MERGE_CHOICES))}", field="choices"
        )
    return choices


def _text_merged(diagram: Diagram, text: str, base_version: object, choices: dict[str, str]) -> TextMerge:
    if isinstance(base_version, bool) or not isinstance(base_version, int):
        raise Invalid("'base_version' (the version the text was opened at) is required", field="base_version")
    base = diagrams_services.diagram_graph_at(diagram=diagram, version=base_version)
    if base is None:
        raise Conflict(
            f"the text was opened at version {base_version}, and the diagram is at version {diagram.version}: "
            f"text merges from up to {diagrams_services.MAX_VERSIONS_BACK} changes back; your text is kept",
            field="base_version",
        )
    try:
        return merge_text(text, base=base, theirs=diagram.graph, choices=choices)
    except TextError as error:
        raise Invalid("\n".join(error.errors), field="text") from None


def diagram_text_preview(
    *, room: Room, by: AbstractBaseUser, text: str, base_version: object, choices: object = None
) -> TextMerge:
    """What applying the text would make of the diagram now, and what needs a choice first."""
    diagram = Diagram.objects.get(pk=room.diagram_id)
    return _text_merged(diagram, text, base_version, _check_choices(choices))


def diagram_import_text(
    *,
    room: Room,
    by: AbstractBaseUser,
    text: str,
    base_version: object,
    client_op_id: str = "",
    choices: object = None,
) -> TextApplied:
    """Apply what the text changed since it was opened at `base_version` to the diagram as it
    is now (diagrams.merge): the other side's changes meanwhile survive. Where both changed the
    same thing nothing is applied until `choices` says which side wins each conflict."""
    client_op_id = client_op_id_check(client_op_id)
    choices = _check_choices(choices)
    with transaction.atomic():
        room = _locked(room)
        diagram = Diagram.objects.select_for_update().get(pk=room.diagram_id)
        earlier = diagram_op_find(diagram_id=diagram.pk, author=by, client_op_id=client_op_id)
        if earlier:
            return TextApplied(earlier, False, [], shown_text(text, diagram.graph), diagram.version)
        merged = _text_merged(diagram, text, base_version, choices)
        if merged.unchosen or not merged.ops:
            conflicts = merged.conflicts if merged.unchosen else []
            return TextApplied(None, False, conflicts, shown_text(text, diagram.graph), diagram.version)
        applied, new = diagram_op_apply(
            room=room, by=by, op={"op": "batch", "ops": merged.ops}, client_op_id=client_op_id
        )
        return TextApplied(applied, new, [], shown_text(text, merged.graph), applied.version)


@transaction.atomic
def diagram_lock_set(*, room: Room, by: AbstractBaseUser, locked: bool) -> Room:
    """Make the diagram read-only for the candidate, and once the interview has ended for both
    (or editable again)."""
    room = _locked(room)
    _require_interviewer(room, by, "lock the diagram")
    room.diagram_locked = locked
    room.save(update_fields=["diagram_locked"])
    broadcast_on_commit(room_group(room.pk), {"type": "room.diagram_lock", "locked": locked})
    return room


MAX_FEEDBACK_TEXT = 5000
FEEDBACK_FIELDS = ("recommendation", "summary", "strengths", "improvements")


def _check_feedback_text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise Invalid("must be a string", field=field)
    if len(value) > MAX_FEEDBACK_TEXT:
        raise Invalid(f"longer than {MAX_FEEDBACK_TEXT} characters", field=field)
    if problem := unstorable(value):
        raise Invalid(problem, field=field)
    return value


def _check_rating(room: Room, dimension: object, level: object) -> None:
    """A rubric dimension of this room's problem, and one of its levels (or None)."""
    if dimension not in {d["key"] for d in room.problem.rubric}:
        raise Invalid(f"{dimension!r} is not a dimension of this problem's rubric", field="dimension")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= RUBRIC_LEVELS):
        raise Invalid(f"must be a level from 1 to {RUBRIC_LEVELS}, or null", field="level")


def _broadcast_scoring(room: Room) -> None:
    """The interviewer's other tabs always hear of a change; the candidate only once shared
    (the rule pages and the API keep too: feedback_is_shared)."""
    scoring = room_scoring(room)
    broadcast_on_commit(interviewer_group(room.pk), {"type": "room.scoring", "scoring": scoring})
    if feedback_is_shared(room):
        broadcast_on_commit(room_group(room.pk), {"type": "room.feedback", "feedback": scoring})


@transaction.atomic
def score_set(
    *,
    room: Room,
    by: AbstractBaseUser,
    dimension: str,
    level: object = None,
    comment: object = "",
    node_ids: object = (),
) -> Score:
    """Set the level (1-4, or None to clear) and comment of one rubric dimension; allowed
    during and after the interview, for the interviewer only."""
    room = _locked(room)
    _require_interviewer(room, by, "score the interview")
    _check_rating(room, dimension, level)
    comment = _check_feedback_text(comment, "comment")
    if not isinstance(node_ids, list | tuple) or not all(isinstance(i, str) for i in node_ids):
        raise Invalid("must be a list of node ids", field="node_ids")
    known = {node["id"] for node in room.diagram.graph["nodes"]}
    if missing := [i for i in node_ids if i not in known]:
        raise Invalid(f"no node with id {missing[0]!r} in the diagram", field="node_ids")
    score, _ = Score.objects.update_or_create(
        room=room, dimension=dimension, defaults={"level": level, "comment": comment, "node_ids": list(node_ids)}
    )
    _broadcast_scoring(room)
    return score


@transaction.atomic
def feedback_set(*, room: Room, by: AbstractBaseUser, **fields: object) -> Feedback:
    """Change any of the recommendation, summary, strengths and improvements."""
    room = _locked(room)
    _require_interviewer(room, by, "write the feedback")
    unknown = set(fields) - set(FEEDBACK_FIELDS)
    if unknown:
        raise Invalid(f"not a feedback field; expected {', '.join(FEEDBACK_FIELDS)}", field=sorted(unknown)[0])
    if fields.get("recommendation", "") not in ("", *Recommendation.values):
        expected = ", ".join(Recommendation.values)
        raise Invalid(f"must be one of {expected} (or empty)", field="recommendation")
    feedback, _ = Feedback.objects.get_or_create(room=room)
    for field, value in fields.items():
        setattr(feedback, field, _check_feedback_text(value, field))
    feedback.save()
    _broadcast_scoring(room)
    return feedback


@transaction.atomic
def feedback_share(*, room: Room, by: AbstractBaseUser, shared: bool) -> Feedback:
    """Show the candidate the scores and feedback (never the private notes), or take them back."""
    room = _locked(room)
    _require_interviewer(room, by, "share the feedback")
    feedback, _ = Feedback.objects.get_or_create(room=room)
    feedback.shared_at = timezone.now() if shared else None
    feedback.save(update_fields=["shared_at", "updated_at"])
    _broadcast_scoring(room)
    if not shared:
        broadcast_on_commit(room_group(room.pk), {"type": "room.feedback", "feedback": None})
    return feedback


@transaction.atomic
def self_assessment_set(
    *, room: Room, by: AbstractBaseUser, dimension: str, level: object = None, comment: object = ""
) -> SelfAssessment:
    """The candidate rates themself on one rubric dimension, once the interview has ended."""
    room = _locked(room)
    if room.role_of(by) != Role.CANDIDATE:
        raise Forbidden("only the candidate can assess themself")
    if room.state != RoomState.ENDED:
        raise Invalid("self-assessment opens when the interview ends", field="dimension")
    _check_rating(room, dimension, level)
    rating, _ = SelfAssessment.objects.update_or_create(
        room=room, dimension=dimension, defaults={"level": level, "comment": _check_feedback_text(comment, "comment")}
    )
    event = {"type": "room.self_assessment", "self_assessment": room_self_assessment(room, Role.CANDIDATE)}
    broadcast_on_commit(room_group(room.pk), event)
    return rating


def report_request(*, room: Room, by: AbstractBaseUser, paper: str = Report.Paper.A4) -> Report:
    """Queue a PDF report: the interviewer's copy (with private notes) for the interviewer, the
    candidate's copy for the candidate, who may ask only once feedback is shared."""
    role = room.role_of(by)
    if role is None:
        raise Forbidden("only the room's participants can export a report")
    if role == Role.CANDIDATE and not feedback_is_shared(room):
        raise Forbidden("the report opens to you once the interviewer shares feedback")
    if role == Role.INTERVIEWER and (refusal := kit_refusal(by, room.problem)):
        raise Forbidden(f"the interviewer's report holds the problem's kit, and {refusal}")
    if paper not in Report.Paper.values:
        raise Invalid(f"must be one of {', '.join(Report.Paper.values)}", field="paper")
    from interview.tasks import report_build  # the task module imports this one

    with transaction.atomic():
        report = Report.objects.create(room=room, requested_by=by, variant=role.value, paper=paper)
        # On commit, so the worker never looks for a row that is not there yet.
        transaction.on_commit(lambda: report_build.delay(report.pk))
    return report


REPORT_TOO_SLOW = "building this report took too long and was stopped; a smaller diagram builds faster"


def report_build(*, report_id: int, worker: str = "", time_limit: type[Exception] | None = None) -> Report:
    """Build a queued report's PDF; a failure is recorded on the report, with its reason.
    `time_limit` is the exception the caller's time limit raises inside the build."""
    report = Report.objects.select_related("room__problem", "room__interviewer", "room__candidate").get(pk=report_id)
    if report.status == Report.Status.DONE:
        return report  # a redelivered task message for a report already built
    try:
        # Inside the try, as all of the build: a time limit that strikes while this waits for
        # the row is recorded like one that strikes later. A report recorded failed meanwhile
        # (a hard limit that could not stop this process while it waited) stays failed.
        started = (
            Report.objects.filter(pk=report.pk)
            .exclude(status=Report.Status.FAILED)
            .update(status=Report.Status.RUNNING, worker=worker, started_at=timezone.now())
        )
        if not started:
            return report
        from interview.reports import report_pdf  # WeasyPrint is heavy: only workers load it

        pdf = report_pdf(report)
    except Exception as error:  # the reason is shown to the user, who can retry
        too_slow = time_limit is not None and isinstance(error, time_limit)
        _abandon_interrupted_query()
        report_failed(report_id=report.pk, error=REPORT_TOO_SLOW if too_slow else f"{type(error).__name__}: {error}")
        raise
    report.pdf.save(f"{report.room.problem.slug}-{report.pk}.pdf", ContentFile(pdf), save=False)
    report.status = Report.Status.DONE
    report.error = ""
    report.finished_at = timezone.now()
    report.save(update_fields=["pdf", "status", "error", "finished_at"])
    return report


def _abandon_interrupted_query() -> None:
    """A time limit can strike while a query waits (for a row lock, say). psycopg then leaves
    the connection busy with it, and the next query fails with "another command is already in
    progress": cancel it on the server and start a fresh connection, so that the failure can
    still be recorded."""
    raw = connection.connection
    if (
        connection.vendor == "postgresql"
        and raw is not None
        and raw.info.transaction_status == TransactionStatus.ACTIVE
    ):
        raw.cancel_safe()
        connection.close()


def report_failed(*, report_id: int, error: str) -> None:
    """Record why a report could not be built; the user sees it and can export again."""
    Report.objects.filter(pk=report_id).update(
        status=Report.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def reports_orphaned(*, worker: str) -> list[int]:
    """Reports that `worker` was building when it died: queued again, their ids returned."""
    with transaction.atomic():
        orphans = list(
            Report.objects.select_for_update()
            .filter(status=Report.Status.RUNNING, worker=worker)
            .values_list("pk", flat=True)
        )
        Report.objects.filter(pk__in=orphans).update(status=Report.Status.QUEUED, worker="", started_at=None)
    return orphans


def reports_give_up_stale(*, now: datetime | None = None) -> int:
    """Mark failed the reports "running" for longer than the task's hard time limit allows:
    their worker died and has not come back. The user sees why and can export again."""
    now = now or timezone.now()
    return Report.objects.filter(status=Report.Status.RUNNING, started_at__lt=Report.lost_before(now)).update(
        status=Report.Status.FAILED, error=REPORT_LOST, finished_at=now
    )
