"""The engine's own float16 copy of every passage vector, by int64 key.

Why a copy beside the vector index: hub scores are recomputed from it as the corpus grows, an index is refilled
from it without embedding again (a restart without a usable saved graph), and every backend answers the same
``get`` whether or not it can return its vectors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from numpy.typing import NDArray


class PassageVectors:
    """Float16 passage vectors by key; removal is lazy, compaction happens when half the rows are dead."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.matrix = np.zeros((0, dim), dtype=np.float16)
        self.row: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.row)

    def add(self, keys: Sequence[int], vectors: NDArray[np.float32]) -> None:
        """Store vectors under keys (appended; a key stored again points at its new row)."""
        start = len(self.matrix)
        self.matrix = np.concatenate([self.matrix, vectors.astype(np.float16)])
        for offset, key in enumerate(keys):
            self.row[key] = start + offset

    def remove(self, keys: Iterable[int]) -> None:
        """Forget keys; unknown ones are ignored."""
        for key in keys:
            self.row.pop(key, None)
        if len(self.row) < len(self.matrix) // 2:
            self.compact()

    def compact(self) -> None:
        """Drop dead rows, keeping keys in insertion order."""
        keys = list(self.row)
        self.matrix = self.matrix[[self.row[k] for k in keys]] if keys else self.matrix[:0]
        self.row = {k: i for i, k in enumerate(keys)}

    def get(self, keys: Sequence[int]) -> NDArray[np.float32]:
        """The vectors of these keys as float32, in order (``KeyError`` for an unknown key)."""
        return self.matrix[[self.row[k] for k in keys]].astype(np.float32)

    def restore(self, matrix: NDArray[np.float16], keys: Sequence[int]) -> None:
        """Refill from a snapshot: row ``i`` of ``matrix`` is the vector of ``keys[i]``."""
        self.matrix = matrix
        self.row = {int(key): i for i, key in enumerate(keys)}
