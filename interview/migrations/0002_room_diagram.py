import django.db.models.deletion
from django.db import migrations, models


def give_every_room_a_diagram(apps, schema_editor):
    Room = apps.get_model("interview", "Room")
    Diagram = apps.get_model("diagrams", "Diagram")
    empty = {"schema": 1, "direction": "LR", "groups": [], "nodes": [], "edges": []}
    for room in Room.objects.filter(diagram__isnull=True):
        room.diagram = Diagram.objects.create(graph=empty)
        room.save(update_fields=["diagram"])


class Migration(migrations.Migration):
    dependencies = [
        ("diagrams", "0001_initial"),
        ("interview", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="room",
            name="diagram",
            field=models.OneToOneField(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="room", to="diagrams.diagram"
            ),
        ),
        migrations.AddField(
            model_name="room",
            name="diagram_locked",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(give_every_room_a_diagram, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="room",
            name="diagram",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT, related_name="room", to="diagrams.diagram"
            ),
        ),
    ]
