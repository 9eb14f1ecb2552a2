"""Turn the desk's HTML forms into the payloads the workflow takes (the same JSON the API accepts).

Only the shape changes here: which claims, which category, which ground. Values stay the strings the browser sent
(``"3"`` for a claim number): the request the form becomes is checked by the API's own schemas and the workflow
(:meth:`ctpo.desk.services.DeskService.act`), so the desk and the API refuse exactly the same things, in the same
words, with the same status.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from ctpo.lib.decoding import SchemaViolationError
from ctpo.lib.errors import FieldError
from workflows import FormKind

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

Form = Mapping[str, "Sequence[str]"]
"""A submitted form: every field with all its values, in order (checkbox groups repeat a name)."""

CITE_CATEGORIES = ("X", "Y", "A")
"""The categories the desk offers when citing a hit (WIPO ST.14)."""
OFFICE_ACTION_ROWS = 3
"""Objection rows in the office action form; empty rows are ignored."""
_HIT = re.compile(r"^hit-(\d+)-category$")


def first(form: Form, name: str, default: str = "") -> str:
    """The first value of a field, stripped."""
    values = form.get(name) or ()
    return values[0].strip() if values else default


def _integers(form: Form, name: str) -> list[str]:
    """Claim numbers as sent (checkboxes, or one field with ``1, 2``); the schema converts or refuses them."""
    return [part.strip() for value in form.get(name) or () for part in value.split(",") if part.strip()]


def _months(form: Form, name: str) -> str | None:
    return first(form, name) or None


def cited_hits(form: Form) -> list[int]:
    """The hit (its number in the prior-art panel) behind each citation of :func:`search_report`, in order."""
    indices = sorted(int(m.group(1)) for name in form if (m := _HIT.match(name)))
    return [i for i in indices if first(form, f"hit-{i}-category")]


def search_report(form: Form) -> dict[str, Any]:
    """``{"citations": [...]}`` from the hits given a category; hits left uncited are skipped."""
    citations = []
    for i in cited_hits(form):
        category = first(form, f"hit-{i}-category")
        citations.append(
            {
                "document_id": first(form, f"hit-{i}-document"),
                "category": category,
                "claims": _integers(form, f"hit-{i}-claims"),
                "passage": first(form, f"hit-{i}-passage"),
            }
        )
    return {"citations": citations}


def office_action(form: Form) -> dict[str, Any]:
    """``{"objections": [...], "response_months": n}`` from the filled objection rows."""
    objections = []
    for j in range(1, OFFICE_ACTION_ROWS + 1):
        claims = _integers(form, f"objection-{j}-claims")
        reasoning = first(form, f"objection-{j}-reasoning")
        if not claims and not reasoning:
            continue
        objections.append({"claims": claims, "ground": first(form, f"objection-{j}-ground"), "reasoning": reasoning})
    payload: dict[str, Any] = {"objections": objections}
    months = _months(form, "response_months")
    if months is not None:
        payload["response_months"] = months
    return payload


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def deficiency_notice(form: Form) -> dict[str, Any]:
    """``{"deficiencies": [...], "correction_months": n}``: one deficiency per line."""
    payload: dict[str, Any] = {"deficiencies": _lines(first(form, "deficiencies"))}
    months = _months(form, "correction_months")
    if months is not None:
        payload["correction_months"] = months
    return payload


def amended_claims(form: Form) -> dict[str, Any]:
    """``{"claims": [...]}``: one claim per line."""
    return {"claims": _lines(first(form, "claims"))}


def assignment(form: Form) -> dict[str, Any]:
    """``{"examiner_id": ...}``."""
    return {"examiner_id": first(form, "examiner_id")}


def raw_payload(form: Form) -> dict[str, Any]:
    """A JSON object typed by hand, for the rare actions without a form of their own.

    Decoded by msgspec like an API body (``json.loads`` let lone surrogates through), so typed JSON the API would
    refuse as malformed (400) is refused here with the same status.

    Raises:
        SchemaViolationError: not a JSON object.
    """
    text = first(form, "payload") or "{}"
    try:
        payload = msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        raise SchemaViolationError("The payload is not JSON.", errors=[FieldError("payload", str(exc))]) from None
    if not isinstance(payload, dict):
        raise SchemaViolationError(
            "The payload must be a JSON object.", errors=[FieldError("payload", "not an object")]
        )
    return payload


def _no_payload(_form: Form) -> dict[str, Any]:
    return {}


PARSERS: Mapping[FormKind, Callable[[Form], dict[str, Any]]] = {
    FormKind.PLAIN: _no_payload,
    FormKind.REASON: _no_payload,
    FormKind.PAYLOAD: raw_payload,
    FormKind.SEARCH_REPORT: search_report,
    FormKind.OFFICE_ACTION: office_action,
    FormKind.DEFICIENCY_NOTICE: deficiency_notice,
    FormKind.ASSIGN: assignment,
    FormKind.AMENDED_CLAIMS: amended_claims,
}
"""One parser per form kind a transition may declare (``Transition.form``); a test checks none is missing."""


def payload_for(form_kind: FormKind, form: Form) -> dict[str, Any]:
    """The payload of a submitted action form (``plain`` and ``reason`` forms carry none)."""
    return PARSERS[form_kind](form)
