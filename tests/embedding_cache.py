"""The real embedding model behind a disk memo that every xdist worker of one run shares.

Several test modules embed the bundled sample corpus (hundreds of passages) with the real e5 model: about a minute
of CPU each time. Through this wrapper the first call computes the vectors and the others read the same bytes back,
so each module still searches with the real model's vectors, computed once per run instead of once per module.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from numpy.typing import NDArray

    from search.interfaces import Embedder


class DiskCachedEmbedder:
    """Answers each call with the vectors ``inner`` gave for the same model, kind and texts, computing them once.

    Keyed on the whole call (the engine embeds in fixed batches), so a hit is bit-identical to what ``inner`` would
    return. A file lock makes concurrent workers wait for the one computing a call rather than compute it too.
    """

    def __init__(self, inner: Embedder, folder: Path) -> None:
        self._inner = inner
        self._folder = folder

    @property
    def dim(self) -> int:
        return self._inner.dim

    @property
    def name(self) -> str:
        return self._inner.name

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return self._cached("query", texts, self._inner.embed_queries)

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return self._cached("passage", texts, self._inner.embed_passages)

    def _cached(
        self, kind: str, texts: Sequence[str], embed: Callable[[Sequence[str]], NDArray[np.float32]]
    ) -> NDArray[np.float32]:
        key = hashlib.sha256(json.dumps([self.name, kind, list(texts)]).encode()).hexdigest()
        self._folder.mkdir(parents=True, exist_ok=True)
        path = self._folder / f"{key}.npy"
        with (self._folder / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if path.exists():
                return np.asarray(np.load(path), dtype=np.float32)
            vectors = np.asarray(embed(texts), dtype=np.float32)
            partial = self._folder / f"{key}.partial.npy"
            np.save(partial, vectors)
            partial.replace(path)
            return vectors
