"""Gapless application numbers: one counter row per office and year, bumped inside the filing transaction.

The counter update takes a row lock (PostgreSQL) or the database write lock (SQLite) that is held until the
filing commits, so concurrent filings are numbered one after another, and a filing that rolls back gives its
number back with it: no gaps, no duplicates.

When the number is taken differs by database, for the same reason:

- PostgreSQL locks only the counter row, so it is taken by the filing's last statement, which numbers the inserted
  row in the same statement (a CTE): filings to one office wait on each other for one statement, not a whole filing.
- SQLite's ``BEGIN IMMEDIATE`` already holds the database-wide write lock, so taking the number first costs no
  concurrency, and the application row is inserted with its number: no second statement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, Table, bindparam, cast, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from ctpo.db.inserts import InsertBatch, one_statement, recordset_select, rows_document
from ctpo.db.models import Application, ApplicationSequence

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql.dml import ReturningInsert
    from sqlalchemy.sql.elements import ColumnElement
    from sqlalchemy.sql.selectable import CTE

NUMBER_DIGITS = 6


def format_number(office: str, year: int, sequence: int) -> str:
    """The application number people quote: ``KZ-2026-000017``."""
    return f"{office}-{year}-{sequence:0{NUMBER_DIGITS}d}"


def _number_sql(prefix: ColumnElement[str], sequence: ColumnElement[int]) -> ColumnElement[str]:
    """:func:`format_number` in SQL after ``prefix`` (``KZ-2026-``), zero-padded to six digits, never cut."""
    digits = cast(sequence, String)
    width = func.greatest(NUMBER_DIGITS, func.length(digits))
    return func.concat(prefix, func.lpad(digits, width, "0"))  # lpad alone would truncate


def _bump(dialect: str, office: str | ColumnElement[str], year: int | ColumnElement[int]) -> ReturningInsert[Any]:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ApplicationSequence.__table__
    assert isinstance(table, Table)  # noqa: S101 - narrows the mapped FromClause for the type checker
    return (
        insert(table)
        .values(office=office, year=year, last_value=1)
        .on_conflict_do_update(index_elements=["office", "year"], set_={"last_value": table.c.last_value + 1})
        .returning(table.c.last_value)
    )


async def next_sequence(session: AsyncSession, office: str, year: int) -> int:
    """Take the next number of ``office`` in ``year``; must run inside the transaction that files."""
    dialect = session.get_bind().dialect.name
    return int((await session.execute(_bump(dialect, office, year))).scalar_one())


async def insert_numbered(
    session: AsyncSession, application: dict[str, Any], office: str, year: int, batch: InsertBatch
) -> str:
    """Insert the application with the next number of ``office`` in ``year``, and the rows of ``batch``.

    All a filing writes, as its last step; returns the number.

    - PostgreSQL: one statement. The counter is bumped in a CTE the application's insert reads its number from,
      beside the batch's inserts. The filing routes run in autocommit on PostgreSQL
      (:data:`ctpo.server.request_session.SINGLE_STATEMENT_WRITES`): the statement is atomic by itself, and the
      counter row is locked while the server runs it and flushes its commit, not until the API process has got
      the answer back, been scheduled again, and sent a ``COMMIT``. Filings to one office queued behind that
      round trip (issue 13: most of a filing's time under 8 concurrent clients).
    - SQLite: the number first (``BEGIN IMMEDIATE`` holds the write lock already), then the application with
      it, then the batch's rows, a statement each, in the caller's transaction.
    """
    dialect = session.get_bind().dialect
    table = Application.__table__
    assert isinstance(table, Table)  # noqa: S101 - narrows the mapped FromClause for the type checker
    if dialect.name == "postgresql":
        names, document = rows_document(table, [application], dialect)

        def numbered() -> CTE:  # office and year are parameters: one statement for every office and year
            bump = _bump("postgresql", bindparam("office", type_=String), bindparam("year", type_=Integer))
            taken = select(bump.cte("taken").c.last_value).scalar_subquery()  # runs once however often named
            prefix = bindparam("number_prefix", type_=String)
            return (
                insert(table)
                .from_select(
                    [*names, "sequence", "number"],
                    recordset_select(table, names, "application").add_columns(taken, _number_sql(prefix, taken)),
                )
                .returning(table.c.number)
                .cte("new_application")
            )

        statement, params = one_statement(batch, dialect, ("numbered application", names), numbered)
        values = {
            **params,
            "application": document,
            "office": office,
            "year": year,
            "number_prefix": f"{office}-{year}-",
        }
        return str((await session.execute(statement, values)).scalar_one())
    sequence = await next_sequence(session, office, year)
    number = format_number(office, year, sequence)
    await session.execute(insert(table), [{**application, "number": number, "sequence": sequence}])
    for rows_table, rows in batch.entries:
        await session.execute(insert(rows_table), rows)
    return number
