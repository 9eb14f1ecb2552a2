# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""History entries: what each transition records, with a digest that pins the payload acted upon."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from workflows.errors import InvalidPayload

if TYPE_CHECKING:
    from collections.abc import Mapping

    from workflows.actions import Action
    from workflows.offices import OfficeCode
    from workflows.states import ApplicationState, Role


def _jsonable(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise InvalidPayload(f"payload value of type {type(value).__name__} has no canonical JSON form")


def canonical_json(payload: Mapping[str, object]) -> bytes:
    """The payload as canonical JSON: sorted keys, no insignificant whitespace, UTF-8, ISO dates.

    Two payloads that mean the same serialise to the same bytes, so their digests match whatever key order the
    client used (the spirit of RFC 8785 for the JSON the API accepts).

    >>> canonical_json({"b": [1, 2], "a": "x"})
    b'{"a":"x","b":[1,2]}'

    Raises:
        InvalidPayload: a value JSON cannot express (NaN, sets, arbitrary objects).
    """
    try:
        text = json.dumps(
            payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_jsonable
        )
    except ValueError as exc:
        raise InvalidPayload(str(exc)) from None
    return text.encode()


def payload_digest(payload: Mapping[str, object]) -> str:
    """Hex SHA-256 of :func:`canonical_json`: lets an auditor prove which payload a history entry acted on."""
    return hashlib.sha256(canonical_json(payload)).hexdigest()


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One append-only history row; the service stores it in the transaction that applies the decision."""

    application_id: str
    seq: int
    """1 for the filing, then +1 per transition: gap-free, so a lost row is detectable."""
    action: Action
    from_state: ApplicationState | None
    """``None`` only for the filing."""
    to_state: ApplicationState
    actor_id: str
    role: Role
    actor_office: OfficeCode | None
    office: OfficeCode
    """The application's office."""
    at: datetime
    reason: str | None
    payload_digest: str
