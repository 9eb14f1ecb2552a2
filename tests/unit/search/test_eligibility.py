"""The in-process engine's filter columns return exactly what the prior-art rules (``eligible``) return."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np

from search.documents import Document
from search.eligibility import EligibilityColumns
from search.prior_art import ApplicationDates, eligible

D = date(2020, 6, 15)
DAY = timedelta(days=1)
DATES = [None, D - 200 * DAY, D - 100 * DAY, D - DAY, D, D + DAY, D + 100 * DAY]


def _grid() -> list[Document]:
    """Every combination of publication, filing and priority date around D, three languages, IPC lists."""
    ipcs = (["H01M 10/0525"], ["A61B 5/145", "h01m2/10"], [], ["H01M 2/10", "H01M 10/05"])
    return [
        Document(
            id=f"G{n}",
            lang=("kk", "tr", "ru")[n % 3],
            title="t",
            publication_date=published,
            filing_date=filed,
            priority_date=priority,
            ipc=ipcs[n % 4],
        )
        for n, (published, filed, priority) in enumerate(itertools.product(DATES, DATES, DATES))
    ]


def test_masks_equal_the_rules_over_every_combination_of_filters() -> None:
    docs = _grid()
    columns = EligibilityColumns(docs)
    applications = [
        ApplicationDates(D),
        ApplicationDates(D, D - 100 * DAY),
        ApplicationDates(D, D + DAY),
        ApplicationDates(D - DAY, D - DAY),
    ]
    befores: list[object] = [None, D, D + DAY, *applications]
    for languages, prefix, before in itertools.product(
        [None, ["kk"], ["tr", "ru"], [], ["en"]], [None, "h01m 10", "H01M", "", "A61B5/1", "B60"], befores
    ):
        want = set(eligible(docs, languages=languages, ipc_prefix=prefix, before=before))  # type: ignore[arg-type]
        mask = columns.mask(languages=languages, ipc_prefix=prefix, before=before)  # type: ignore[arg-type]
        got = {columns.ids[i] for i in np.flatnonzero(mask)}
        assert got == want, (languages, prefix, before)


def test_empty_corpus_admits_nothing() -> None:
    assert not EligibilityColumns([]).mask(languages=["kk"], ipc_prefix="H", before=D).any()
