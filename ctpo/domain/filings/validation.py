"""Rules an application must meet before the office gives it a number, checked without any I/O.

Every rule reports all the problems it finds at once, each tied to a field, so an applicant fixes the whole
filing in one round instead of one error per retry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ctpo.lib.errors import FieldError, InvalidRequestError
from workflows.deadlines import add_months
from workflows.languages import Language
from workflows.offices import OfficeCode
from workflows.texts import MAX_NAME_CHARS, MAX_PROSE_CHARS, claim_problems, text_problem

if TYPE_CHECKING:
    from datetime import date

    from ctpo.domain.filings.schemas import ApplicationIn, PartyIn

LANGUAGES: tuple[str, ...] = tuple(Language)
"""Languages in which an application may be filed."""

PRIORITY_PERIOD_MONTHS = 12
"""Paris Convention Art. 4C(1): twelve months for patents."""

_IPC = re.compile(r"^\s*([A-H])\s*(\d{2})\s*([A-Z])(?:\s*(\d{1,4})\s*/\s*(\d{1,6}))?\s*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LONGEST = {"title": 500, "abstract": 10_000, "description": 2_000_000}
"""Limits of the fields longer than :mod:`workflows.texts`' defaults (the request schema states the same)."""


def normalize_ipc(symbol: str) -> str | None:
    """The canonical spelling of an IPC symbol (``h01m10/613`` → ``H01M 10/613``), or None if it is not one.

    Subclass-level symbols (``H01M``) are accepted too: applicants do not always know the group.
    """
    match = _IPC.match(symbol.upper())
    if match is None:
        return None
    section, klass, subclass, group, subgroup = match.groups()
    head = f"{section}{klass}{subclass}"
    if group is None:
        return head
    return f"{head} {int(group)}/{subgroup.zfill(2)}"


@dataclass(frozen=True, slots=True)
class _Collector:
    errors: list[FieldError]

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))


def _check_text(out: _Collector, field: str, value: str, *, single_line: bool) -> None:
    """The rules of :mod:`workflows.texts`, which every other text of the file meets too."""
    limit = _LONGEST.get(field, MAX_NAME_CHARS if single_line else MAX_PROSE_CHARS)
    problem = text_problem(field, value, max_chars=limit, single_line=single_line)
    if problem is not None:
        out.add(problem.field, problem.message)


_FILENAME_FORBIDDEN = frozenset('/\\:*?"<>|')
"""Path separators and characters no file system takes: a name must never be read as a path."""


def check_filename(field: str, filename: str) -> None:
    """A document's name is a plain name: not a path, nothing invisible, nothing that reorders the text.

    The name is only a label (documents are stored under their hash), but it is shown to examiners and sent back
    in ``Content-Disposition``: ``../../etc/passwd`` or ``invoice\u202efdp.exe`` must not reach them.

    Raises:
        InvalidRequestError: the name is empty, a path, or has control or direction characters.
    """
    out = _Collector([])
    _check_text(out, f"{field}.filename", filename, single_line=True)
    if any(ch in _FILENAME_FORBIDDEN for ch in filename) or filename.strip() in {".", ".."}:
        out.add(f"{field}.filename", 'must be a plain file name, without / \\ : * ? " < > |')
    if out.errors:
        raise InvalidRequestError(f"The name of {field} is not acceptable; nothing was filed.", errors=out.errors)


def _check_party(out: _Collector, field: str, party: PartyIn) -> None:
    _check_text(out, f"{field}.name", party.name, single_line=True)
    _check_text(out, f"{field}.address", party.address, single_line=False)
    if not _COUNTRY.match(party.country):
        out.add(f"{field}.country", f"'{party.country}' is not a two-letter country code such as KZ or TR")


def _check_claims(out: _Collector, application: ApplicationIn) -> None:
    numbers = [claim.number for claim in application.claims]
    if numbers and sorted(numbers) != list(range(1, len(numbers) + 1)):
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        reason = f"claim numbers {repeated} appear more than once" if repeated else "claim numbers have gaps"
        out.add("claims", f"{reason}; number the claims 1 to {len(numbers)}")
    for problem in claim_problems("claims", [c.text for c in application.claims], numbers=numbers):
        out.add(problem.field, problem.message)


def _check_parties(out: _Collector, application: ApplicationIn) -> None:
    if not application.applicants:
        out.add("applicants", "at least one applicant is required")
    for i, party in enumerate(application.applicants):
        _check_party(out, f"applicants[{i}]", party)
    for i, party in enumerate(application.inventors):
        _check_party(out, f"inventors[{i}]", party)


def _check_priorities(out: _Collector, application: ApplicationIn, filing_date: date) -> None:
    for i, priority in enumerate(application.priority_claims):
        field = f"priority_claims[{i}]"
        if not _COUNTRY.match(priority.office):
            out.add(f"{field}.office", f"'{priority.office}' is not a two-letter office code such as TR or EP")
        _check_text(out, f"{field}.number", priority.number, single_line=True)
        if priority.date > filing_date:
            out.add(f"{field}.date", f"{priority.date} is after the filing date {filing_date}")
        elif add_months(priority.date, PRIORITY_PERIOD_MONTHS) < filing_date:
            out.add(
                f"{field}.date",
                f"{priority.date} is more than {PRIORITY_PERIOD_MONTHS} months before the filing date {filing_date}; "
                "the priority period has expired (Paris Convention Art. 4C)",
            )


def _canonical_ipc(out: _Collector, application: ApplicationIn) -> list[str]:
    symbols: list[str] = []
    for i, symbol in enumerate(application.ipc):
        canonical = normalize_ipc(symbol)
        if canonical is None:
            out.add(f"ipc[{i}]", f"'{symbol}' is not an IPC symbol; write it like 'H01M 10/613' or 'H01M'")
        elif canonical in symbols:
            out.add(f"ipc[{i}]", f"'{canonical}' is listed twice")
        else:
            symbols.append(canonical)
    return symbols


def validate_application(application: ApplicationIn, filing_date: date) -> list[str]:
    """Check an application against the office's rules; return its IPC symbols in canonical form.

    Raises:
        InvalidRequestError: listing every field that breaks a rule.
    """
    out = _Collector([])
    if application.receiving_office not in OfficeCode.__members__:
        offices = ", ".join(OfficeCode)
        out.add("receiving_office", f"'{application.receiving_office}' is not a CTPO office; use one of {offices}")
    if application.language not in LANGUAGES:
        out.add("language", f"'{application.language}' is not a filing language; use one of {', '.join(LANGUAGES)}")
    _check_text(out, "title", application.title, single_line=True)
    _check_text(out, "abstract", application.abstract, single_line=False)
    _check_text(out, "description", application.description, single_line=False)
    if application.applicant_reference is not None:
        _check_text(out, "applicant_reference", application.applicant_reference, single_line=True)
    _check_claims(out, application)
    _check_parties(out, application)
    _check_priorities(out, application, filing_date)
    symbols = _canonical_ipc(out, application)
    if out.errors:
        raise InvalidRequestError("The application has errors; nothing was filed.", errors=out.errors)
    return symbols
