"""Writing legal events: one function, used by the workflow store and every other service that makes one."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ctpo.db.inserts import insert_rows
from ctpo.db.models import LegalEventRecord
from workflows.history import canonical_json

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from sqlalchemy.orm import Session

    from workflows.legal_status import LegalEvent


def legal_event_rows(
    application_id: uuid.UUID | str, events: Iterable[LegalEvent], *, recorded_at: datetime
) -> list[dict[str, Any]]:
    """The ``legal_events`` rows for ``events``: for bulk writers (the renewal sweep) that batch many files.

    Raises:
        InvalidPayload: a payload value JSON cannot express (checked here so a bad event fails before writing).
    """
    app_id = uuid.UUID(str(application_id))
    rows = []
    for event in events:
        canonical_json(event.payload)  # refuse NaN, sets, objects now rather than in the driver
        rows.append(
            {
                "application_id": app_id,
                "key_event": event.key_event.value,
                "category": event.category.value,
                "status": event.status.value,
                "phase": event.phase.value,
                "state": event.state.value if event.state is not None else None,
                "effective_date": event.effective_date,
                "recorded_at": recorded_at,
                "document_sha256": event.document_sha256,
                "payload": dict(event.payload),
            }
        )
    return rows


def record_legal_events(
    session: Session, application_id: uuid.UUID | str, events: Iterable[LegalEvent], *, recorded_at: datetime
) -> None:
    """Append ``events`` of one application in the session's current transaction (nothing is committed here).

    The table is append-only in the database (triggers), so a recorded event can be corrected only by a new
    ``KeyEvent.FEE_REFUNDED``/``Y`` event, never edited.
    """
    rows = legal_event_rows(application_id, events, recorded_at=recorded_at)
    insert_rows(session, LegalEventRecord, rows)
