"""The ST.16 kind code each path publishes, corrections, numbers and ST.14 citations."""

from __future__ import annotations

import pytest

from workflows.publication import (
    PUBLICATION_RULES,
    SEARCH_REPORT_ISSUED_STATES,
    Citation,
    CorrectionScope,
    KindCode,
    citation_of,
    correction_kind,
    format_publication_number,
    kind_for,
    parse_citation,
)
from workflows.states import PENDING_STATES, ApplicationState

S = ApplicationState


@pytest.mark.parametrize(
    ("action", "from_state", "published", "expected"),
    [
        # publication at 18 months (or on request) before the search report: A2
        ("publish", S.FILED, True, KindCode.A2),
        ("publish", S.FORMALITIES_CHECK, True, KindCode.A2),
        ("publish", S.FORMALITIES_DEFICIENT, True, KindCode.A2),
        ("publish", S.SEARCH, True, KindCode.A2),
        # ... once the report is out, it is published with the application: A1
        ("publish", S.SEARCH_REPORT_ISSUED, True, KindCode.A1),
        ("publish", S.EXAMINATION, True, KindCode.A1),
        ("publish", S.OFFICE_ACTION, True, KindCode.A1),
        ("publish", S.INTENTION_TO_GRANT, True, KindCode.A1),
        # a report issued after an A2 is published on its own: A3; before publication it publishes nothing
        ("issue_search_report", S.SEARCH, True, KindCode.A3),
        ("issue_search_report", S.SEARCH, False, None),
        # grant and the opposition outcome
        ("approve_grant_text", S.INTENTION_TO_GRANT, True, KindCode.B1),
        ("maintain_as_amended", S.OPPOSITION, True, KindCode.B2),
        ("maintain_patent", S.OPPOSITION, True, None),
        ("revoke_patent", S.OPPOSITION, True, None),
        ("file_opposition", S.GRANTED, True, None),
        ("request_examination", S.SEARCH_REPORT_ISSUED, True, None),
    ],
)
def test_kind_code_of_each_path(action: str, from_state: ApplicationState, published: bool, expected: KindCode | None):
    rule = kind_for(action, from_state=from_state, published=published)
    assert (rule.kind if rule else None) == expected


def test_every_pending_state_publishes_exactly_a1_or_a2():
    for state in PENDING_STATES:
        rule = kind_for("publish", from_state=state, published=True)
        assert rule is not None
        assert rule.kind is (KindCode.A1 if state in SEARCH_REPORT_ISSUED_STATES else KindCode.A2)


def test_every_rule_names_its_legal_basis():
    assert all("EPC" in rule.basis for rule in PUBLICATION_RULES)


@pytest.mark.parametrize(
    ("original", "scope", "expected"),
    [
        (KindCode.A1, CorrectionScope.FRONT_PAGE, KindCode.A8),
        (KindCode.A2, CorrectionScope.COMPLETE, KindCode.A9),
        (KindCode.A3, CorrectionScope.FRONT_PAGE, KindCode.A8),
        (KindCode.A9, CorrectionScope.FRONT_PAGE, KindCode.A8),
        (KindCode.B1, CorrectionScope.FRONT_PAGE, KindCode.B8),
        (KindCode.B2, CorrectionScope.COMPLETE, KindCode.B9),
        (KindCode.B8, CorrectionScope.COMPLETE, KindCode.B9),
    ],
)
def test_correction_kinds(original: KindCode, scope: CorrectionScope, expected: KindCode):
    assert correction_kind(original, scope) is expected
    assert expected.is_correction


def test_kind_properties():
    assert [k for k in KindCode if k.has_search_report] == [KindCode.A1, KindCode.A3]
    assert [k for k in KindCode if k.is_grant] == [KindCode.B1, KindCode.B2, KindCode.B8, KindCode.B9]
    assert KindCode.A3.document_type == "search_report"
    assert KindCode.B2.document_type == "patent"


def test_numbers():
    assert format_publication_number(17) == "0000017"
    with pytest.raises(ValueError, match="start at 1"):
        format_publication_number(0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("XT 0000017 A1", Citation("XT", "0000017", "A1")),
        ("xt0000017a1", Citation("XT", "0000017", "A1")),
        ("US 11,617,522 B2", Citation("US", "11617522", "B2")),
        ("US11617522B2", Citation("US", "11617522", "B2")),
        ("TR2019/01234 A1", Citation("TR", "201901234", "A1")),
        ("EP 1234567", Citation("EP", "1234567", None)),
        ("Smith, J. Battery cooling, Nature 2019", None),
        ("", None),
    ],
)
def test_st14_citations(text: str, expected: Citation | None):
    assert parse_citation(text) == expected


def test_ctpo_citation_is_printed_as_st14():
    assert str(citation_of("0000017", KindCode.B1)) == "XT 0000017 B1"
