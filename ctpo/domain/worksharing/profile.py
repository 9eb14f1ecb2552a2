"""An examiner's declared languages and IPC fields: parsed, checked and matched, without any I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ctpo.lib.errors import FieldError, InvalidRequestError
from workflows.languages import Language

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_IPC_FIELDS = 50
"""More prefixes than any examiner covers; the bound keeps a profile (and a suggestion query) small."""

_IPC_PREFIX = re.compile(r"^[A-H]\d{2}[A-Z]?$")
"""An IPC class (``H01``: section letter, two digits) or subclass (``H01M``): the level a field of expertise has."""


@dataclass(frozen=True, slots=True)
class ExaminerProfile:
    """What an examiner reads and examines, canonical and sorted."""

    languages: tuple[Language, ...]
    ipc_fields: tuple[str, ...]


def canonical_ipc_prefix(text: str) -> str | None:
    """``h 01m`` → ``H01M``; ``None`` if it is not an IPC class or subclass."""
    prefix = re.sub(r"\s+", "", text).upper()
    return prefix if _IPC_PREFIX.match(prefix) else None


def parse_profile(languages: Iterable[str], ipc_fields: Iterable[str]) -> ExaminerProfile:
    """The profile an examiner (or their administrator) declares, repeated entries merged.

    Raises:
        InvalidRequestError: naming every entry that is not a working language or not an IPC class/subclass.
    """
    errors: list[FieldError] = []
    read: set[Language] = set()
    for i, code in enumerate(languages):
        language = Language.parse(code)
        if language is None:
            known = ", ".join(Language)
            message = f"{code!r} is not a working language ({known})"
            errors.append(FieldError(f"languages[{i}]", message, "not_language", {"value": code}))
        else:
            read.add(language)
    fields: set[str] = set()
    for i, text in enumerate(ipc_fields):
        prefix = canonical_ipc_prefix(text)
        if prefix is None:
            message = f"{text!r} is not an IPC class (H01) or subclass (H01M)"
            errors.append(FieldError(f"ipc_fields[{i}]", message, "not_ipc_field", {"value": text}))
        else:
            fields.add(prefix)
    if len(fields) > MAX_IPC_FIELDS:
        errors.append(FieldError("ipc_fields", f"at most {MAX_IPC_FIELDS} fields"))
    if errors:
        raise InvalidRequestError("The examiner profile cannot be recorded.", errors=errors)
    return ExaminerProfile(tuple(sorted(read)), tuple(sorted(fields)))


def field_overlap(ipc_fields: Iterable[str], symbols: Iterable[str]) -> tuple[str, ...]:
    """The file's IPC symbols (``H01M 10/613``) inside one of the examiner's fields, in the file's order."""
    prefixes = tuple(ipc_fields)
    return tuple(s for s in symbols if s.replace(" ", "").upper().startswith(prefixes)) if prefixes else ()
