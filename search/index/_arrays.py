"""Argument checks shared by the index implementations, so every backend rejects the same bad input."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

PAD_KEY = -1
"""Key returned where fewer than k neighbours exist; keys must therefore be non-negative."""

PAD_SCORE = float("-inf")
"""Similarity returned beside a padding key: below any real cosine, so it sorts last."""


def as_keys(keys: ArrayLike) -> NDArray[np.int64]:
    """Coerce keys to a 1-D int64 array, rejecting negatives because -1 is the padding key.

    Args:
        keys: passage keys, any integer array-like.

    Returns:
        A contiguous int64 vector.

    Raises:
        ValueError: if keys are not 1-D or any is negative.
    """
    arr = np.ascontiguousarray(keys, dtype=np.int64)
    if arr.ndim != 1:
        raise ValueError(f"keys must be 1-D, got shape {arr.shape}")
    if arr.size and int(arr.min()) < 0:
        raise ValueError("keys must be non-negative: -1 is the padding key")
    return arr


def as_vectors(vectors: ArrayLike, dim: int, *, rows: int | None = None) -> NDArray[np.float32]:
    """Coerce vectors to a C-contiguous float32 (n, dim) matrix.

    Args:
        vectors: the vectors, one per row; a single vector of length dim is accepted as one row.
        dim: the index dimension they must match.
        rows: the number of rows expected (the number of keys), if known.

    Returns:
        A contiguous float32 matrix.

    Raises:
        ValueError: on a dimension or row-count mismatch, or non-finite values.
    """
    arr = np.ascontiguousarray(vectors, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != dim:  # noqa: PLR2004 - a matrix has two axes
        raise ValueError(f"vectors must have shape (n, {dim}), got {arr.shape}")
    if rows is not None and arr.shape[0] != rows:
        raise ValueError(f"got {arr.shape[0]} vectors for {rows} keys")
    if not np.isfinite(arr).all():
        raise ValueError("vectors contain NaN or infinity")
    return arr


def last_wins(keys: NDArray[np.int64], vectors: NDArray[np.float32]) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Drop all but the last occurrence of each key, so a batch with repeats behaves like sequential upserts.

    Args:
        keys: the batch keys.
        vectors: the batch vectors, aligned with keys.

    Returns:
        Keys without repeats and their vectors, in first-seen order of the surviving rows.
    """
    if keys.size < 2:  # noqa: PLR2004 - a single key cannot repeat
        return keys, vectors
    _, first_in_reversed = np.unique(keys[::-1], return_index=True)
    if first_in_reversed.size == keys.size:
        return keys, vectors
    keep = np.sort(keys.size - 1 - first_in_reversed)
    return keys[keep], vectors[keep]


def check_k(k: int) -> None:
    """Reject a non-positive k early, with a clearer message than the backends give.

    Args:
        k: neighbours requested per query.

    Raises:
        ValueError: if k < 1.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
