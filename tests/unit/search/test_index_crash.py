"""A save killed at any instant leaves a loadable index: the previous one or the new one, never a broken one."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING

import numpy as np

from search.index import load_with_manifest

if TYPE_CHECKING:
    from pathlib import Path

STEP = 1000
"""Vectors added per generation, so each save is a few megabytes and takes long enough to be hit."""

_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import numpy as np

    from search.index import HnswIndex, IndexMissingError

    path, step = Path(sys.argv[1]), int(sys.argv[2])
    try:
        index = HnswIndex.load(path)
    except IndexMissingError:
        index = HnswIndex(64, dtype="f32")
    rng = np.random.default_rng(len(index))
    while True:
        start = len(index)
        index.add(np.arange(start, start + step), rng.standard_normal((step, 64)))
        print("saving", len(index), flush=True)
        index.save(path, model_name="m", fingerprint=f"count={len(index)}")
        print("saved", len(index), flush=True)
    """
)


def _loaded_count(path: Path) -> int:
    """Load what a restarted application would see and check it is internally whole."""
    index, manifest = load_with_manifest(path)
    assert manifest.fingerprint == f"count={len(index)}"
    assert sorted(index.keys().tolist()) == list(range(len(index)))
    keys, _ = index.search(np.ones(64, dtype=np.float32), 5)
    assert (keys >= 0).all()
    return len(index)


def _read(child: subprocess.Popen[str], word: str) -> int:
    assert child.stdout is not None
    line = child.stdout.readline().split()
    assert line, "child died"
    assert line[0] == word, line
    return int(line[1])


def test_sigkill_during_repeated_saves_leaves_the_old_or_the_new_index(tmp_path: Path) -> None:
    path = tmp_path / "idx"
    rng = random.Random(1234)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    outcomes = []
    for _ in range(5):
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(path), str(STEP)], stdout=subprocess.PIPE, text=True, env=env
        )
        _read(child, "saving")
        started = time.monotonic()
        old = _read(child, "saved")  # one complete save this round: the "old" index
        save_seconds = time.monotonic() - started
        new = _read(child, "saving")
        time.sleep(rng.uniform(0.0, 1.2 * save_seconds))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        assert child.stdout is not None
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        count = _loaded_count(path)
        assert count in (old, new)
        outcomes.append("old" if count == old else "new")
    assert "old" in outcomes, f"no kill landed inside a save ({outcomes}), so the test proved nothing"
