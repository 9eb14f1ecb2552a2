"""Patent XML as the corpus loader's records (:class:`~search.engine.Document`).

Formats: WIPO ST.96, ST.36 (USPTO grant/application, EPO publication) and DOCDB exchange documents.

One function per format, chosen by the root element; :func:`read_patent_xml` also splits USPTO's weekly bulk
files, which are many XML documents concatenated. Untrusted input: no entity expansion, no DTD loading, no
network (USPTO files declare a DOCTYPE we never fetch).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from lxml import etree

from ctpo.exchange.st96 import PAT, parse_st96
from search.engine import Document

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

EXCHANGE = "http://www.epo.org/exchange"
_DECLARATION = re.compile(rb"<\?xml\s[^>]*\?>")
_IPC_TEXT = re.compile(r"^\s*([A-H]\d{2}[A-Z])\s*(\d{1,4})\s*/\s*(\d{1,6})")


@dataclass(frozen=True, slots=True)
class XmlRecord:
    """A record read from a file: the document, or why it could not be read (``where`` locates it)."""

    where: str
    document: Document | None
    error: str | None = None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _text(element: etree._Element | None) -> str:
    return "" if element is None else " ".join("".join(element.itertext()).split())


def _yyyymmdd(text: str) -> date | None:
    digits = re.sub(r"\D", "", text)
    if len(digits) != 8:  # noqa: PLR2004 - YYYYMMDD
        return None
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def _ipc_symbol(text: str) -> str | None:
    """``H04W  84/    20 …``, ``G06F 15/16`` → ``H04W 84/20``."""
    match = _IPC_TEXT.match(re.sub(r"/\s+", "/", text))
    return f"{match.group(1)} {match.group(2)}/{match.group(3)}" if match else None


def _ipcr_fields(element: etree._Element) -> str | None:
    """ST.36 ``classification-ipcr`` with section/class/subclass/main-group/subgroup children."""
    parts = {c: _text(element.find(c)) for c in ("section", "class", "subclass", "main-group", "subgroup")}
    if not all(parts[c] for c in ("section", "class", "subclass", "main-group")):
        return _ipc_symbol(_text(element.find("text"))) if element.find("text") is not None else None
    return f"{parts['section']}{parts['class']}{parts['subclass']} {parts['main-group']}/{parts['subgroup'] or '00'}"


def _claims(root: etree._Element, language: str) -> list[str]:
    blocks = root.findall("claims")
    chosen = next((b for b in blocks if (b.get("lang") or "").lower() == language), blocks[0] if blocks else None)
    if chosen is None:
        return []
    return [_text(claim) for claim in chosen.iter("claim")]


def _doc_id(country: str, number: str, kind: str) -> str:
    """``US`` ``08930553`` ``B2`` → ``US8930553B2`` (the corpus's spelling: no separators, no leading zeros)."""
    digits = number.lstrip("0") if number.isdigit() else number
    return f"{country}{digits}{kind}"


def _st36(root: etree._Element) -> Document:
    """USPTO ``us-patent-grant``/``us-patent-application`` and WIPO ST.36 ``patent-document``."""
    bib = next(
        (c for c in root if _local(c.tag).endswith("bibliographic-data") or "bibliographic-data-" in _local(c.tag)),
        None,
    )
    if bib is None:
        raise ValueError("no bibliographic data")
    publication = bib.find("publication-reference/document-id")
    application = bib.find("application-reference/document-id")
    if publication is None:
        raise ValueError("no publication reference")
    country, number = _text(publication.find("country")), _text(publication.find("doc-number"))
    kind = _text(publication.find("kind"))
    language = (root.get("lang") or "en").lower()[:2]
    priorities = [_yyyymmdd(_text(p.find("date"))) for p in bib.iterfind("priority-claims/priority-claim")]
    ipc = [s for s in (_ipcr_fields(c) for c in bib.iter("classification-ipcr")) if s]
    return Document(
        id=_doc_id(country, number, kind),
        lang=language,
        title=_text(bib.find("invention-title")),
        abstract=_text(root.find("abstract")),
        claims=_claims(root, language),
        description=_text(root.find("description")),
        publication_date=_yyyymmdd(_text(publication.find("date"))) or _yyyymmdd(root.get("date-publ", "")),
        filing_date=_yyyymmdd(_text(application.find("date"))) if application is not None else None,
        priority_date=min((d for d in priorities if d), default=None),
        ipc=ipc,
    )


def _ep_publication(root: etree._Element) -> Document:
    """EPO publication server ``ep-patent-document`` (ST.36-based, INID-coded ``SDOBI`` front page)."""
    language = (root.get("lang") or "en").lower()
    sdobi = root.find("SDOBI")
    titles: dict[str, str] = {}
    if sdobi is not None:
        current = ""
        for element in sdobi.iterfind("B500/B540/*"):
            if element.tag == "B541":
                current = _text(element).lower()
            elif element.tag == "B542":
                titles[current] = _text(element)
    priorities = [_yyyymmdd(_text(p)) for p in root.iterfind("SDOBI/B300/B320")]
    return Document(
        id=_doc_id(root.get("country", "EP"), root.get("doc-number", ""), root.get("kind", "")),
        lang=language,
        title=titles.get(language) or next(iter(titles.values()), ""),
        abstract=_text(root.find("abstract")),
        claims=_claims(root, language),
        description=_text(root.find("description")),
        publication_date=_yyyymmdd(root.get("date-publ", "")),
        filing_date=_yyyymmdd(_text(root.find("SDOBI/B200/B220"))),
        priority_date=min((d for d in priorities if d), default=None),
        ipc=[
            s for s in (_ipc_symbol(_text(t)) for t in root.iterfind("SDOBI/B500/B510EP/classification-ipcr/text")) if s
        ],
    )


def _docdb(document: etree._Element) -> Document:
    """One DOCDB/OPS ``exchange-document`` (namespace ``http://www.epo.org/exchange``)."""
    ns = {"x": EXCHANGE}
    bib = document.find("x:bibliographic-data", ns)
    if bib is None:
        raise ValueError("no bibliographic data")
    publication = bib.find("x:publication-reference/x:document-id[@document-id-type='docdb']", ns)
    titles = {(t.get("lang") or "").lower(): _text(t) for t in bib.iterfind("x:invention-title", ns)}
    abstracts = {(a.get("lang") or "").lower(): _text(a) for a in document.iterfind("x:abstract", ns)}
    language = "en" if "en" in titles or "en" in abstracts else next(iter(titles or abstracts), "en")
    application = bib.find("x:application-reference/x:document-id[@document-id-type='epodoc']", ns)
    priorities = [
        _yyyymmdd(_text(d)) for d in bib.iterfind("x:priority-claims/x:priority-claim/x:document-id/x:date", ns)
    ]
    published = _text(publication.find("x:date", ns)) if publication is not None else ""
    return Document(
        id=_doc_id(document.get("country", ""), document.get("doc-number", ""), document.get("kind", "")),
        lang=language,
        title=titles.get(language, ""),
        abstract=abstracts.get(language, ""),
        publication_date=_yyyymmdd(published or document.get("date-publ", "")),
        filing_date=_yyyymmdd(_text(application.find("x:date", ns))) if application is not None else None,
        priority_date=min((d for d in priorities if d), default=None),
        ipc=[
            s
            for s in (
                _ipc_symbol(_text(t)) for t in bib.iterfind("x:classifications-ipcr/x:classification-ipcr/x:text", ns)
            )
            if s
        ],
    )


def _st96(root: etree._Element) -> Document:
    data = parse_st96(root)
    return Document(
        id=_doc_id(data.country, data.number, data.kind),
        lang=data.language,
        title=data.title,
        abstract=data.abstract,
        claims=list(data.claims),
        description=data.description,
        publication_date=data.publication_date,
        filing_date=data.filing_date,
        priority_date=min((p.filed_on for p in data.priorities), default=None),
        ipc=list(data.ipc),
    )


def documents_in(root: etree._Element) -> Iterator[Document]:
    """The documents of one parsed XML document, whatever its format.

    Raises:
        ValueError: a format this loader does not read, or a document without what the corpus needs.
    """
    name = _local(root.tag)
    if root.tag == f"{{{PAT}}}PatentPublication":
        yield _st96(root)
    elif name in {"us-patent-grant", "us-patent-application", "patent-document"}:
        yield _st36(root)
    elif name == "ep-patent-document":
        yield _ep_publication(root)
    elif name in {"world-patent-data", "exchange-documents", "exchange-document"}:
        found = [root] if name == "exchange-document" else list(root.iter(f"{{{EXCHANGE}}}exchange-document"))
        for document in found:
            yield _docdb(document)
    else:
        raise ValueError(f"unknown patent XML format <{name}>")


def split_documents(content: bytes) -> list[bytes]:
    """USPTO bulk files concatenate whole XML documents; each starts with its own ``<?xml`` declaration."""
    starts = [m.start() for m in _DECLARATION.finditer(content)] or [0]
    if starts[0] != 0 and content[: starts[0]].strip():
        starts.insert(0, 0)
    return [content[a:b] for a, b in zip(starts, [*starts[1:], len(content)], strict=True) if content[a:b].strip()]


def _checked(document: Document) -> Document:
    """What the corpus requires of every record, whatever its source."""
    if document.publication_date is None:
        raise ValueError(f"{document.id}: no publication date; only published documents are prior art")
    if not document.id or not document.lang:
        raise ValueError("a corpus document needs an id and a language")
    return document


def read_patent_xml(path: Path) -> Iterator[XmlRecord]:
    """Every document of a patent XML file, or the reason each part could not be read."""
    for position, part in enumerate(split_documents(path.read_bytes()), start=1):
        where = f"document {position}"
        try:
            root = etree.fromstring(part, _parser())
            for document in documents_in(root):
                yield XmlRecord(where, _checked(document))
        except (etree.XMLSyntaxError, ValueError) as exc:
            yield XmlRecord(where, None, str(exc))
