"""Conversions between the workflow's frozen values and JSON columns."""

from __future__ import annotations

import dataclasses
import enum
from datetime import date, datetime
from typing import Any

from workflows import ApplicationState, DeadlineKind, Lapse


def to_json(value: object) -> Any:  # noqa: ANN401, PLR0911 - JSON is Any; one return per JSON shape
    """Dataclasses, enums, dates, tuples and sets as plain JSON values (sets sorted, so output is stable)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(to_json(v) for v in value)
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def lapse_to_json(lapse: Lapse | None) -> dict[str, Any] | None:
    """The lapse column value."""
    return None if lapse is None else to_json(lapse)


def lapse_from_json(data: dict[str, Any] | None) -> Lapse | None:
    """A lapse read back from its column."""
    if data is None:
        return None
    return Lapse(
        resume_state=ApplicationState(data["resume_state"]),
        kind=DeadlineKind(data["kind"]),
        due_date=date.fromisoformat(data["due_date"]),
    )


def document_kind(document: object) -> str:
    """``OfficeActionResponse`` → ``office_action_response``."""
    return kind_of(type(document))


def kind_of(document_type: type) -> str:
    """The ``procedural_documents.kind`` of a document class, so readers name the class, not a string."""
    name = document_type.__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
