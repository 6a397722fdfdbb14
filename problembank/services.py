"""Writes to the problem bank: loading the shipped files, and the problems users write."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from core.errors import Conflict, Forbidden, Invalid
from problembank.bank import parse_problem, read_problem_bank
from problembank.models import Problem


def problem_bank_load(*, directory: Path) -> tuple[int, int, int]:
    """Create or update every problem from its file; returns (created, updated, unchanged)."""
    created = updated = unchanged = 0
    with transaction.atomic():
        for fields in read_problem_bank(directory):
            problem = Problem.objects.filter(slug=fields["slug"]).first()
            if problem is None:
                Problem.objects.create(**fields)
                created += 1
            elif any(getattr(problem, name) != value for name, value in fields.items()):
                Problem.objects.filter(pk=problem.pk).update(**fields, updated_at=timezone.now())
                updated += 1
            else:
                unchanged += 1
    return created, updated, unchanged


def _problem_fields(data: dict, slug: str) -> dict:
    """The checked fields of a problem written in the app; Invalid names the field at fault."""
    try:
        return parse_problem({**data, "slug": slug}, slug=slug)
    except ValueError as error:
        field, _, problem = str(error).partition(": ")
        raise Invalid(problem, field=field) from None


@transaction.atomic
def problem_save(*, by: AbstractBaseUser, data: object, problem: Problem | None = None) -> Problem:
    """Create a user's own problem, or change one they wrote. `data` holds the fields of a
    problem file (less the slug, which is made up from the title) and `shared`."""
    if problem is not None and problem.owner_id != by.pk:
        raise Forbidden("only the author of a problem can change it")
    if not isinstance(data, dict):
        raise Invalid("a problem must be an object of fields", field="problem")
    shared = data.get("shared", problem.shared if problem else False)
    if not isinstance(shared, bool):
        raise Invalid("must be true or false", field="shared")
    slug = (
        problem.slug if problem else f"{slugify(str(data.get('title', '')))[:60] or 'problem'}-{secrets.token_hex(3)}"
    )
    checked = _problem_fields({key: value for key, value in data.items() if key != "shared"}, slug)
    if problem is None:
        return Problem.objects.create(**checked, owner=by, shared=shared)
    for name, value in checked.items():
        setattr(problem, name, value)
    problem.shared = shared
    problem.save()
    return problem


@transaction.atomic
def problem_delete(*, problem: Problem, by: AbstractBaseUser) -> None:
    if problem.owner_id != by.pk:
        raise Forbidden("only the author of a problem can delete it")
    rooms = problem.rooms.count()
    if rooms:
        raise Conflict(
            f"{rooms} room{'s' if rooms > 1 else ''} used this problem, and their reports need it; "
            "make it private instead",
            field="problem",
        )
    problem.delete()
