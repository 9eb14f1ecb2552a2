"""The VectorIndex contract, run over every backend: exact, HNSW (f32 and f16) and pgvector (vector and halfvec).

One set of tests, so that "interchangeable behind the protocol" is checked rather than assumed; each backend's own
file tests what only it does (persistence, reconnects, recall against exact). The pgvector cases need the private
PostgreSQL + pgvector server of this folder's conftest and are marked ``postgres``; the in-process ones never start it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from search.index import ExactIndex, HnswIndex
from search.interfaces import PersistentIndex, SharedIndex, VectorIndex

if TYPE_CHECKING:
    from collections.abc import Callable

    from search.index import PgVectorIndex

DIM = 32


def _unit(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


BACKENDS = [
    pytest.param("exact", id="exact"),
    pytest.param("hnsw-f32", id="hnsw-f32"),
    pytest.param("hnsw-f16", id="hnsw-f16"),
    pytest.param("pgvector-vector", id="pgvector-vector", marks=pytest.mark.postgres),
    pytest.param("pgvector-halfvec", id="pgvector-halfvec", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def index(request: pytest.FixtureRequest) -> VectorIndex:
    backend: str = request.param
    if backend == "exact":
        return ExactIndex(DIM)
    if backend.startswith("hnsw"):
        return HnswIndex(DIM, dtype="f32" if backend == "hnsw-f32" else "f16")
    make_pg_index: Callable[..., PgVectorIndex] = request.getfixturevalue("make_pg_index")
    return make_pg_index(DIM, storage=backend.removeprefix("pgvector-"))


def test_satisfies_protocol_and_declares_its_capabilities(index: VectorIndex, request: pytest.FixtureRequest) -> None:
    assert isinstance(index, VectorIndex)
    assert index.dim == DIM
    assert len(index) == 0
    backend = request.node.callspec.params["index"]
    assert isinstance(index, PersistentIndex) == (backend.startswith("hnsw"))  # saved with the engine, restored
    assert isinstance(index, SharedIndex) == (backend.startswith("pgvector"))  # one index for every process


def test_single_query_and_padding(index: VectorIndex) -> None:
    eye = np.eye(DIM, dtype=np.float32)
    index.add(np.array([10, 20, 30]), eye[:3])
    keys, scores = index.search(eye[1], 5)
    assert keys.shape == scores.shape == (1, 5)
    assert keys.dtype == np.int64
    assert scores.dtype == np.float32
    assert keys[0, 0] == 20
    assert scores[0, 0] == pytest.approx(1.0, abs=1e-3)
    assert keys[0, 3:].tolist() == [-1, -1]
    assert np.isneginf(scores[0, 3:]).all()
    one_row, _ = index.search(eye[:1], 2)
    assert one_row[0, 0] == 10


def test_empty_index_pads(index: VectorIndex) -> None:
    keys, scores = index.search(np.ones((2, DIM), dtype=np.float32), 4)
    assert (keys == -1).all()
    assert np.isneginf(scores).all()


def test_upsert_replaces_without_duplicating(index: VectorIndex) -> None:
    eye = np.eye(DIM, dtype=np.float32)
    index.add(np.array([1, 2, 3]), eye[:3])
    index.add(np.array([2, 2]), eye[[5, 6]])  # the last repeat wins
    assert len(index) == 3
    keys, scores = index.search(eye[6], 3)
    assert keys[0, 0] == 2
    assert scores[0, 0] == pytest.approx(1.0, abs=1e-3)
    keys, scores = index.search(eye[1], 3)
    assert scores[0, 0] == pytest.approx(0.0, abs=1e-3)
    assert sorted(keys[0].tolist()) == [1, 2, 3]


def test_remove_forgets_and_ignores_unknown(index: VectorIndex) -> None:
    rng = np.random.default_rng(5)
    data = _unit(rng, 300)
    index.add(np.arange(300), data)
    index.remove(np.array([7, 8, 9, 999_999]))
    assert len(index) == 297
    keys, _ = index.search(data[7:10], 20)
    assert not np.isin(keys, [7, 8, 9]).any()
    assert (keys >= 0).all()  # deleted rows do not leave holes in the results
    index.add(np.array([8]), data[8])
    keys, _ = index.search(data[8], 1)
    assert keys.tolist() == [[8]]
    assert len(index) == 298


def test_k_larger_than_ef_search_still_fills(index: VectorIndex) -> None:
    rng = np.random.default_rng(3)
    index.add(np.arange(1000), _unit(rng, 1000))
    keys, scores = index.search(_unit(rng, 3), 300)
    assert keys.shape == (3, 300)
    assert (keys >= 0).all()
    assert len({int(k) for k in keys[0]}) == 300
    assert np.isfinite(scores).all()
    assert (np.diff(scores, axis=1) <= 1e-6).all()


# usearch computes 1 - inf for its own padding slots before masking them; harmless, and not this backend's.
@pytest.mark.filterwarnings("ignore:invalid value encountered in subtract:RuntimeWarning")
def test_k_beyond_len_pads(index: VectorIndex) -> None:
    rng = np.random.default_rng(4)
    index.add(np.arange(50), _unit(rng, 50))
    keys, scores = index.search(_unit(rng, 2), 60)
    assert (keys[:, :50] >= 0).all()
    assert (keys[:, 50:] == -1).all()
    assert np.isneginf(scores[:, 50:]).all()
    assert sorted(keys[0, :50].tolist()) == list(range(50))
