"""The CTPO publication number series: one counter row, bumped inside the publishing transaction.

The upsert takes the row's lock (PostgreSQL) or the database write lock (SQLite) until the transition commits, so
concurrent publications are numbered one after another, and a transition that rolls back (a lost compare-and-set)
gives its number back: the series has no gaps and no duplicates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from ctpo.db.models import PublicationSeries
from workflows.publication import CTPO_ST3_CODE, format_publication_number

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def next_publication_number(session: Session) -> str:
    """Take the next number of the series; must run inside the transaction that publishes."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = PublicationSeries.__table__
    assert isinstance(table, Table)  # noqa: S101 - narrows the mapped FromClause for the type checker
    statement = (
        insert(table)
        .values(series=CTPO_ST3_CODE, last_value=1)
        .on_conflict_do_update(index_elements=["series"], set_={"last_value": table.c.last_value + 1})
        .returning(table.c.last_value)
    )
    return format_publication_number(int(session.execute(statement).scalar_one()))
