"""A refused action told in the examiner's language: what was refused, and each field at fault by its name on the page.

The services say why in English, for the API and the logs; the desk translates what it can name: the kind of
refusal (headline), the refused action and the actions allowed instead, and each field error by its code
(``required``, ``too_long``, ``claims_not_on_file``…, see :class:`ctpo.lib.errors.FieldError`). A field is named
as the page names it: ``payload.citations[1].claims`` is "Hit 3 (TR2025/000111) — claims", the hit the
examiner ticked, not "citation 2". The service's English stays available under the message.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ctpo.desk import forms
from ctpo.desk import views as v
from ctpo.lib.errors import CtpoError, FieldError
from workflows import DeadlinePassed, Forbidden, GuardFailed, IllegalTransition, InvalidPayload, WorkflowError

if TYPE_CHECKING:
    from ctpo.desk.i18n import Translator

_INDEXED = re.compile(r"^(?P<name>[a-z_]+)\[(?P<index>\d+)\]$")
_HEADLINES: tuple[tuple[type[BaseException], str], ...] = (
    (IllegalTransition, "error.illegal"),
    (Forbidden, "error.forbidden"),
    (InvalidPayload, "error.invalid"),
    (DeadlinePassed, "error.deadline"),
    (GuardFailed, "error.guard"),
)


def headline(t: Translator, exc: BaseException) -> str:
    """What kind of refusal, in the examiner's language."""
    for kind, key in _HEADLINES:
        if isinstance(exc, kind):
            return t(key)
    if isinstance(exc, CtpoError):
        return t(
            {400: "error.invalid", 403: "error.forbidden", 404: "error.not_found", 409: "error.conflict"}.get(
                exc.status_code,
                "error.invalid" if exc.status_code == 422 else "error.generic",  # noqa: PLR2004
            )
        )
    return t("error.generic")


def _field_errors(exc: BaseException) -> list[FieldError]:
    if isinstance(exc, CtpoError):
        return list(exc.errors)
    if isinstance(exc, InvalidPayload):
        return [FieldError(f"payload.{exc.field}" if exc.field else "payload", str(exc))]
    return []


def label(t: Translator, path: str, form: forms.Form) -> str:
    """A field path as the page names it; a citation by the hit it came from."""
    cited = forms.cited_hits(form)
    words: list[str] = []
    for part in path.removeprefix("payload.").split("."):
        matched = _INDEXED.match(part)
        name, index = (matched["name"], int(matched["index"])) if matched else (part, None)
        if name == "citations" and index is not None:
            if index < len(cited):
                hit = cited[index]
                words.append(t("refusal.hit", n=hit, document=forms.first(form, f"hit-{hit}-document")))
            else:
                words.append(t("refusal.citation", n=index + 1))
        elif name == "objections" and index is not None:
            words.append(t("objection.legend", n=index + 1))
        else:
            words.append(t.term("field", name))
    return " — ".join(words)


def message(t: Translator, error: FieldError) -> str:
    """The fault, translated by its code; the service's own words when the catalog has no such code."""
    key = f"problem.{error.code or 'invalid'}"
    text = t(key, **error.params)
    return error.message if text == key else text


def _explanation(t: Translator, exc: BaseException) -> str:
    if isinstance(exc, IllegalTransition):
        allowed = ", ".join(t.term("action", a) for a in exc.allowed) or "—"
        return t(
            "refusal.illegal", action=t.term("action", exc.action), state=t.term("state", exc.state), allowed=allowed
        )
    return ""


def describe(t: Translator, exc: CtpoError | WorkflowError, form: forms.Form) -> v.ErrorNotice:
    """The notice shown on the page after a refusal."""
    detail = exc.detail if isinstance(exc, CtpoError) else str(exc)
    return v.ErrorNotice(
        headline=headline(t, exc),
        explanation=_explanation(t, exc),
        problems=[(label(t, e.field, form), message(t, e)) for e in _field_errors(exc)],
        detail=detail,
    )
