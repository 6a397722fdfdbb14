from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("interview", "0009_problem_and_report_move_out")]

    operations = [
        migrations.AddField(model_name="feedback", name="review_shared", field=models.BooleanField(default=False)),
    ]
