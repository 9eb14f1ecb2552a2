"""A started process freezes what it keeps out of full collections: garbage first, and nothing made afterwards.

In the test process itself: each test unfreezes what it froze (``gc.unfreeze``), so the rest of the run collects as
before.
"""

from __future__ import annotations

import gc
import weakref
from typing import TYPE_CHECKING

from litestar.testing import TestClient

from ctpo.lib.memory import freeze_long_lived
from ctpo.lib.settings import AuthSettings, SearchSettings, ServerSettings, Settings, TaskSettings
from ctpo.server.app import create_app

if TYPE_CHECKING:
    from pathlib import Path


class _Node:
    other: _Node


def _cycle() -> tuple[_Node, weakref.ref[_Node]]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return a, weakref.ref(a)


def test_garbage_is_collected_first_what_was_kept_is_frozen_and_what_comes_after_stays_collectable() -> None:
    assert gc.get_freeze_count() == 0
    gc.disable()  # no collection but the ones this test makes
    try:
        _dropped, dropped = _cycle()  # garbage before the freeze: collected by it, not frozen
        del _dropped
        kept_object, kept = _cycle()  # alive at the freeze: frozen
        freeze_long_lived()
        assert dropped() is None
        assert gc.get_freeze_count() > 0
        del kept_object  # garbage now, but frozen: a full collection does not see it
        _later, later = _cycle()  # made after the freeze: a full collection still frees it
        del _later
        gc.collect()
        assert later() is None
        assert kept() is not None
    finally:
        gc.unfreeze()
        gc.enable()
    gc.collect()
    assert kept() is None  # unfrozen, it was garbage all along


def test_a_started_app_freezes_unless_told_not_to(tmp_path: Path) -> None:
    frozen = {}
    try:
        for freeze in (False, True):
            settings = Settings(
                data_dir=tmp_path,
                database_url=f"sqlite+aiosqlite:///{tmp_path}/ctpo.sqlite3",
                auth=AuthSettings(secret_key="k" * 40),
                server=ServerSettings(freeze_long_lived=freeze),
                tasks=TaskSettings(sweep_interval_seconds=0, job_poll_seconds=0),
                search=SearchSettings(search_autostart=False),
            )
            with TestClient(create_app(settings)) as client:
                assert client.get("/health").status_code == 200
                frozen[freeze] = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert frozen[False] == 0
    assert frozen[True] > 0
