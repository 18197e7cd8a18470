"""The floors check (scripts/check_floors.py): run-time reaches to a higher app fail the lint, honest code passes."""

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("check_floors", ROOT / "scripts" / "check_floors.py")
assert _spec is not None and _spec.loader is not None
check_floors = importlib.util.module_from_spec(_spec)
sys.modules["check_floors"] = check_floors
_spec.loader.exec_module(check_floors)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for app in check_floors.FLOORS:
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
    (tmp_path / "cycle" / "services").mkdir()
    (tmp_path / "cycle" / "services" / "__init__.py").write_text("")
    (tmp_path / "orders" / "models.py").write_text("")
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return tmp_path


def _run(tmp_path: Path, files: dict[str, str]) -> list[str]:
    return [str(f) for f in check_floors.check_tree(_tree(tmp_path, files))]


BAD = {
    "import_string of a higher service": """
        from django.utils.module_loading import import_string
        service = import_string("cycle.services.needs.need_turn_into_objective")
    """,
    "import_string of a name that cannot be checked": """
        from django.utils.module_loading import import_string
        def load(path):
            return import_string(path)
    """,
    "apps.get_model of a higher model": """
        from django.apps import apps
        Order = apps.get_model("orders", "Order")
    """,
    "get_model with a dotted label": """
        from django.apps import apps
        Order = apps.get_model("orders.Order")
    """,
    "related_model through _meta": """
        from customers.models import Customer
        orders = Customer._meta.get_field("orders").related_model._default_manager
    """,
    "remote_field.model through _meta": """
        from customers.models import Need
        Objective = Need._meta.get_field("objective").remote_field.model
    """,
    "walk of the reverse relations": """
        from customers.models import Customer
        names = [r.name for r in Customer._meta.related_objects]
    """,
    "a higher module named in a string": """
        TARGET = "orders.models"
    """,
}


@pytest.mark.parametrize("source", BAD.values(), ids=BAD.keys())
def test_a_reach_to_a_higher_floor_is_reported_with_its_line(tmp_path, source):
    findings = _run(tmp_path, {"customers/services/thing.py": source})

    assert findings
    assert all(f.startswith("customers/services/thing.py:") for f in findings)
    assert int(findings[0].split(":")[1]) >= 2


GOOD = {
    "a model's own table": """
        from customers.models import Customer
        table = Customer._meta.db_table
        columns = [f.column for f in Customer._meta.concrete_fields]
    """,
    "self.model._meta in an admin": """
        class Admin:
            def context(self):
                return {"opts": self.model._meta}
    """,
    "choices of an own field": """
        from customers.models import Occasion
        kinds = dict(Occasion._meta.get_field("kind").choices)
    """,
    "a string foreign key to a higher model": """
        from django.db import models
        class Need(models.Model):
            objective = models.ForeignKey("cycle.Objective", on_delete=models.SET_NULL, null=True)
    """,
    "prose that names a module": """
        '''The plan's service (cycle.services.needs) turns a need into an objective.'''
    """,
    "a permission label": """
        allowed = "orders.view_order"
    """,
    "import_string of an own module": """
        from django.utils.module_loading import import_string
        parse = import_string("customers.services.importing")
    """,
}


@pytest.mark.parametrize("source", GOOD.values(), ids=GOOD.keys())
def test_honest_code_passes(tmp_path, source):
    assert _run(tmp_path, {"customers/services/thing.py": source}) == []


def test_the_top_floor_may_name_the_floors_below(tmp_path):
    source = """
        from django.apps import apps
        Customer = apps.get_model("customers", "Customer")
        TARGET = "orders.models"
    """
    assert _run(tmp_path, {"cycle/services/thing.py": source}) == []


def test_migrations_are_not_checked(tmp_path):
    source = """
        def forwards(apps, schema_editor):
            Order = apps.get_model("orders", "Order")
    """
    assert _run(tmp_path, {"customers/migrations/0002_data.py": source}) == []


def test_the_script_exits_1_and_lists_file_and_line(tmp_path):
    root = _tree(tmp_path, {"campaigns/reach.py": 'TARGET = "orders.models"\n'})

    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_floors.py"), str(root)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 1
    assert "campaigns/reach.py:1:" in done.stdout


def test_the_script_exits_0_on_an_honest_tree(tmp_path):
    root = _tree(tmp_path, {"campaigns/fine.py": 'TARGET = "customers.models"\n'})

    assert check_floors.main([str(root)]) == 0


def test_the_real_tree_reaches_no_higher_floor():
    assert check_floors.check_tree(ROOT) == []
