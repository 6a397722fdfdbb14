# Problem moves to problembank and Report to reports, rows and all: here they leave this app's
# state only (their tables are renamed by those apps' 0002).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interview", "0008_reference_diagram_schema_2"),
        ("problembank", "0001_initial"),
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="room",
                    name="problem",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="rooms", to="problembank.problem"
                    ),
                ),
                migrations.DeleteModel(name="Report"),
                migrations.DeleteModel(name="Problem"),
            ],
            database_operations=[],
        ),
    ]
