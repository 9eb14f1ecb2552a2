from __future__ import annotations

import math

import pytest

from search.evaluation import mrr, ndcg_at_k, recall_at_k


def test_recall_counts_share_of_relevant_in_top_k() -> None:
    ranked = [["a", "b", "c"], ["x", "y", "z"]]
    relevant = [{"b", "c"}, {"q"}]
    assert recall_at_k(ranked, relevant, 1) == 0.0
    assert recall_at_k(ranked, relevant, 2) == pytest.approx(0.25)
    assert recall_at_k(ranked, relevant, 3) == pytest.approx(0.5)


def test_queries_without_relevant_ids_are_skipped() -> None:
    assert recall_at_k([["a"], ["b"]], [{"a"}, set()], 1) == 1.0
    assert mrr([["a"], ["b"]], [{"a"}, set()]) == 1.0


def test_mrr_uses_first_relevant_rank_and_cutoff() -> None:
    assert mrr([["a", "b", "c"]], [{"c"}]) == pytest.approx(1 / 3)
    assert mrr([["a", "b", "c"]], [{"c"}], k=2) == 0.0


def test_ndcg_is_one_for_ideal_ranking_and_discounts_later_hits() -> None:
    assert ndcg_at_k([["a", "b", "c"]], [{"a", "b"}]) == pytest.approx(1.0)
    expected = (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k([["x", "a", "b"]], [{"a", "b"}]) == pytest.approx(expected)
    assert ndcg_at_k([["x"] * 10 + ["a"]], [{"a"}], 10) == 0.0


def test_length_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="one relevant set"):
        recall_at_k([["a"]], [], 1)
