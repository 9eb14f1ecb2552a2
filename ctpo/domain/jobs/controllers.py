"""Background jobs of an office, for its administrators: the dead letters, and retrying them."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, Parameter
from litestar.security.jwt import Token
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from ctpo.db.models import User
from ctpo.domain.jobs import records
from ctpo.domain.jobs import schemas as s
from ctpo.domain.jobs.services import JobService

MAX_ID = 2**31 - 1
"""Job ids are INTEGER columns: a larger id names no job, and PostgreSQL would refuse the query (a 500)."""


def provide_job_service(db_session: NamedDependency[AsyncSession]) -> JobService:
    """The job service bound to this request's session."""
    return JobService(db_session)


class JobController(Controller):
    """``/offices/{office}/jobs``: what the background work of the office is doing, and what failed for good."""

    path = "/offices/{office:str}/jobs"
    tags = ["Operations"]  # noqa: RUF012
    dependencies = {"job_service": Provide(provide_job_service, sync_to_thread=False)}  # noqa: RUF012

    @get("/", summary="Background jobs of the office (dead letters by default)")
    async def list_jobs(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        job_service: NamedDependency[JobService],
        status: Annotated[list[str] | None, Parameter(description="statuses to list (default: dead)")] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        offset: Annotated[int, Parameter(ge=0, le=10_000_000)] = 0,
    ) -> s.JobPage:
        """Administrators of the office only; organisation-wide jobs (corpus ingest) are listed for every office."""
        return await job_service.list_jobs(request.user, office, status or [records.DEAD], limit=limit, offset=offset)

    @post("/{job_id:int}/retry", status_code=HTTP_200_OK, summary="Try a dead job again")
    async def retry(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        job_id: Annotated[int, Parameter(ge=1, le=MAX_ID)],
        data: JSONBody[s.RetryIn],
        job_service: NamedDependency[JobService],
    ) -> s.JobOut:
        """The job is due at once with the given number of further attempts."""
        return await job_service.retry(request.user, office, job_id, data.attempts)
