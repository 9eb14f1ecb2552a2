"""The committed workflow diagram matches the declarations, and module docstring examples run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import workflows
from workflows.diagram import render_markdown, render_mermaid
from workflows.machine import TRANSITIONS, Target

DOC = Path(__file__).resolve().parents[3] / "docs" / "workflow.md"


def test_committed_diagram_is_in_sync_with_the_declarations():
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/workflow.md is stale: run `python -m workflows.diagram > docs/workflow.md`"
    )


def test_every_state_changing_transition_is_drawn():
    mermaid = render_mermaid()
    assert mermaid.startswith("stateDiagram-v2\n")
    for transition in TRANSITIONS:
        if transition.target is not Target.STAY:
            assert f" : {transition.action}\n" in mermaid
    assert "re_establishment_requested --> office_action : grant_re_establishment" in mermaid


def _modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(workflows.__path__, "workflows.")]


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_workflows_never_imports_the_service_or_search():
    root = Path(workflows.__file__).parent
    for source in root.rglob("*.py"):
        for line in source.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            assert not stripped.startswith(("import ctpo", "from ctpo", "import search", "from search")), source
