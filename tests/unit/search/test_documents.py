"""Document.to_json: the JSON form stored and digested keeps every field (it is spelled out field by field)."""

from __future__ import annotations

import dataclasses
from datetime import date

from search.documents import Document


def test_to_json_holds_every_field_with_iso_dates() -> None:
    doc = Document(
        id="KZ123",
        lang="kk",
        title="Батарея",
        abstract="a",
        claims=["c1", "c2"],
        description="d",
        publication_date=date(2020, 1, 2),
        filing_date=date(2019, 3, 4),
        priority_date=None,
        ipc=["H01M 10/0525"],
    )
    want = dataclasses.asdict(doc) | {"publication_date": "2020-01-02", "filing_date": "2019-03-04"}
    got = doc.to_json()
    assert got == want
    assert list(got) == [f.name for f in dataclasses.fields(Document)]
    assert Document.from_json(got) == doc
    got["claims"].append("c3")  # a copy: the frozen document is not changed through its JSON
    assert doc.claims == ["c1", "c2"]
