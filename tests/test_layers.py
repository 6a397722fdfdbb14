"""The house's floors: each package imports only those below it, so that a change to reports
cannot reach into the live room and the graph core stays free of rooms. The one way up is
written here with its reason (README, architecture)."""

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
# Bottom to top. `mockboard` (settings, urls, asgi, celery) puts them all together.
FLOORS = ("core", "diagrams", "problembank", "interview", "reports", "accounts", "mockboard")
# Pages and API of the bank ask the live room whether a kit is closed to a candidate mid-
# interview, and which diagrams of the user's rooms a problem can start from.
WAYS_UP = {
    ("problembank.views", "interview.selectors"),
    ("problembank.api", "interview.selectors"),
    ("problembank.serializers", "interview.selectors"),
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    found |= {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module and not node.level
    }
    return found


def test_each_package_imports_only_the_floors_below_it():
    upward = []
    for floor, package in enumerate(FLOORS):
        for path in (ROOT / package).rglob("*.py"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            for imported in imports(path):
                top = imported.split(".")[0]
                if top in FLOORS and FLOORS.index(top) > floor and (module, imported) not in WAYS_UP:
                    upward.append(f"{module} imports {imported}")
    assert upward == []


def test_the_graph_core_knows_nothing_of_rooms_even_in_its_sql():
    """The "may this author edit" guard on an op's write is built by interview (services/diagram.py)."""
    tables = {
        model._meta.db_table
        for app in ("problembank", "interview", "reports")
        for model in apps.get_app_config(app).get_models()
    }
    named = [
        f"{path.relative_to(ROOT)} names {table}"
        for path in (ROOT / "diagrams").rglob("*.py")
        for table in tables
        if table in path.read_text()
    ]
    assert named == []
