"""The BFF reaches card systems only over HTTP: no module under bff/ imports the sandbox."""

from __future__ import annotations

import ast
from pathlib import Path

BFF = Path(__file__).resolve().parent.parent / "bff"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_bff_module_imports_the_sandbox():
    offenders = {
        str(path.relative_to(BFF.parent)): sorted(n for n in imported_modules(path) if n.split(".")[0] == "sandbox")
        for path in BFF.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    assert len(offenders) > 50  # the walk saw the BFF's modules


def imports_of(package: str) -> dict[str, set[str]]:
    """Each module of a bff package and the bff modules it imports (`from bff import web` counts as bff.web)."""
    found = {}
    for path in (BFF / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        found[str(path.relative_to(BFF.parent))] = names
    return found


def reaching(package: str, other: str) -> dict[str, list[str]]:
    prefix = f"bff.{other}"
    return {
        path: sorted(n for n in names if n == prefix or n.startswith(prefix + "."))
        for path, names in imports_of(package).items()
        if any(n == prefix or n.startswith(prefix + ".") for n in names)
    }


def test_the_ops_console_does_not_reach_into_the_shopper_views():
    assert reaching("ops", "web") == {}
    assert len(imports_of("ops")) > 10


def test_the_shopper_views_do_not_import_the_ops_console():
    assert reaching("web", "ops") == {}
    assert len(imports_of("web")) > 10


def test_what_both_share_imports_neither():
    assert reaching("pages", "web") == {}
    assert reaching("pages", "ops") == {}
