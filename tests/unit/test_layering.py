"""Dependencies point inward: ``ctpo`` uses ``workflows`` and ``search``, never the reverse.

Read from the source (every import statement, including those inside functions and under ``TYPE_CHECKING``),
so a late import added to dodge a cycle is caught as well as a top-level one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "search": ("ctpo", "workflows", "litestar", "sqlalchemy", "celery"),
    "workflows": ("ctpo", "search", "litestar"),
}
"""Per package, the top-level modules it must not import: the service, the other library, the web framework."""


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every absolute module an import statement in ``path`` names, with its line."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_library_packages_do_not_import_outward(package: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN[package]
    ]
    assert offences == []


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from ctpo.db import models\n    import workflows.machine\n")
    assert imported_modules(source) == [(2, "ctpo.db"), (3, "workflows.machine")]
