"""New rows for several tables, written together: one statement on PostgreSQL, one per table on SQLite.

Filing writes a dozen tables (the application, its parties, claims, deadlines, history, legal events…). Each
statement is a round trip to the database, and on PostgreSQL a round trip is the expensive part of a filing:
the server process has to be woken, run, and wake the API process again (profiled for issue 13: 15 round trips
per filing against 4 for a bare insert). So the rows are collected while the filing's decision is applied, and
written at the end:

- PostgreSQL: one statement, each table's rows an ``INSERT … SELECT … FROM jsonb_to_recordset($n)`` in a
  data-modifying CTE. PostgreSQL runs every such CTE to completion and checks foreign keys at the end of the
  statement, so children may sit beside their parent.
- SQLite: the same inserts one after the other, in the order they were collected, as before. Its statements
  cost no round trip (the database is in the process), and its foreign keys are checked row by row.

Code that writes rows calls :func:`insert_rows`; it inserts at once unless the caller opened a batch with
:func:`collecting_inserts`. Only inserts wait: anything else a decision writes (updates, reads) runs at once, so
a batch suits transactions whose writes are new rows (a filing), and nothing in it may read the rows it holds.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import msgspec
from sqlalchemy import JSON, Table, Text, bindparam, cast, column, func, insert, select
from sqlalchemy.dialects.postgresql import JSONB

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterator, Sequence

    from sqlalchemy.engine import Dialect
    from sqlalchemy.orm import Session
    from sqlalchemy.sql import Select
    from sqlalchemy.sql.selectable import CTE

_BATCH: Final = "ctpo_insert_batch"


@dataclass
class InsertBatch:
    """Rows collected for insertion, by table, in the order they were added."""

    entries: list[tuple[Table, list[dict[str, Any]]]] = field(default_factory=list)

    def add(self, model: Any, rows: Sequence[dict[str, Any]]) -> None:  # noqa: ANN401 - a mapped class
        """Queue ``rows`` (all with the same keys, as for an ``executemany``) of ``model``'s table."""
        if rows:
            self.entries.append((_table_of(model), list(rows)))


def _table_of(model: Any) -> Table:  # noqa: ANN401 - a mapped class or a Table
    table = model if isinstance(model, Table) else model.__table__
    assert isinstance(table, Table)  # noqa: S101 - narrows the mapped FromClause for the type checker
    return table


def insert_rows(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:  # noqa: ANN401
    """Insert new rows of ``model`` now, or with the batch the caller opened (:func:`collecting_inserts`)."""
    if not rows:
        return
    batch: InsertBatch | None = session.info.get(_BATCH)
    if batch is not None:
        batch.add(model, rows)
    else:
        session.execute(insert(_table_of(model)), list(rows))


@contextmanager
def collecting_inserts(session: Session, batch: InsertBatch) -> Iterator[InsertBatch]:
    """While open, :func:`insert_rows` on ``session`` (sync, or the sync side of an async one) adds to ``batch``."""
    if session.info.get(_BATCH) is not None:
        raise RuntimeError("an insert batch is already open on this session")
    session.info[_BATCH] = batch
    try:
        yield batch
    finally:
        session.info.pop(_BATCH, None)


def _with_defaults(table: Table, rows: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """The rows completed with the columns' Python-side defaults, as an ``INSERT`` would; their column names.

    Raises:
        ValueError: the rows do not all have the same keys (an ``executemany`` needs that too).
    """
    names = list(rows[0])
    if any(row.keys() != rows[0].keys() for row in rows):
        raise ValueError(f"rows for {table.name} differ in their keys")
    defaults: dict[str, Any] = {}  # name -> a scalar or callable ColumnDefault
    for col in table.columns:
        if col.name in rows[0] or col.default is None:
            continue
        if not (col.default.is_scalar or col.default.is_callable):  # a SQL expression or a sequence: not used here
            raise ValueError(f"{table.name}.{col.name}: only Python-side defaults are filled in")
        defaults[col.name] = col.default
    if not defaults:
        return names, rows
    completed = [
        {**row, **{name: d.arg(None) if d.is_callable else d.arg for name, d in defaults.items()}} for row in rows
    ]
    return names + list(defaults), completed


def rows_document(table: Table, rows: list[dict[str, Any]], dialect: Dialect) -> tuple[tuple[str, ...], str]:
    """PostgreSQL: the column names and the JSON document that carries ``rows`` (see :func:`recordset_select`).

    Values go through each column type's own bind processing first (``DateTimeUTC`` insists on aware UTC
    datetimes, enums become their stored string), exactly as for an ``executemany``. A JSON column's value travels
    as its JSON text and is cast back, so that ``None`` is stored as the JSON ``null`` an ``executemany`` stores
    (``jsonb_to_recordset`` would make it SQL ``NULL``), and the text is the driver's (``json.dumps``).
    """
    names, rows = _with_defaults(table, rows)
    json_columns = {name for name in names if isinstance(table.c[name].type, JSON)}
    processors = {name: table.c[name].type.bind_processor(dialect) for name in names if name not in json_columns}

    def stored(name: str, value: Any) -> Any:  # noqa: ANN401 - any column's value
        if name in json_columns:
            as_null = value is None and table.c[name].type.none_as_null  # type: ignore[attr-defined]
            return None if as_null else json.dumps(value)
        processor = processors[name]
        return processor(value) if processor is not None else value

    document = msgspec.json.encode([{name: stored(name, row[name]) for name in names} for row in rows]).decode()
    return tuple(names), document


def recordset_select(table: Table, names: Sequence[str], parameter: str) -> Select[Any]:
    """PostgreSQL: ``SELECT cols FROM jsonb_to_recordset(:parameter) AS r(col type, …)``, the rows as a table."""
    json_columns = {name for name in names if isinstance(table.c[name].type, JSON)}
    record = (
        func.jsonb_to_recordset(cast(bindparam(parameter, type_=Text), JSONB))
        .table_valued(*(column(name, Text if name in json_columns else table.c[name].type) for name in names))
        .render_derived(with_types=True)
    )
    return select(
        *(cast(record.c[name], table.c[name].type) if name in json_columns else record.c[name] for name in names)
    )


_STATEMENTS: dict[Hashable, Select[Any]] = {}
"""Built statements by shape (tables, columns, result): building one costs more than running it."""
_MAX_STATEMENTS: Final = 256


def one_statement(
    batch: InsertBatch, dialect: Dialect, result_key: Hashable, result: Callable[[], CTE]
) -> tuple[Select[Any], dict[str, str]]:
    """PostgreSQL: every insert of ``batch`` as a CTE beside ``result()``, the statement selecting ``result``.

    ``result`` builds a data-modifying CTE with ``RETURNING`` (the numbered application) whose columns are the
    statement's result; ``result_key`` names its shape. Returns the statement and the parameters of the batch's
    rows (``rows_0``, ``rows_1``…); the caller adds those of ``result``. The statement is built once per shape:
    its text and the prepared statement are then the same from one filing to the next.
    """
    params: dict[str, str] = {}
    shape = []
    for i, (table, rows) in enumerate(batch.entries):
        names, params[f"rows_{i}"] = rows_document(table, rows, dialect)
        shape.append((table.name, names))
    key = (dialect.name, result_key, tuple(shape))
    statement = _STATEMENTS.get(key)
    if statement is None:
        ctes = [
            insert(table).from_select(names, recordset_select(table, names, f"rows_{i}")).cte(f"new_{table.name}_{i}")
            for i, ((table, _rows), (_name, names)) in enumerate(zip(batch.entries, shape, strict=True))
        ]
        statement = select(*result().c).add_cte(*ctes)
        if len(_STATEMENTS) >= _MAX_STATEMENTS:
            _STATEMENTS.clear()
        _STATEMENTS[key] = statement
    return statement, params
