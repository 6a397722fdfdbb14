"""Sessions made before the sign-in backend moved to accounts.backends name it by its old
path, which Django would no longer load: everyone would be signed out at the deploy. Each
such session is rewritten to name the new path (and back, migrating backwards)."""

from django.db import migrations

OLD = "mockboard.auth.ThrottledModelBackend"
NEW = "accounts.backends.ThrottledModelBackend"


def renamed(apps, schema_editor, before, after):
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    Session = apps.get_model("sessions", "Session")
    for session in Session.objects.using(schema_editor.connection.alias).iterator():
        data = store.decode(session.session_data)
        if data.get(BACKEND_SESSION_KEY) == before:
            data[BACKEND_SESSION_KEY] = after
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


class Migration(migrations.Migration):
    dependencies = [("sessions", "0001_initial")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: renamed(apps, schema_editor, OLD, NEW),
            lambda apps, schema_editor: renamed(apps, schema_editor, NEW, OLD),
        )
    ]
