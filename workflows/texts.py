# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""The one set of rules every text entering a file passes: filings, amendments, office documents, reasons, names.

A patent file is a legal record read by people and compared by machines. Whatever path a text takes in (a filing,
an amended claim set in a response or after opposition, a deficiency notice, a reason for an act), it meets the
same rules here, so no path can store what another refuses:

- **No control characters** (C0, C1, DEL); prose keeps line breaks and tabs.
- **No invisible format characters** (Unicode category Cf): the direction controls (U+202A-U+202E, U+2066-U+2069,
  U+200E, U+200F, U+061C), zero-width characters (U+200B-U+200D, U+2060, U+FEFF), soft hyphens, tags. They
  reorder or hide text, so what an examiner reads would not be what a search or a comparison sees.
- **No lone surrogates or unassigned code points** (Cs, Cn): they cannot be stored or shown faithfully.
- **Lengths**: each kind of text has a limit, and claim sets a count (EPC Rule 43(5): claims must be
  reasonable in number; the limits are the office's own).

Claim texts may start with their own number (``"1. A device…"``), as applicants copy them from their drafts: a
leading number equal to the claim's position is removed (the number is stored beside the text), one that differs
is refused, so the same claim never reaches the file in two spellings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Sequence

MAX_CLAIMS: Final = 500
"""Claims in one claim set, as filed or amended."""
MAX_CLAIM_CHARS: Final = 20_000
"""Characters of one claim (about 3,000 words); amendments are held to it too."""
MAX_NAME_CHARS: Final = 300
"""A name, a title, a document number."""
MAX_PROSE_CHARS: Final = 100_000
"""Arguments, reasoning, grounds: the prose of one procedural document's field."""
MAX_REASON_CHARS: Final = 5_000
"""The reason given for an act (recorded in the history)."""
MAX_ITEMS: Final = 200
"""Entries of a list in a procedural document (deficiencies, objections, citations)."""

_ALLOWED_IN_PROSE: Final = frozenset("\n\r\t")
_LEADING_NUMBER: Final = re.compile(r"^\s*(?:claim\s+)?(\d{1,4})(?:\s*[.)]|(?<=\d)\s*:)(?:\s+|$)", re.IGNORECASE)
"""``1. ``, ``1) ``, ``Claim 1. ``, ``Claim 1: ``; not ``1-methyl…``, ``1.5 mm…`` or ``10 g of…``."""


@dataclass(frozen=True, slots=True)
class TextProblem:
    """A text that breaks a rule: where (a field path) and what, in words an applicant understands."""

    field: str
    message: str


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name.lower()})" if name else "")


def text_problem(field: str, value: str, *, max_chars: int, single_line: bool) -> TextProblem | None:  # noqa: PLR0911
    """The first rule ``value`` breaks, or None.

    Args:
        field: where the text came from, for the message.
        value: the text.
        max_chars: its limit in characters.
        single_line: names and titles take no line breaks; prose does.
    """
    if not value.strip():
        return TextProblem(field, "must not be empty or only spaces")
    if len(value) > max_chars:
        return TextProblem(field, f"is {len(value)} characters long; the limit is {max_chars}")
    if value.isprintable():
        return None  # the common case, decided in C: no Cc, Cf, Cs, Cn (nor separators other than the space)
    for ch in sorted(set(value)):  # each distinct character once: linear in C, then a few in Python
        category = unicodedata.category(ch)
        if category == "Cc" and (single_line or ch not in _ALLOWED_IN_PROSE):
            return TextProblem(field, f"contains the control character {_describe(ch)}, which is not allowed here")
        if category == "Cf":
            return TextProblem(
                field,
                f"contains the invisible character {_describe(ch)}, which can hide or reorder text; remove it",
            )
        if category in {"Cs", "Cn"}:
            return TextProblem(field, f"contains {_describe(ch)}, which is not a character that can be stored")
    return None


def claim_problems(field: str, texts: Sequence[str], *, numbers: Sequence[int] | None = None) -> list[TextProblem]:
    """Every problem of a claim set: its size, each claim's text, and leading numbers that contradict positions.

    Args:
        field: the claim set's field, e.g. ``claims`` or ``payload.amended_claims``.
        texts: the claims in order.
        numbers: their declared numbers (a filing numbers its claims); by default their positions 1, 2, 3…
    """
    problems: list[TextProblem] = []
    if not texts:
        return [TextProblem(field, "at least one claim is required")]
    if len(texts) > MAX_CLAIMS:
        return [TextProblem(field, f"{len(texts)} claims; a claim set may have at most {MAX_CLAIMS}")]
    for i, text in enumerate(texts):
        where = f"{field}[{i}]" if numbers is None else f"{field}[{i}].text"
        number = numbers[i] if numbers is not None else i + 1
        problem = text_problem(where, text, max_chars=MAX_CLAIM_CHARS, single_line=False)
        if problem is None:
            match = _LEADING_NUMBER.match(text)
            if match is not None and int(match.group(1)) != number:
                problem = TextProblem(
                    where,
                    f"claim {number} starts with the number {match.group(1)}; give the claims in order "
                    "(the leading number may be left out)",
                )
            elif match is not None and not text[match.end() :].strip():
                problem = TextProblem(where, f"claim {number} has a number but no text")
        if problem is not None:
            problems.append(problem)
    return problems


def without_claim_number(text: str) -> str:
    """The claim's text without a leading ``1.``/``1)``/``Claim 1:`` (checked first by :func:`claim_problems`)."""
    match = _LEADING_NUMBER.match(text)
    return text[match.end() :] if match is not None else text


def leading_number(text: str) -> int | None:
    """The number a claim text starts with, if any."""
    match = _LEADING_NUMBER.match(text)
    return int(match.group(1)) if match is not None else None
