"""A started process freezes what it keeps out of full collections, and only that (in a child process each)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

from tests.support import REPO

if TYPE_CHECKING:
    from pathlib import Path


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_garbage_is_collected_first_and_what_comes_after_stays_collectable() -> None:
    out = _run(
        """
        import gc, weakref
        from ctpo.lib.memory import freeze_long_lived

        class Node: ...

        def cycle():
            a, b = Node(), Node()
            a.other, b.other = b, a
            return weakref.ref(a)

        gc.disable()  # no collection but ours
        kept = Node()
        dropped = cycle()  # garbage already: collected, not frozen
        freeze_long_lived()
        later = cycle()  # made after the freeze: a full collection still frees it
        gc.collect()
        print(gc.get_freeze_count() > 0, dropped() is None, later() is None, kept is not None)
        """
    )
    assert out == "True True True True"


def test_a_started_app_freezes_unless_told_not_to(tmp_path: Path) -> None:
    code = f"""
        import gc
        from pathlib import Path
        from litestar.testing import TestClient
        from ctpo.lib.settings import AuthSettings, SearchSettings, ServerSettings, Settings, TaskSettings
        from ctpo.server.app import create_app

        for freeze in (False, True):
            settings = Settings(
                data_dir=Path({str(tmp_path)!r}),
                database_url="sqlite+aiosqlite:///{tmp_path}/ctpo.sqlite3",
                auth=AuthSettings(secret_key="k" * 40),
                server=ServerSettings(freeze_long_lived=freeze),
                tasks=TaskSettings(sweep_interval_seconds=0, job_poll_seconds=0),
                search=SearchSettings(search_autostart=False),
            )
            with TestClient(create_app(settings)) as client:
                assert client.get("/health").status_code == 200
                print(freeze, gc.get_freeze_count() > 0)
        """
    assert _run(code).splitlines()[-2:] == ["False False", "True True"]
