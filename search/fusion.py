"""Combining the semantic and lexical channels, and correcting the semantic channel for hubness.

Fusion: reciprocal rank fusion (Cormack et al., SIGIR 2009) needs no score calibration but throws away how sure
each channel is; when one channel is much weaker (lexical matching between unrelated scripts finds almost
nothing) its noise moves ranks as much as a strong match would. :func:`score_fusion` keeps the scores: the
semantic score on its own scale plus the lexical channel's *coverage*, the share of the query's attainable BM25
weight a passage matched (0 when it matched nothing, so a silent channel changes nothing).

Hubness: in multilingual embedding spaces some points (here: Turkish passages) are near everything and win
queries they should not. CSLS (Conneau et al., "Word translation without parallel data", ICLR 2018) and the
ratio margin (Artetxe & Schwenk, ACL 2019) discount a candidate by its mean similarity to its k nearest
neighbours in a reference sample; :func:`hub_scores` computes that once per corpus vector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, TypeVar

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Mapping, Sequence

    from numpy.typing import NDArray

    from search.lexical import LexicalHit

K = TypeVar("K", bound="Hashable")

RRF_K: Final = 60
"""The rank constant of Cormack et al., used unchanged."""

HUB_NEIGHBOURS: Final = 10
"""k of CSLS as published by Conneau et al."""


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[K]], *, k: int = RRF_K, weights: Sequence[float] | None = None
) -> dict[K, float]:
    """Fuse ranked lists: each item scores ``sum(w / (k + rank))`` over the lists it is in (rank from 1).

    Args:
        rankings: one ranked list of keys per channel, best first.
        k: the rank constant.
        weights: one weight per channel (1.0 each by default).

    Returns:
        Fused scores by key (higher is better).

    >>> reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=0)
    {'a': 1.0, 'b': 1.5, 'c': 0.5}
    """
    weights = [1.0] * len(rankings) if weights is None else weights
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    fused: dict[K, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
    return fused


def score_fusion(
    semantic: Mapping[K, float],
    lexical: Mapping[K, float],
    *,
    lexical_weight: float = 0.1,
    semantic_floor: float | None = None,
) -> dict[K, float]:
    """Fuse by adding the lexical coverage, weighted, to the semantic score.

    Args:
        semantic: semantic scores (cosine or hubness-corrected) of the passages the vector index returned.
        lexical: lexical coverage in [0, 1] (see :class:`search.lexical.LexicalHit`) of the passages the lexical
            channel returned.
        lexical_weight: how much semantic score a full lexical match is worth. 0.1 is one cosine step of the
            size that separates a translation from a topical neighbour in e5-style spaces; it is not fitted to
            a benchmark.
        semantic_floor: semantic score assumed for passages only the lexical channel found; the lowest score
            the vector index returned (an upper bound on their true score) when ``None``.

    Returns:
        Fused scores by key.

    >>> score_fusion({"a": 0.80, "b": 0.79}, {"b": 0.5}, lexical_weight=0.1)
    {'a': 0.8, 'b': 0.84}
    """
    floor = semantic_floor
    if floor is None:
        floor = min(semantic.values()) if semantic else 0.0
    keys = list(semantic) + [key for key in lexical if key not in semantic]
    return {key: round(semantic.get(key, floor) + lexical_weight * lexical.get(key, 0.0), 12) for key in keys}


def hub_scores(
    vectors: NDArray[np.float32],
    reference: NDArray[np.float32],
    *,
    k: int = HUB_NEIGHBOURS,
    skip_self: bool = False,
    batch: int = 4096,
) -> NDArray[np.float32]:
    """Mean cosine similarity of each vector to its ``k`` nearest neighbours among ``reference``.

    Args:
        vectors: unit vectors, shape (n, dim).
        reference: unit vectors of the reference sample, shape (m, dim).
        k: neighbours averaged.
        skip_self: drop each vector's single best neighbour (itself, when ``vectors`` are part of ``reference``).
        batch: rows per matrix product, to bound memory.

    Returns:
        Shape (n,), float32.
    """
    take = min(k + int(skip_self), len(reference))
    out = np.zeros(len(vectors), dtype=np.float32)
    if take == 0:
        return out
    for start in range(0, len(vectors), batch):
        sims = vectors[start : start + batch] @ reference.T
        top = -np.partition(-sims, take - 1, axis=1)[:, :take]
        if skip_self and take > 1:
            top = np.sort(top, axis=1)[:, :-1]
        out[start : start + batch] = top.mean(axis=1)
    return out


def hubness_corrected(
    cosine: NDArray[np.float32],
    candidate_hubs: NDArray[np.float32],
    *,
    query_hub: float | NDArray[np.float32] = 0.0,
    method: Literal["csls", "margin"] = "csls",
) -> NDArray[np.float32]:
    """Hubness-corrected similarity of query/candidate pairs.

    ``csls``: half of CSLS, ``cos - (r(x) + r(y)) / 2``, which ranks exactly like ``2 cos - r(x) - r(y)`` but
    stays on the cosine scale that :func:`score_fusion`'s weight is expressed in. ``margin``:
    ``cos / ((r(x) + r(y)) / 2)``. For one query ``r(x)`` is a constant, so CSLS ranks like ``cos - r(y) / 2``;
    the ratio margin needs ``r(x)`` to rank.

    Args:
        cosine: cosine similarities, any shape broadcastable with ``candidate_hubs``.
        candidate_hubs: :func:`hub_scores` of the candidates.
        query_hub: :func:`hub_scores` of the query (or queries, as a column).
        method: which correction.

    Returns:
        The corrected scores, same shape as the broadcast inputs.

    Raises:
        ValueError: for an unknown method.
    """
    if method == "csls":
        return np.asarray(cosine - (query_hub + candidate_hubs) / 2.0, dtype=np.float32)
    if method == "margin":
        denominator = np.maximum((np.asarray(query_hub) + candidate_hubs) / 2.0, 1e-6)
        return np.asarray(cosine / denominator, dtype=np.float32)
    raise ValueError(f"unknown hubness correction {method!r}")


def best_per_group(scores: Mapping[K, float], group_of: Mapping[K, str]) -> dict[str, tuple[K, float]]:
    """Each group's (document's) best member (passage) and its score: how a document scores from its passages."""
    best: dict[str, tuple[K, float]] = {}
    for key, score in scores.items():
        group = group_of[key]
        if group not in best or score > best[group][1]:
            best[group] = (key, score)
    return best


@dataclass(frozen=True, slots=True)
class ChannelScore:
    """How one channel saw the matched passage: its score and 1-based rank among that channel's passages."""

    score: float
    rank: int


@dataclass(frozen=True, slots=True)
class RankedDocument:
    """A document's place in the fused ranking: its best passage, the fused score, and each channel's view."""

    document_id: str
    passage_id: str
    score: float
    semantic: ChannelScore | None
    lexical: ChannelScore | None
    matched_terms: tuple[str, ...]

    @property
    def found_by(self) -> tuple[str, ...]:
        """``"semantic"``, ``"lexical"`` or both: the channels that returned the passage."""
        return tuple(name for name, ch in (("semantic", self.semantic), ("lexical", self.lexical)) if ch is not None)


def top_semantic(candidates: Sequence[tuple[str, float, float]], want: int) -> list[tuple[str, float, float]]:
    """The ``want`` best ``(passage, cosine, hub score)`` candidates by cosine: the pool hubness correction reranks.

    Both engines take the pool by raw cosine from their vector index (filters applied), then correct it, so the
    in-process and the PostgreSQL engine see the same pool.
    """
    return sorted(candidates, key=lambda c: (-c[1], c[0]))[:want]


def rank_documents(
    semantic: Mapping[str, float],
    lexical_hits: Sequence[LexicalHit],
    doc_of: Callable[[str], str],
    *,
    fusion: Literal["score", "rrf"],
    lexical_weight: float,
    k: int,
) -> list[RankedDocument]:
    """Fuse the two channels' passages and rank documents by their best passage: the one ranking of every engine.

    Args:
        semantic: passage id -> semantic (hubness-corrected) score.
        lexical_hits: the lexical channel's hits, best first.
        doc_of: the document of a passage id.
        fusion: ``"score"`` (:func:`score_fusion`) or ``"rrf"`` (:func:`reciprocal_rank_fusion`).
        lexical_weight: score fusion's weight of lexical coverage.
        k: how many documents.

    Returns:
        The ``k`` best documents, best first (ties by document id).
    """
    lexical = {h.passage_id: h.coverage for h in lexical_hits}
    terms = {h.passage_id: h.matched_terms for h in lexical_hits}
    sem_rank = sorted(semantic, key=lambda p: (-semantic[p], p))
    lex_rank = [h.passage_id for h in lexical_hits]
    if fusion == "rrf":
        fused = reciprocal_rank_fusion([sem_rank, lex_rank])
    else:
        fused = score_fusion(semantic, lexical, lexical_weight=lexical_weight)
    best = best_per_group(fused, {pid: doc_of(pid) for pid in fused})
    order = sorted(best.items(), key=lambda item: (-item[1][1], item[0]))[:k]
    sem_pos = {p: i + 1 for i, p in enumerate(sem_rank)}
    lex_pos = {p: i + 1 for i, p in enumerate(lex_rank)}
    return [
        RankedDocument(
            document_id=doc_id,
            passage_id=pid,
            score=score,
            semantic=ChannelScore(semantic[pid], sem_pos[pid]) if pid in semantic else None,
            lexical=ChannelScore(lexical[pid], lex_pos[pid]) if pid in lexical else None,
            matched_terms=terms.get(pid, ()),
        )
        for doc_id, (pid, score) in order
    ]
