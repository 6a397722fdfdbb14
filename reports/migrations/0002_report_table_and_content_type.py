# The table of the model moved here takes this app's name; its content type (permissions,
# admin history) comes along.

from django.db import migrations

from core.migrations_moves import move_content_type


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("interview", "0009_problem_and_report_move_out"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="report", table=None),
        move_content_type("report", "interview", "reports"),
    ]
