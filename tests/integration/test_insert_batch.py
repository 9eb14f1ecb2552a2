"""Rows a filing writes in one statement (PostgreSQL) are stored exactly as a plain ``executemany`` stores them.

The one statement carries each table's rows as JSON (``jsonb_to_recordset``): a JSON ``null`` that became SQL
``NULL``, a timestamp that lost its zone or an enum stored by name would change what later queries find.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import String, cast, select

from ctpo.db.engine import create_engine, create_session_factory
from ctpo.db.inserts import InsertBatch, insert_rows
from ctpo.db.models import Application, HistoryRecord, Role
from ctpo.domain.filings.numbering import format_number, insert_numbered
from tests.support import create_user

AT = datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=UTC)


def _history(application_id: uuid.UUID, seq: int, payload: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "application_id": application_id,
        "seq": seq,
        "action": "file",
        "from_state": None,
        "to_state": "filed",
        "actor_id": "someone",
        "role": Role.APPLICANT,
        "actor_office": None,
        "office": "KZ",
        "at": AT,
        "reason": "Причина — 'quoted' \"twice\"",
        "payload_digest": "0" * 64,
        "payload": payload,
    }


def _application(owner_id: uuid.UUID) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "receiving_office": "KZ",
        "filing_year": 2026,
        "filing_date": date(2026, 3, 2),
        "received_at": AT,
        "owner_id": owner_id,
        "language": "kk",
        "title": "Батарея",
        "abstract": "A",
        "description": "D",
        "content_digest": "1" * 64,
        "earliest_priority_date": None,
        "created_at": AT,
    }


async def _write_and_read(database_url: str, owner_id: uuid.UUID) -> tuple[list[str], list[tuple[Any, ...]]]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            first = await insert_numbered(session, _application(owner_id), "KZ", 2026, InsertBatch())
            app_id = (await session.execute(select(Application.id).where(Application.number == first))).scalar_one()
            await session.commit()
            payloads = [None, {"ü": [1, 2.5, None], "nested": {"b": True}}]
            plain = [_history(app_id, 10 + i, p) for i, p in enumerate(payloads)]
            await session.run_sync(lambda sync: insert_rows(sync, HistoryRecord, plain))  # an executemany
            await session.commit()
            batch = InsertBatch()
            batch.add(HistoryRecord, [_history(app_id, 20 + i, p) for i, p in enumerate(payloads)])
            second = await insert_numbered(session, _application(owner_id), "KZ", 2026, batch)
            await session.commit()
            columns = [c for c in HistoryRecord.__table__.columns if c.name not in {"id", "seq"}]
            stored = select(
                HistoryRecord.seq,
                *(cast(c, String) for c in columns),
                *(c.is_(None) for c in columns),
            ).order_by(HistoryRecord.seq)
            rows = [tuple(r) for r in (await session.execute(stored.where(HistoryRecord.seq >= 10))).all()]
        return [first, second], rows
    finally:
        await engine.dispose()


def test_rows_written_together_are_stored_as_an_executemany_stores_them(database_url: str) -> None:
    owner = create_user(database_url, "applicant")
    numbers, rows = asyncio.run(_write_and_read(database_url, owner.id))
    assert numbers == [format_number("KZ", 2026, 1), format_number("KZ", 2026, 2)]  # gapless, with the batch too
    by_seq = {row[0]: row[1:] for row in rows}
    assert set(by_seq) == {10, 11, 20, 21}
    assert by_seq[20] == by_seq[10]  # a JSON null stays a JSON null, not SQL NULL (the column's own rule)
    assert by_seq[21] == by_seq[11]  # nested JSON, non-ASCII text, quotes, the instant to the microsecond
