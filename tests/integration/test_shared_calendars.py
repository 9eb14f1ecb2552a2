"""PostgreSQL: each API process keeps the calendars it read, and a change committed by any process reaches it.

The copy saves a filing its calendar query (issue 13); these tests hold it to the rule that it is never staler than
the notice of a change: told by ``NOTIFY`` when the change commits, and not used at all while the process cannot
hear (its listening connection cut). The other process is played by a session factory of its own, on its own
engine, which has no copy: exactly what another API process or a worker looks like from here.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event, text

from ctpo.db.engine import create_engine, create_session_factory, create_sync_engine
from ctpo.db.listen import APPLICATION_NAME
from ctpo.domain.examination.calendars import CHANGES_CHANNEL
from ctpo.domain.examination.services import ExaminationService
from tests.support import application_payload, create_user
from workflows import OfficeCode, Role

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar import Litestar
    from litestar.testing import TestClient

    from ctpo.db.models import User
    from ctpo.domain.examination.calendars import SharedCalendars

pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
KZ = OfficeCode.KZ


def _until(condition: Callable[[], bool], what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def _change_elsewhere(database_url: str, admin: User, day: date, reason: str | None) -> None:
    """Another process records (or, with no reason, removes) a closure on ``day`` through the service."""

    async def change() -> None:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                kind = "closure" if reason is not None else None
                await ExaminationService(session).change_calendar(admin, "KZ", day, kind=kind, reason=reason or "")
        finally:
            await engine.dispose()

    asyncio.run(change())


def _file(client: TestClient[Any], headers: dict[str, str]) -> list[dict[str, Any]]:
    filed = client.post("/applications", json=application_payload(), headers=headers)
    assert filed.status_code == 201, filed.text
    number = filed.json()["application_number"]
    deadlines = client.get(f"/applications/{number}/deadlines", headers=headers)
    assert deadlines.status_code == 200, deadlines.text
    return list(deadlines.json())


def _calendar_reads(app: Litestar) -> tuple[list[str], Callable[[], None]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "office_calendar_days" in statement:
            statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    return statements, lambda: event.remove(engine, "before_cursor_execute", count)


def test_a_change_committed_by_another_process_reaches_the_next_filing_here(
    app: Litestar,
    client: TestClient[Any],
    database_url: str,
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
) -> None:
    calendars: SharedCalendars = app.state.calendars
    _until(lambda: calendars.listening, "the process never started listening")
    headers = login(make_user("applicant"))
    first = _file(client, headers)  # reads the KZ calendar and keeps it
    reads, stop = _calendar_reads(app)
    try:
        _file(client, headers)
    finally:
        stop()
    assert reads == [], "the second filing read the calendar again instead of using the process's copy"

    deadline = min(first, key=lambda d: d["due_date"])
    due = date.fromisoformat(deadline["due_date"])
    _change_elsewhere(database_url, create_user(database_url, Role.OFFICE_ADMIN, "KZ"), due, "Emergency closure")
    _until(lambda: calendars.get(KZ)[0] is None, "the change was never heard")

    moved = next(d for d in _file(client, headers) if d["kind"] == deadline["kind"])
    assert date.fromisoformat(moved["due_date"]) > due, moved
    assert any("Emergency closure" in step["detail"] for step in moved["explanation"]), moved

    _change_elsewhere(database_url, create_user(database_url, Role.OFFICE_ADMIN, "KZ"), due, None)  # removed again
    _until(lambda: calendars.get(KZ)[0] is None, "the removal was never heard")
    back = next(d for d in _file(client, headers) if d["kind"] == deadline["kind"])
    assert back["due_date"] == deadline["due_date"], back


def test_while_the_process_cannot_hear_it_reads_the_database_and_then_listens_again(
    app: Litestar,
    client: TestClient[Any],
    database_url: str,
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
) -> None:
    calendars: SharedCalendars = app.state.calendars
    _until(lambda: calendars.listening, "the process never started listening")
    headers = login(make_user("applicant"))
    first = _file(client, headers)
    deadline = min(first, key=lambda d: d["due_date"])
    due = date.fromisoformat(deadline["due_date"])

    engine = create_sync_engine(database_url)
    try:
        with engine.connect() as conn:  # PostgreSQL cuts the listening connection
            cut = conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": f"{APPLICATION_NAME} {CHANGES_CHANNEL}"},
            ).all()
    finally:
        engine.dispose()
    assert cut == [(True,)], cut
    _until(lambda: not calendars.listening, "the cut was never noticed")
    assert calendars.get(KZ)[0] is None  # what was kept may miss a change told while cut off

    admin = create_user(database_url, Role.OFFICE_ADMIN, "KZ")
    _change_elsewhere(database_url, admin, due, "Closed while nobody listened")
    _until(lambda: calendars.listening, "the process never listened again")
    moved = next(d for d in _file(client, headers) if d["kind"] == deadline["kind"])
    assert date.fromisoformat(moved["due_date"]) > due, moved

    reads, stop = _calendar_reads(app)
    try:
        _file(client, headers)
    finally:
        stop()
    assert reads == [], "listening again, the process keeps calendars again"
