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


@dataclass(frozen=True, slots=True)
class _RowsPlan:
    """How rows of one shape (table, dialect and driver, column names) become the JSON document: worked out once.

    Looking up the columns, their defaults and their types' bind processors for every row of every filing cost more
    than encoding the rows (issue 13's profile); a filing's shapes are few and fixed.
    """

    names: tuple[str, ...]
    """The rows' own columns, then those filled in from Python-side defaults."""
    defaults: tuple[tuple[str, Any], ...]
    """Each defaulted column's name and its ``ColumnDefault`` (a scalar, or a callable taking no context)."""
    converters: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    """For every name: how its value is stored (a bind processor, the JSON text of a JSON column, or as it is)."""


_PLANS: dict[tuple[Table, type[Dialect], tuple[str, ...]], _RowsPlan] = {}
"""Plans by shape; a process sees a bounded set (the tables and the keys the code writes)."""


def _plan(table: Table, keys: tuple[str, ...], dialect: Dialect) -> _RowsPlan:
    """The plan for rows of ``table`` with the columns ``keys`` (see :class:`_RowsPlan`).

    Raises:
        ValueError: a missing column has a SQL-side default or a sequence, which the document cannot carry.
    """
    shape = (table, type(dialect), keys)  # one class per database and driver, whose bind processing the plan holds
    if (known := _PLANS.get(shape)) is not None:
        return known
    defaults: list[tuple[str, Any]] = []
    for col in table.columns:
        if col.name in keys or col.default is None:
            continue
        if not (col.default.is_scalar or col.default.is_callable):  # a SQL expression or a sequence: not used here
            raise ValueError(f"{table.name}.{col.name}: only Python-side defaults are filled in")
        defaults.append((col.name, col.default))
    names = keys + tuple(name for name, _default in defaults)
    converters = tuple((name, _converter(table, name, dialect)) for name in names)
    plan = _RowsPlan(names, tuple(defaults), converters)
    _PLANS[shape] = plan
    return plan


def _converter(table: Table, name: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    """How a value of column ``name`` is stored in the document; None: as it is.

    Values go through each column type's own bind processing (``DateTimeUTC`` insists on aware UTC datetimes, enums
    become their stored string), exactly as for an ``executemany``. A JSON column's value travels as its JSON text
    and is cast back, so that ``None`` is stored as the JSON ``null`` an ``executemany`` stores (``jsonb_to_recordset``
    would make it SQL ``NULL``), and the text is the driver's (``json.dumps``).
    """
    column_type = table.c[name].type
    if isinstance(column_type, JSON):
        if column_type.none_as_null:
            return lambda value: None if value is None else json.dumps(value)
        return json.dumps
    return column_type.bind_processor(dialect)


def rows_document(table: Table, rows: list[dict[str, Any]], dialect: Dialect) -> tuple[tuple[str, ...], str]:
    """PostgreSQL: the column names and the JSON document that carries ``rows`` (see :func:`recordset_select`).

    Columns the rows leave out are filled in from their Python-side defaults, as an ``INSERT`` would; each value is
    stored as :func:`_converter` says.

    Raises:
        ValueError: the rows do not all have the same keys (an ``executemany`` needs that too).
    """
    first = rows[0].keys()
    if any(row.keys() != first for row in rows):
        raise ValueError(f"rows for {table.name} differ in their keys")
    plan = _plan(table, tuple(first), dialect)
    document = []
    for row in rows:
        if plan.defaults:
            row = {**row, **{n: d.arg(None) if d.is_callable else d.arg for n, d in plan.defaults}}  # noqa: PLW2901
        document.append(
            {name: row[name] if convert is None else convert(row[name]) for name, convert in plan.converters}
        )
    return plan.names, msgspec.json.encode(document).decode()


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
