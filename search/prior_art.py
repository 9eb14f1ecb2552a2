"""Which documents count as prior art against an application, and which carry a WIPO ST.14 P or E flag.

The rules, for an application with filing date F and earliest valid priority date R (R = F without priority):

* a document never published is never returned (it is not part of the state of the art, and it is confidential);
* published strictly before R: prior art, no flag;
* published on or after R but before F: not prior art against a valid priority claim, flagged ``P``
  (ST.14 "intermediate document"), because it becomes prior art if the priority claim fails;
* published on or after F, but with its own earliest date (priority, else filing) before R: flagged ``E``
  (ST.14 "earlier patent document published on or after the filing date"), the conflicting-application case;
* anything else is not returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from numpy.typing import NDArray

    from search.documents import Document

NO_DATE: Final = 2**62
"""The ordinal :func:`returned_mask` reads as "no date": later than any real one."""


class CitationFlag(StrEnum):
    """ST.14 category letters that depend on dates only."""

    P = "P"
    E = "E"


@dataclass(frozen=True, slots=True)
class ApplicationDates:
    """The dates of the application being searched.

    Attributes:
        filing_date: its filing date.
        priority_date: its earliest valid priority date, if it claims one.
    """

    filing_date: date
    priority_date: date | None = None

    @property
    def reference_date(self) -> date:
        """The date the state of the art is fixed at: the earliest priority, else the filing date."""
        if self.priority_date is None:
            return self.filing_date
        return min(self.priority_date, self.filing_date)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the dates say about one document.

    Attributes:
        returned: whether the document may appear in the results.
        prior_art: whether it is prior art against a valid priority claim.
        flag: ``P`` or ``E`` when one applies.
    """

    returned: bool
    prior_art: bool
    flag: CitationFlag | None = None


_HIDDEN = Verdict(returned=False, prior_art=False)


def earliest_date(filing_date: date | None, priority_date: date | None) -> date | None:
    """A document's own effective date: its priority date if earlier than its filing date."""
    dates = [d for d in (filing_date, priority_date) if d is not None]
    return min(dates) if dates else None


def assess(
    application: ApplicationDates,
    *,
    publication_date: date | None,
    filing_date: date | None = None,
    priority_date: date | None = None,
) -> Verdict:
    """Apply the module's rules to one candidate document.

    Args:
        application: the dates of the application searched for.
        publication_date: when the candidate was published; ``None`` for unpublished.
        filing_date: the candidate's filing date, needed for the ``E`` flag.
        priority_date: the candidate's earliest priority date, if any.

    Returns:
        The verdict.
    """
    if publication_date is None:
        return _HIDDEN
    reference = application.reference_date
    if publication_date < reference:
        return Verdict(returned=True, prior_art=True)
    if publication_date < application.filing_date:
        return Verdict(returned=True, prior_art=False, flag=CitationFlag.P)
    own = earliest_date(filing_date, priority_date)
    if own is not None and own < reference:
        return Verdict(returned=True, prior_art=False, flag=CitationFlag.E)
    return _HIDDEN


def published_before(cutoff: date, publication_date: date | None) -> Verdict:
    """The plain date filter, when only a cut-off date is known: published strictly before ``cutoff``."""
    if publication_date is not None and publication_date < cutoff:
        return Verdict(returned=True, prior_art=True)
    return _HIDDEN


def eligible(
    documents: Iterable[Document],
    *,
    languages: Iterable[str] | None = None,
    ipc_prefix: str | None = None,
    before: date | ApplicationDates | None = None,
) -> dict[str, Verdict]:
    """The documents a search may return, each with its verdict: the filters, then the rules above.

    Args:
        documents: the candidates.
        languages: only documents in these languages.
        ipc_prefix: only documents with an IPC symbol starting so (spaces and case ignored, e.g. ``"H01M10"``).
        before: a date: published strictly before it. :class:`ApplicationDates`: the full rules, with ``P``/``E``
            flags. ``None``: any published document.

    Returns:
        Document id → verdict, for the documents returned.
    """
    langs = None if languages is None else set(languages)
    prefix = None if ipc_prefix is None else ipc_key(ipc_prefix)
    out: dict[str, Verdict] = {}
    for doc in documents:
        if langs is not None and doc.lang not in langs:
            continue
        if prefix is not None and not any(ipc_key(c).startswith(prefix) for c in doc.ipc):
            continue
        verdict = date_verdict(before, doc.publication_date, doc.filing_date, doc.priority_date)
        if verdict.returned:
            out[doc.id] = verdict
    return out


def date_verdict(
    before: date | ApplicationDates | None,
    publication_date: date | None,
    filing_date: date | None,
    priority_date: date | None,
) -> Verdict:
    """What the dates say about one document under the ``before`` filter of :func:`eligible`."""
    if isinstance(before, ApplicationDates):
        return assess(before, publication_date=publication_date, filing_date=filing_date, priority_date=priority_date)
    if before is not None:
        return published_before(before, publication_date)
    return Verdict(returned=publication_date is not None, prior_art=True)


def returned_mask(
    before: date | ApplicationDates | None,
    published: NDArray[np.int64],
    filed: NDArray[np.int64],
    priority: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """Which documents :func:`date_verdict` returns, over arrays of date ordinals (:data:`NO_DATE` for none).

    The module's rules restated for whole columns (what :mod:`search.eligibility` filters with): published
    before the filing date (prior art, or ``P``), or with its own earliest date before the reference date (``E``);
    a plain date admits what was published strictly before it.
    """
    returned: NDArray[np.bool_] = published != NO_DATE
    if isinstance(before, ApplicationDates):
        own = np.minimum(filed, priority)  # earliest_date: NO_DATE is later than any date, so None is skipped
        reference = before.reference_date.toordinal()
        returned &= (published < before.filing_date.toordinal()) | (own < reference)
    elif before is not None:
        returned &= published < before.toordinal()
    return returned


def ipc_key(symbol: str) -> str:
    """An IPC symbol as the prefix filter compares it: without spaces, upper case."""
    return symbol.replace(" ", "").upper()
