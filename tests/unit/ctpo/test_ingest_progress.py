"""Ingest progress, rate and ETA from chunk rows: pure arithmetic, and how chunks are cut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ctpo.domain.prior_art.ingest import _chunks_of
from ctpo.domain.prior_art.progress import ChunkState, IngestProgress

T0 = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)


def test_nothing_claimed_yet_has_no_rate_and_no_eta():
    p = IngestProgress.of([ChunkState(50, 0, False, None), ChunkState(30, 0, False, None)], now=T0)
    assert (p.chunks, p.chunks_done, p.passages, p.passages_done) == (2, 0, 80, 0)
    assert (p.rate, p.eta_seconds, p.fraction, p.complete) == (None, None, 0.0, False)


def test_rate_counts_done_chunks_whole_and_claimed_ones_by_what_they_stored_since_the_first_claim():
    chunks = [
        ChunkState(100, 100, True, T0),
        ChunkState(100, 40, False, T0 + timedelta(seconds=5)),
        ChunkState(100, 0, False, None),
    ]
    p = IngestProgress.of(chunks, now=T0 + timedelta(seconds=10))
    assert p.passages_done == 140
    assert p.rate == 14.0
    assert p.eta_seconds == 160 / 14.0
    assert p.fraction == 140 / 300


def test_a_claimed_chunk_never_counts_more_than_its_passages_and_a_complete_ingest_has_eta_zero():
    over = IngestProgress.of([ChunkState(10, 25, False, T0)], now=T0 + timedelta(seconds=1))
    assert over.passages_done == 10
    done = IngestProgress.of([ChunkState(10, 10, True, T0)], now=T0 + timedelta(seconds=2))
    assert (done.complete, done.eta_seconds, done.rate) == (True, 0.0, 5.0)
    empty = IngestProgress.of([], now=T0)
    assert (empty.complete, empty.fraction, empty.eta_seconds) == (True, 1.0, 0.0)


def test_chunks_hold_at_least_the_target_and_keep_documents_whole_and_in_order():
    sizes = [(f"d{i}", "h", n) for i, n in enumerate([3, 9, 1, 1, 1, 4])]
    chunks = _chunks_of(sizes, 4)
    assert [[d for d, _, _ in c] for c in chunks] == [["d0", "d1"], ["d2", "d3", "d4", "d5"]]
    assert [d for c in chunks for d, _, _ in c] == [d for d, _, _ in sizes]
    assert _chunks_of([], 4) == []
