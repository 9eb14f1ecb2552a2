"""The job table's state changes, each one short transaction: schedule, hand out, start, succeed, fail, retry.

Every change is a compare-and-set on the row's status, so two runners (an API process and a worker, or a
redelivered message) never both start the same attempt, and a job once succeeded is never run again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ctpo.db.models import JobRecord

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence

    from sqlalchemy import ColumnElement
    from sqlalchemy.orm import Session

QUEUED: Final = "queued"
SENT: Final = "sent"
RUNNING: Final = "running"
RETRY: Final = "retry"
SUCCEEDED: Final = "succeeded"
DEAD: Final = "dead"
STATUSES: Final = (QUEUED, SENT, RUNNING, RETRY, SUCCEEDED, DEAD)

MAX_BACKOFF_SECONDS: Final = 3600.0
ERROR_CHARS: Final = 4000
"""A failure's message is kept to this length: enough for a traceback's last lines, not a log file."""


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A job to schedule: what it does (``name``), to what, and its identity (``key``)."""

    name: str
    key: str
    args: dict[str, Any]
    application_id: uuid.UUID | None = None
    office: str | None = None


def schedule(session: Session, spec: JobSpec, now: datetime, *, max_attempts: int = 5) -> None:
    """Add the job in the caller's transaction; a job with the same key already there is left as it is."""
    values = {
        "key": spec.key,
        "name": spec.name,
        "args": spec.args,
        "application_id": spec.application_id,
        "office": spec.office,
        "status": QUEUED,
        "attempts": 0,
        "failures": 0,
        "max_attempts": max_attempts,
        "next_attempt_at": now,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(JobRecord).values(**values).on_conflict_do_nothing(index_elements=["key"]))


def due(session: Session, now: datetime, limit: int) -> list[JobRecord]:
    """Jobs to hand out now: new or retrying ones whose time has come, and handed-out ones past their lease."""
    query = (
        select(JobRecord)
        .where(
            JobRecord.status.in_((QUEUED, RETRY, SENT, RUNNING)),
            JobRecord.next_attempt_at <= now,
        )
        .order_by(JobRecord.next_attempt_at, JobRecord.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def hand_out(session: Session, job: JobRecord, now: datetime, lease: float) -> bool:
    """Mark a due job as sent to a runner until ``now + lease``; False if another relay took it first."""
    result = session.execute(
        update(JobRecord)
        .where(JobRecord.id == job.id, JobRecord.status == job.status, JobRecord.next_attempt_at == job.next_attempt_at)
        .values(status=SENT, next_attempt_at=now + timedelta(seconds=lease))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def unsend(session: Session, keys: Sequence[str], now: datetime) -> None:
    """Jobs handed out but never delivered (the broker refused them) are due again at once."""
    session.execute(
        update(JobRecord)
        .where(JobRecord.key.in_(keys), JobRecord.status == SENT)
        .values(status=QUEUED, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )


def start(session: Session, key: str, now: datetime, lease: float) -> JobRecord | None:
    """Begin an attempt: None when the job is unknown, finished, dead, or another attempt is running in its lease.

    A job ``running`` past its lease lost its runner (killed worker, lost message); it may be started again.
    """
    job = session.scalars(select(JobRecord).where(JobRecord.key == key)).one_or_none()
    if job is None or job.status in (SUCCEEDED, DEAD):
        return None
    if job.status == RUNNING and job.next_attempt_at > now:
        # Its runner is alive (the heartbeat keeps the lease ahead): this message is a duplicate, e.g. Redis
        # handing an unacknowledged message out again after its visibility timeout while the first worker still
        # runs it. A runner that died stops extending the lease; past it, the relay sends the job again.
        return None
    result = session.execute(
        update(JobRecord)
        .where(
            JobRecord.id == job.id,
            JobRecord.attempts == job.attempts,
            JobRecord.status.not_in((SUCCEEDED, DEAD)),
            or_(JobRecord.status != RUNNING, JobRecord.next_attempt_at <= now),
        )
        .values(
            status=RUNNING,
            attempts=job.attempts + 1,
            started_at=now,
            next_attempt_at=now + timedelta(seconds=lease),
        )
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    session.refresh(job)
    return job


def extend_lease(session: Session, job_id: int, attempt: int, now: datetime, lease: float) -> bool:
    """The running attempt is alive: keep the job from being handed out again for another lease."""
    result = session.execute(
        update(JobRecord)
        .where(JobRecord.id == job_id, JobRecord.attempts == attempt, JobRecord.status == RUNNING)
        .values(next_attempt_at=now + timedelta(seconds=lease))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def succeed(session: Session, job_id: int, attempt: int, now: datetime) -> None:
    """Record success of this attempt (a later attempt that already finished is not overwritten)."""
    session.execute(
        update(JobRecord)
        .where(JobRecord.id == job_id, JobRecord.attempts == attempt, JobRecord.status == RUNNING)
        .values(status=SUCCEEDED, finished_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )


def backoff_seconds(attempt: int, base: float) -> float:
    """Delay before attempt ``attempt + 1``: ``base``, doubling per attempt, at most an hour."""
    return float(min(base * 2.0 ** max(attempt - 1, 0), MAX_BACKOFF_SECONDS))


def fail(session: Session, job_id: int, attempt: int, now: datetime, error: str, *, retry_base: float) -> str:
    """Record a failed attempt: retry later with backoff, or a dead letter once attempts are spent.

    Returns:
        The job's new status.
    """
    job = session.get(JobRecord, job_id, with_for_update=True)  # no new attempt may start between check and write
    if job is None or job.attempts != attempt or job.status != RUNNING:
        return job.status if job is not None else DEAD
    status = DEAD if attempt >= job.max_attempts else RETRY
    job.status = status
    job.failures += 1
    job.last_error = error[-ERROR_CHARS:]
    job.next_attempt_at = now + timedelta(seconds=backoff_seconds(attempt, retry_base))
    if status == DEAD:
        job.finished_at = now
    return status


def requeue(job: JobRecord, now: datetime, *, extra_attempts: int) -> None:
    """An administrator's retry of a dead letter: due now, with ``extra_attempts`` more tries."""
    job.status = QUEUED
    job.max_attempts = job.attempts + extra_attempts
    job.next_attempt_at = now
    job.finished_at = None


def listing(
    session: Session, *, office: str | None, statuses: Sequence[str], limit: int, offset: int
) -> tuple[list[JobRecord], int]:
    """Jobs of an office (and organisation-wide ones), newest first, with the total count."""
    where: list[ColumnElement[bool]] = [JobRecord.status.in_(statuses)]
    if office is not None:
        where.append(or_(JobRecord.office == office, JobRecord.office.is_(None)))
    total = session.scalar(select(func.count()).select_from(JobRecord).where(*where)) or 0
    rows = session.scalars(
        select(JobRecord).where(*where).order_by(JobRecord.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def counts(session: Session) -> dict[str, int]:
    """Jobs per status, every status present (0 when none): the queue depth and the dead letters."""
    found: dict[str, int] = dict(
        session.execute(select(JobRecord.status, func.count()).group_by(JobRecord.status)).all()
    )
    return {status: int(found.get(status, 0)) for status in STATUSES}


def failed_attempts(session: Session) -> int:
    """Attempts that failed, over all jobs (also those that later succeeded): a counter for alerting."""
    return int(session.scalar(select(func.coalesce(func.sum(JobRecord.failures), 0))) or 0)
