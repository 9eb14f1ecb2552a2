"""ST.96 export: valid against WIPO's V6_0 schemas, and export → import gives the same bibliographic data."""

from __future__ import annotations

from dataclasses import replace

import pytest
from lxml import etree

from ctpo.exchange.st96 import NSMAP, export_st96, parse_st96, validate
from ctpo.rendering.samples import SAMPLE_LANGUAGES, sample


def _bibliographic(data):
    """What ST.96 carries; representatives' countries live in structured addresses we do not write."""
    return replace(
        data,
        representatives=tuple(replace(r, country="") for r in data.representatives),
        citations=None,
        application_publication_date=None,
    )


@pytest.mark.parametrize("language", SAMPLE_LANGUAGES)
@pytest.mark.parametrize("kind", ["A1", "B1"])
def test_export_is_valid_st96_and_round_trips(language: str, kind: str):
    data = sample(language, kind)
    document = export_st96(data)
    assert validate(document) == []
    assert parse_st96(document) == _bibliographic(data)


def test_designated_states_are_inid_84_regional_designations():
    """The export omitted them: a CTPO publication lost the states it has effect in."""
    data = sample("kk", "B1")
    assert data.designated_states
    root = etree.fromstring(export_st96(data))
    (regional,) = root.iterfind("pat:BibliographicData/pat:StateDesignation/pat:RegionalDesignation", NSMAP)
    assert regional.findtext("pat:RegionalOfficeCode", namespaces=NSMAP) == "XT"
    codes = [c.text for c in regional.iterfind("com:DesignatedCountryCode", NSMAP)]
    assert tuple(codes) == data.designated_states
    none = export_st96(replace(data, designated_states=()))
    assert b"StateDesignation" not in none
    assert validate(none) == []


def test_a_separately_published_search_report_comes_back_as_one():
    """The import named every A document an application; an A3 is the search report (KindCode.document_type)."""
    report = replace(sample("tr", "A1"), kind="A3", document_type="search_report")
    assert parse_st96(export_st96(report)).document_type == "search_report"
    foreign = replace(sample("tr", "B1"), country="TR", kind="B")
    assert parse_st96(export_st96(foreign)).document_type == "patent"


def test_only_the_provisional_office_code_is_outside_the_unmodified_schema():
    errors = validate(export_st96(sample("ru", "B1")), with_provisional_codes=False)
    assert errors
    assert all(("IPOfficeCode" in e or "RegionalOfficeCode" in e) and "'XT'" in e for e in errors), errors
    # a publication of an office WIPO knows is valid against the schema exactly as WIPO publishes it
    national = replace(sample("tr", "A1"), country="TR", designated_states=())  # a national office designates none
    assert validate(export_st96(national), with_provisional_codes=False) == []


def test_invalid_documents_are_reported_not_accepted():
    broken = export_st96(sample("kk", "A1")).replace(b"<pat:PublicationNumber>", b"<pat:PublicationNumbr>", 1)
    broken = broken.replace(b"</pat:PublicationNumber>", b"</pat:PublicationNumbr>", 1)
    assert any("PublicationNumbr" in e for e in validate(broken))
    with pytest.raises(ValueError, match=r"not an ST\.96"):
        parse_st96(b"<root/>")
