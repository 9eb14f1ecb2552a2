"""The signing key generated into a fresh data directory: one key, whoever starts first."""

import subprocess
import sys
from pathlib import Path

from tests.support import REPO

READ_KEY = (
    "import sys; from pathlib import Path; from ctpo.lib.settings import _secret_for; "
    "print(_secret_for(Path(sys.argv[1])))"
)


def test_processes_starting_together_on_a_fresh_data_dir_agree_on_one_key(tmp_path: Path):
    data_dir = tmp_path / "fresh"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", READ_KEY, str(data_dir)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(16)
    ]
    results = [p.communicate(timeout=60) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err.decode() for _, err in results]
    keys = {out.decode().strip() for out, _ in results}
    assert len(keys) == 1
    assert keys == {(data_dir / "secret_key").read_text(encoding="utf-8").strip()}
    assert (data_dir / "secret_key").stat().st_mode & 0o077 == 0  # readable by the service's user only
    assert sorted(p.name for p in data_dir.iterdir()) == ["secret_key"]  # no temporary file left behind
