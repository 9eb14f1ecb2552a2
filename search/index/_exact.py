"""Brute-force cosine index in numpy: the reference every approximate index is checked against."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from search.index._arrays import PAD_KEY, PAD_SCORE, as_keys, as_vectors, check_k, last_wins

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

_SCORE_BUDGET = 1 << 25
"""Largest number of float32 scores materialised at once (128 MiB), so a big query batch is chunked."""

_MIN_CAPACITY = 1024


def normalise(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    """Scale rows to unit length so a dot product is the cosine; zero rows stay zero rather than NaN.

    Args:
        vectors: a float32 matrix.

    Returns:
        A new float32 matrix with unit (or zero) rows.
    """
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    out: NDArray[np.float32] = (vectors / norms).astype(np.float32, copy=False)
    return out


class ExactIndex:
    """Exact nearest neighbours by cosine, O(n) per query.

    Fast enough up to ~100k vectors on a laptop and exact, so it serves tests, small offices and the
    recall baseline of the approximate index. Rows are kept dense (a removal moves the last row into
    the hole) so a search is one matrix product over a contiguous block.
    """

    def __init__(self, dim: int) -> None:
        if dim < 1:
            raise ValueError(f"dim must be positive, got {dim}")
        self._dim = dim
        self._matrix = np.zeros((0, dim), dtype=np.float32)
        self._keys = np.zeros(0, dtype=np.int64)
        self._row_of: dict[int, int] = {}

    @property
    def dim(self) -> int:
        """Length of the vectors this index holds."""
        return self._dim

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, (int, np.integer)) and int(key) in self._row_of

    def keys(self) -> NDArray[np.int64]:
        """All keys held, in storage order (a copy).

        Returns:
            The keys as int64.
        """
        return self._keys[: len(self)].copy()

    def add(self, keys: ArrayLike, vectors: ArrayLike) -> None:
        """Insert or replace the vectors stored under these keys; within a batch the last repeat wins.

        Args:
            keys: non-negative int64 keys.
            vectors: one row per key, normalised here so search is a plain dot product.
        """
        key_arr = as_keys(keys)
        vec_arr = as_vectors(vectors, self._dim, rows=key_arr.size)
        key_arr, vec_arr = last_wins(key_arr, normalise(vec_arr))
        rows = np.fromiter((self._row_of.get(int(k), -1) for k in key_arr), dtype=np.int64, count=key_arr.size)
        known = rows >= 0
        self._matrix[rows[known]] = vec_arr[known]
        fresh_keys, fresh_vecs = key_arr[~known], vec_arr[~known]
        if fresh_keys.size == 0:
            return
        start = len(self)
        self._reserve(start + fresh_keys.size)
        self._matrix[start : start + fresh_keys.size] = fresh_vecs
        self._keys[start : start + fresh_keys.size] = fresh_keys
        for offset, key in enumerate(fresh_keys.tolist()):
            self._row_of[key] = start + offset

    def remove(self, keys: ArrayLike) -> None:
        """Forget these keys; unknown keys are ignored.

        Args:
            keys: keys to drop.
        """
        for key in as_keys(keys).tolist():
            row = self._row_of.pop(key, None)
            if row is None:
                continue
            last = len(self._row_of)  # the old last row, now one past the end
            if row != last:
                moved = int(self._keys[last])
                self._matrix[row] = self._matrix[last]
                self._keys[row] = moved
                self._row_of[moved] = row

    def search(self, queries: ArrayLike, k: int) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """The k most similar keys per query, best first, padded with key -1 and score -inf.

        Args:
            queries: (n, dim) query vectors, or one vector of length dim.
            k: neighbours per query.

        Returns:
            Keys and cosine similarities, both shaped (n, k).
        """
        check_k(k)
        q = normalise(as_vectors(queries, self._dim))
        n_items = len(self)
        out_keys = np.full((q.shape[0], k), PAD_KEY, dtype=np.int64)
        out_scores = np.full((q.shape[0], k), PAD_SCORE, dtype=np.float32)
        top = min(k, n_items)
        if top == 0:
            return out_keys, out_scores
        block = self._matrix[:n_items]
        step = max(1, _SCORE_BUDGET // n_items)
        for lo in range(0, q.shape[0], step):
            scores = q[lo : lo + step] @ block.T
            if top < n_items:
                cand = np.argpartition(-scores, top - 1, axis=1)[:, :top]
            else:
                cand = np.broadcast_to(np.arange(n_items), scores.shape)
            cand_scores = np.take_along_axis(scores, cand, axis=1)
            order = np.argsort(-cand_scores, axis=1, kind="stable")
            best = np.take_along_axis(cand, order, axis=1)
            out_keys[lo : lo + step, :top] = self._keys[best]
            out_scores[lo : lo + step, :top] = np.take_along_axis(cand_scores, order, axis=1)
        return out_keys, out_scores

    def _reserve(self, size: int) -> None:
        """Grow storage geometrically so a stream of small adds stays amortised O(1) per vector."""
        if size <= self._matrix.shape[0]:
            return
        capacity = max(size, 2 * self._matrix.shape[0], _MIN_CAPACITY)
        matrix = np.zeros((capacity, self._dim), dtype=np.float32)
        keys = np.zeros(capacity, dtype=np.int64)
        matrix[: len(self)] = self._matrix[: len(self)]
        keys[: len(self)] = self._keys[: len(self)]
        self._matrix, self._keys = matrix, keys
