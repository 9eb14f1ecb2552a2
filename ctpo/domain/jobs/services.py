"""Background jobs for office administrators: what failed for good (dead letters) and a retry of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from ctpo.db.models import Application, JobRecord, utcnow
from ctpo.domain.access import require_admin_of
from ctpo.domain.jobs import records
from ctpo.domain.jobs import schemas as s
from ctpo.lib.errors import ConflictError, FieldError, InvalidRequestError, NotFoundError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import Session

    from ctpo.db.models import User

MAX_EXTRA_ATTEMPTS = 10
PURPOSE = "Only office administrators see and retry background jobs."


class JobService:
    """Listing and retrying jobs of one office; organisation-wide ones (corpus ingest) show for every office."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_jobs(
        self, user: User, office: str, statuses: Sequence[str], *, limit: int, offset: int
    ) -> s.JobPage:
        """Jobs in these statuses, newest first.

        Raises:
            InvalidRequestError: an unknown status.
        """
        require_admin_of(user, office, purpose=PURPOSE)
        unknown = sorted(set(statuses) - set(records.STATUSES))
        if unknown:
            raise InvalidRequestError(
                "Unknown job status.",
                errors=[FieldError("status", f"{', '.join(unknown)}: use one of {', '.join(records.STATUSES)}")],
            )

        def page(session: Session) -> s.JobPage:
            rows, total = records.listing(session, office=office.upper(), statuses=statuses, limit=limit, offset=offset)
            numbers = _numbers(session, rows)
            return s.JobPage(total=total, items=[_out(job, numbers) for job in rows])

        return await self.session.run_sync(page)

    async def retry(self, user: User, office: str, job_id: int, extra_attempts: int) -> s.JobOut:
        """Give a dead letter ``extra_attempts`` more tries, due now.

        Raises:
            NotFoundError: no such job of this office.
            ConflictError: the job is not dead (it is still being tried, or it succeeded).
            InvalidRequestError: attempts outside 1..10.
        """
        require_admin_of(user, office, purpose=PURPOSE)
        if not 1 <= extra_attempts <= MAX_EXTRA_ATTEMPTS:
            raise InvalidRequestError(
                "Give the job between 1 and 10 more attempts.",
                errors=[FieldError("attempts", f"must be 1..{MAX_EXTRA_ATTEMPTS}")],
            )

        def requeue(session: Session) -> s.JobOut:
            job = session.get(JobRecord, job_id, with_for_update=True)
            if job is None or (job.office is not None and job.office != office.upper()):
                raise NotFoundError(f"No background job {job_id} of {office.upper()}.")
            if job.status != records.DEAD:
                raise ConflictError(f"Job {job_id} is {job.status}; only dead jobs are retried by hand.")
            records.requeue(job, utcnow(), extra_attempts=extra_attempts)
            session.flush()
            return _out(job, _numbers(session, [job]))

        result = await self.session.run_sync(requeue)
        await self.session.commit()
        return result


def _numbers(session: Session, jobs: Sequence[JobRecord]) -> dict[object, str | None]:
    ids = {job.application_id for job in jobs if job.application_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Application.id, Application.number).where(Application.id.in_(ids)))
    return dict(rows.all())


def _out(job: JobRecord, numbers: dict[object, str | None]) -> s.JobOut:
    return s.JobOut(
        id=job.id,
        name=job.name,
        key=job.key,
        application_number=numbers.get(job.application_id) if job.application_id else None,
        status=job.status,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        failures=job.failures,
        next_attempt_at=job.next_attempt_at,
        last_error=job.last_error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )
