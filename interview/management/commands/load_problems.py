from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from interview.problem_bank import ProblemFileError
from interview.services import problem_bank_load


class Command(BaseCommand):
    help = "Create or update the problem bank from problems/*.yaml (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=settings.BASE_DIR / "problems")

    def handle(self, *args, dir: Path, **options):
        try:
            created, updated = problem_bank_load(directory=dir)
        except ProblemFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Problem bank loaded: {created} created, {updated} updated."))
