"""Run-time reaches to a higher floor, which an import checker cannot see.

The stage apps are floors: customers < campaigns < orders < aftersales < cycle. import-linter keeps their imports
pointing down; this check keeps their run time honest too. In a stage app's modules (migrations aside) it
reports, as ``file:line: message``, and exits 1 when it finds any of:

- ``import_string(...)`` or ``apps.get_model(...)`` / ``get_model(...)`` naming a higher app, or a name it
  cannot read (a variable: the target cannot be checked);
- a relation followed through ``_meta`` to its model (``._meta.get_field(...).related_model``,
  ``.remote_field.model``, ``._meta.related_objects``): the way to reach a model one may not import;
- a string literal that is the dotted path of a higher app's module (``"cycle.services.needs"``).

A model's own ``_meta`` (``db_table``, ``concrete_fields``, ``self.model._meta`` in an admin) passes, and so does a
string foreign key to a higher model (``"cycle.Objective"``), which the house plan allows. Standard library only.

Usage: ``python scripts/check_floors.py [ROOT]`` (ROOT defaults to the repository).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# From the bottom floor up.
FLOORS = ("customers", "campaigns", "orders", "aftersales", "cycle")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def app_modules(root: Path) -> dict[str, set[str]]:
    """Each stage app's top-level modules and packages (``services``, ``models``, ...)."""
    found: dict[str, set[str]] = {}
    for app in FLOORS:
        base = root / app
        if not base.is_dir():
            continue
        names = {p.stem for p in base.glob("*.py") if p.stem != "__init__"}
        names |= {p.name for p in base.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
        found[app] = names
    return found


def _higher(app: str, other: str) -> bool:
    return other in FLOORS and FLOORS.index(other) > FLOORS.index(app)


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _mentions_meta(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "_meta" for n in ast.walk(node))


class _Visitor(ast.NodeVisitor):
    def __init__(self, *, app: str, path: str, modules: dict[str, set[str]]) -> None:
        self.app = app
        self.path = path
        self.modules = modules
        self.findings: list[Finding] = []

    def _report(self, node: ast.AST, message: str) -> None:
        self.findings.append(Finding(self.path, getattr(node, "lineno", 0), message))

    def _app_of_path(self, text: str) -> str | None:
        """The higher app a dotted module path points into, if any."""
        head = text.split(".", 1)[0]
        return head if _higher(self.app, head) else None

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        if name == "import_string":
            target = _literal(node.args[0]) if node.args else None
            if target is None:
                self._report(node, "import_string of a name that cannot be checked")
            elif self._app_of_path(target):
                self._report(node, f"import_string reaches the higher app module {target!r}")
        elif name == "get_model":
            args = [_literal(a) for a in node.args]
            if not args or args[0] is None:
                self._report(node, "get_model of a model that cannot be checked")
            else:
                label = args[0].split(".", 1)[0]
                if _higher(self.app, label):
                    self._report(node, f"get_model reaches the higher app {label!r}")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "related_model" and _mentions_meta(node.value):
            self._report(node, "a relation followed through _meta to its model (.related_model)")
        elif (
            node.attr == "model"
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "remote_field"
            and _mentions_meta(node.value)
        ):
            self._report(node, "a relation followed through _meta to its model (.remote_field.model)")
        elif (
            node.attr in {"related_objects", "fields_map"}
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "_meta"
        ):
            self._report(node, f"a walk of the reverse relations (_meta.{node.attr})")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        text = node.value
        if isinstance(text, str) and _DOTTED.fullmatch(text):
            head, second = text.split(".")[:2]
            if _higher(self.app, head) and second in self.modules.get(head, set()):
                self._report(node, f"the higher app module {text!r} named in a string")


def check_source(source: str, *, app: str, path: str, modules: dict[str, set[str]]) -> list[Finding]:
    """The findings of one module of ``app``."""
    visitor = _Visitor(app=app, path=path, modules=modules)
    visitor.visit(ast.parse(source, filename=path))
    return sorted(visitor.findings, key=lambda f: f.line)


def _stage_modules(root: Path) -> Iterator[tuple[str, Path]]:
    for app in FLOORS:
        base = root / app
        if not base.is_dir():
            continue
        for file in sorted(base.rglob("*.py")):
            if "migrations" not in file.relative_to(base).parts:
                yield app, file


def check_tree(root: Path) -> list[Finding]:
    """Every finding in the stage apps under ``root``."""
    modules = app_modules(root)
    findings: list[Finding] = []
    for app, file in _stage_modules(root):
        relative = file.relative_to(root).as_posix()
        findings += check_source(file.read_text(encoding="utf-8"), app=app, path=relative, modules=modules)
    return findings


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    findings = check_tree(root)
    for finding in findings:
        print(finding)
    if findings:
        print(f"{len(findings)} run-time reach(es) to a higher floor.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
