# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Which document a transition publishes: WIPO ST.16 kind codes chosen by one declarative table.

Modelled on EPC practice (Art. 93, 98, 103 and Rule 68): an application is published once, with its search
report if the report is out (A1) or without it (A2); a report issued after that is published on its own (A3);
the patent is published at grant (B1) and again as amended after opposition (B2). Every document of one
application carries the same publication number (EP 1234567 A1, A3, B1…), so only the first publication of an
application takes a number from the series. Corrections keep the number and kind family: A8/B8 correct the front
page (bibliographic data), A9/B9 reprint the whole document.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from workflows.actions import Action
from workflows.states import ApplicationState

CTPO_ST3_CODE = "XT"
"""The CTPO's code in ST.14 citations and ST.36/ST.96 exchange data.

The CTPO has no WIPO ST.3 code yet; ``XT`` is in the range WIPO gives intergovernmental organisations (XN the
Nordic Patent Institute, XV the Visegrad Patent Institute, XU UPOV) and is not assigned. Change it here only.
"""


class KindCode(enum.StrEnum):
    """WIPO ST.16 kind codes of the CTPO's patent documents."""

    A1 = "A1"
    """Application published with the search report."""
    A2 = "A2"
    """Application published without the search report."""
    A3 = "A3"
    """Search report published separately, after the application."""
    A8 = "A8"
    """Corrected front page of an A document."""
    A9 = "A9"
    """Complete reprint of a corrected A document."""
    B1 = "B1"
    """Patent specification (granted patent)."""
    B2 = "B2"
    """Patent specification as amended after opposition."""
    B8 = "B8"
    """Corrected front page of a B document."""
    B9 = "B9"
    """Complete reprint of a corrected B document."""

    @property
    def is_grant(self) -> bool:
        """B documents publish patents; A documents applications and search reports."""
        return self.value.startswith("B")

    @property
    def is_correction(self) -> bool:
        """A8/A9/B8/B9 correct an earlier document of the same family."""
        return self.value[1] in "89"

    @property
    def has_search_report(self) -> bool:
        """A1 and A3 (and their corrections' originals) carry the search report with its citations."""
        return self in {KindCode.A1, KindCode.A3}

    @property
    def document_type(self) -> DocumentType:
        """INID (12): the plain-language type of the document."""
        if self is KindCode.A3:
            return DocumentType.SEARCH_REPORT
        return DocumentType.PATENT if self.is_grant else DocumentType.APPLICATION


class DocumentType(enum.StrEnum):
    """INID (12): the plain-language type of a published document; the PDF's layout depends on it."""

    APPLICATION = "application"
    PATENT = "patent"
    SEARCH_REPORT = "search_report"


class CorrectionScope(enum.StrEnum):
    """What a correction republishes (ST.16: 8 = corrected front page, 9 = complete reprint)."""

    FRONT_PAGE = "front_page"
    COMPLETE = "complete"


SEARCH_REPORT_ISSUED_STATES: frozenset[ApplicationState] = frozenset(
    {
        ApplicationState.SEARCH_REPORT_ISSUED,
        ApplicationState.EXAMINATION,
        ApplicationState.OFFICE_ACTION,
        ApplicationState.INTENTION_TO_GRANT,
    }
)
"""Pre-grant states reached only after the search report was issued: publishing in one of them gives an A1."""


@dataclass(frozen=True, slots=True)
class PublicationRule:
    """One row of the table: ``action`` publishes ``kind``.

    It applies when, after the act, the application is (not) published and, before it, its search report was
    (not) out; ``None`` means either way.
    """

    action: Action
    kind: KindCode
    published: bool | None
    search_report_before: bool | None
    basis: str
    """The article or rule it models."""


_R = PublicationRule
PUBLICATION_RULES: tuple[PublicationRule, ...] = (
    _R(Action.PUBLISH, KindCode.A1, published=None, search_report_before=True, basis="Art. 93 EPC, Rule 68(1)"),
    _R(Action.PUBLISH, KindCode.A2, published=None, search_report_before=False, basis="Art. 93 EPC, Rule 68(1)"),
    _R(Action.ISSUE_SEARCH_REPORT, KindCode.A3, published=True, search_report_before=None, basis="Rule 68(1) EPC"),
    _R(Action.APPROVE_GRANT_TEXT, KindCode.B1, published=None, search_report_before=None, basis="Art. 97(3), 98 EPC"),
    _R(Action.MAINTAIN_AS_AMENDED, KindCode.B2, published=None, search_report_before=None, basis="Art. 103 EPC"),
)
"""The only place that decides which transition publishes what (grant needs publication: the workflow's guard)."""


def kind_for(action: str, *, from_state: ApplicationState | None, published: bool) -> PublicationRule | None:
    """The rule by which the transition ``action`` publishes a document, or ``None`` if it publishes nothing.

    Args:
        action: the workflow action just decided.
        from_state: the state the application was in when the act started.
        published: whether the application is published once the act is done.
    """
    report_out = from_state in SEARCH_REPORT_ISSUED_STATES
    for rule in PUBLICATION_RULES:
        if rule.action != action:
            continue
        if rule.published is not None and rule.published != published:
            continue
        if rule.search_report_before is not None and rule.search_report_before != report_out:
            continue
        return rule
    return None


def correction_kind(original: KindCode, scope: CorrectionScope) -> KindCode:
    """The kind code of a correction of ``original`` (ST.16: A8/A9 for A documents, B8/B9 for B documents)."""
    family = "B" if original.is_grant else "A"
    digit = "8" if scope is CorrectionScope.FRONT_PAGE else "9"
    return KindCode(family + digit)


PUBLICATION_NUMBER_DIGITS = 7


def format_publication_number(sequence: int) -> str:
    """The number of the series, seven digits like EP numbers: ``0000017``."""
    if sequence < 1:
        raise ValueError("publication numbers start at 1")
    return f"{sequence:0{PUBLICATION_NUMBER_DIGITS}d}"


@dataclass(frozen=True, slots=True)
class Citation:
    """A patent document as WIPO ST.14 cites it: ST.3 code, number, ST.16 kind code."""

    country: str
    number: str
    kind: str | None

    def __str__(self) -> str:
        """``XT 0000017 A1``: the form ST.14 recommends for search reports."""
        return f"{self.country} {self.number}" + (f" {self.kind}" if self.kind else "")


_CITATION = re.compile(r"^\s*([A-Z]{2})[\s-]*([0-9][0-9/\s.,-]*[0-9]|[0-9])\s*([A-Z][0-9]?)?\s*$")


def parse_citation(text: str) -> Citation | None:
    """Read an ST.14 document identifier (``XT 0000017 A1``, ``XT0000017A1``, ``US 11,617,522 B2``).

    Returns ``None`` when ``text`` is not a patent-document identifier (non-patent literature is cited as free
    text). Separators inside the number are dropped, so ``US 11,617,522 B2`` reads as ``US 11617522 B2``.
    """
    match = _CITATION.match(text.upper())
    if match is None:
        return None
    country, number, kind = match.groups()
    return Citation(country, re.sub(r"[^0-9]", "", number), kind)


def citation_of(number: str, kind: KindCode) -> Citation:
    """How a CTPO document is cited."""
    return Citation(CTPO_ST3_CODE, number, kind.value)
