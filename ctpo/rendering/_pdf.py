"""Publication PDFs with fpdf2: pure Python, TrueType fonts embedded (subset), reproducible bytes.

Why fpdf2: it is maintained, pure Python (no pango/cairo system libraries, so ``pip install`` is the whole
installation on every machine and in the Docker image), embeds TrueType subsets with Unicode text, and writes the
same bytes for the same input once the creation date is pinned; a content-addressed store needs exactly that, so
re-rendering a publication yields the digest already recorded in its legal event. WeasyPrint would share Jinja
templates with the desk but needs the system's pango; reportlab is heavier for the same result.

The font is DejaVu Sans (``fonts/``, Bitstream Vera licence in ``fonts/LICENSE``): it covers Latin Extended
(Turkish ı İ ş ğ, Azerbaijani ə, Uzbek oʻ gʻ with U+02BB/U+02BC) and Cyrillic with the Kazakh and Kyrgyz letters
(ә ғ қ ң ө ұ ү һ і).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ctpo.rendering._labels import label
from workflows.publication import DocumentType

if TYPE_CHECKING:
    from ctpo.rendering._model import PartyData, PublicationData

FONTS = Path(__file__).resolve().parent / "fonts"
logging.getLogger("fontTools").setLevel(logging.WARNING)  # subsetting logs a line per table at INFO
FONT = "DejaVuSans"
MARGIN = 18.0
LABEL_WIDTH = 13.0


class _Document(FPDF):
    """A4 pages with the document's identifier and page numbers in the footer."""

    def __init__(self, data: PublicationData) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.data = data
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        self.alias_nb_pages()
        moment = datetime.combine(data.publication_date, time(0, 0), tzinfo=UTC)
        self.set_creation_date(moment)
        self.set_title(f"{data.citation}: {data.title}")
        self.set_author(label(data.language, "office"))
        self.set_lang(data.language)
        self.set_creator("CTPO filing system")
        self.set_producer("CTPO filing system (fpdf2)")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        page = label(self.data.language, "page", page=self.page_no(), pages="{nb}")
        self.cell(0, 5, f"{self.data.citation}    {page}", align="C")


def _iso(day: date | None) -> str:
    """Dates as WIPO ST.2 recommends (ISO 8601, yyyy-mm-dd)."""
    return day.isoformat() if day else ""


def _inid(pdf: _Document, code: str, value: str, *, bold: bool = False, size: float = 9.5) -> None:
    """One labelled INID line: ``(21) Application number`` over its value, indented."""
    if not value:
        return
    lang = pdf.data.language
    pdf.set_font(FONT, "", 8)
    y = pdf.get_y()
    pdf.cell(LABEL_WIDTH, 4.2, f"({code})", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 4.2, label(lang, f"inid.{code}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_x(MARGIN + LABEL_WIDTH)
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.5, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), y) + 1.8)


def _parties(parties: tuple[PartyData, ...]) -> str:
    lines = []
    for party in parties:
        details = ", ".join(x for x in (party.address, party.country) if x)
        lines.append(f"{party.name} ({details})" if details else party.name)
    return "\n".join(lines)


def _front_page(pdf: _Document) -> None:
    data = pdf.data
    lang = data.language
    pdf.add_page()
    # (19) office and the document identifier, the first thing an examiner anywhere reads
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 7, f"(19) {data.country}  {label(lang, 'office')}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 20)
    pdf.cell(0, 11, f"(11) {data.country} {data.number}    (13) {data.kind}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(0, 0, 0)
    pdf.line(MARGIN, pdf.get_y() + 1, pdf.w - MARGIN, pdf.get_y() + 1)
    pdf.ln(4)
    document = label(lang, f"type.{data.document_type}")
    if data.corrects:
        document = f"{document}\n{label(lang, 'correction', document=data.corrects)}"
    _inid(pdf, "12", document, bold=True, size=11)
    _inid(pdf, "11", data.number)
    _inid(pdf, "13", data.kind)
    _inid(pdf, "21", data.application_number)
    _inid(pdf, "22", _iso(data.filing_date))
    _inid(pdf, "30", "\n".join(f"{p.office} {p.number} {_iso(p.filed_on)}" for p in data.priorities))
    if data.is_grant:
        _inid(pdf, "43", _iso(data.application_publication_date))
        _inid(pdf, "45", _iso(data.publication_date))
    else:
        _inid(pdf, "43", _iso(data.publication_date))
    _inid(pdf, "51", "\n".join(data.ipc))
    _inid(pdf, "54", data.title, bold=True, size=11)
    _inid(pdf, "73" if data.is_grant else "71", _parties(data.applicants))
    _inid(pdf, "72", _parties(data.inventors))
    _inid(pdf, "74", _parties(data.representatives))
    _inid(pdf, "84", " ".join(data.designated_states))
    _inid(pdf, "57", data.abstract)


def _heading(pdf: _Document, text: str) -> None:
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _body(pdf: _Document) -> None:
    data = pdf.data
    lang = data.language
    if data.description:
        pdf.add_page()
        _heading(pdf, label(lang, "description"))
        pdf.set_font(FONT, "", 10)
        for paragraph in data.description.split("\n"):
            pdf.multi_cell(0, 5, paragraph, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1.5)
    if data.claims:
        pdf.add_page()
        _heading(pdf, label(lang, "claims"))
        pdf.set_font(FONT, "", 10)
        for number, claim in enumerate(data.claims, start=1):
            pdf.multi_cell(0, 5, f"{number}. {claim}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)


def _search_report(pdf: _Document) -> None:
    data = pdf.data
    if data.citations is None:
        return
    lang = data.language
    pdf.add_page()
    _heading(pdf, f"{label(lang, 'search_report')}: {data.application_number}")
    if not data.citations:
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(0, 5, label(lang, "no_citations"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    pdf.set_font(FONT, "", 9)
    with pdf.table(col_widths=(14, 70, 60, 30), text_align="LEFT", line_height=4.6) as table:
        header = table.row()
        for key in ("category", "document", "passage", "relevant_claims"):
            header.cell(label(lang, key))
        for citation in data.citations:
            row = table.row()
            row.cell(",".join(citation.categories))
            row.cell(citation.document)
            row.cell(citation.passage)
            row.cell(", ".join(str(c) for c in citation.claims))


def render_publication_pdf(data: PublicationData) -> bytes:
    """The document as PDF bytes: front page, description, claims, then the search report where it has one.

    An A3 carries the front page and the search report only. The same data gives the same bytes.
    """
    pdf = _Document(data)
    _front_page(pdf)
    if data.document_type != DocumentType.SEARCH_REPORT:
        _body(pdf)
    _search_report(pdf)
    pdf.file_id = lambda: ""  # type: ignore[method-assign] # no random /ID: identical input, identical bytes
    return bytes(pdf.output())
