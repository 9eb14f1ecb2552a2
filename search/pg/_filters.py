"""The prior-art filters of :func:`search.prior_art.eligible` as one SQL condition over the passages table.

The rule itself stays in :mod:`search.prior_art`: this module only restates which documents it returns, so that
the database drops the others before ranking (``tests/integration/search_pgvector/test_stateless.py`` checks both
agree over every combination of dates). The ``P``/``E`` flags of the few documents returned are then given by
:func:`search.prior_art.date_verdict` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from psycopg import sql

from search.prior_art import ApplicationDates, ipc_key

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date


def filter_condition(
    *,
    languages: Iterable[str] | None = None,
    ipc_prefix: str | None = None,
    before: date | ApplicationDates | None = None,
    alias: str = "p",
) -> tuple[sql.Composable, dict[str, Any]]:
    """A ``WHERE`` condition on passage rows (``alias``) and its parameters.

    Args:
        languages: only documents in these languages.
        ipc_prefix: only documents with an IPC symbol starting so (stored and compared as :func:`ipc_key`).
        before: a date (published strictly before it), the application's dates (the rules of
            :func:`search.prior_art.assess`), or ``None`` (any published document).
        alias: the passages table's alias in the query.

    Returns:
        The condition and its named parameters (prefixed ``f_``).
    """
    p = sql.Identifier(alias)
    parts: list[sql.Composable] = [sql.SQL("{}.publication_date IS NOT NULL").format(p)]
    params: dict[str, Any] = {}
    if languages is not None:
        parts.append(sql.SQL("{}.lang = ANY(%(f_langs)s)").format(p))
        params["f_langs"] = list(languages)
    if ipc_prefix is not None:
        parts.append(sql.SQL("EXISTS (SELECT 1 FROM unnest({}.ipc) c WHERE starts_with(c, %(f_ipc)s))").format(p))
        params["f_ipc"] = ipc_key(ipc_prefix)
    if isinstance(before, ApplicationDates):
        # returned: published before the filing date (prior art, or P), or with its own earliest date (least()
        # skips NULLs, as earliest_date does) before the reference date (E).
        parts.append(
            sql.SQL(
                "({p}.publication_date < %(f_filing)s OR least({p}.filing_date, {p}.priority_date) < %(f_ref)s)"
            ).format(p=p)
        )
        params["f_filing"] = before.filing_date
        params["f_ref"] = before.reference_date
    elif before is not None:
        parts.append(sql.SQL("{}.publication_date < %(f_before)s").format(p))
        params["f_before"] = before
    return sql.SQL(" AND ").join(parts), params
