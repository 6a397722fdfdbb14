"""Helpers for migrations that move a model from one app to another, keeping its rows."""

from __future__ import annotations

from django.db import migrations


def move_content_type(model: str, old_app: str, new_app: str) -> migrations.RunPython:
    """Carry the model's content type (and so its permissions and admin history) to its new
    app, and back when unapplied. A content type the new app already made for it (by a
    post_migrate that ran in between) holds nothing and gives way."""

    def move(apps, schema_editor, source: str, target: str) -> None:
        content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
        if content_types.filter(app_label=source, model=model).exists():
            content_types.filter(app_label=target, model=model).delete()
            content_types.filter(app_label=source, model=model).update(app_label=target)

    return migrations.RunPython(
        lambda apps, schema_editor: move(apps, schema_editor, old_app, new_app),
        lambda apps, schema_editor: move(apps, schema_editor, new_app, old_app),
    )
