"""Hub scores of the corpus passages, kept current as documents come and go, for CSLS or margin correction.

A passage's hub score is its mean similarity to its :data:`~search.fusion.HUB_NEIGHBOURS` nearest vectors in a
reference sample of the corpus, ignoring its own document's passages (a claim is always near its own abstract).
The sample is drawn again, and every score recomputed, whenever the corpus has grown by :data:`REFRESH_GROWTH`
since the last full computation; between refreshes, new passages are scored against the current sample.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

import numpy as np

from search.fusion import HUB_NEIGHBOURS, hubness_corrected

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from numpy.typing import NDArray

REFERENCE_SAMPLE: Final = 2000
"""Corpus vectors kept as the reference sample of hub scores."""

REFRESH_GROWTH: Final = 1.25
"""Recompute every hub score when the corpus has grown by this factor since the last full computation."""

Method = Literal["csls", "margin"]


def refresh_due(corpus_size: int, computed_at: int) -> bool:
    """Whether a corpus of ``corpus_size`` passages has outgrown hub scores computed at ``computed_at`` passages."""
    return corpus_size >= computed_at * REFRESH_GROWTH


class HubScores:
    """Each passage key's hub score, and the reference sample they were computed against.

    Args:
        dim: the vectors' length.
        method: ``"csls"`` or ``"margin"``: how :meth:`corrected` discounts a cosine.
    """

    def __init__(self, dim: int, method: Method) -> None:
        self.method: Method = method
        self.scores: dict[int, float] = {}
        self.reference = np.zeros((0, dim), dtype=np.float32)
        self.reference_docs: list[str] = []
        self.computed_at = 0
        """Corpus size (passages) at the last full computation."""

    def due(self, corpus_size: int) -> bool:
        """Whether the corpus (in passages) has grown enough since the last full computation to redo it."""
        return refresh_due(corpus_size, self.computed_at)

    def add(self, keys: Sequence[int], vectors: NDArray[np.float32], docs: Sequence[str]) -> None:
        """Score newly stored passages against the current reference sample."""
        self.scores.update(zip(keys, self.of(vectors, docs), strict=True))

    def refresh(
        self,
        keys: Sequence[int],
        *,
        vectors: Callable[[Sequence[int]], NDArray[np.float32]],
        doc_of: Callable[[int], str],
        seed: int = 0,
    ) -> None:
        """Draw a new reference sample from the corpus and recompute every passage's hub score."""
        keys = sorted(keys)
        rng = np.random.default_rng(seed)
        sample = sorted(rng.choice(len(keys), size=min(REFERENCE_SAMPLE, len(keys)), replace=False).tolist())
        self.reference = vectors([keys[i] for i in sample])
        self.reference_docs = [doc_of(keys[i]) for i in sample]
        hubs: list[float] = []
        for start in range(0, len(keys), 4096):
            chunk = keys[start : start + 4096]
            hubs.extend(self.of(vectors(chunk), [doc_of(k) for k in chunk]))
        self.scores = dict(zip(keys, hubs, strict=True))
        self.computed_at = len(keys)

    def forget(self, keys: Iterable[int]) -> None:
        """Drop the scores of removed passages."""
        for key in keys:
            self.scores.pop(key, None)

    def of(self, vectors: NDArray[np.float32], docs: Sequence[str] | None) -> list[float]:
        """Mean similarity to the k nearest reference vectors, ignoring each vector's own document (if given)."""
        if len(self.reference) == 0:
            return [0.0] * len(vectors)
        sims = vectors @ self.reference.T
        if docs is not None:
            # documents as integer codes: comparing a batch against the sample as Python strings cost seconds
            code = {doc: i for i, doc in enumerate(dict.fromkeys(self.reference_docs))}
            ref_codes = np.fromiter(
                (code[d] for d in self.reference_docs), dtype=np.int64, count=len(self.reference_docs)
            )
            own = np.fromiter((code.get(d, -1) for d in docs), dtype=np.int64, count=len(docs))
            sims[own[:, None] == ref_codes[None, :]] = -np.inf
        take = min(HUB_NEIGHBOURS, sims.shape[1])
        top = -np.partition(-sims, take - 1, axis=1)[:, :take]
        finite = np.isfinite(top)
        means = np.where(finite, top, 0.0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1)
        return [float(m) for m in means]

    def corrected(self, cosine: float, key: int, query_hub: float) -> float:
        """The cosine of a query and a stored passage, discounted by both hub scores."""
        return self.correct(cosine, self.scores.get(key, 0.0), query_hub)

    def correct(self, cosine: float, hub: float, query_hub: float) -> float:
        """A cosine discounted by the passage's hub score ``hub`` and the query's."""
        value = hubness_corrected(
            np.asarray([cosine], dtype=np.float32),
            np.asarray([hub], dtype=np.float32),
            query_hub=query_hub,
            method=self.method,
        )
        return float(value[0])
