"""ExactIndex: the reference index must be exactly right, since recall of the ANN index is measured against it."""

from __future__ import annotations

import numpy as np
import pytest

from search.index import ExactIndex
from search.interfaces import VectorIndex


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def test_satisfies_protocol() -> None:
    assert isinstance(ExactIndex(8), VectorIndex)


def test_search_matches_full_sort() -> None:
    rng = np.random.default_rng(0)
    data = _unit(rng, 500, 16)
    queries = _unit(rng, 7, 16)
    index = ExactIndex(16)
    index.add(np.arange(1000, 1500, dtype=np.int64), data)
    keys, scores = index.search(queries, 10)
    expected = np.argsort(-(queries @ data.T), axis=1)[:, :10] + 1000
    np.testing.assert_array_equal(keys, expected)
    np.testing.assert_allclose(scores, np.take_along_axis(queries @ data.T, expected - 1000, axis=1), rtol=1e-5)
    assert (np.diff(scores, axis=1) <= 0).all()


def test_pads_when_fewer_than_k() -> None:
    index = ExactIndex(4)
    index.add(np.array([3, 9]), np.eye(4, dtype=np.float32)[:2])
    keys, scores = index.search(np.eye(4, dtype=np.float32)[0], 4)
    assert keys.tolist() == [[3, 9, -1, -1]]
    assert scores[0, 0] == pytest.approx(1.0)
    assert np.isneginf(scores[0, 2:]).all()


def test_empty_index_returns_only_padding() -> None:
    keys, scores = ExactIndex(4).search(np.ones((2, 4), dtype=np.float32), 3)
    assert (keys == -1).all()
    assert np.isneginf(scores).all()


def test_upsert_replaces_and_last_repeat_wins() -> None:
    eye = np.eye(4, dtype=np.float32)
    index = ExactIndex(4)
    index.add(np.array([1, 2]), eye[:2])
    index.add(np.array([1, 1]), np.stack([eye[2], eye[3]]))
    assert len(index) == 2
    keys, _ = index.search(eye[3], 1)
    assert keys.tolist() == [[1]]
    _, scores = index.search(eye[2], 1)
    assert scores[0, 0] == pytest.approx(0.0, abs=1e-6)


def test_remove_moves_rows_consistently() -> None:
    rng = np.random.default_rng(1)
    data = _unit(rng, 50, 8)
    index = ExactIndex(8)
    index.add(np.arange(50), data)
    index.remove(np.array([0, 10, 49, 12345]))
    assert len(index) == 47
    assert 0 not in index
    assert 5 in index
    for key in (1, 25, 48):
        keys, scores = index.search(data[key], 1)
        assert keys.tolist() == [[key]]
        assert scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert sorted(index.keys().tolist()) == sorted(set(range(50)) - {0, 10, 49})


def test_vectors_are_normalised_to_cosine() -> None:
    index = ExactIndex(2)
    index.add(np.array([7]), np.array([[3.0, 4.0]], dtype=np.float32))
    _, scores = index.search(np.array([[0.0, 10.0]], dtype=np.float32), 1)
    assert scores[0, 0] == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("keys", "vectors"),
    [
        (np.array([-1]), np.ones((1, 4))),
        (np.array([1, 2]), np.ones((1, 4))),
        (np.array([1]), np.ones((1, 5))),
        (np.array([1]), np.full((1, 4), np.nan)),
    ],
)
def test_rejects_bad_input(keys: np.ndarray, vectors: np.ndarray) -> None:
    with pytest.raises(ValueError):
        ExactIndex(4).add(keys, vectors)


def test_rejects_non_positive_k() -> None:
    with pytest.raises(ValueError, match="k must be"):
        ExactIndex(4).search(np.ones(4), 0)
