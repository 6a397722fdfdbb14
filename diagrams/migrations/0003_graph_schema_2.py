"""Stored graphs to schema 2 (layout hints: a node's `place`, none yet).

The upgrade is written out here, not taken from diagrams.graph, so that this migration
keeps doing what it did when the graph code changes. The op log is left as it was logged:
its schema 1 `replace` graphs are still read, and upgraded as they are applied.
"""

from django.db import migrations


def upgraded(graph: dict) -> dict:
    """A schema 1 graph as schema 2; anything else as it is."""
    if graph.get("schema") != 1:
        return graph
    nodes = [{**node, "place": None} for node in graph.get("nodes", [])]
    return {**graph, "schema": 2, "nodes": nodes}


def downgraded(graph: dict) -> dict:
    """A schema 2 graph as schema 1: its layout hints are dropped."""
    if graph.get("schema") != 2:
        return graph
    nodes = [{key: value for key, value in node.items() if key != "place"} for node in graph.get("nodes", [])]
    return {**graph, "schema": 1, "nodes": nodes}


def each_graph(model: str, field: str, change):
    def run(apps, schema_editor):
        Model = apps.get_model(*model.split("."))
        for row in Model.objects.only(field).iterator():
            graph = getattr(row, field)
            if isinstance(graph, dict) and change(graph) != graph:
                setattr(row, field, change(graph))
                row.save(update_fields=[field])

    return run


class Migration(migrations.Migration):
    dependencies = [("diagrams", "0002_op_by_client_id")]

    operations = [
        migrations.RunPython(
            each_graph("diagrams.Diagram", "graph", upgraded), each_graph("diagrams.Diagram", "graph", downgraded)
        ),
    ]
