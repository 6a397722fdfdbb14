import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("diagrams", "0003_graph_schema_2")]

    operations = [
        migrations.CreateModel(
            name="DiagramSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField()),
                ("graph", models.JSONField()),
                (
                    "diagram",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="snapshots", to="diagrams.diagram"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("diagram", "version"), name="one_snapshot_per_version")
                ]
            },
        ),
    ]
