"""Bodies of the audit API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec


class AuditOut(msgspec.Struct):
    """One audited event: who, what, when, from where."""

    id: int
    at: datetime
    office: str | None
    action: str
    actor_id: uuid.UUID | None
    actor_email: str | None
    actor_role: str | None
    actor_office: str | None
    application_number: str | None
    target_user_id: uuid.UUID | None
    details: dict[str, Any]
    client_address: str | None
    user_agent: str | None
    method: str | None
    path: str | None
