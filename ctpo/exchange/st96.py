"""WIPO ST.96 (V6_0) XML of a publication's bibliographic data, abstract, description and claims; and back.

The export is one ``pat:PatentPublication`` per published document, built from the same
:class:`~ctpo.rendering.PublicationData` as the PDF, so both always say the same thing. :func:`validate` checks it
against WIPO's own schemas (``schemas/st96_v6_0``); :func:`parse_st96` reads it (or another office's ST.96
publication) back into the same data, which is how the round trip is tested.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

from lxml import etree

from ctpo.rendering import PartyData, PriorityData, PublicationData
from workflows.publication import DocumentType, KindCode

ST96_VERSION = "V6_0"
SCHEMAS = Path(__file__).resolve().parent / "schemas" / "st96_v6_0"
PAT = "http://www.wipo.int/standards/XMLSchema/ST96/Patent"
COM = "http://www.wipo.int/standards/XMLSchema/ST96/Common"
NSMAP = {"pat": PAT, "com": COM}
_IPC = re.compile(r"^\s*([A-H])(\d{2})([A-Z])\s*(\d{1,4})\s*/\s*(\d{1,6})\s*$")
_PROVISIONAL_CODES = ("XT",)
"""Office codes we use that WIPO's ST.3 list in the schema does not have yet (the CTPO's own)."""
_DESIGNATED = "pat:StateDesignation/pat:RegionalDesignation/com:DesignatedCountryCode"
"""INID (84): the states designated through a regional office."""


def _p(tag: str) -> str:
    return f"{{{PAT}}}{tag}"


def _c(tag: str) -> str:
    return f"{{{COM}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {(_c(k) if ":" not in k else k): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _party(parent: etree._Element, tag: str, position: int, party: PartyData, language: str) -> None:
    element = _sub(parent, _p(tag), sequenceNumber=str(position))
    if tag == "RegisteredPractitioner":  # (74): a representative before the office
        _sub(element, _p("RegisteredPractitionerCategory"), "Agent")
    contact = _sub(element, _c("Contact"), languageCode=language)
    name = _sub(contact, _c("Name"))
    _sub(name, _c("EntityName"), party.name)
    if party.address:
        bag = _sub(contact, _c("PostalAddressBag"))
        address = _sub(bag, _c("PostalAddress"))
        _sub(address, _c("PostalAddressText"), party.address)
    if party.country and tag == "Applicant":
        _sub(element, _c("ResidenceCountryCode"), party.country)
    elif party.country and tag == "Inventor":
        _sub(element, _c("NationalityCode"), party.country)


def _ipc(bag: etree._Element, symbol: str) -> None:
    element = _sub(bag, _p("IPCRClassification"))
    _sub(element, _p("PatentClassificationText"), symbol)


def _identification(biblio: etree._Element, data: PublicationData) -> None:
    publication = _sub(biblio, _p("PatentPublicationIdentification"))
    _sub(publication, _c("IPOfficeCode"), data.country)
    _sub(publication, _p("PublicationNumber"), data.number)
    _sub(publication, _c("PublicationLanguageCode"), data.language)
    _sub(publication, _c("PatentDocumentKindCode"), data.kind)
    _sub(publication, _c("PublicationDate"), data.publication_date.isoformat())
    application = _sub(biblio, _p("ApplicationIdentification"))
    _sub(application, _c("IPOfficeCode"), data.country)
    number = _sub(application, _c("ApplicationNumber"))
    _sub(number, _c("ApplicationNumberText"), data.application_number)
    _sub(application, _c("FilingLanguageCode"), data.language)
    _sub(application, _p("FilingDate"), data.filing_date.isoformat())
    if data.priorities:
        bag = _sub(biblio, _p("PriorityClaimBag"))
        for position, priority in enumerate(data.priorities, start=1):
            claim = _sub(bag, _p("PriorityClaim"), sequenceNumber=str(position))
            _sub(claim, _c("IPOfficeCode"), priority.office)
            earlier = _sub(claim, _c("ApplicationNumber"))
            _sub(earlier, _c("ApplicationNumberText"), priority.number)
            _sub(claim, _p("FilingDate"), priority.filed_on.isoformat())
    if data.ipc:
        classes = _sub(biblio, _p("PatentClassificationBag"))
        ipcr = _sub(classes, _p("IPCRClassificationBag"))
        for symbol in data.ipc:
            _ipc(ipcr, symbol)


def _parties_of(biblio: etree._Element, data: PublicationData) -> None:
    parties = _sub(biblio, _p("PartyBag"))
    for bag_tag, tag, people in (
        ("ApplicantBag", "Applicant", data.applicants),
        ("InventorBag", "Inventor", data.inventors),
        ("RegisteredPractitionerBag", "RegisteredPractitioner", data.representatives),
    ):
        if people:
            bag = _sub(parties, _p(bag_tag))
            for position, party in enumerate(people, start=1):
                _party(bag, tag, position, party, data.language)


def _texts(root: etree._Element, data: PublicationData) -> None:
    lang = data.language
    if data.description:
        description = _sub(root, _p("Description"), languageCode=lang)
        for paragraph in data.description.split("\n"):
            _sub(description, _c("P"), paragraph)
    claims = _sub(root, _p("Claims"), languageCode=lang)
    for position, text in enumerate(data.claims, start=1):
        claim = _sub(claims, _p("Claim"))
        _sub(claim, _p("ClaimNumber"), str(position))
        _sub(claim, _p("ClaimText"), text)
    if data.abstract:
        abstract = _sub(root, _p("Abstract"), languageCode=lang)
        _sub(abstract, _c("P"), data.abstract)


def export_st96(data: PublicationData) -> bytes:
    """The publication as an ST.96 ``PatentPublication`` document (UTF-8)."""
    root = etree.Element(
        _p("PatentPublication"),
        {_c("languageCode"): data.language, _c("st96Version"): ST96_VERSION},
        nsmap=NSMAP,
    )
    _sub(root, _c("IPOfficeCode"), data.country)
    biblio = _sub(root, _p("BibliographicData"), st96Version=ST96_VERSION)
    _identification(biblio, data)
    titles = _sub(biblio, _p("InventionTitleBag"))
    _sub(titles, _p("InventionTitle"), data.title, languageCode=data.language)
    if data.claims:
        _sub(biblio, _p("ClaimTotalQuantity"), str(len(data.claims)))
    if data.is_grant:
        _sub(biblio, _p("GrantPublicationDate"), data.publication_date.isoformat())
    _parties_of(biblio, data)
    if data.designated_states:  # (84): the member states designated through the CTPO, a regional office
        regional = _sub(_sub(biblio, _p("StateDesignation")), _p("RegionalDesignation"))
        _sub(regional, _p("RegionalOfficeCode"), data.country)
        for state in data.designated_states:
            _sub(regional, _c("DesignatedCountryCode"), state)
    _texts(root, data)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


class _Resolver(etree.Resolver):  # type: ignore[misc]
    """Schema includes resolve inside our folder only: validation never reaches the network."""

    def resolve(self, url: str | None, pubid: str | None, context: object) -> object:  # noqa: ARG002
        name = Path(url or "").name
        path = SCHEMAS / name
        if path.is_file():
            return self.resolve_filename(str(path), context)
        return None


@cache
def _schema(*, with_provisional_codes: bool = True) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    parser.resolvers.add(_Resolver())
    common = etree.parse(str(SCHEMAS / "PatentPublication_V6_0_Common.xsd"), parser)
    if with_provisional_codes:  # the one deviation, in memory: the CTPO's code is not in WIPO's lists yet
        xs = "http://www.w3.org/2001/XMLSchema"
        (restriction,) = common.xpath("//xs:simpleType[@name='WIPOST3CodeType']/xs:restriction", namespaces={"xs": xs})
        for code in _PROVISIONAL_CODES:
            etree.SubElement(restriction, f"{{{xs}}}enumeration", value=code)
    main = etree.parse(str(SCHEMAS / "PatentPublication_V6_0.xsd"), parser)
    if with_provisional_codes:  # and in the list of regional offices, for (84)
        xs = "http://www.w3.org/2001/XMLSchema"
        (regional,) = main.xpath(
            "//xs:simpleType[@name='RegionalOfficeCodeType']/xs:restriction", namespaces={"xs": xs}
        )
        for code in _PROVISIONAL_CODES:
            etree.SubElement(regional, f"{{{xs}}}enumeration", value=code)
    (imported,) = main.xpath(
        "//xs:import[@schemaLocation='PatentPublication_V6_0_Common.xsd']",
        namespaces={"xs": "http://www.w3.org/2001/XMLSchema"},
    )
    imported.set("schemaLocation", "patched-common.xsd")  # served from memory by the resolver below
    parser.resolvers.add(_Amended(etree.tostring(common)))
    return etree.XMLSchema(main)


class _Amended(etree.Resolver):  # type: ignore[misc]
    """Serves the in-memory common schema to the main schema's import."""

    def __init__(self, content: bytes) -> None:
        super().__init__()
        self.content = content

    def resolve(self, url: str | None, pubid: str | None, context: object) -> object:  # noqa: ARG002
        if url and url.endswith("patched-common.xsd"):
            return self.resolve_string(self.content, context, base_url=(SCHEMAS / "amended.xsd").as_uri())
        return None


def validate(document: bytes, *, with_provisional_codes: bool = True) -> list[str]:
    """Schema errors of an ST.96 document, as ``line N: message`` (empty when valid)."""
    schema = _schema(with_provisional_codes=with_provisional_codes)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    tree = etree.fromstring(document, parser)
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def _text(element: etree._Element | None) -> str:
    return "" if element is None else "".join(element.itertext()).strip()


def _date(element: etree._Element | None) -> date | None:
    text = _text(element)
    return date.fromisoformat(text) if text else None


def _parties(root: etree._Element, path: str) -> tuple[PartyData, ...]:
    found = []
    for party in root.iterfind(path, NSMAP):
        country = party.find("com:ResidenceCountryCode", NSMAP)
        if country is None:
            country = party.find("com:NationalityCode", NSMAP)
        found.append(
            PartyData(
                name=_text(party.find("com:Contact/com:Name", NSMAP)),
                country=_text(country),
                address=_text(party.find("com:Contact/com:PostalAddressBag/com:PostalAddress", NSMAP)),
            )
        )
    return tuple(found)


def _document_type(kind: str) -> DocumentType:
    """INID (12) of an imported document: the CTPO's own rule for its codes, A/B by the letter for others.

    The CTPO's A3 is a search report (:attr:`KindCode.document_type`); another office's codes follow ST.16.
    """
    try:
        return KindCode(kind).document_type
    except ValueError:
        return DocumentType.PATENT if kind.startswith("B") else DocumentType.APPLICATION


def parse_st96(document: bytes | etree._Element) -> PublicationData:
    """An ST.96 ``PatentPublication`` back into publication data.

    Raises:
        ValueError: not an ST.96 patent publication, or one without its publication or application number.
    """
    root = document if isinstance(document, etree._Element) else _parse(document)  # noqa: SLF001
    if root.tag != _p("PatentPublication"):
        raise ValueError("not an ST.96 PatentPublication")
    bib = root.find("pat:BibliographicData", NSMAP)
    if bib is None:
        raise ValueError("the publication has no BibliographicData")
    publication = bib.find("pat:PatentPublicationIdentification", NSMAP)
    application = bib.find("pat:ApplicationIdentification", NSMAP)
    if publication is None or application is None:
        raise ValueError("publication or application identification missing")
    language = root.get(_c("languageCode"), "")
    kind = _text(publication.find("com:PatentDocumentKindCode", NSMAP))
    published = _date(publication.find("com:PublicationDate", NSMAP))
    filed = _date(application.find("pat:FilingDate", NSMAP))
    if published is None or filed is None:
        raise ValueError("publication or filing date missing")
    return PublicationData(
        country=_text(publication.find("com:IPOfficeCode", NSMAP)),
        number=_text(publication.find("pat:PublicationNumber", NSMAP)),
        kind=kind,
        document_type=_document_type(kind),
        language=language,
        application_number=_text(application.find("com:ApplicationNumber", NSMAP)),
        filing_date=filed,
        title=_text(bib.find("pat:InventionTitleBag/pat:InventionTitle", NSMAP)),
        abstract="\n".join(_text(p) for p in root.iterfind("pat:Abstract/com:P", NSMAP)),
        publication_date=published,
        priorities=tuple(
            PriorityData(
                _text(c.find("com:IPOfficeCode", NSMAP)),
                _text(c.find("com:ApplicationNumber", NSMAP)),
                _date(c.find("pat:FilingDate", NSMAP)) or filed,
            )
            for c in bib.iterfind("pat:PriorityClaimBag/pat:PriorityClaim", NSMAP)
        ),
        ipc=tuple(
            _text(c)
            for c in bib.iterfind("pat:PatentClassificationBag/pat:IPCRClassificationBag/pat:IPCRClassification", NSMAP)
        ),
        applicants=_parties(bib, "pat:PartyBag/pat:ApplicantBag/pat:Applicant"),
        inventors=_parties(bib, "pat:PartyBag/pat:InventorBag/pat:Inventor"),
        representatives=_parties(bib, "pat:PartyBag/pat:RegisteredPractitionerBag/pat:RegisteredPractitioner"),
        designated_states=tuple(
            _text(c)
            for c in bib.iterfind("pat:StateDesignation/pat:RegionalDesignation/com:DesignatedCountryCode", NSMAP)
        ),
        description="\n".join(_text(p) for p in root.iterfind("pat:Description/com:P", NSMAP)),
        claims=tuple(_text(c.find("pat:ClaimText", NSMAP)) for c in root.iterfind("pat:Claims/pat:Claim", NSMAP)),
    )


def _parse(document: bytes) -> etree._Element:
    """Parse untrusted XML: no entities, no DTD loading, no network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(document, parser)
