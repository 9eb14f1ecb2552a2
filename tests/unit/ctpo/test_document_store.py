"""The document store keeps unfinished writes out of the digest namespace and sweeps what killed writes left."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from ctpo.domain.filings.storage import INCOMING, DocumentStore, sha256_hex

if TYPE_CHECKING:
    from pathlib import Path


def test_writes_go_through_the_incoming_directory_and_leave_nothing_there(tmp_path: Path):
    store = DocumentStore(tmp_path)
    digest = store.put(b"claims")
    assert store.path_for(digest).read_bytes() == b"claims"
    assert list((tmp_path / INCOMING).iterdir()) == []
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [store.path_for(digest)]


def test_sweep_removes_only_old_leftovers(tmp_path: Path):
    store = DocumentStore(tmp_path)
    kept = store.put(b"a real document")
    incoming = tmp_path / INCOMING
    old, young = incoming / ".incoming-old", incoming / ".incoming-young"
    old.write_bytes(b"half a docu")
    young.write_bytes(b"being writ")
    an_hour_ago = time.time() - 3700
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert store.sweep_incoming() == 1
    assert not old.exists()
    assert young.exists()  # another process may be writing it right now
    assert store.get(kept) == b"a real document"
    assert sha256_hex(store.get(kept)) == kept


def test_sweep_of_a_new_store_is_a_no_op(tmp_path: Path):
    assert DocumentStore(tmp_path / "never-written").sweep_incoming() == 0
