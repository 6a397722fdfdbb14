from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from diagrams.render import RenderError, render_svg
from problembank.bank import ProblemFileError, read_problem_bank
from problembank.services import problem_bank_load


class Command(BaseCommand):
    help = "Create or update the problem bank from problems/*.yaml (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=settings.BASE_DIR / "problems")
        parser.add_argument(
            "--check",
            action="store_true",
            help="only check every file (and render its reference diagram with Graphviz); change nothing",
        )

    def handle(self, *args, dir: Path, check: bool, **options):
        try:
            if check:
                problems = read_problem_bank(dir)
                for problem in problems:
                    try:
                        render_svg(problem["reference_diagram"])
                    except RenderError as error:
                        raise ProblemFileError(f"{problem['slug']}.yaml: reference_diagram: {error}") from None
                self.stdout.write(self.style.SUCCESS(f"{len(problems)} problems are complete and render."))
                return
            created, updated, unchanged = problem_bank_load(directory=dir)
        except ProblemFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Problem bank loaded: {created} created, {updated} updated, {unchanged} unchanged.")
        )
