"""HnswIndex and ExactIndex must be interchangeable behind VectorIndex: same keys, same scores, same edits."""

from __future__ import annotations

import numpy as np
import pytest

from search.index import ExactIndex, HnswIndex
from search.interfaces import VectorIndex

DIM = 32


def _unit(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def _clustered(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    """Vectors near topic centroids, like sentence embeddings; uniform noise in high dimension has no neighbours."""
    centers = rng.standard_normal((50, dim)).astype(np.float32)
    v = centers[rng.integers(0, 50, n)] + 0.6 * rng.standard_normal((n, dim)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


@pytest.fixture(params=["exact", "hnsw-f32", "hnsw-f16"])
def index(request: pytest.FixtureRequest) -> VectorIndex:
    if request.param == "exact":
        return ExactIndex(DIM)
    return HnswIndex(DIM, dtype="f32" if request.param == "hnsw-f32" else "f16")


def test_satisfies_protocol(index: VectorIndex) -> None:
    assert isinstance(index, VectorIndex)
    assert index.dim == DIM


def test_ann_agrees_with_exact() -> None:
    rng = np.random.default_rng(42)
    data = _clustered(rng, 5000)
    queries = _clustered(rng, 200)
    keys = rng.permutation(np.unique(rng.integers(0, 2**62, 6000)))[:5000]  # sparse, large keys like a DB's
    exact, ann = ExactIndex(DIM), HnswIndex(DIM)
    for index in (exact, ann):
        index.add(keys, data)
    want, want_scores = exact.search(queries, 10)
    got, got_scores = ann.search(queries, 10)
    recall = np.mean([len(set(g) & set(w)) / 10 for g, w in zip(got.tolist(), want.tolist(), strict=True)])
    assert recall >= 0.95
    same = got == want
    np.testing.assert_allclose(got_scores[same], want_scores[same], atol=2e-3)
    assert (np.diff(got_scores, axis=1) <= 1e-6).all()


def test_k_larger_than_expansion_still_fills(index: VectorIndex) -> None:
    rng = np.random.default_rng(3)
    index.add(np.arange(1000), _unit(rng, 1000))
    keys, scores = index.search(_unit(rng, 3), 300)
    assert keys.shape == (3, 300)
    assert (keys >= 0).all()
    assert len({int(k) for k in keys[0]}) == 300
    assert np.isfinite(scores).all()


def test_single_query_and_padding(index: VectorIndex) -> None:
    eye = np.eye(DIM, dtype=np.float32)
    index.add(np.array([10, 20, 30]), eye[:3])
    keys, scores = index.search(eye[1], 5)
    assert keys.shape == scores.shape == (1, 5)
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
    index.add(np.array([2, 2]), eye[[5, 6]])
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
    index.add(np.array([8]), data[8])
    keys, _ = index.search(data[8], 1)
    assert keys.tolist() == [[8]]
    assert len(index) == 298


def test_churn_keeps_count_and_findability() -> None:
    rng = np.random.default_rng(6)
    index = HnswIndex(DIM)
    data = _unit(rng, 200)
    for _ in range(5):
        index.add(np.arange(200), data)
        index.remove(np.arange(0, 200, 2))
    assert len(index) == 100
    assert sorted(index.keys().tolist()) == list(range(1, 200, 2))
    assert 3 in index
    assert 2 not in index
    keys, _ = index.search(data[1::2], 1)
    assert (keys[:, 0] == np.arange(1, 200, 2)).mean() > 0.95


@pytest.mark.parametrize(
    ("keys", "vectors"),
    [
        (np.array([-1]), np.ones((1, DIM))),
        (np.array([1, 2]), np.ones((1, DIM))),
        (np.array([1]), np.ones((1, DIM + 1))),
        (np.array([1]), np.full((1, DIM), np.inf)),
    ],
)
def test_rejects_bad_input(keys: np.ndarray, vectors: np.ndarray) -> None:
    index = HnswIndex(DIM)
    with pytest.raises(ValueError):
        index.add(keys, vectors)
    assert len(index) == 0
