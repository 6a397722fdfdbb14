"""Writes to diagrams: every change is an op, applied to the version it was checked on, and logged."""

from __future__ import annotations

from itertools import islice

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from core.statements import Statement, Statements
from diagrams import ops
from diagrams.graph import EMPTY
from diagrams.models import Diagram, DiagramOp, DiagramSnapshot

# Past this many missed ops a client is sent the whole graph instead.
MAX_OPS_TO_REPLAY = 200
# How far back the graph at an earlier version is rebuilt (for text edited from it): undoing
# 2,000 ops on 150 blocks takes a few tens of ms (ops.replay).
MAX_VERSIONS_BACK = 2000
# A replay seeks from the snapshot at or before the version it shows (diagram_replayed_to):
# at most this many ops are applied, whatever the session's length.
SNAPSHOT_EVERY = 100

# An op's writes, written out rather than built by the ORM: building a query took about 0.6 ms
# of CPU on the 2-core benchmark machine, several times what the database took to run it, and
# every participant's every edit goes through here (bench/README.md).
# Table names come from the models, so that a rename cannot silently break the SQL; every
# value is a bound parameter (the noqa: S608 below).
DIAGRAM_TABLE, OP_TABLE, SNAPSHOT_TABLE = (model._meta.db_table for model in (Diagram, DiagramOp, DiagramSnapshot))
_BUMP = (
    f'UPDATE "{DIAGRAM_TABLE}" SET "graph" = %s, "version" = %s, "updated_at" = %s '  # noqa: S608
    f'WHERE "{DIAGRAM_TABLE}"."id" = %s AND "{DIAGRAM_TABLE}"."version" = %s{{guard}} RETURNING "id"'
)
# On PostgreSQL both writes are one statement, whole by itself (core.statements): this
# follows the _BUMP in the same statement, as WITH bumped AS (_BUMP).
_LOG_BUMPED = (
    f'INSERT INTO "{OP_TABLE}" ("diagram_id", "version", "op", "inverse", "author_id", "client_op_id", "at") '  # noqa: S608
    'SELECT bumped."id", %s, %s, %s, %s, %s, %s FROM bumped RETURNING "id"'
)
_LOG = (
    f'INSERT INTO "{OP_TABLE}" ("diagram_id", "version", "op", "inverse", "author_id", "client_op_id", "at") '  # noqa: S608
    'VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING "id"'
)

# Every SNAPSHOT_EVERY versions, once the op is in: a statement of its own, as a snapshot lost
# (the process stopped in between) is only rebuilt by the next seek that passes it.
_SNAPSHOT = (
    f'INSERT INTO "{SNAPSHOT_TABLE}" ("diagram_id", "version", "graph") VALUES (%s, %s, %s) '  # noqa: S608
    "ON CONFLICT DO NOTHING"
)


def diagram_op_find(*, diagram_id: int, author, client_op_id: str) -> DiagramOp | None:
    """The op this author already sent with this client_op_id, if it was applied.

    A client that lost its connection before an ack cannot know whether its op was applied,
    so it sends it again; this is how the second copy is recognised.
    """
    if not client_op_id:
        return None
    return DiagramOp.objects.filter(diagram_id=diagram_id, author=author, client_op_id=client_op_id).first()


def diagram_op_statements(
    *, diagram: Diagram, op: object, author, client_op_id: str, guard: Statement
) -> Statements[DiagramOp | None]:
    """Apply `op` to the graph as read, bump the version and log the op, all only if the
    diagram is still at that version and `guard` (an SQL condition on the diagram's table,
    with its parameters) still holds; None if not, and nothing is written. OpRejected if the
    op does not apply to the graph, before anything is written. For either driver of
    core.statements.

    Ops name what they touch by id, so an op made against an older version still means the
    same thing and is applied as long as its nodes, edges and groups exist.
    """
    graph, undo = ops.apply_with_inverse(diagram.graph, op)
    database = connections[DEFAULT_DB_ALIAS]
    applied = DiagramOp(
        diagram_id=diagram.pk,
        version=diagram.version + 1,
        op=op,
        inverse=undo,
        author=author,
        client_op_id=client_op_id,
        at=timezone.now(),
    )
    at = database.ops.adapt_datetimefield_value(applied.at)
    bump = [
        _json(graph, database),
        applied.version,
        at,
        diagram.pk,
        diagram.version,
        *guard.params,
    ]
    log = [
        applied.version,
        _json(op, database),
        _json(undo, database),
        author.pk,
        client_op_id,
        at,
    ]
    bump_sql = _BUMP.format(guard=guard.sql)
    if database.vendor == "postgresql":
        row = yield Statement(f"WITH bumped AS ({bump_sql}) {_LOG_BUMPED}", [*bump, *log], fetch=True)
    else:
        # No writes inside WITH here; `run` always has a transaction around these two.
        row = yield Statement(bump_sql, bump, fetch=True)
        if row is not None:
            row = yield Statement(_LOG, [diagram.pk, *log], fetch=True)
    if row is None:
        return None
    (applied.pk,) = row
    if applied.version % SNAPSHOT_EVERY == 0:
        yield Statement(_SNAPSHOT, [diagram.pk, applied.version, bump[0]])
    return applied


def _json(value, database):
    """A JSON value as the op log's and the diagram's columns store it."""
    return DiagramOp._meta.get_field("op").get_db_prep_save(value, database)


def diagram_graph_at(*, diagram: Diagram, version: int) -> dict | None:
    """The graph as it was at `version`, undoing the ops logged since; None when that version
    does not exist or is more than MAX_VERSIONS_BACK ago."""
    if not 0 <= version <= diagram.version or diagram.version - version > MAX_VERSIONS_BACK:
        return None
    undone = DiagramOp.objects.filter(diagram=diagram, version__gt=version).order_by("-version")
    return ops.replay(diagram.graph, undone.values_list("inverse", flat=True).iterator())


def diagram_replayed_to(*, diagram: Diagram, version: int) -> dict:
    """The graph as it stood at `version` (0 to the diagram's version), played forward from
    the nearest snapshot before it. The log only grows, so the snapshots missing on the way
    are stored as they are passed, for the next seek."""
    if not 0 <= version <= diagram.version:
        raise ValueError(f"must be a version from 0 to {diagram.version}")
    base = DiagramSnapshot.objects.filter(diagram=diagram, version__lte=version).order_by("-version").first()
    graph, at = (base.graph, base.version) if base else (ops.replay(EMPTY, ()), 0)
    logged = (
        DiagramOp.objects.filter(diagram=diagram, version__gt=at, version__lte=version)
        .order_by("version")
        .values_list("op", flat=True)
        .iterator(chunk_size=SNAPSHOT_EVERY)
    )
    missing = []
    for start in range(at, version, SNAPSHOT_EVERY):
        stop = min(start + SNAPSHOT_EVERY, version)
        graph = ops.replay(graph, islice(logged, stop - start))
        if stop % SNAPSHOT_EVERY == 0:
            missing.append(DiagramSnapshot(diagram=diagram, version=stop, graph=graph))
    # Two seeks at once may both store one: the first wins, the graphs are the same.
    DiagramSnapshot.objects.bulk_create(missing, ignore_conflicts=True)
    return graph


def diagram_ops_since(*, diagram: Diagram, version: int) -> list[DiagramOp] | None:
    """The ops after `version` in order, or None when a snapshot is the shorter way to catch up."""
    if version > diagram.version or diagram.version - version > MAX_OPS_TO_REPLAY:
        return None
    return list(DiagramOp.objects.filter(diagram=diagram, version__gt=version).select_related("author"))
