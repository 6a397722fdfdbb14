"""Writes to diagrams: every change is an op, applied under a row lock and logged."""

from __future__ import annotations

from django.db import transaction

from diagrams import ops
from diagrams.models import Diagram, DiagramOp

# Past this many missed ops a client is sent the whole graph instead.
MAX_OPS_TO_REPLAY = 200


def diagram_op_find(*, diagram_id: int, author, client_op_id: str) -> DiagramOp | None:
    """The op this author already sent with this client_op_id, if it was applied.

    A client that lost its connection before an ack cannot know whether its op was applied,
    so it sends it again; this is how the second copy is recognised.
    """
    if not client_op_id:
        return None
    return DiagramOp.objects.filter(diagram_id=diagram_id, author=author, client_op_id=client_op_id).first()


# No savepoint inside the caller's transaction: two round trips per op, and an op that does
# not apply raises before anything is written.
@transaction.atomic(savepoint=False)
def diagram_apply_op(*, diagram: Diagram, op: object, author, client_op_id: str = "") -> DiagramOp:
    """Apply `op` to the current graph, bump the version and log it; OpRejected if it does not apply.

    `diagram` must be the row as locked by the caller in this transaction (select_for_update).
    Ops name what they touch by id, so an op made against an older version still means the
    same thing and is applied as long as its nodes, edges and groups exist.
    """
    graph, undo = ops.apply_with_inverse(diagram.graph, op)
    diagram.graph = graph
    diagram.version += 1
    diagram.save(update_fields=["graph", "version", "updated_at"])
    return DiagramOp.objects.create(
        diagram=diagram, version=diagram.version, op=op, inverse=undo, author=author, client_op_id=client_op_id
    )


def diagram_ops_since(*, diagram: Diagram, version: int) -> list[DiagramOp] | None:
    """The ops after `version` in order, or None when a snapshot is the shorter way to catch up."""
    if version > diagram.version or diagram.version - version > MAX_OPS_TO_REPLAY:
        return None
    return list(DiagramOp.objects.filter(diagram=diagram, version__gt=version).select_related("author"))
