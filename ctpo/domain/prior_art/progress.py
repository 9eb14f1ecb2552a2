"""How far an ingest has come, how fast it goes and when it will end: arithmetic over the chunk rows, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime


@dataclass(frozen=True, slots=True)
class ChunkState:
    """What progress needs of one chunk row."""

    passages: int
    embedded: int
    done: bool
    started_at: datetime | None


@dataclass(frozen=True, slots=True)
class IngestProgress:
    """Chunks and passages done of those planned, with the rate since the first claim and the time left at it.

    >>> from datetime import UTC, datetime, timedelta
    >>> t0 = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
    >>> chunks = [ChunkState(100, 100, True, t0), ChunkState(100, 20, False, t0)]
    >>> p = IngestProgress.of(chunks, now=t0 + timedelta(seconds=6))
    >>> (p.passages_done, p.rate, p.eta_seconds, p.fraction)
    (120, 20.0, 4.0, 0.6)
    """

    chunks: int
    chunks_done: int
    passages: int
    passages_done: int
    rate: float | None
    """Passages stored per second since the first chunk was claimed; None before any is stored."""
    eta_seconds: float | None
    """Seconds to the end at that rate; 0 when complete, None when no rate is known yet."""

    @property
    def complete(self) -> bool:
        """Whether every chunk is done."""
        return self.chunks_done == self.chunks

    @property
    def fraction(self) -> float:
        """Passages done over passages planned (1.0 for nothing planned)."""
        return self.passages_done / self.passages if self.passages else 1.0

    @classmethod
    def of(cls, chunks: Iterable[ChunkState], *, now: datetime) -> IngestProgress:
        """The progress of these chunks at ``now``.

        A done chunk counts all its passages; a claimed one those it has stored so far (never more than it has).
        """
        rows = list(chunks)
        passages = sum(c.passages for c in rows)
        done = sum(c.passages if c.done else min(c.embedded, c.passages) for c in rows)
        chunks_done = sum(c.done for c in rows)
        starts = [c.started_at for c in rows if c.started_at is not None]
        elapsed = (now - min(starts)).total_seconds() if starts else 0.0
        rate = done / elapsed if done and elapsed > 0 else None
        if chunks_done == len(rows):
            eta: float | None = 0.0
        elif rate:
            eta = (passages - done) / rate
        else:
            eta = None
        return cls(len(rows), chunks_done, passages, done, rate, eta)
