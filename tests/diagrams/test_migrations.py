"""Stored graphs move to schema 2 (layout hints) and back, on the database the suite runs on
(PostgreSQL in CI, SQLite by default)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from diagrams.graph import normalize, validate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("diagrams", "0002_op_by_client_id"), ("interview", "0007_report_worker")]
AFTER = [("diagrams", "0003_graph_schema_2"), ("interview", "0008_reference_diagram_schema_2")]
SCHEMA_1 = {
    "schema": 1,
    "direction": "TB",
    "groups": [{"id": "g", "label": "Online"}],
    "nodes": [
        {"id": "a", "label": "Event logs", "kind": "stream", "group": None, "note": ""},
        {"id": "b", "label": "Ranker", "kind": "ranking", "group": "g", "note": "GBDT"},
    ],
    "edges": [{"id": "e", "source": "a", "target": "b", "label": "clicks"}],
}


def migrate(targets):
    """The models as they are at `targets`, after migrating the database there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_schema_1():
    yield migrate(BEFORE)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_stored_graphs_and_reference_diagrams_become_schema_2_and_go_back(at_schema_1):
    diagram = at_schema_1.get_model("diagrams", "Diagram").objects.create(graph=SCHEMA_1, version=3)
    problem = at_schema_1.get_model("interview", "Problem").objects.create(
        slug="ctr", title="CTR", summary="s", difficulty="medium", statement="s", phases=[], reference_diagram=SCHEMA_1
    )
    empty = at_schema_1.get_model("interview", "Problem").objects.create(
        slug="none", title="None", summary="s", difficulty="medium", statement="s", phases=[]
    )

    after = migrate(AFTER)
    graph = after.get_model("diagrams", "Diagram").objects.get(pk=diagram.pk).graph
    assert graph == normalize(SCHEMA_1)
    assert graph["schema"] == 2
    validate(graph)
    problems = after.get_model("interview", "Problem").objects
    assert problems.get(pk=problem.pk).reference_diagram == graph
    assert problems.get(pk=empty.pk).reference_diagram == {}  # no reference diagram stays none

    back = migrate(BEFORE)
    assert back.get_model("diagrams", "Diagram").objects.get(pk=diagram.pk).graph == SCHEMA_1
    assert back.get_model("interview", "Problem").objects.get(pk=problem.pk).reference_diagram == SCHEMA_1
