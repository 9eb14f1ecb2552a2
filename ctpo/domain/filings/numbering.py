"""Gapless application numbers: one counter row per office and year, bumped inside the filing transaction.

The counter update takes a row lock (PostgreSQL) or the database write lock (SQLite) that is held until the
filing commits, so concurrent filings are numbered one after another, and a filing that rolls back gives its
number back with it: no gaps, no duplicates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from ctpo.db.models import ApplicationSequence

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def format_number(office: str, year: int, sequence: int) -> str:
    """The application number people quote: ``KZ-2026-000017``."""
    return f"{office}-{year}-{sequence:06d}"


async def next_sequence(session: AsyncSession, office: str, year: int) -> int:
    """Take the next number of ``office`` in ``year``; must run inside the transaction that files."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = ApplicationSequence.__table__
    assert isinstance(table, Table)  # noqa: S101 - narrows the mapped FromClause for the type checker
    statement = (
        insert(table)
        .values(office=office, year=year, last_value=1)
        .on_conflict_do_update(index_elements=["office", "year"], set_={"last_value": table.c.last_value + 1})
        .returning(table.c.last_value)
    )
    return int((await session.execute(statement)).scalar_one())
