"""Writes to diagrams: every change is an op, applied under a row lock and logged."""

from __future__ import annotations

from django.db import transaction

from diagrams import ops
from diagrams.models import Diagram, DiagramOp

# Past this many missed ops a client is sent the whole graph instead.
MAX_OPS_TO_REPLAY = 200


@transaction.atomic
def diagram_apply_op(*, diagram: Diagram, op: object, author, client_op_id: str = "") -> tuple[DiagramOp, bool]:
    """Apply `op` to the current graph, bump the version and log it; OpRejected if it does not apply.

    Ops name what they touch by id, so an op made against an older version still means the
    same thing and is applied as long as its nodes, edges and groups exist. Returns the
    logged op and whether it is new: a client that lost its connection before the ack sends
    its op again with the same client_op_id, and gets the first one back instead of a copy.
    """
    diagram = Diagram.objects.select_for_update().get(pk=diagram.pk)
    if client_op_id:
        earlier = DiagramOp.objects.filter(diagram=diagram, author=author, client_op_id=client_op_id).first()
        if earlier is not None:
            return earlier, False
    graph = ops.apply(diagram.graph, op)
    undo = ops.inverse(diagram.graph, op)
    diagram.graph = graph
    diagram.version += 1
    diagram.save(update_fields=["graph", "version", "updated_at"])
    logged = DiagramOp.objects.create(
        diagram=diagram, version=diagram.version, op=op, inverse=undo, author=author, client_op_id=client_op_id
    )
    return logged, True


def diagram_ops_since(*, diagram: Diagram, version: int) -> list[DiagramOp] | None:
    """The ops after `version` in order, or None when a snapshot is the shorter way to catch up."""
    if version > diagram.version or diagram.version - version > MAX_OPS_TO_REPLAY:
        return None
    return list(DiagramOp.objects.filter(diagram=diagram, version__gt=version).select_related("author"))
