from __future__ import annotations

import numpy as np
import pytest

from search.fusion import (
    best_per_group,
    hub_scores,
    hubness_corrected,
    reciprocal_rank_fusion,
    score_fusion,
)


def test_rrf_rewards_agreement_and_weights() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "a"]])
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert max(fused, key=fused.__getitem__) in {"a", "b"}
    weighted = reciprocal_rank_fusion([["a"], ["b"]], weights=[2.0, 1.0])
    assert weighted["a"] > weighted["b"]
    with pytest.raises(ValueError, match="weight"):
        reciprocal_rank_fusion([["a"]], weights=[1.0, 2.0])


def test_score_fusion_adds_weighted_coverage() -> None:
    fused = score_fusion({"a": 0.80, "b": 0.78}, {"b": 1.0, "c": 0.5}, lexical_weight=0.1)
    assert fused["a"] == pytest.approx(0.80)
    assert fused["b"] == pytest.approx(0.88)
    assert fused["c"] == pytest.approx(0.78 + 0.05)  # lexical-only: floor is the lowest semantic score


def test_score_fusion_with_silent_lexical_keeps_semantic_order() -> None:
    semantic = {"a": 0.9, "b": 0.8, "c": 0.7}
    fused = score_fusion(semantic, {})
    assert sorted(fused, key=fused.__getitem__, reverse=True) == ["a", "b", "c"]


def test_hub_scores_mean_of_k_nearest() -> None:
    reference = np.eye(4, dtype=np.float32)
    vectors = np.asarray([[1, 0, 0, 0], [0.6, 0.8, 0, 0]], dtype=np.float32)
    hubs = hub_scores(vectors, reference, k=2)
    assert hubs == pytest.approx([0.5, 0.7])
    assert hub_scores(vectors, reference, k=1, skip_self=True) == pytest.approx([0.0, 0.6])


def test_csls_demotes_hubs() -> None:
    cosine = np.asarray([0.80, 0.78], dtype=np.float32)
    hubs = np.asarray([0.75, 0.60], dtype=np.float32)
    plain_best = int(np.argmax(cosine))
    corrected = hubness_corrected(cosine, hubs, query_hub=0.5)
    assert plain_best == 0
    assert int(np.argmax(corrected)) == 1
    assert corrected[1] == pytest.approx(0.78 - (0.5 + 0.6) / 2)
    margin = hubness_corrected(cosine, hubs, query_hub=0.5, method="margin")
    assert margin[1] == pytest.approx(0.78 / 0.55)
    with pytest.raises(ValueError, match="unknown"):
        hubness_corrected(cosine, hubs, method="nope")  # type: ignore[arg-type]


def test_best_per_group() -> None:
    best = best_per_group({"d1#a": 0.3, "d1#b": 0.9, "d2#a": 0.5}, {"d1#a": "d1", "d1#b": "d1", "d2#a": "d2"})
    assert best == {"d1": ("d1#b", 0.9), "d2": ("d2#a", 0.5)}
