"""Problem moved from interview to problembank, and Report to reports: a database with rows
at the old schema keeps every one of them, with their links, content types and permissions,
and gets them back when the move is unapplied. On the database the suite runs on; run on
PostgreSQL, it also runs itself once on SQLite."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("interview", "0008_reference_diagram_schema_2"),
    ("diagrams", "0003_graph_schema_2"),
    ("contenttypes", "0002_remove_content_type_name"),
    ("auth", "0012_alter_user_first_name_max_length"),
]
MOVED = {"problem": "problembank", "report": "reports"}


def migrate(targets):
    """The models as they are at `targets`, after migrating the database there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def before():
    yield migrate(BEFORE)
    migrate(leaves())


def _rows(apps, app_label: str):
    """What a user would miss if the move lost it: every field of the moved rows."""
    problem = apps.get_model(MOVED["problem"] if app_label != "interview" else "interview", "Problem")
    report = apps.get_model(MOVED["report"] if app_label != "interview" else "interview", "Report")
    return (
        list(problem.objects.order_by("pk").values()),
        list(report.objects.order_by("pk").values()),
    )


def test_moved_models_keep_their_rows_links_content_types_and_permissions(before):
    users = before.get_model("auth", "User").objects
    ines, carl = users.create(username="ines"), users.create(username="carl")
    problem = before.get_model("interview", "Problem").objects.create(
        slug="ctr", title="CTR", summary="s", difficulty="medium", statement="Predict clicks", phases=[], owner=ines
    )
    diagram = before.get_model("diagrams", "Diagram").objects.create(graph={"schema": 2}, version=0)
    room = before.get_model("interview", "Room").objects.create(
        problem=problem, interviewer=ines, candidate=carl, diagram=diagram, invite_token="t", phases=[]
    )
    before.get_model("interview", "Report").objects.create(
        room=room, requested_by=ines, variant="interviewer", status="failed", error="too slow"
    )
    content_types = before.get_model("contenttypes", "ContentType").objects
    permissions = before.get_model("auth", "Permission").objects
    types = {model: content_types.get_or_create(app_label="interview", model=model)[0].pk for model in MOVED}
    for model, type_id in types.items():
        permissions.get_or_create(content_type_id=type_id, codename=f"change_{model}", defaults={"name": "Can change"})
    granted = before.get_model("auth", "Permission").objects.get(codename="change_problem")
    ines.user_permissions.add(granted)
    old_rows = _rows(before, "interview")

    after = migrate(leaves())
    assert _rows(after, "moved") == old_rows
    assert after.get_model("interview", "Room").objects.get(pk=room.pk).problem_id == problem.pk
    assert after.get_model("reports", "Report").objects.get().room_id == room.pk
    tables = connection.introspection.table_names()
    assert {"problembank_problem", "reports_report"} <= set(tables)
    assert not {"interview_problem", "interview_report"} & set(tables)
    moved_types = after.get_model("contenttypes", "ContentType").objects
    for model, app_label in MOVED.items():
        assert moved_types.get(pk=types[model]).app_label == app_label  # the same row, so its permissions
        assert not moved_types.filter(app_label="interview", model=model).exists()
    assert list(after.get_model("auth", "User").objects.get(pk=ines.pk).user_permissions.all()) == [
        after.get_model("auth", "Permission").objects.get(pk=granted.pk)
    ]
    # The database still holds the rooms to the problems they are on, under the new names.
    with transaction.atomic():
        after.get_model("interview", "Room").objects.filter(pk=room.pk).update(problem_id=problem.pk + 999)
        with pytest.raises(IntegrityError):
            connection.check_constraints()
        transaction.set_rollback(True)

    back = migrate(BEFORE)
    assert _rows(back, "interview") == old_rows
    assert back.get_model("contenttypes", "ContentType").objects.get(pk=types["problem"]).app_label == "interview"


MOVE_TEST = test_moved_models_keep_their_rows_links_content_types_and_permissions.__name__


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQLite run is this one")
def test_the_move_on_sqlite_too(tmp_path: Path):
    environment = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    environment["MOCKBOARD_VAR_DIR"] = str(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{__file__}::{MOVE_TEST}"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
