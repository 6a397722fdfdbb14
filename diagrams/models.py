"""A diagram's current graph and the log of every op that made it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from diagrams.graph import EMPTY


def empty_graph() -> dict:
    return {**EMPTY, "groups": [], "nodes": [], "edges": []}


class Diagram(models.Model):
    graph = models.JSONField(default=empty_graph)
    # The number of ops applied; clients compare it with theirs to spot a missed broadcast.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Diagram {self.pk} v{self.version}"


class DiagramOp(models.Model):
    """One applied op: the op log for replay, recovery and per-phase snapshots."""

    diagram = models.ForeignKey(Diagram, on_delete=models.CASCADE, related_name="ops")
    # The diagram's version once this op was applied.
    version = models.PositiveIntegerField()
    op = models.JSONField()
    inverse = models.JSONField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    client_op_id = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version"]
        constraints = [models.UniqueConstraint(fields=["diagram", "version"], name="one_op_per_version")]
        indexes = [models.Index(fields=["diagram", "client_op_id"], name="op_by_client_id")]

    def __str__(self) -> str:
        return f"v{self.version} {self.op.get('op')}"


class DiagramSnapshot(models.Model):
    """The graph as it stood at a version, every SNAPSHOT_EVERY versions (diagrams.services):
    the op log only grows, so a replay seeks from the nearest one instead of from the start."""

    diagram = models.ForeignKey(Diagram, on_delete=models.CASCADE, related_name="snapshots")
    version = models.PositiveIntegerField()
    graph = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["diagram", "version"], name="one_snapshot_per_version")]

    def __str__(self) -> str:
        return f"Diagram {self.diagram_id} at v{self.version}"
