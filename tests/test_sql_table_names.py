"""Hand-written SQL names its tables from the models (`_meta.db_table`), so that moving a
model to another app, or renaming its table, cannot leave a statement on the old name."""

import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "core", "diagrams", "interview", "mockboard", "problembank", "reports")


def test_no_statement_names_a_table_in_a_literal():
    tables = {model._meta.db_table for model in apps.get_models()}
    quoted = re.compile("|".join(rf'"{re.escape(table)}"' for table in sorted(tables, key=len, reverse=True)))
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if quoted.search(line)
    ]
    assert found == []
