"""Reference diagrams to graph schema 2, as diagrams/migrations/0003_graph_schema_2 does for
the diagrams themselves."""

import importlib

from django.db import migrations

# The module's name starts with a digit, so it is imported by name.
graph_schema_2 = importlib.import_module("diagrams.migrations.0003_graph_schema_2")


class Migration(migrations.Migration):
    dependencies = [("interview", "0007_report_worker"), ("diagrams", "0003_graph_schema_2")]

    operations = [
        migrations.RunPython(
            graph_schema_2.each_graph("interview.Problem", "reference_diagram", graph_schema_2.upgraded),
            graph_schema_2.each_graph("interview.Problem", "reference_diagram", graph_schema_2.downgraded),
        ),
    ]
