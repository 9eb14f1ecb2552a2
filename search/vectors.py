"""The engine's own float16 copy of every passage vector, by int64 key.

Why a copy beside the vector index: hub scores are recomputed from it as the corpus grows, an index is refilled
from it without embedding again (a restart without a usable saved graph), and every backend answers the same
``get`` whether or not it can return its vectors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from search.interfaces import SharedIndex
from search.text import embedding_form

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence

    from numpy.typing import NDArray

    from search.interfaces import Embedder, VectorIndex
    from search.passages import Passage


def vectors_for(
    passages: Sequence[Passage],
    keys: Sequence[int],
    languages: Sequence[str],
    *,
    embedder: Embedder,
    index: VectorIndex,
    batch: int,
    reusable: Collection[int] | None = None,
) -> tuple[NDArray[np.float32], list[int]]:
    """The passages' vectors: fetched where a shared index already holds them, else embedded (``missing``).

    Args:
        passages: the passages.
        keys: their vector keys.
        languages: each passage's document language (the embedding form depends on it).
        embedder: embeds what the index lacks.
        index: the vector index; only a :class:`~search.interfaces.SharedIndex` is asked for stored vectors.
        batch: passages embedded per call.
        reusable: the keys whose held vector is known to be of the same text (default: every key); a key held for
            another text (a replaced document's passage at the same place) is embedded again.

    Returns:
        The vectors, one row per passage, and the positions of those that were embedded (to be stored).
    """
    asked = list(keys) if reusable is None else [key for key in keys if key in reusable]
    stored = index.get(np.asarray(asked, dtype=np.int64)) if isinstance(index, SharedIndex) and asked else {}
    missing = [i for i, key in enumerate(keys) if key not in stored]
    vectors = np.zeros((len(passages), embedder.dim), dtype=np.float32)
    for i, key in enumerate(keys):
        if key in stored:
            vectors[i] = stored[key]
    for start in range(0, len(missing), batch):
        rows = missing[start : start + batch]
        texts = [embedding_form(passages[i].text, languages[i]) for i in rows]
        vectors[rows] = embedder.embed_passages(texts).astype(np.float32)
    return vectors, missing


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
