"""Saved indexes: round-trip exactly, and a missing, corrupt or stale one is detected and rebuilt."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pytest

from search.index import (
    HnswIndex,
    IndexCorruptError,
    IndexMissingError,
    IndexStaleError,
    check_index,
    corpus_fingerprint,
    load_with_manifest,
    open_or_rebuild,
    read_manifest,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
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
    index.save(path, model_name=MODEL, fingerprint=corpus_fingerprint(n, n - 1))
    return index


class Rebuilder:
    """A rebuild callback that yields the corpus in batches and counts its calls."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.calls = 0

    def __call__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        self.calls += 1
        data = _data(self.n)
        for lo in range(0, self.n, 128):
            yield np.arange(lo, min(lo + 128, self.n), dtype=np.int64), data[lo : lo + 128]


def _open(path: Path, rebuild: Rebuilder, *, n: int = 500, model: str = MODEL, dim: int = DIM) -> HnswIndex:
    return open_or_rebuild(path, dim, model, corpus_fingerprint(n, n - 1), rebuild)


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
    assert manifest.fingerprint == "passages=500;max_key=499"
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


def test_missing_index_is_reported_and_built(tmp_path: Path) -> None:
    path = tmp_path / "nothing-here"
    with pytest.raises(IndexMissingError):
        HnswIndex.load(path)
    assert isinstance(check_index(path, dim=DIM, model_name=MODEL, expected_fingerprint=""), IndexMissingError)
    rebuild = Rebuilder(300)
    index = _open(path, rebuild, n=300)
    assert rebuild.calls == 1
    assert len(index) == 300
    assert read_manifest(path).fingerprint == corpus_fingerprint(300, 299)


def test_valid_index_is_loaded_not_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "idx"
    _saved(path)
    rebuild = Rebuilder(500)
    index = _open(path, rebuild)
    assert rebuild.calls == 0
    assert len(index) == 500
    assert check_index(path, dim=DIM, model_name=MODEL, expected_fingerprint=corpus_fingerprint(500, 499)) is None


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "manifest-garbage", "manifest-fields"])
def test_damaged_index_is_detected_and_rebuilt(tmp_path: Path, damage: str) -> None:
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
    rebuild = Rebuilder(500)
    index = _open(path, rebuild)
    assert rebuild.calls == 1
    assert len(index) == 500
    assert len(HnswIndex.load(path)) == 500


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


@pytest.mark.parametrize(
    ("change", "field"),
    [({"n": 501}, "fingerprint"), ({"model": "other-model"}, "model_name"), ({"dim": DIM * 2}, "dim")],
)
def test_stale_index_is_rebuilt(tmp_path: Path, change: dict[str, object], field: str) -> None:
    path = tmp_path / "idx"
    _saved(path)
    n = int(change.get("n", 500))  # type: ignore[call-overload]
    dim = int(change.get("dim", DIM))  # type: ignore[call-overload]
    model = str(change.get("model", MODEL))
    problem = check_index(path, dim=dim, model_name=model, expected_fingerprint=corpus_fingerprint(n, n - 1))
    assert isinstance(problem, IndexStaleError)
    assert field in str(problem)
    rebuild = Rebuilder(n)
    if dim != DIM:
        index = open_or_rebuild(path, dim, model, corpus_fingerprint(n, n - 1), _wide(rebuild, dim))
    else:
        index = _open(path, rebuild, n=n, model=model)
    assert rebuild.calls == 1
    assert (len(index), index.dim) == (n, dim)
    assert read_manifest(path).model_name == model


def _wide(rebuild: Rebuilder, dim: int) -> Callable[[], Iterator[tuple[np.ndarray, np.ndarray]]]:
    """Widen the rebuilt vectors to `dim`, as a new, larger model would."""

    def batches() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for keys, vectors in rebuild():
            yield keys, np.tile(vectors, dim // DIM)

    return batches


def test_empty_corpus_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "idx"
    index = open_or_rebuild(path, DIM, MODEL, corpus_fingerprint(0, -1), list)
    assert len(index) == 0
    loaded = HnswIndex.load(path)
    keys, _ = loaded.search(np.ones(DIM, dtype=np.float32), 3)
    assert keys.tolist() == [[-1, -1, -1]]
