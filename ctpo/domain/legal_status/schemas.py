"""Bodies of the legal-status API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec


class LegalEventOut(msgspec.Struct):
    """One legal event of an application, coded after WIPO ST.27."""

    key_event: str
    """ST.27 key event code, e.g. ``F10``."""
    title: str
    category: str
    category_title: str
    status: str
    phase: str
    state: str | None
    """ST.3 code of the designated state concerned; null when the event concerns the whole file."""
    effective_date: date
    recorded_at: datetime
    document_sha256: str | None
    payload: dict[str, Any]
