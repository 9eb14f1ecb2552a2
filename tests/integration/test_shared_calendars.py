"""PostgreSQL: each API process keeps the calendars it read, and a change committed by anyone reaches it.

The copy saves a filing its calendar query (issue 13); these tests hold it to the rule that it is never staler than
the notice of a change: told by the table's trigger when the change commits, and not used at all while the process
cannot hear (its listening connection cut). The other process is played by a session factory of its own, on its
own engine, which has no copy: what another API process or a worker looks like from here.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event, text

import ctpo.db.listen
from ctpo.db.engine import create_engine, create_session_factory, create_sync_engine
from ctpo.db.listen import APPLICATION_NAME
from ctpo.db.models import CalendarChange
from ctpo.domain.examination.calendars import CHANGES_CHANNEL
from ctpo.domain.examination.services import ExaminationService
from ctpo.domain.examination.store import load_calendar
from tests.support import application_payload, create_user, wait_until
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


def _change_elsewhere(database_url: str, admin: User, day: date, reason: str | None) -> None:
    """Another process records (or, with no reason, removes) a closure on ``day`` through the service."""

    async def change() -> None:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                kind = CalendarChange.CLOSURE if reason is not None else None
                await ExaminationService(session).change_calendar(admin, "KZ", day, kind=kind, reason=reason or "")
        finally:
            await engine.dispose()

    asyncio.run(change())


def _sql(database_url: str, statement: str, **params: Any) -> list[Any]:
    engine = create_sync_engine(database_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        engine.dispose()


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


def _first_due(deadlines: list[dict[str, Any]]) -> tuple[str, date]:
    first = min(deadlines, key=lambda d: d["due_date"])
    return first["kind"], date.fromisoformat(first["due_date"])


def _due(deadlines: list[dict[str, Any]], kind: str) -> date:
    return date.fromisoformat(next(d for d in deadlines if d["kind"] == kind)["due_date"])


@dataclass(frozen=True)
class Kept:
    """A listening process that has filed once, so it keeps the KZ calendar, and that filing's first time limit."""

    calendars: SharedCalendars
    headers: dict[str, str]
    kind: str
    due: date
    admin: User


@pytest.fixture
def kept(
    app: Litestar,
    client: TestClient[Any],
    database_url: str,
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
) -> Kept:
    calendars: SharedCalendars = app.state.calendars
    wait_until(lambda: calendars.listening, "the process never started listening")
    headers = login(make_user("applicant"))
    kind, due = _first_due(_file(client, headers))  # reads the KZ calendar and keeps it
    assert calendars.get(KZ)[0] is not None
    return Kept(calendars, headers, kind, due, create_user(database_url, Role.OFFICE_ADMIN, "KZ"))


def test_a_change_committed_by_another_process_reaches_the_next_filing_here(
    app: Litestar, client: TestClient[Any], database_url: str, kept: Kept
) -> None:
    reads, stop = _calendar_reads(app)
    try:
        _file(client, kept.headers)
    finally:
        stop()
    assert reads == [], "the second filing read the calendar again instead of using the process's copy"

    _change_elsewhere(database_url, kept.admin, kept.due, "Emergency closure")
    wait_until(lambda: kept.calendars.get(KZ)[0] is None, "the change was never heard")
    moved = next(d for d in _file(client, kept.headers) if d["kind"] == kept.kind)
    assert date.fromisoformat(moved["due_date"]) > kept.due, moved
    assert any("Emergency closure" in step["detail"] for step in moved["explanation"]), moved

    _change_elsewhere(database_url, kept.admin, kept.due, None)  # removed again
    wait_until(lambda: kept.calendars.get(KZ)[0] is None, "the removal was never heard")
    assert _due(_file(client, kept.headers), kept.kind) == kept.due


def test_a_change_written_in_sql_by_hand_is_heard_too(client: TestClient[Any], database_url: str, kept: Kept) -> None:
    """The notice comes from the table's trigger (migration 0024), not from the service: a console session counts."""
    _sql(
        database_url,
        "INSERT INTO office_calendar_days (office, day, kind, reason, changed_by, changed_at)"
        " VALUES ('KZ', :day, 'closure', 'Closed by a console session', :admin, now())",
        day=kept.due,
        admin=kept.admin.id,
    )
    wait_until(lambda: kept.calendars.get(KZ)[0] is None, "a change written by hand was never heard")
    assert _due(_file(client, kept.headers), kept.kind) > kept.due


def test_while_the_process_cannot_hear_it_reads_the_database_and_then_listens_again(
    app: Litestar, client: TestClient[Any], database_url: str, kept: Kept, monkeypatch: pytest.MonkeyPatch
) -> None:
    calendars, headers, kind, due = kept.calendars, kept.headers, kept.kind, kept.due  # the copy: open on ``due``
    reconnect = threading.Event()  # held shut until the change below is made: no notice can reach the process
    listen_once = ctpo.db.listen._listen_once  # the test holds the reconnection back

    async def held(*args: Any) -> None:
        await asyncio.to_thread(reconnect.wait, 30)
        await listen_once(*args)

    monkeypatch.setattr(ctpo.db.listen, "_listen_once", held)
    cut = _sql(
        database_url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name = :name AND datname = current_database()",
        name=f"{APPLICATION_NAME} {CHANGES_CHANNEL}",
    )
    assert cut == [(True,)], cut
    wait_until(lambda: not calendars.listening, "the cut was never noticed")

    _change_elsewhere(database_url, kept.admin, due, "Closed while nobody listened")  # its notice reaches nobody
    reads, stop = _calendar_reads(app)
    try:
        assert _due(_file(client, headers), kind) > due  # not the copy's open day: read from the database
    finally:
        stop()
    assert reads, "a process that cannot hear used its copy"

    reconnect.set()
    wait_until(lambda: calendars.listening, "the process never listened again")
    assert calendars.get(KZ)[0] is None  # what was kept before the cut was dropped
    assert _due(_file(client, headers), kind) > due
    reads, stop = _calendar_reads(app)
    try:
        _file(client, headers)
    finally:
        stop()
    assert reads == [], "listening again, the process keeps calendars again"


def test_a_session_outside_a_transaction_does_not_hold_on_to_a_calendar_past_a_change(
    app: Litestar, client: TestClient[Any], database_url: str, kept: Kept
) -> None:
    """A calendar taken from the copy begins no transaction; what the session remembers must not outlive that."""
    calendars, due, admin = kept.calendars, kept.due, kept.admin

    async def twice() -> tuple[str | None, str | None]:
        async with app.state.session_factory() as session:
            before = await session.run_sync(lambda s: load_calendar(s, KZ).non_working_reason(due))
            await asyncio.to_thread(_change_elsewhere, database_url, admin, due, "Late")
            await asyncio.to_thread(wait_until, lambda: calendars.get(KZ)[0] is None, "the change was never heard")
            after = await session.run_sync(lambda s: load_calendar(s, KZ).non_working_reason(due))
            return before, after

    before, after = client.blocking_portal.call(twice)
    assert before is None
    assert after == "office closure: Late"
