"""The swappable parts of search, named by capability: an embedder and a vector index.

Both are Protocols so that the in-process defaults and the scaled backends (pgvector, a bigger model) can be
chosen by settings without the ranking code knowing which one it holds. What an index can do beyond the
:class:`VectorIndex` contract is declared by the narrower protocols it also satisfies: :class:`PersistentIndex`
(saved with the engine, restored at start) and :class:`SharedIndex` (one index for every process).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

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


@runtime_checkable
class PersistentIndex(VectorIndex, Protocol):
    """An index held in this process that can write itself to a directory and take it back at the next start.

    Rebuilding an HNSW graph costs minutes at a million passages; restoring it costs the time to read the file.
    The caller names what the saved graph must reflect (its own save generation), so a graph saved with other
    state is never taken.
    """

    def save(self, path: Path, *, model_name: str, fingerprint: str) -> object:
        """Write the index into the directory ``path``, crash-safely, labelled with the model and fingerprint."""
        ...

    def restore(self, path: Path, *, model_name: str, fingerprint: str) -> bool:
        """Fill this empty index from ``path`` when it was saved with this model and fingerprint; else False."""
        ...


@runtime_checkable
class SharedIndex(VectorIndex, Protocol):
    """An index that several processes write and read at once (pgvector), and that outlives each of them.

    Its keys must mean the same passage in every process (derived from passage ids), and a process fetches the
    vectors another one stored instead of embedding them again. Nothing about it is saved with a process's state.
    """

    def get(self, keys: NDArray[np.int64]) -> dict[int, NDArray[np.float32]]:
        """The stored vectors of those keys that are present."""
        ...
