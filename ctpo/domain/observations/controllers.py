"""HTTP endpoints of third-party observations."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.security.jwt import Token
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from ctpo.db.models import User
from ctpo.domain.observations import schemas as s
from ctpo.domain.observations.services import ObservationService
from ctpo.lib.ratelimit import RateLimiter
from ctpo.server.auth import PUBLIC
from ctpo.server.quotas import spend

if TYPE_CHECKING:
    from ctpo.lib.settings import Settings


def provide_observation_service(db_session: NamedDependency[AsyncSession]) -> ObservationService:
    """The observation service bound to this request's session."""
    return ObservationService(db_session)


async def observation_quota(request: Request[Any, Any, Any], rate_limiter: RateLimiter) -> None:
    """Filing observations needs no account: each client address may file ``CTPO_OBSERVATIONS_PER_MINUTE``.

    Raises:
        RateLimitedError: 429 with ``Retry-After`` over the rate, before the observation is read or stored.
    """
    settings: Settings = request.app.state.settings
    await spend(
        rate_limiter,
        "observations",
        settings.rate_limits.observations_per_minute,
        "Too many observations from this address; please wait before filing another.",
    )


class ObservationController(Controller):
    """Observations by third parties on published applications (EPC Art. 115)."""

    path = "/applications/{number:str}/observations"
    tags = ["Examination"]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "observation_service": Provide(provide_observation_service, sync_to_thread=False),
        "_quota": Provide(observation_quota),
    }

    @post(
        "/",
        opt=PUBLIC,
        status_code=HTTP_201_CREATED,
        summary="File third-party observations (anyone, even anonymously)",
    )
    async def file(
        self,
        number: FromPath[str],
        data: JSONBody[s.ObservationIn],
        observation_service: NamedDependency[ObservationService],
        _quota: NamedDependency[None],
    ) -> s.ObservationOut:
        """On published applications only (404 otherwise); no account needed. The observer is not a party."""
        return await observation_service.file(number, data)

    @get("/", opt=PUBLIC, summary="Third-party observations on a published application")
    async def list_observations(
        self, number: FromPath[str], observation_service: NamedDependency[ObservationService]
    ) -> list[s.ObservationOut]:
        """Public, like the rest of a published file; with what the examiner did with each."""
        return await observation_service.of_published(number)

    @post("/{observation_id:uuid}/treatment", status_code=HTTP_200_OK, summary="Record what was done with observations")
    async def treat(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        observation_id: FromPath[uuid.UUID],
        data: JSONBody[s.TreatmentIn],
        observation_service: NamedDependency[ObservationService],
    ) -> s.ObservationOut:
        """The examiner holding the file, or an administrator of its office; once."""
        return await observation_service.treat(request.user, number, observation_id, data)
