"""The room's notes: the shared pad and the interviewer's private ones."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.errors import (
    Forbidden,
    Invalid,
)
from core.text import unstorable
from interview.broadcast import broadcast_on_commit, interviewer_group, room_group
from interview.models import (
    NoteKind,
    NoteSave,
    Room,
    RoomNote,
)


@transaction.atomic
def note_save(*, room: Room, by: AbstractBaseUser, kind: str, text: object, origin: str = "") -> RoomNote:
    """Save a notes pad. `origin` tags the broadcast so the author's own tab can skip its echo."""
    role = room.role_of(by)
    if kind not in NoteKind.values:
        raise Invalid(f"unknown notes kind {kind!r}; expected candidate or interviewer", field="kind")
    if role is None or role.value != kind:
        raise Forbidden(f"only the {kind} can write the {NoteKind(kind).label.lower()}")
    if not isinstance(text, str):
        raise Invalid("must be a string", field="text")
    if len(text) > RoomNote.MAX_LENGTH:
        raise Invalid(f"longer than {RoomNote.MAX_LENGTH} characters", field="text")
    if problem := unstorable(text):
        raise Invalid(problem, field="text")
    note, _ = RoomNote.objects.update_or_create(room=room, kind=kind, defaults={"text": text, "updated_by": by})
    NoteSave.objects.create(room=room, kind=kind, at=timezone.now())
    group = room_group(room.pk) if kind == NoteKind.CANDIDATE else interviewer_group(room.pk)
    broadcast_on_commit(group, {"type": "room.note", "kind": kind, "text": text, "origin": origin})
    return note
