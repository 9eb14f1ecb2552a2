"""What an office document may cite: claims of the current claim set, documents that are what they claim to be.

A search report citing claims 1-2 of an application with one claim was accepted, and so was any text as a cited
document. Two checks close that, for every document an examiner issues (search reports, office actions):

- **claims** (EPC Rule 61(1), 62: the report and the opinion concern the claims on file): each cited or objected
  claim must be in the application's current claim set;
- **documents** (WIPO ST.14): a cited document is a patent document identified by an ST.3 code, a number and,
  optionally, an ST.16 kind code (``EP 1234567 A1``, ``US 11,617,522 B2``); our own documents, an application
  number of a member office (``KZ-2026-000002``) or a CTPO publication (``XT 0000017 A1``), must exist and be
  published (an unpublished file is never cited, see SECURITY.md); anything else, non-patent literature included,
  must be a document of the office's prior-art corpus, which is how the examiner found it.

:func:`reference_problems` is the one place these rules live; a new kind of citable document is added there.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from ctpo.db.models import Application, CorpusDocument, Publication
from ctpo.lib.errors import FieldError
from workflows.documents import OfficeAction, SearchReport
from workflows.offices import OfficeCode
from workflows.publication import CTPO_ST3_CODE, parse_citation

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.ext.asyncio import AsyncSession

    from workflows.documents import Document

_ISO_3166 = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ "
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO "
    "FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE "
    "JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO "
    "MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW "
    "PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM "
    "TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
)
_ORGANISATIONS = "AP BX EA EM EP GC IB OA QZ WO XN XU XV " + CTPO_ST3_CODE
ST3_CODES: frozenset[str] = frozenset((_ISO_3166 + " " + _ORGANISATIONS).split())
"""WIPO ST.3: the ISO 3166-1 countries, the regional and international offices, and the CTPO's own code."""
MEMBER_OFFICES: frozenset[str] = frozenset(code.value for code in OfficeCode)
_APPLICATION_NUMBER = re.compile(r"^\s*(?P<office>[A-Z]{2})-(?P<year>\d{4})-(?P<seq>\d{6})\s*$")


@dataclass(frozen=True, slots=True)
class _Cited:
    field: str
    text: str


def _cited_claims(document: Document) -> list[tuple[str, tuple[int, ...]]]:
    if isinstance(document, SearchReport):
        return [(f"payload.citations[{i}].claims", c.claims) for i, c in enumerate(document.citations)]
    if isinstance(document, OfficeAction):
        return [(f"payload.objections[{i}].claims", o.claims) for i, o in enumerate(document.objections)]
    return []


def _cited_documents(document: Document) -> list[_Cited]:
    if isinstance(document, SearchReport):
        return [_Cited(f"payload.citations[{i}].document_id", c.document_id) for i, c in enumerate(document.citations)]
    return []


def claim_problems(document: Document, claims: Collection[int]) -> list[FieldError]:
    """Each claim cited by ``document`` that is not in ``claims`` (the current claim set), named by its field."""
    numbers = sorted(claims)
    have = (
        f"1-{numbers[-1]}" if numbers == list(range(1, len(numbers) + 1)) and numbers else ", ".join(map(str, numbers))
    )
    problems = []
    for field, cited in _cited_claims(document):
        missing = [n for n in cited if n not in claims]
        if missing:
            listed = ", ".join(str(n) for n in missing)
            message = f"claim {listed} is not in the current claim set (claims {have})"
            problems.append(FieldError(field, message, "claims_not_on_file", {"claims": listed, "have": have}))
    return problems


def format_problem(text: str) -> str | None:
    """Why ``text`` is not an ST.14 patent-document identifier, or ``None`` when it is one."""
    problem = _format_problem(text)
    return None if problem is None else problem.message


def _format_problem(text: str) -> FieldError | None:
    if (match := _APPLICATION_NUMBER.match(text.upper())) and match["office"] in MEMBER_OFFICES:
        return None
    citation = parse_citation(text)
    if citation is None:
        message = "is not an ST.14 document identifier (ST.3 code, number, ST.16 kind code: 'EP 1234567 A1')"
        return FieldError("", message, "not_st14")
    if citation.country not in ST3_CODES:
        message = f"'{citation.country}' is not a WIPO ST.3 office or country code"
        return FieldError("", message, "not_st3", {"code": citation.country})
    return None


async def _published_application(session: AsyncSession, number: str) -> bool | None:
    """``None`` when there is no such application, else whether it is published."""
    query = select(Application.publication_date).where(Application.number == number)
    row = (await session.execute(query)).first()
    return None if row is None else row[0] is not None


async def _in_corpus(session: AsyncSession, text: str) -> bool:
    query = select(CorpusDocument.id).where(CorpusDocument.id == text.strip())
    return (await session.execute(query)).first() is not None


async def _publication_problem(session: AsyncSession, number: str, kind: str | None) -> FieldError | None:
    query = select(Publication.kind).where(Publication.number == number.zfill(7))
    kinds = set((await session.execute(query)).scalars())
    if not kinds:
        return FieldError("", f"there is no CTPO publication {number}", "no_such_document", {"document": number})
    if kind and kind not in kinds:
        message = f"publication {number} has no kind {kind} (published: {', '.join(sorted(kinds))})"
        return FieldError("", message, "no_such_document", {"document": f"{number} {kind}"})
    return None


async def _document_problem(session: AsyncSession, text: str) -> FieldError | None:
    """Why the cited document cannot be cited, or ``None``."""
    if (match := _APPLICATION_NUMBER.match(text.upper())) and match["office"] in MEMBER_OFFICES:
        number = text.strip().upper()
        published = await _published_application(session, number)
        if published is None:
            return FieldError(
                "", f"there is no application {number} at this office", "no_such_document", {"document": number}
            )
        message = f"application {number} is not published and cannot be cited"
        return None if published else FieldError("", message, "unpublished", {"document": number})
    citation = parse_citation(text)
    if citation is not None and citation.country == CTPO_ST3_CODE:
        return await _publication_problem(session, citation.number, citation.kind)
    if await _in_corpus(session, text):  # what the examiner found, non-patent literature included
        return None
    return _format_problem(text)


async def reference_problems(session: AsyncSession, document: Document, claims: Collection[int]) -> list[FieldError]:
    """Every impossible reference of an issued document: claims not on file, documents that cannot be cited."""
    problems = claim_problems(document, claims)
    for cited in _cited_documents(document):
        if (problem := await _document_problem(session, cited.text)) is not None:
            problems.append(dataclasses.replace(problem, field=cited.field))
    return problems
