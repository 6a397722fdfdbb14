# Report moves here from interview. Its table stays where it is for now: this only records
# the model in this app's state (0002 renames the table).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("interview", "0008_reference_diagram_schema_2"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Report",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "variant",
                            models.CharField(
                                choices=[("interviewer", "For the interviewer"), ("candidate", "For the candidate")],
                                max_length=12,
                            ),
                        ),
                        (
                            "paper",
                            models.CharField(choices=[("A4", "A4"), ("letter", "Letter")], default="A4", max_length=8),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("done", "Done"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=8,
                            ),
                        ),
                        ("error", models.TextField(blank=True)),
                        ("pdf", models.FileField(blank=True, upload_to="reports/")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("worker", models.CharField(blank=True, max_length=200)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "requested_by",
                            models.ForeignKey(
                                null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL
                            ),
                        ),
                        (
                            "room",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reports",
                                to="interview.room",
                            ),
                        ),
                    ],
                    options={"ordering": ["-created_at"], "db_table": "interview_report"},
                ),
            ],
            database_operations=[],
        ),
    ]
