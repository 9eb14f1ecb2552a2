"""No code compares an enum-typed setting with a bare string.

A setting such as ``task_backend`` or ``mail.security`` is a :class:`enum.StrEnum`, so ``== "celery"`` still works
today, but it goes silently false when a member is renamed, and a typo in the literal is never caught. This test
reads the service's source and fails on any comparison of such a setting with a string literal.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import typing
from pathlib import Path

from ctpo.lib.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def _enum_fields(cls: type) -> set[str]:
    """Names of the enum-typed fields of a settings dataclass, its nested groups' included."""
    names: set[str] = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            names.add(f.name)
        elif dataclasses.is_dataclass(kind) and isinstance(kind, type):
            names |= _enum_fields(kind)
    return names


ENUM_SETTINGS = _enum_fields(Settings)


def _string_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_string_literal(e) for e in node.elts)
    return False


def _offences(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        settings = [o for o in operands if isinstance(o, ast.Attribute) and o.attr in ENUM_SETTINGS]
        if settings and any(_string_literal(o) for o in operands):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_scan_knows_the_enum_settings_and_finds_a_bare_string():
    assert {"task_backend", "vector_index", "log_format", "embedding_backend", "security"} <= ENUM_SETTINGS
    assert _offences('if settings.tasks.task_backend == "celery": pass\nx = s.mail.security in {"ssl", "none"}') == [
        "1: settings.tasks.task_backend == 'celery'",
        "2: s.mail.security in {'ssl', 'none'}",
    ]
    assert _offences("if settings.tasks.task_backend is TaskBackend.CELERY: pass") == []


def test_no_code_compares_an_enum_setting_with_a_string():
    offences = []
    for path in sorted([*(ROOT / "ctpo").rglob("*.py"), *(ROOT / "workflows").rglob("*.py")]):
        if "migrations" in path.parts:
            continue
        offences += [f"{path.relative_to(ROOT)}:{o}" for o in _offences(path.read_text(encoding="utf-8"))]
    assert offences == [], "compare with the enum member instead:\n" + "\n".join(offences)
