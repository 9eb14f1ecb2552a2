"""Saved indexes: round-trip exactly, and a missing, corrupt or stale one is detected and not restored."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pytest

from search.index import HnswIndex, IndexCorruptError, IndexMissingError, load_with_manifest, read_manifest

if TYPE_CHECKING:
    from pathlib import Path

DIM = 16
MODEL = "test-model"


def _data(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def _saved(path: Path, n: int = 500) -> HnswIndex:
    index = HnswIndex(DIM)
    index.add(np.arange(n), _data(n))
    index.save(path, model_name=MODEL, fingerprint=f"generation-{n}")
    return index


def _restored(path: Path, *, n: int = 500, model: str = MODEL, dim: int = DIM) -> HnswIndex | None:
    index = HnswIndex(dim)
    return index if index.restore(path, model_name=model, fingerprint=f"generation-{n}") else None


def _data_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.suffix == ".usearch")


def test_round_trip_keeps_results_and_accepts_more(tmp_path: Path) -> None:
    path = tmp_path / "passages.index"
    index = _saved(path)
    queries = _data(20, seed=1)
    want = index.search(queries, 10)
    loaded, manifest = load_with_manifest(path)
    got = loaded.search(queries, 10)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])
    assert (len(loaded), loaded.dim, loaded.dtype) == (500, DIM, index.dtype)
    assert (manifest.count, manifest.dim, manifest.model_name) == (500, DIM, MODEL)
    assert manifest.fingerprint == "generation-500"
    assert manifest.library == "usearch"
    loaded.add(np.array([10_000]), _data(1, seed=9))
    assert len(loaded) == 501


def test_resave_leaves_one_data_file(tmp_path: Path) -> None:
    path = tmp_path / "idx"
    index = _saved(path)
    first = _data_files(path)
    index.add(np.array([777_777]), _data(1, seed=4))
    manifest = index.save(path, model_name=MODEL, fingerprint="x")
    assert _data_files(path) == [manifest.data_file]
    assert first != [manifest.data_file]
    assert not [p for p in path.iterdir() if p.name.endswith(".tmp")]


def test_missing_index_is_reported_and_not_restored(tmp_path: Path) -> None:
    path = tmp_path / "nothing-here"
    with pytest.raises(IndexMissingError):
        HnswIndex.load(path)
    assert _restored(path) is None


def test_valid_index_is_restored_with_its_results(tmp_path: Path) -> None:
    path = tmp_path / "idx"
    saved = _saved(path)
    index = _restored(path)
    assert index is not None
    assert len(index) == 500
    queries = _data(5, seed=3)
    np.testing.assert_array_equal(index.search(queries, 10)[0], saved.search(queries, 10)[0])
    with pytest.raises(ValueError, match="empty"):
        index.restore(path, model_name=MODEL, fingerprint="generation-500")


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "manifest-garbage", "manifest-fields"])
def test_damaged_index_is_detected_and_not_restored(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "idx"
    _saved(path)
    data = path / read_manifest(path).data_file
    if damage == "truncate":
        data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    elif damage == "flip":
        raw = bytearray(data.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        data.write_bytes(bytes(raw))
    elif damage == "delete":
        data.unlink()
    elif damage == "manifest-garbage":
        (path / "manifest.json").write_bytes(b'{"library": "usea')
    else:
        fields = json.loads((path / "manifest.json").read_bytes())
        fields["count"] = "500"
        (path / "manifest.json").write_text(json.dumps(fields))

    with pytest.raises(IndexCorruptError):
        HnswIndex.load(path)
    assert _restored(path) is None


def test_truncated_file_with_matching_manifest_size_fails_the_checksum(tmp_path: Path) -> None:
    path = tmp_path / "idx"
    _saved(path)
    manifest_file = path / "manifest.json"
    fields = json.loads(manifest_file.read_bytes())
    data = path / fields["data_file"]
    data.write_bytes(data.read_bytes()[:100])
    fields["size_bytes"] = 100
    manifest_file.write_text(json.dumps(fields))
    with pytest.raises(IndexCorruptError, match="checksum"):
        HnswIndex.load(path)


@pytest.mark.parametrize("change", [{"n": 501}, {"model": "other-model"}, {"dim": DIM * 2}])
def test_stale_index_is_not_restored(tmp_path: Path, change: dict[str, object]) -> None:
    """Another save generation, another model or another dimension: the graph is not what the caller holds."""
    path = tmp_path / "idx"
    _saved(path)
    n = int(change.get("n", 500))  # type: ignore[call-overload]
    dim = int(change.get("dim", DIM))  # type: ignore[call-overload]
    assert _restored(path, n=n, model=str(change.get("model", MODEL)), dim=dim) is None
    assert _restored(path) is not None


def test_empty_index_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "idx"
    HnswIndex(DIM).save(path, model_name=MODEL, fingerprint="generation-0")
    loaded = _restored(path, n=0)
    assert loaded is not None
    assert len(loaded) == 0
    keys, _ = loaded.search(np.ones(DIM, dtype=np.float32), 3)
    assert keys.tolist() == [[-1, -1, -1]]
