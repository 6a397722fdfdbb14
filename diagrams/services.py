"""Writes to diagrams: every change is an op, applied under a row lock and logged."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from diagrams import ops
from diagrams.models import Diagram, DiagramOp
from mockboard.statements import Statement, Statements

# Past this many missed ops a client is sent the whole graph instead.
MAX_OPS_TO_REPLAY = 200

# An op's two writes, written out rather than built by the ORM: building a query took about
# 0.6 ms of CPU on the 2-core benchmark machine, several times what the database took to run
# it, and every participant's every edit goes through here (bench/README.md).
_UPDATE_DIAGRAM = 'UPDATE "diagrams_diagram" SET "graph" = %s, "version" = %s, "updated_at" = %s WHERE "id" = %s'
_INSERT_OP = (
    'INSERT INTO "diagrams_diagramop" ("diagram_id", "version", "op", "inverse", "author_id", "client_op_id", "at") '
    'VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING "id"'
)


def diagram_op_find(*, diagram_id: int, author, client_op_id: str) -> DiagramOp | None:
    """The op this author already sent with this client_op_id, if it was applied.

    A client that lost its connection before an ack cannot know whether its op was applied,
    so it sends it again; this is how the second copy is recognised.
    """
    if not client_op_id:
        return None
    return DiagramOp.objects.filter(diagram_id=diagram_id, author=author, client_op_id=client_op_id).first()


def diagram_op_statements(*, diagram: Diagram, op: object, author, client_op_id: str) -> Statements[DiagramOp]:
    """Apply `op` to the current graph, bump the version and log it; OpRejected if it does
    not apply. For either driver of mockboard.statements; `diagram` must be the row as locked
    in the same transaction.

    Ops name what they touch by id, so an op made against an older version still means the
    same thing and is applied as long as its nodes, edges and groups exist. One that does not
    apply raises before anything is written.
    """
    graph, undo = ops.apply_with_inverse(diagram.graph, op)
    now = timezone.now()
    applied = DiagramOp(
        diagram=diagram,
        version=diagram.version + 1,
        op=op,
        inverse=undo,
        author=author,
        client_op_id=client_op_id,
        at=now,
    )
    diagram.graph, diagram.version, diagram.updated_at = graph, applied.version, now
    yield Statement(_UPDATE_DIAGRAM, [*_db_values(diagram, "graph", "version", "updated_at"), diagram.pk])
    (applied.pk,) = yield Statement(
        _INSERT_OP,
        _db_values(applied, "diagram", "version", "op", "inverse", "author", "client_op_id", "at"),
        fetch=True,
    )
    return applied


def _db_values(instance, *names: str) -> list:
    """The fields' values as the database stores them (JSON, timestamps, keys)."""
    fields = [instance._meta.get_field(name) for name in names]
    return [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields]


def diagram_ops_since(*, diagram: Diagram, version: int) -> list[DiagramOp] | None:
    """The ops after `version` in order, or None when a snapshot is the shorter way to catch up."""
    if version > diagram.version or diagram.version - version > MAX_OPS_TO_REPLAY:
        return None
    return list(DiagramOp.objects.filter(diagram=diagram, version__gt=version).select_related("author"))
