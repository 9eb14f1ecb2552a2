# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""The documents transitions carry (office actions, responses, search reports...) and their payload parsing.

Payloads arrive as JSON-like mappings from the API; each parser returns a frozen domain object or raises
:class:`~workflows.errors.InvalidPayload`, so the machine only ever sees valid documents.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from workflows.errors import InvalidPayload
from workflows.texts import (
    MAX_ITEMS,
    MAX_NAME_CHARS,
    MAX_PROSE_CHARS,
    claim_problems,
    text_problem,
    without_claim_number,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_RESPONSE_MONTHS = 4
"""Time limit to answer an office action, as the EPO's usual communication under Art. 94(3) EPC."""
DEFAULT_CORRECTION_MONTHS = 2
"""Time limit to correct formal deficiencies (EPC Rule 58)."""
RESPONSE_MONTHS_RANGE = range(2, 7)
"""An examiner may set 2 to 6 months (EPC Rule 132(2))."""


class ObjectionGround(enum.StrEnum):
    """Why a claim is objected to."""

    NOVELTY = "novelty"
    INVENTIVE_STEP = "inventive_step"
    INDUSTRIAL_APPLICATION = "industrial_application"
    EXCLUDED_SUBJECT_MATTER = "excluded_subject_matter"
    CLARITY = "clarity"
    SUPPORT = "support"
    SUFFICIENCY = "sufficiency"
    UNITY = "unity"
    ADDED_MATTER = "added_matter"
    OTHER = "other"


class CitationCategory(enum.StrEnum):
    """Categories of cited documents (WIPO ST.14)."""

    X = "X"
    """Relevant alone: novelty or inventive step is questioned by this document taken alone."""
    Y = "Y"
    """Relevant in combination with another document of the same category."""
    A = "A"
    """Defining the general state of the art."""
    O = "O"  # noqa: E741 - the ST.14 letter itself
    """Non-written disclosure."""
    P = "P"
    """Published between the priority date and the filing date."""
    T = "T"
    """Theory or principle underlying the invention, published later."""
    E = "E"
    """Earlier patent document published on or after the filing date."""
    D = "D"
    """Cited by the applicant."""
    L = "L"
    """Cited for other reasons."""


@dataclass(frozen=True, slots=True)
class Objection:
    """An objection to one or more claims of the current claim set."""

    claims: tuple[int, ...]
    ground: ObjectionGround
    reasoning: str


@dataclass(frozen=True, slots=True)
class OfficeAction:
    """A communication from the examiner: objections per claim and the time limit to answer."""

    objections: tuple[Objection, ...]
    response_months: int = DEFAULT_RESPONSE_MONTHS


@dataclass(frozen=True, slots=True)
class ClaimSet:
    """One version of the claims; amendments create a new version and the old ones are kept."""

    version: int
    claims: tuple[str, ...]
    based_on: int | None
    """The version this one amends."""


@dataclass(frozen=True, slots=True)
class OfficeActionResponse:
    """The applicant's answer: arguments and, optionally, an amended claim set."""

    arguments: str
    amended_claims: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    """A document cited in a search report."""

    document_id: str
    """E.g. ``TR2019/01234 A1`` or ``WO2020123456``."""
    categories: frozenset[CitationCategory]
    """Usually one letter; ST.14 allows combinations such as ``P,X``."""
    claims: tuple[int, ...]
    passage: str
    """Where in the document, e.g. ``page 3, line 5 - page 4, line 2; figure 2``."""


@dataclass(frozen=True, slots=True)
class SearchReport:
    """The examiner's search report; it may cite nothing at all."""

    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class DeficiencyNotice:
    """Formal deficiencies found and the time limit to correct them."""

    deficiencies: tuple[str, ...]
    correction_months: int = DEFAULT_CORRECTION_MONTHS


@dataclass(frozen=True, slots=True)
class ReEstablishmentRequest:
    """A request for re-establishment of rights (EPC Art. 122) after a missed time limit."""

    cause_removed_on: date
    """The day the cause of non-compliance was removed; the request is due within 2 months of it."""
    grounds: str


@dataclass(frozen=True, slots=True)
class Assignment:
    """An office administrator gives the file to an examiner."""

    examiner_id: str


@dataclass(frozen=True, slots=True)
class Opposition:
    """A third party's notice of opposition."""

    grounds: str


@dataclass(frozen=True, slots=True)
class AmendedClaims:
    """The claim set with which a patent is maintained after opposition."""

    claims: tuple[str, ...]


Document = (
    OfficeAction
    | OfficeActionResponse
    | SearchReport
    | DeficiencyNotice
    | ReEstablishmentRequest
    | Assignment
    | Opposition
    | AmendedClaims
)


def _checked(field: str, value: str, *, max_chars: int, single_line: bool) -> str:
    """``value`` if it meets :mod:`workflows.texts` (the filing's rules), else the payload is refused naming it."""
    problem = text_problem(field, value, max_chars=max_chars, single_line=single_line)
    if problem is not None:
        raise InvalidPayload(f"{problem.field}: {problem.message}", field=problem.field)
    return value


def _text(
    payload: Mapping[str, object],
    key: str,
    at: str = "",
    *,
    max_chars: int = MAX_PROSE_CHARS,
    single_line: bool = False,
) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidPayload(f"{key!r} must be a non-empty string", field=f"{at}{key}")
    return _checked(f"{at}{key}", value, max_chars=max_chars, single_line=single_line)


def _texts(payload: Mapping[str, object], key: str) -> tuple[str, ...]:
    value = payload.get(key)
    if not isinstance(value, list | tuple) or not value:
        raise InvalidPayload(f"{key!r} must be a non-empty list of strings", field=key)
    if len(value) > MAX_ITEMS:
        raise InvalidPayload(f"{key!r} lists {len(value)} entries; at most {MAX_ITEMS}", field=key)
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise InvalidPayload(f"{key!r} must hold non-empty strings", field=key)
    return tuple(
        _checked(f"{key}[{i}]", str(item), max_chars=MAX_PROSE_CHARS, single_line=False) for i, item in enumerate(value)
    )


def _claims(payload: Mapping[str, object], key: str) -> tuple[str, ...]:
    """A claim set, held to the filing's rules (:mod:`workflows.texts`), leading numbers removed."""
    value = payload.get(key)
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise InvalidPayload(f"{key!r} must be a list of claim texts", field=key)
    problems = claim_problems(key, [str(item) for item in value])
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidPayload(f"{first.field}: {first.message}{more}", field=first.field)
    return tuple(without_claim_number(str(item)) for item in value)


def _claim_numbers(value: object, where: str, at: str) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise InvalidPayload(f"{where}: 'claims' must be a non-empty list of claim numbers", field=f"{at}claims")
    numbers: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or item < 1:
            raise InvalidPayload(f"{where}: claim numbers are positive integers, got {item!r}", field=f"{at}claims")
        numbers.append(item)
    return tuple(sorted(set(numbers)))


def _months(payload: Mapping[str, object], key: str, default: int, allowed: range) -> int:
    value = payload.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise InvalidPayload(f"{key!r} must be an integer from {allowed.start} to {allowed.stop - 1}", field=key)
    return value


def _records(payload: Mapping[str, object], key: str, *, allow_empty: bool = False) -> list[Mapping[str, object]]:
    value = payload.get(key)
    if not isinstance(value, list | tuple) or (not value and not allow_empty):
        raise InvalidPayload(f"{key!r} must be a list of objects", field=key)
    if len(value) > MAX_ITEMS:
        raise InvalidPayload(f"{key!r} lists {len(value)} entries; at most {MAX_ITEMS}", field=key)
    if not all(isinstance(item, dict) for item in value):
        raise InvalidPayload(f"{key!r} must be a list of objects", field=key)
    return list(value)


def parse_office_action(payload: Mapping[str, object]) -> OfficeAction:
    """Validate ``{"objections": [{"claims": [1, 2], "ground": "novelty", "reasoning": "..."}], "response_months": 4}``.

    Raises:
        InvalidPayload: no objection, unknown ground, bad claim numbers or a time limit outside 2-6 months.
    """
    objections: list[Objection] = []
    for i, raw in enumerate(_records(payload, "objections")):
        where, at = f"objection {i + 1}", f"objections[{i}]."
        try:
            ground = ObjectionGround(str(raw.get("ground")))
        except ValueError:
            raise InvalidPayload(f"{where}: unknown ground {raw.get('ground')!r}", field=f"{at}ground") from None
        objections.append(Objection(_claim_numbers(raw.get("claims"), where, at), ground, _text(raw, "reasoning", at)))
    months = _months(payload, "response_months", DEFAULT_RESPONSE_MONTHS, RESPONSE_MONTHS_RANGE)
    return OfficeAction(tuple(objections), months)


def parse_office_action_response(payload: Mapping[str, object]) -> OfficeActionResponse:
    """Validate ``{"arguments": "...", "amended_claims": ["1. A ...", "2. ..."]}`` (claims optional).

    Raises:
        InvalidPayload: no arguments, or an empty/ill-typed claim set.
    """
    amended = _claims(payload, "amended_claims") if payload.get("amended_claims") is not None else None
    return OfficeActionResponse(_text(payload, "arguments"), amended)


def parse_search_report(payload: Mapping[str, object]) -> SearchReport:
    """Validate ``{"citations": [{"document_id", "category": "X" | "P,X", "claims": [1], "passage"}]}``.

    Raises:
        InvalidPayload: a citation lacks a document, a known ST.14 category, claims or a passage.
    """
    citations: list[Citation] = []
    for i, raw in enumerate(_records(payload, "citations", allow_empty=True)):
        where, at = f"citation {i + 1}", f"citations[{i}]."
        letters = str(raw.get("category", "")).replace(" ", "").split(",")
        try:
            categories = frozenset(CitationCategory(letter.upper()) for letter in letters)
        except ValueError:
            message = f"{where}: category must be ST.14 letters, got {raw.get('category')!r}"
            raise InvalidPayload(message, field=f"{at}category") from None
        citations.append(
            Citation(
                document_id=_text(raw, "document_id", at, max_chars=MAX_NAME_CHARS, single_line=True),
                categories=categories,
                claims=_claim_numbers(raw.get("claims"), where, at),
                passage=_text(raw, "passage", at),
            )
        )
    return SearchReport(tuple(citations))


def parse_deficiency_notice(payload: Mapping[str, object]) -> DeficiencyNotice:
    """Validate ``{"deficiencies": ["..."], "correction_months": 2}``.

    Raises:
        InvalidPayload: no deficiency listed or a time limit outside 2-6 months.
    """
    months = _months(payload, "correction_months", DEFAULT_CORRECTION_MONTHS, RESPONSE_MONTHS_RANGE)
    return DeficiencyNotice(_texts(payload, "deficiencies"), months)


def parse_re_establishment_request(payload: Mapping[str, object]) -> ReEstablishmentRequest:
    """Validate ``{"cause_removed_on": "2027-01-15", "grounds": "..."}``.

    Raises:
        InvalidPayload: a missing or malformed date, or no grounds.
    """
    raw = payload.get("cause_removed_on")
    try:
        removed = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
    except ValueError:
        raise InvalidPayload("'cause_removed_on' must be an ISO date", field="cause_removed_on") from None
    return ReEstablishmentRequest(removed, _text(payload, "grounds"))


def parse_assignment(payload: Mapping[str, object]) -> Assignment:
    """Validate ``{"examiner_id": "..."}``; the service checks that the examiner belongs to the office.

    Raises:
        InvalidPayload: no examiner id.
    """
    return Assignment(_text(payload, "examiner_id", max_chars=MAX_NAME_CHARS, single_line=True))


def parse_opposition(payload: Mapping[str, object]) -> Opposition:
    """Validate ``{"grounds": "..."}``.

    Raises:
        InvalidPayload: no grounds.
    """
    return Opposition(_text(payload, "grounds"))


def parse_amended_claims(payload: Mapping[str, object]) -> AmendedClaims:
    """Validate ``{"claims": ["1. A ..."]}``.

    Raises:
        InvalidPayload: an empty claim set.
    """
    return AmendedClaims(_claims(payload, "claims"))
