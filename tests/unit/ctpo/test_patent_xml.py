"""Patent XML into corpus documents, on real public files (see tests/data/patent_xml/README.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ctpo.exchange.patent_xml import read_patent_xml, split_documents
from ctpo.exchange.st96 import export_st96
from ctpo.rendering.samples import sample

DATA = Path(__file__).resolve().parents[2] / "data" / "patent_xml"


def _one(path: Path):
    (record,) = list(read_patent_xml(path))
    assert record.error is None, record.error
    return record.document


def test_uspto_grant():
    doc = _one(DATA / "US08930553.xml")
    assert doc.id == "US8930553B2"
    assert (doc.lang, doc.publication_date, doc.filing_date) == ("en", date(2015, 1, 6), date(2012, 10, 9))
    assert doc.title.startswith("Managing mid-dialog session initiation protocol")
    assert doc.ipc == ["G06F 15/16"]
    assert len(doc.claims) == 8
    assert doc.claims[0].startswith("1. ") or doc.claims[0][0].isalpha()
    assert "session" in doc.description


def test_uspto_application_with_priority():
    doc = _one(DATA / "US20050004437A1.xml")
    assert doc.id == "US20050004437A1"
    assert doc.priority_date == date(2001, 10, 26)
    assert doc.filing_date == date(2004, 4, 23)
    assert len(doc.claims) == 10


def test_docdb_exchange_document_from_epo_ops():
    doc = _one(DATA / "EP2400812A1-docdb.xml")
    assert (doc.id, doc.lang, doc.title) == ("EP2400812A1", "en", "BLUETOOTH NETWORKING")
    assert doc.publication_date == date(2011, 12, 28)
    assert doc.ipc == ["H04W 84/20"]
    assert doc.abstract.startswith("An apparatus enabling establishment of a Bluetooth mesh network")


def test_st96_export_reads_back_as_corpus_document(tmp_path: Path):
    path = tmp_path / "kk.xml"
    path.write_bytes(export_st96(sample("kk", "A1")))
    doc = _one(path)
    assert doc.id == "XT18A1"
    assert (doc.lang, doc.title) == ("kk", sample("kk", "A1").title)
    assert doc.priority_date == date(2025, 8, 5)


EP_STRUCTURE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE ep-patent-document PUBLIC "-//EPO//EP PATENT DOCUMENT 1.7//EN" "ep-patent-document-v1-7.dtd">
<ep-patent-document id="EP12783558B1" lang="en" country="EP" doc-number="2912867" kind="B1" date-publ="20250129">
<SDOBI lang="en"><B200><B210>12783558.5</B210><B220><date>20121029</date></B220></B200>
<B300><B310>201261720046 P</B310><B320><date>20121030</date></B320><B330><ctry>US</ctry></B330></B300>
<B500><B510EP><classification-ipcr sequence="1"><text>H04W  12/04        20210101AFI20240805BHEP</text>
</classification-ipcr></B510EP><B540><B541>de</B541><B542>VERFAHREN</B542><B541>en</B541>
<B542>METHODS ENABLING TO IMPROVE HANDOVER SECURITY</B542></B540></B500></SDOBI>
<claims id="claims02" lang="de"><claim num="0001"><claim-text>Vorrichtung.</claim-text></claim></claims>
<claims id="claims01" lang="en"><claim num="0001"><claim-text>An apparatus comprising
<claim-text>a memory unit.</claim-text></claim-text></claim></claims>
</ep-patent-document>
"""


def test_epo_publication_structure(tmp_path: Path):
    path = tmp_path / "ep.xml"
    path.write_bytes(EP_STRUCTURE)
    doc = _one(path)
    assert doc.id == "EP2912867B1"
    assert doc.title == "METHODS ENABLING TO IMPROVE HANDOVER SECURITY"
    assert doc.claims == ["An apparatus comprising a memory unit."]
    assert (doc.filing_date, doc.priority_date, doc.ipc) == (date(2012, 10, 29), date(2012, 10, 30), ["H04W 12/04"])


def test_bulk_files_are_split_and_bad_parts_reported(tmp_path: Path):
    grant = (DATA / "US08930553.xml").read_bytes()
    application = (DATA / "US20050004437A1.xml").read_bytes()
    assert len(split_documents(grant + b"\n" + application)) == 2
    path = tmp_path / "bulk.xml"
    path.write_bytes(grant + b"\n" + b'<?xml version="1.0"?>\n<unknown-format/>\n' + application)
    records = list(read_patent_xml(path))
    assert [r.document.id if r.document else None for r in records] == ["US8930553B2", None, "US20050004437A1"]
    assert "unknown patent XML format" in (records[1].error or "")


@pytest.mark.parametrize(
    "hostile",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><us-patent-grant>&e;</us-patent-grant>',
        b"<us-patent-grant><unclosed></us-patent-grant>",
    ],
)
def test_hostile_or_broken_xml_is_reported_not_loaded(tmp_path: Path, hostile: bytes):
    path = tmp_path / "bad.xml"
    path.write_bytes(hostile)
    (record,) = list(read_patent_xml(path))
    assert record.document is None
    assert record.error
    assert "root:" not in record.error
