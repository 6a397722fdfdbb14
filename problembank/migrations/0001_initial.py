# Problem moves here from interview. Its table stays where it is for now: this only records
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
                    name="Problem",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("slug", models.SlugField(max_length=80, unique=True)),
                        ("title", models.CharField(max_length=200)),
                        ("summary", models.CharField(max_length=300)),
                        (
                            "difficulty",
                            models.CharField(
                                choices=[("easy", "Easy"), ("medium", "Medium"), ("hard", "Hard")], max_length=10
                            ),
                        ),
                        ("tags", models.JSONField(default=list)),
                        ("statement", models.TextField()),
                        ("guide", models.JSONField(default=dict)),
                        ("phases", models.JSONField()),
                        ("rubric", models.JSONField(default=list)),
                        ("reference_diagram", models.JSONField(default=dict)),
                        ("twists", models.JSONField(default=list)),
                        (
                            "shared",
                            models.BooleanField(
                                default=False, help_text="A user's problem that every user may see and use."
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="problems",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"ordering": ["title"], "db_table": "interview_problem"},
                ),
            ],
            database_operations=[],
        ),
    ]
