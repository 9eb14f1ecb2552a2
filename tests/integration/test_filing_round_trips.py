"""A filing's round trips: one pooled connection per request, and no more statements than its rows need.

Not a timing (figures come from ``benchmarks/filing.py``): a count that fails when a change brings back the token
lookup's own connection, a second read of the office calendar (on PostgreSQL: any read of it, once the process
keeps its copy), a statement per number, or (PostgreSQL) a statement per kind of row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import event

from tests.support import application_payload, wait_until

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar import Litestar
    from litestar.testing import TestClient

ROWS = 10
"""Inserts of a filing with an idempotency key: application, parties, claims, IPC, idempotency record, deadline,
history, legal event, designations, first renewal fee."""


def test_a_filing_uses_one_connection_and_one_statement_per_kind_of_row(
    app: Litestar, client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
) -> None:
    headers = login(make_user("applicant"))
    postgres = app.state.engine.dialect.name == "postgresql"
    if postgres:  # the process keeps the calendars it reads once it hears of every change (test_shared_calendars)
        wait_until(lambda: app.state.calendars.listening, "the process never started listening for calendar changes")
    assert client.post("/applications", json=application_payload(), headers=headers).status_code == 201  # warm
    engine = app.state.engine.sync_engine
    statements: list[str] = []
    checkouts: list[object] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    def checkout(*_args: Any) -> None:
        checkouts.append(object())

    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine.pool, "checkout", checkout)
    try:
        filed = client.post(
            "/applications", json=application_payload(), headers={**headers, "Idempotency-Key": "round-trips"}
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine.pool, "checkout", checkout)
    assert filed.status_code == 201, filed.text
    reads = [s for s in statements if s in {"SELECT", "WITH"} or s.startswith("SELECT")]
    inserts = [s for s in statements if s == "INSERT"]
    # the token's account (with its revocation), the idempotency record, and on SQLite the office calendar once
    # (PostgreSQL: the process's copy, kept by the warm-up filing)
    assert len([s for s in reads if s == "SELECT"]) == (2 if postgres else 3), statements
    if postgres:  # every row and the number: one statement (CTEs)
        assert statements.count("WITH") == 1, statements
        assert not inserts, statements
    else:  # the rows, and the number: the counter upsert before the row
        assert len(inserts) == ROWS + 1, statements
    assert "UPDATE" not in statements, statements
    # SQLite: the token's read ends before the write transaction; PostgreSQL: one connection throughout
    assert len(checkouts) <= (1 if postgres else 2), len(checkouts)
