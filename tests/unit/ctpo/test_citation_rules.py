"""The pure part of what an office document may cite (ctpo/domain/examination/citations.py)."""

from __future__ import annotations

import pytest

from ctpo.domain.examination.citations import claim_problems, format_problem
from workflows.documents import (
    Citation,
    CitationCategory,
    Objection,
    ObjectionGround,
    OfficeAction,
    OfficeActionResponse,
    SearchReport,
)


def _report(*claim_sets: tuple[int, ...]) -> SearchReport:
    return SearchReport(tuple(Citation("EP 1 A1", frozenset({CitationCategory.X}), c, "p") for c in claim_sets))


def test_cited_claims_must_be_in_the_current_claim_set():
    assert claim_problems(_report((1,), (1, 2)), {1, 2}) == []
    (problem,) = claim_problems(_report((1,), (2, 3, 4)), {1, 2})
    assert problem.field == "payload.citations[1].claims"
    assert problem.message == "claim 3, 4 is not in the current claim set (claims 1-2)"
    action = OfficeAction((Objection((7,), ObjectionGround.CLARITY, "r"),))
    assert [p.field for p in claim_problems(action, {1})] == ["payload.objections[0].claims"]
    assert claim_problems(OfficeActionResponse("arguments"), set()) == []  # cites no claims


@pytest.mark.parametrize(
    "identifier",
    [
        "EP 1234567 A1",
        "EP1234567A1",
        "US 11,617,522 B2",
        "WO 2020/123456",
        "TR2019/01234 A1",
        "KZ-2026-000002",
        "XT 17",
    ],
)
def test_st14_identifiers_have_the_format(identifier: str):
    assert format_problem(identifier) is None


@pytest.mark.parametrize(
    ("identifier", "said"),
    [
        ("see the internet", "not an ST.14 document identifier"),
        ("D1", "not an ST.14 document identifier"),
        ("QQ 1234567 A1", "'QQ' is not a WIPO ST.3"),
        ("EP 1234567 A1 and more", "not an ST.14 document identifier"),
        ("DE-2026-000002", None),  # not one of ours: read as a German document number
    ],
)
def test_what_is_not_an_identifier_says_why(identifier: str, said: str | None):
    problem = format_problem(identifier)
    assert (problem is None) if said is None else (problem is not None and said in problem)
