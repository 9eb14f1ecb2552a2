"""Decide what an uploaded file really is from its bytes; the name and the declared type are only claims."""

from __future__ import annotations

import io
import logging
import re
import xml.parsers.expat
import zipfile

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from ctpo.lib.errors import FieldError, UnsupportedMediaError

logging.getLogger("pypdf").setLevel(logging.ERROR)  # a refused upload is answered, not logged as pypdf's warnings

PDF = "application/pdf"
XML = "application/xml"
TEXT = "text/plain"
ACCEPTED = (PDF, XML, TEXT)
_ALIASES = {"text/xml": XML, "application/x-pdf": PDF, "text/plain; charset=utf-8": TEXT}


def _is_xml(content: bytes) -> bool:
    """Well-formed XML without a DOCTYPE: entity tricks (XXE, billion laughs) are refused, not parsed."""
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return False
    parser = xml.parsers.expat.ParserCreate()

    def refuse_doctype(*_args: object) -> None:
        raise ValueError("DOCTYPE")

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    try:
        parser.Parse(content, True)  # noqa: FBT003 - expat's signature
    except (xml.parsers.expat.ExpatError, ValueError):
        return False
    return True


def _is_text(content: bytes) -> bool:
    """UTF-8 text without NULs or other control characters than line breaks, tabs and form feeds."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch >= " " or ch in "\n\r\t\f" for ch in text)


_PDF_TRAILER_WINDOW = 1024
"""A PDF ends with ``%%EOF`` within its last kilobyte (what Acrobat requires)."""
_AFTER_EOF = re.compile(rb"%%EOF[\x00\t\n\f\r ]*\Z")
"""Only white space may follow the last ``%%EOF``: bytes after it are another file appended (a polyglot)."""


def _is_pdf(content: bytes) -> bool:
    """A PDF by its structure, not only its first and last bytes.

    - ``%PDF-`` at the start and ``%%EOF`` at the end, with nothing but white space after it;
    - a document pypdf can open: cross-reference table, trailer, catalogue, and at least one page;
    - not at the same time a ZIP archive (a valid end-of-central-directory record): an archive with a PDF header
      and trailer, or a PDF with an archive spliced in, is two files in one and is refused.
    """
    if not content.startswith(b"%PDF-") or _AFTER_EOF.search(content[-_PDF_TRAILER_WINDOW:]) is None:
        return False
    if zipfile.is_zipfile(io.BytesIO(content)):
        return False
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        return not reader.is_encrypted and len(reader.pages) >= 1
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError):
        return False  # what pypdf cannot read, no examiner's viewer will reliably read either


def sniff(content: bytes) -> str | None:
    """The accepted media type the bytes are, or None."""
    if _is_pdf(content):
        return PDF
    if _is_xml(content):
        return XML
    if _is_text(content):
        return TEXT
    return None


def check_document(field: str, filename: str, content: bytes, declared: str | None) -> str:
    """The media type to store for an upload, after checking the bytes agree with any declared type.

    Raises:
        UnsupportedMediaError: the bytes are not PDF, XML or plain text, or not what was declared.
    """
    actual = sniff(content)
    if actual is None:
        raise UnsupportedMediaError(
            f"'{filename}' is not a PDF, XML or UTF-8 plain-text file; nothing was filed.",
            errors=[FieldError(field, "the content is not PDF, well-formed XML without DOCTYPE, or UTF-8 text")],
        )
    if declared:
        wanted = _ALIASES.get(declared.lower().strip(), declared.lower().split(";")[0].strip())
        if wanted not in {"application/octet-stream", actual}:
            raise UnsupportedMediaError(
                f"'{filename}' was declared as {declared} but its content is {actual}; nothing was filed.",
                errors=[FieldError(field, f"declared {declared}, content is {actual}")],
            )
    return actual
