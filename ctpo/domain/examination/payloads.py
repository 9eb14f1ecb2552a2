"""The wire shape of each action's payload: bounded numbers, bounded texts without control characters.

The workflow's parsers (:mod:`workflows.documents`) decide what a document means and whether it is acceptable in
the procedure; these structs only say what can be received at all, so that a 10^30 claim number, a lone surrogate
or a BEL in a reasoning is refused with the field named, before anything is stored. They are looked up by the
transition's own parser (no table keyed on action names), used by the API and the desk alike
(:func:`decode_payload`), and published in the OpenAPI document, one schema per action.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import msgspec

from ctpo.lib.decoding import decode
from ctpo.lib.errors import InvalidRequestError
from ctpo.lib.text import MULTI_LINE, SINGLE_LINE
from workflows import documents as docs
from workflows.documents import ObjectionGround
from workflows.machine import TRANSITIONS_BY_ACTION, declaration

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

MAX_CLAIM_NUMBER = 10_000
"""As in a filing (:class:`ctpo.domain.filings.schemas.ClaimIn`)."""
ClaimNumber = Annotated[int, msgspec.Meta(ge=1, le=MAX_CLAIM_NUMBER)]
ClaimNumbers = Annotated[list[ClaimNumber], msgspec.Meta(min_length=1, max_length=500)]
ClaimText = Annotated[str, msgspec.Meta(min_length=1, max_length=20_000, pattern=MULTI_LINE)]
Prose = Annotated[str, msgspec.Meta(min_length=1, max_length=20_000, pattern=MULTI_LINE)]
Line = Annotated[str, msgspec.Meta(min_length=1, max_length=2_000, pattern=SINGLE_LINE)]
Months = Annotated[int, msgspec.Meta(ge=2, le=6, description="2 to 6 months (EPC Rule 132(2))")]


class CitationIn(msgspec.Struct, forbid_unknown_fields=True):
    """A cited document (WIPO ST.14)."""

    document_id: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=60,
            pattern=SINGLE_LINE,
            description="ST.14: ST.3 country code, number, ST.16 kind code; or a CTPO application number",
            examples=["TR 2020/000777 A1", "KZ-2026-000002"],
        ),
    ]
    category: Annotated[
        str, msgspec.Meta(min_length=1, max_length=20, description="ST.14 letters, combinable", examples=["X", "P,X"])
    ]
    claims: ClaimNumbers
    passage: Annotated[Line, msgspec.Meta(examples=["page 3, line 5 - page 4, line 2; figure 2"])]


class SearchReportPayload(msgspec.Struct, forbid_unknown_fields=True):
    """``issue_search_report``: the citations (possibly none) with the claims each concerns."""

    EXAMPLE: ClassVar[dict[str, Any]] = {
        "citations": [{"document_id": "TR 2020/000777 A1", "category": "X", "claims": [1, 2], "passage": "page 3"}]
    }

    citations: Annotated[list[CitationIn], msgspec.Meta(max_length=200)] = []


class ObjectionIn(msgspec.Struct, forbid_unknown_fields=True):
    """An objection to claims of the current claim set."""

    claims: ClaimNumbers
    ground: ObjectionGround
    reasoning: Prose


class OfficeActionPayload(msgspec.Struct, forbid_unknown_fields=True):
    """``issue_office_action``: objections and the time limit to answer (4 months unless set)."""

    EXAMPLE: ClassVar[dict[str, Any]] = {
        "objections": [{"claims": [1], "ground": "novelty", "reasoning": "D1 discloses every feature."}],
        "response_months": 4,
    }

    objections: Annotated[list[ObjectionIn], msgspec.Meta(min_length=1, max_length=100)]
    response_months: Months = docs.DEFAULT_RESPONSE_MONTHS


class ResponsePayload(msgspec.Struct, forbid_unknown_fields=True):
    """``respond_to_office_action``: arguments, and optionally the amended claims, one text per claim."""

    EXAMPLE: ClassVar[dict[str, Any]] = {
        "arguments": "D1 lacks the cooling plate.",
        "amended_claims": ["A battery module with a cooling plate."],
    }

    arguments: Prose
    amended_claims: Annotated[list[ClaimText], msgspec.Meta(min_length=1, max_length=500)] | None = None


class DeficiencyNoticePayload(msgspec.Struct, forbid_unknown_fields=True):
    """``issue_deficiency_notice``: the deficiencies and the time limit to correct them (2 months unless set)."""

    EXAMPLE: ClassVar[dict[str, Any]] = {"deficiencies": ["The abstract exceeds 150 words."], "correction_months": 2}

    deficiencies: Annotated[list[Line], msgspec.Meta(min_length=1, max_length=100)]
    correction_months: Months = docs.DEFAULT_CORRECTION_MONTHS


class ReEstablishmentPayload(msgspec.Struct, forbid_unknown_fields=True):
    """``request_re_establishment``: when the cause of the missed time limit was removed, and why (Art. 122 EPC)."""

    EXAMPLE: ClassVar[dict[str, Any]] = {"cause_removed_on": "2027-01-15", "grounds": "The attorney was in hospital."}

    cause_removed_on: date
    grounds: Prose


class AssignmentPayload(msgspec.Struct, forbid_unknown_fields=True):
    """``assign``: the examiner of the office who gets the file."""

    EXAMPLE: ClassVar[dict[str, Any]] = {"examiner_id": "0193f5a2-7c1e-7a40-9b1e-3f2d4c5b6a70"}

    examiner_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=SINGLE_LINE)]


class OppositionPayload(msgspec.Struct, forbid_unknown_fields=True):
    """``file_opposition``: the grounds of opposition."""

    EXAMPLE: ClassVar[dict[str, Any]] = {"grounds": "Claim 1 lacks novelty over TR 2019/001234 A1."}

    grounds: Prose


class AmendedClaimsPayload(msgspec.Struct, forbid_unknown_fields=True):
    """``maintain_as_amended``: the claim set the patent is maintained with."""

    EXAMPLE: ClassVar[dict[str, Any]] = {"claims": ["A battery module with a cooling plate of aluminium."]}

    claims: Annotated[list[ClaimText], msgspec.Meta(min_length=1, max_length=500)]


_SCHEMA_OF_PARSER: Mapping[Callable[..., object], type[msgspec.Struct]] = {
    docs.parse_search_report: SearchReportPayload,
    docs.parse_office_action: OfficeActionPayload,
    docs.parse_office_action_response: ResponsePayload,
    docs.parse_deficiency_notice: DeficiencyNoticePayload,
    docs.parse_re_establishment_request: ReEstablishmentPayload,
    docs.parse_assignment: AssignmentPayload,
    docs.parse_opposition: OppositionPayload,
    docs.parse_amended_claims: AmendedClaimsPayload,
}


def payload_schema(action: str) -> type[msgspec.Struct] | None:
    """The struct an action's payload must match; ``None`` for actions that take no document."""
    transition = declaration(action)
    if transition is None or transition.parse is None:
        return None
    return _SCHEMA_OF_PARSER[transition.parse]


def parse_document(action: str, payload: dict[str, Any]) -> docs.Document | None:
    """The document the workflow will read from ``payload`` (its own parser), ``None`` for an action without one.

    Raises:
        InvalidPayload: as the workflow's parser.
    """
    transition = declaration(action)
    return transition.parse(payload) if transition is not None and transition.parse is not None else None


def payload_schemas() -> dict[str, type[msgspec.Struct]]:
    """Every action that takes a document, with its payload struct (for the OpenAPI document)."""
    return {action: schema for action in TRANSITIONS_BY_ACTION if (schema := payload_schema(action)) is not None}


def decode_payload(action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload checked against its action's struct, back as plain JSON data for the workflow's parser.

    Raises:
        InvalidRequestError: 422 naming each field at fault (``payload.citations[0].claims[1]``).
    """
    schema = payload_schema(action)
    if schema is None:
        return payload
    decoded = decode(
        schema,
        payload,
        where="payload",
        error=InvalidRequestError,
        detail=f"The payload of {action!r} is not acceptable; see errors.",
    )
    return msgspec.to_builtins(decoded)  # type: ignore[no-any-return]
