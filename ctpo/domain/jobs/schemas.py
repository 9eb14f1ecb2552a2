"""What the job endpoints return."""

from __future__ import annotations

from datetime import datetime

import msgspec


class JobOut(msgspec.Struct):
    """A background job as an office administrator sees it (dead letters above all)."""

    id: int
    name: str
    key: str
    application_number: str | None
    status: str
    """``queued``, ``sent``, ``running``, ``retry``, ``succeeded`` or ``dead``."""
    attempts: int
    max_attempts: int
    failures: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class JobPage(msgspec.Struct):
    """One page of jobs, newest first."""

    total: int
    items: list[JobOut]


class RetryIn(msgspec.Struct, forbid_unknown_fields=True):
    """How many more attempts a dead letter gets."""

    attempts: int = 3
