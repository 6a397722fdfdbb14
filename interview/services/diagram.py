"""The room's diagram: every edit an op through one write path, the text view's merge, the lock."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from core import statements
from core.errors import (
    Conflict,
    Forbidden,
    Invalid,
)
from core.statements import Statement, Statements
from diagrams import services as diagrams_services
from diagrams.merge import CHOICES as MERGE_CHOICES
from diagrams.merge import Conflict as TextConflict
from diagrams.merge import Merge as TextMerge
from diagrams.merge import merge as merge_text
from diagrams.merge import shown_text
from diagrams.models import Diagram, DiagramOp
from diagrams.services import diagram_op_find
from diagrams.text import TextError
from interview.broadcast import broadcast_committed, broadcast_on_commit, room_group
from interview.models import (
    Room,
    RoomState,
)
from interview.services.guards import lock_room, require_interviewer

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
    """Apply a participant's op; diagrams.ops.OpRejected says why one cannot apply. For REST
    and the text view; the WebSocket's ops take diagram_op_apply_now, the same path.

    An op sent again (same client_op_id) is not applied twice: the logged op comes back with
    new=False (see _news for who hears of it). Of two copies racing in, one writes first; the
    other's write then finds the version moved on, and its second try finds the first copy and
    is acked with it. A different op under a client_op_id already used is refused (Conflict),
    never taken for the first one.
    """
    with transaction.atomic():
        applied, new = statements.run(diagram_op_statements(room_id=room.pk, by=by, op=op, client_op_id=client_op_id))
        if news := _news(room.pk, applied, new):
            broadcast_on_commit(*news)
    return applied, new


async def diagram_op_apply_now(
    *, room_id, by: AbstractBaseUser, op: object, client_op_id: str
) -> tuple[DiagramOp, bool]:
    """diagram_op_apply from the WebSocket's event loop, committed on return: on PostgreSQL
    its statements run on the loop's own pool, with no hop to a worker thread (core.statements)."""
    applied, new = await statements.run_now(
        diagram_op_statements(room_id=room_id, by=by, op=op, client_op_id=client_op_id)
    )
    if news := _news(room_id, applied, new):
        await broadcast_committed(*news)
    return applied, new


def _news(room_id, applied: DiagramOp, new: bool) -> tuple[str, dict] | None:
    """The group and event to broadcast for an applied op, whichever path it came by: a new op
    goes to the whole room, its author included (that is the author's ack, in version order);
    a resend goes to nobody, as the room heard of it the first time, and only its sender is
    answered, by the caller that holds the sender's connection."""
    return (room_group(room_id), diagram_applied_event(applied)) if new else None


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
    """diagram_op_apply's statements, for either driver of core.statements (the
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
        room = lock_room(room)
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
        room = lock_room(room)
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
    room = lock_room(room)
    require_interviewer(room, by, "lock the diagram")
    room.diagram_locked = locked
    room.save(update_fields=["diagram_locked"])
    broadcast_on_commit(room_group(room.pk), {"type": "room.diagram_lock", "locked": locked})
    return room
