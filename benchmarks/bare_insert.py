"""The baselines the filing and workflow benchmarks compare with: bare Litestar endpoints on the same stack.

``POST /applications`` inserts the JSON and commits; ``POST /applications/{number}/actions/{action}`` reads the
application's version and bumps it with a compare-and-set ``UPDATE`` and commits. Same stack as the service
(Litestar on uvicorn, the service's SQLAlchemy engine, the same database), none of its work: no authentication,
validation, numbering, idempotency, documents, workflow, history, deadlines or receipt. ``benchmarks/filing.py``
and ``benchmarks/workflow.py`` serve it with the same number of processes and time it in the same run, so the
printed ratio is a property of the code, not of the machine's load at the moment.

    CTPO_DATABASE_URL=… uvicorn benchmarks.bare_insert:app --workers 2
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from litestar import Litestar, post
from litestar.exceptions import ClientException
from sqlalchemy import JSON, Column, Integer, MetaData, Table, insert, select, update

from ctpo.db.engine import create_engine, create_session_factory
from ctpo.db.models import Application

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

METADATA = MetaData()
BARE_FILINGS = Table(
    "bench_bare_filings", METADATA, Column("id", Integer, primary_key=True, autoincrement=True), Column("body", JSON)
)
"""Created by the benchmark before the server starts (never by this app: several processes start at once)."""

_sessions: list[async_sessionmaker[AsyncSession]] = []
"""Set at start: the service's engine (same pool, same SQLite settings) on ``CTPO_DATABASE_URL``."""


@post("/applications", status_code=201)
async def insert_filing(data: dict[str, Any]) -> dict[str, int]:
    """Insert the body as it came and commit."""
    async with _sessions[0]() as session:
        new_id = (await session.execute(insert(BARE_FILINGS).values(body=data).returning(BARE_FILINGS.c.id))).scalar()
        await session.commit()
    return {"id": int(new_id or 0)}


@post("/applications/{number:str}/actions/{action:str}", status_code=200)
async def compare_and_set(number: str, action: str, data: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG001
    """Read the version, bump it if nobody else did (409 otherwise), commit."""
    async with _sessions[0]() as session:
        found = (
            await session.execute(select(Application.id, Application.version).where(Application.number == number))
        ).one()
        bumped = await session.execute(
            update(Application)
            .where(Application.id == found.id, Application.version == found.version)
            .values(version=found.version + 1)
        )
        await session.commit()
    if bumped.rowcount != 1:  # type: ignore[attr-defined]
        raise ClientException(status_code=409, detail="changed meanwhile")
    return {"application_number": number, "action": action, "version": found.version + 1}


@post("/auth/login", status_code=200)
async def login(data: dict[str, Any]) -> dict[str, str]:  # noqa: ARG001 - the load generator logs in first
    """No accounts here: the same shape of answer as the service's login."""
    return {"access_token": "bare"}


@asynccontextmanager
async def _lifespan(_app: Litestar) -> AsyncIterator[None]:
    engine = create_engine(os.environ["CTPO_DATABASE_URL"])
    _sessions.append(create_session_factory(engine))
    yield
    await engine.dispose()


app = Litestar([insert_filing, compare_and_set, login], lifespan=[_lifespan])
