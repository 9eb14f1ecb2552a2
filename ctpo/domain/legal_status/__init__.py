"""The shared legal-event record (WIPO ST.27): record events in the caller's transaction, list them per file.

Any service that changes a file's legal status calls :func:`record_legal_events` inside the transaction that makes
the change, so the event and the act land together or not at all::

    from workflows.legal_status import KeyEvent, LegalEvent, Phase, Status
    from ctpo.domain.legal_status import record_legal_events

    record_legal_events(session, application.id, [LegalEvent(KeyEvent.APPLICATION_PUBLISHED, Status.PENDING,
                        Phase.APPLICATION, publication_date, document_sha256=pdf_sha256)], recorded_at=now)

From async code: ``await db_session.run_sync(record_legal_events, application.id, events, recorded_at=now)``.
"""

from __future__ import annotations

from ctpo.domain.legal_status.record import legal_event_rows, record_legal_events

__all__ = ["legal_event_rows", "record_legal_events"]
