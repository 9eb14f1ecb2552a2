"""Public reference data: the member offices, and the service's liveness."""

from __future__ import annotations

import msgspec
from litestar import Controller, get

from ctpo.server.auth import PUBLIC
from workflows.offices import OFFICES


class OfficeOut(msgspec.Struct):
    """A member office."""

    code: str
    name: str
    time_zone: str


class OfficeController(Controller):
    """The five national offices."""

    path = "/offices"
    tags = ["Offices"]  # noqa: RUF012

    @get("/", opt=PUBLIC, summary="List the member offices", cache=3600)
    async def list_offices(self) -> list[OfficeOut]:
        """Codes are WIPO ST.3; legal dates are reckoned in each office's time zone."""
        return [OfficeOut(str(o.code), o.name, o.time_zone) for o in OFFICES.values()]


class HealthOut(msgspec.Struct):
    """Liveness."""

    status: str


@get("/health", opt=PUBLIC, tags=["Operations"], summary="Liveness")
async def health() -> HealthOut:
    """The process answers."""
    return HealthOut("ok")
