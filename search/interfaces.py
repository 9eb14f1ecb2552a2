"""The swappable parts of search, named by capability: an embedder and a vector index.

Both are Protocols so that the in-process defaults and the scaled backends (pgvector, a bigger model) can be
chosen by settings without the ranking code knowing which one it holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    from numpy.typing import NDArray


@runtime_checkable
class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors; queries and passages may be prompted differently."""

    @property
    def dim(self) -> int:
        """Length of each vector."""
        ...

    @property
    def name(self) -> str:
        """A stable identifier of the model, stored with an index so a model change forces a rebuild."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed search queries: shape (len(texts), dim), rows of unit length."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed corpus passages: shape (len(texts), dim), rows of unit length."""
        ...


@runtime_checkable
class VectorIndex(Protocol):
    """Nearest neighbours by cosine similarity over unit vectors, keyed by int64 passage keys."""

    @property
    def dim(self) -> int:
        """Length of the vectors this index holds."""
        ...

    def __len__(self) -> int:
        """Number of vectors held."""
        ...

    def add(self, keys: NDArray[np.int64], vectors: NDArray[np.float32]) -> None:
        """Insert or replace the vectors stored under these keys."""
        ...

    def remove(self, keys: NDArray[np.int64]) -> None:
        """Forget these keys; unknown keys are ignored."""
        ...

    def search(self, queries: NDArray[np.float32], k: int) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """The k best keys per query and their cosine similarities, best first; shape (n, k), -1 pads."""
        ...
