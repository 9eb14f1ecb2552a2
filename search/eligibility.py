"""The prior-art filters of :func:`search.prior_art.eligible` over columns, for the in-process engine.

``eligible`` walks every document in Python: at 100,000 documents that was over a second of every filtered or
dated query, most of a search. :class:`EligibilityColumns` holds the same facts as arrays (language code, the
three dates as ordinals, the IPC symbols sorted with the documents holding each) and answers a filter as a
boolean mask over document rows with a few vectorised operations; an IPC prefix touches only the symbols that
start with it. The rule stays :func:`search.prior_art.returned_mask`; ``eligible`` is the reference the tests
compare this with. Flags (``P``/``E``) are then given to the few documents hit, by
:func:`search.prior_art.date_verdict`.

The columns are built from a :class:`~search.documents.DocumentRegistry` and are stale once it changes; the
engine rebuilds them on the first search after a change (O(documents), as the lexical matrix is).
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

import numpy as np

from search.prior_art import NO_DATE, ipc_key, returned_mask

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import date

    from numpy.typing import NDArray

    from search.documents import Document
    from search.prior_art import ApplicationDates


def _ordinal(value: date | None) -> int:
    return value.toordinal() if value is not None else NO_DATE


class EligibilityColumns:
    """One row per document: what the prior-art filters read, as arrays.

    Args:
        documents: the documents, in row order.
    """

    def __init__(self, documents: Iterable[Document]) -> None:
        docs = list(documents)
        self.ids: list[str] = [d.id for d in docs]
        self.row: dict[str, int] = {doc_id: i for i, doc_id in enumerate(self.ids)}
        self._lang_code: dict[str, int] = {}
        self._lang = np.fromiter(
            (self._lang_code.setdefault(d.lang, len(self._lang_code)) for d in docs), dtype=np.int32, count=len(docs)
        )
        self._published = np.fromiter((_ordinal(d.publication_date) for d in docs), dtype=np.int64, count=len(docs))
        self._filed = np.fromiter((_ordinal(d.filing_date) for d in docs), dtype=np.int64, count=len(docs))
        self._priority = np.fromiter((_ordinal(d.priority_date) for d in docs), dtype=np.int64, count=len(docs))
        holders: dict[str, list[int]] = {}
        for i, d in enumerate(docs):
            for symbol in d.ipc:
                holders.setdefault(ipc_key(symbol), []).append(i)
        self._symbols = sorted(holders)
        self._holders = [np.asarray(holders[s], dtype=np.int64) for s in self._symbols]

    def __len__(self) -> int:
        return len(self.ids)

    def mask(
        self,
        *,
        languages: Iterable[str] | None = None,
        ipc_prefix: str | None = None,
        before: date | ApplicationDates | None = None,
    ) -> NDArray[np.bool_]:
        """Which rows :func:`search.prior_art.eligible` returns for these filters (its arguments)."""
        out = returned_mask(before, self._published, self._filed, self._priority)
        if languages is not None:
            codes = [self._lang_code[lang] for lang in set(languages) if lang in self._lang_code]
            out &= np.isin(self._lang, np.asarray(codes, dtype=np.int32))
        if ipc_prefix is not None:
            out &= self._holding(ipc_key(ipc_prefix))
        return out

    def _holding(self, prefix: str) -> NDArray[np.bool_]:
        """Rows with an IPC symbol starting with ``prefix``: the symbols so starting are one run of the sorted list."""
        found = np.zeros(len(self.ids), dtype=np.bool_)
        start = bisect.bisect_left(self._symbols, prefix)
        end = start
        while end < len(self._symbols) and self._symbols[end].startswith(prefix):
            end += 1
        if end > start:
            found[np.concatenate(self._holders[start:end])] = True
        return found

    def rows_of(self, document_ids: Sequence[str]) -> NDArray[np.int64]:
        """The rows of these documents (each must be held)."""
        return np.fromiter((self.row[d] for d in document_ids), dtype=np.int64, count=len(document_ids))
