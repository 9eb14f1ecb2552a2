"""Ranking metrics with binary relevance: recall@k, MRR and nDCG@k, averaged over queries.

Each function takes, per query, the ranked ids the system returned and the set of ids that are relevant, so the
same code scores sentences, passages or documents.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence


def _check(ranked: Sequence[Sequence[str]], relevant: Sequence[Collection[str]]) -> None:
    if len(ranked) != len(relevant):
        raise ValueError("one relevant set per ranked list")


def recall_at_k(ranked: Sequence[Sequence[str]], relevant: Sequence[Collection[str]], k: int) -> float:
    """Mean share of each query's relevant ids found in its top ``k``; queries with none relevant are skipped.

    Args:
        ranked: per query, returned ids best first.
        relevant: per query, the relevant ids.
        k: cut-off.

    Returns:
        The mean over queries that have relevant ids (0.0 when none do).

    >>> recall_at_k([["a", "b"], ["c", "d"]], [{"b"}, {"x"}], 1)
    0.0
    >>> recall_at_k([["a", "b"], ["c", "d"]], [{"b"}, {"c"}], 2)
    1.0
    """
    _check(ranked, relevant)
    values = [len(set(r[:k]) & set(rel)) / len(rel) for r, rel in zip(ranked, relevant, strict=True) if rel]
    return sum(values) / len(values) if values else 0.0


def mrr(ranked: Sequence[Sequence[str]], relevant: Sequence[Collection[str]], k: int | None = None) -> float:
    """Mean reciprocal rank of the first relevant id (0 when none is in the top ``k``).

    >>> mrr([["a", "b"], ["c", "d"]], [{"b"}, {"c"}])
    0.75
    """
    _check(ranked, relevant)
    values: list[float] = []
    for r, rel in zip(ranked, relevant, strict=True):
        if not rel:
            continue
        top = r if k is None else r[:k]
        values.append(next((1.0 / (i + 1) for i, doc in enumerate(top) if doc in rel), 0.0))
    return sum(values) / len(values) if values else 0.0


def ndcg_at_k(ranked: Sequence[Sequence[str]], relevant: Sequence[Collection[str]], k: int = 10) -> float:
    """Mean normalised discounted cumulative gain at ``k`` with gain 1 for each relevant id.

    >>> round(ndcg_at_k([["a", "b"]], [{"b"}], 10), 4)
    0.6309
    """
    _check(ranked, relevant)
    values: list[float] = []
    for r, rel in zip(ranked, relevant, strict=True):
        if not rel:
            continue
        dcg = sum(1.0 / math.log2(i + 2) for i, doc in enumerate(r[:k]) if doc in rel)
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(rel), k)))
        values.append(dcg / ideal)
    return sum(values) / len(values) if values else 0.0
