"""scripts/bootstrap says what it does while it installs (a first install printed nothing for ~100 s).

Run on a copy of the script with a stand-in Python whose ``pip install`` only takes a while, so the test checks
the script's own output without installing anything.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

from tests.support import REPO

if TYPE_CHECKING:
    from pathlib import Path

FAKE_PYTHON = """#!/usr/bin/env bash
# python3.11 stand-in: -c checks pass, -m venv makes a .venv whose python is this script, pip "installs" slowly
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "$*" >> pip-calls.log; sleep 2.5; exit 0; fi
exit 0
"""


def _checkout(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "bootstrap", tmp_path / "scripts" / "bootstrap")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    python = tmp_path / "python3.11"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    return python


def _run(tmp_path: Path, python: Path) -> list[str]:
    done = subprocess.run(
        ["bash", "scripts/bootstrap"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHON": str(python), "CTPO_PROGRESS_SECONDS": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.splitlines()


def test_a_first_install_prints_each_step_and_progress_while_it_runs(tmp_path: Path):
    python = _checkout(tmp_path)
    lines = _run(tmp_path, python)
    assert any("PyTorch" in line for line in lines)
    assert any("installing the project" in line for line in lines)
    assert any("still installing" in line for line in lines), lines  # a ticker while pip runs
    assert lines[-1] == "[install] installed"
    assert len((tmp_path / "pip-calls.log").read_text().splitlines()) == 3

    again = _run(tmp_path, python)
    assert again == ["[install] .venv is up to date with pyproject.toml"]
