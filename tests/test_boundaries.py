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
