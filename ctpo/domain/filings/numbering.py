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

from sqlalchemy import String, Table, cast, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ctpo.db.models import Application, ApplicationSequence

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql.dml import ReturningInsert
    from sqlalchemy.sql.elements import ColumnElement

NUMBER_DIGITS = 6


def format_number(office: str, year: int, sequence: int) -> str:
    """The application number people quote: ``KZ-2026-000017``."""
    return f"{office}-{year}-{sequence:0{NUMBER_DIGITS}d}"


def _number_sql(office: str, year: int, sequence: ColumnElement[int]) -> ColumnElement[str]:
    """:func:`format_number` in SQL (zero-padded to six digits, never cut: ``lpad`` alone would truncate)."""
    digits = cast(sequence, String)
    width = func.greatest(NUMBER_DIGITS, func.length(digits))
    return func.concat(f"{office}-{year}-", func.lpad(digits, width, "0"))


def _bump(dialect: str, office: str, year: int) -> ReturningInsert[Any]:
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


async def number_before_insert(session: AsyncSession, office: str, year: int) -> tuple[str, int] | None:
    """SQLite: the number and sequence to insert the application with; PostgreSQL: ``None`` (numbered last)."""
    if session.get_bind().dialect.name == "postgresql":
        return None
    sequence = await next_sequence(session, office, year)
    return format_number(office, year, sequence), sequence


async def number_inserted(session: AsyncSession, application_id: uuid.UUID, office: str, year: int) -> str:
    """PostgreSQL: take the next number and write it on the inserted application, in one statement."""
    taken = select(_bump("postgresql", office, year).cte("taken").c.last_value).scalar_subquery()
    statement = (
        update(Application)
        .where(Application.id == application_id)
        .values(sequence=taken, number=_number_sql(office, year, taken))  # the CTE runs once however often named
        .returning(Application.number)
    )
    return str((await session.execute(statement)).scalar_one())
