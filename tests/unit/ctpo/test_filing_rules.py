"""Filing rules checked without a server or a database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import msgspec
import pytest

from ctpo.domain.filings.document_types import PDF, TEXT, XML, check_document, sniff
from ctpo.domain.filings.schemas import ApplicationIn
from ctpo.domain.filings.storage import DocumentStore, sha256_hex
from ctpo.domain.filings.validation import normalize_ipc, validate_application
from ctpo.lib.errors import InvalidRequestError, UnsupportedMediaError
from tests.support import application_payload, real_pdf
from workflows.deadlines import add_months
from workflows.offices import get_office


def _app(**overrides: object) -> ApplicationIn:
    return msgspec.convert(application_payload(**overrides), ApplicationIn)


def _fields(exc: pytest.ExceptionInfo[InvalidRequestError]) -> list[str]:
    return [e.field for e in exc.value.errors]


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("H01M 10/613", "H01M 10/613"),
        ("h01m10/613", "H01M 10/613"),
        ("H01M  10 / 613", "H01M 10/613"),
        ("A61K 31/00", "A61K 31/00"),
        ("G06F 3/0", "G06F 3/00"),
        ("H01M", "H01M"),
        ("I01M 10/613", None),
        ("H1M 10/613", None),
        ("H01M 10613", None),
        ("H01M 10/613; DROP TABLE", None),
    ],
)
def test_ipc_symbols(raw: str, canonical: str | None):
    assert normalize_ipc(raw) == canonical


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 8, 31), 12, date(2027, 8, 31)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
    ],
)
def test_add_months_end_of_month(start: date, months: int, end: date):
    assert add_months(start, months) == end


def test_priority_period_is_twelve_months_to_the_day():
    filing = date(2026, 11, 23)
    assert validate_application(
        _app(priority_claims=[{"office": "TR", "number": "1", "date": "2025-11-23"}]), filing
    ) == ["H01M 10/613"]
    with pytest.raises(InvalidRequestError) as late:
        validate_application(_app(priority_claims=[{"office": "TR", "number": "1", "date": "2025-11-22"}]), filing)
    assert _fields(late) == ["priority_claims[0].date"]
    assert "12 months" in late.value.errors[0].message
    with pytest.raises(InvalidRequestError) as future:
        validate_application(_app(priority_claims=[{"office": "TR", "number": "1", "date": "2026-11-24"}]), filing)
    assert "after the filing date" in future.value.errors[0].message


def test_all_errors_are_reported_at_once():
    with pytest.raises(InvalidRequestError) as exc:
        validate_application(
            _app(language="xx", claims=[], applicants=[], ipc=["nope", "H01M", "h01m"]), date(2026, 11, 23)
        )
    assert _fields(exc) == ["language", "claims", "applicants", "ipc[0]", "ipc[2]"]


def test_control_and_direction_characters_are_refused():
    with pytest.raises(InvalidRequestError) as exc:
        validate_application(_app(title="Bad\u202eexe.pdf", abstract="nul\x00byte"), date(2026, 11, 23))
    assert _fields(exc) == ["title", "abstract"]
    # line breaks are fine in long texts
    validate_application(_app(description="line one\nline two\ttabbed"), date(2026, 11, 23))


def test_legal_filing_date_is_the_office_local_date():
    moment = datetime(2026, 12, 31, 21, 30, tzinfo=UTC)
    assert get_office("KZ").local_date(moment) == date(2027, 1, 1)  # Astana/Almaty, UTC+5
    assert get_office("TR").local_date(moment) == date(2027, 1, 1)  # Istanbul, UTC+3 → 00:30
    assert get_office("TR").local_date(datetime(2026, 12, 31, 20, 59, tzinfo=UTC)) == date(2026, 12, 31)
    with pytest.raises(ValueError, match="aware"):
        get_office("KZ").local_date(datetime(2026, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (real_pdf(), PDF),
        (b"%PDF-1.4\n...\n%%EOF\n", TEXT),  # a header and a trailer with no PDF between: what it is, text
        (real_pdf() + b"PK\x05\x06" + bytes(18), None),  # bytes after %%EOF: another file appended
        (b"%PDF-1.7\nMZ\x90\x00\x03\x00 an executable behind a forged header", None),  # no trailer, not text
        (b"%PDF-1.4 and then only words", TEXT),  # no trailer: what it is, text
        (b'<?xml version="1.0"?><a>b</a>', XML),
        (b"\xef\xbb\xbf<a/>", XML),
        ("Қазақша мәтін\n".encode(), TEXT),
        (b"<a><b></a>", TEXT),  # malformed XML is still text
        (b"MZ\x90\x00", None),
        (b"PK\x03\x04zipzip", None),
        (b"<!DOCTYPE lolz [<!ENTITY lol 'lol'>]><lolz>&lol;</lolz>", TEXT),  # never parsed as XML
        (b"text with \x00 NUL", None),
    ],
)
def test_sniffing(content: bytes, kind: str | None):
    assert sniff(content) == kind


def test_declared_type_must_match_content():
    assert check_document("d", "a.txt", b"hello", "text/plain; charset=utf-8") == TEXT
    assert check_document("d", "a.bin", real_pdf(), "application/octet-stream") == PDF
    with pytest.raises(UnsupportedMediaError):
        check_document("d", "a.pdf", b"hello", "application/pdf")


def test_document_store_is_content_addressed_and_verifies(tmp_path):
    store = DocumentStore(tmp_path)
    digest = store.put(b"claims")
    assert digest == sha256_hex(b"claims")
    assert store.put(b"claims") == digest
    assert store.get(digest) == b"claims"
    assert not list(tmp_path.rglob(".incoming-*"))
    store.path_for(digest).write_bytes(b"tampered")
    with pytest.raises(OSError, match="corrupt"):
        store.get(digest)
    with pytest.raises(ValueError, match="SHA-256"):
        store.path_for("../../etc/passwd")
