"""The public name search: newest publication first, every word a prefix in any script, chosen in the key table.

The key table carries the publication date, so the newest ``limit`` files are picked by one range scan of its
covering index; applications are read only for the files shown (at 100,000 files the previous query looked up
~22,000 matching files before sorting them).
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from benchmarks.workflow import seed
from ctpo.db.engine import create_engine, create_session_factory, create_sync_engine
from ctpo.db.models import Application, Party, PartyKind
from ctpo.domain.publications.records import index_names
from ctpo.register.services import name_search_query, search_names
from tests.support import create_user

if TYPE_CHECKING:
    from ctpo.register.services import Summary

NAMES = {  # application index -> (applicant's name, publication date or None when unpublished)
    0: ("Алиев Эльдар", date(2026, 3, 1)),
    1: ("Aliyev Eldar", date(2026, 5, 1)),
    2: ("Aliyeva Leyla", date(2026, 4, 1)),
    3: ("Aliyev Eldar", None),
    4: ("Smith John", date(2026, 6, 1)),
    5: ("Eldar Alievich Aliev", date(2026, 2, 1)),  # two words start with "ali": listed once
}


def _world(database_url: str) -> list[str]:
    """Six filed applications, five published on the dates above with their names indexed as publication does."""
    seed(database_url, len(NAMES), create_user(database_url, "applicant").id, offices=["KZ"])
    engine = create_sync_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            apps = list(session.execute(select(Application).order_by(Application.number)).scalars())
            for i, app in enumerate(apps):
                name, published = NAMES[i]
                session.add(
                    Party(
                        application_id=app.id,
                        kind=PartyKind.APPLICANT,
                        position=1,
                        name=name,
                        country="KZ",
                        address="Astana",
                    )
                )
                session.flush()
                if published is not None:
                    session.execute(
                        update(Application).where(Application.id == app.id).values(publication_date=published)
                    )
                    index_names(session, app.id, published)
            return [a.number for a in apps]
    finally:
        engine.dispose()


def _search(database_url: str, name: str, limit: int = 50) -> list[Summary]:
    async def go() -> list[Summary]:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                return await search_names(session, name, limit=limit)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_newest_first_across_scripts_prefixes_and_words(database_url: str):
    numbers = _world(database_url)

    def found(name: str, limit: int = 50) -> list[str]:
        return [s.application_number for s in _search(database_url, name, limit)]

    # Latin finds Cyrillic, a prefix finds longer words, newest publication first; the unpublished file never
    assert found("Aliyev") == [numbers[1], numbers[2], numbers[0], numbers[5]]
    assert found("алиев") == [numbers[1], numbers[2], numbers[0], numbers[5]]
    assert found("Aliyev", limit=2) == [numbers[1], numbers[2]]
    # every word must match (in any order), each on some word of the name
    assert found("Eldar Aliyev") == [numbers[1], numbers[0], numbers[5]]
    assert found("eldar leyla") == []
    assert found("Smith") == [numbers[4]]
    summary = _search(database_url, "Leyla")[0]
    assert (summary.publication_date, summary.applicants) == (date(2026, 4, 1), ("Aliyeva Leyla",))


def test_the_search_reads_only_the_key_table_through_its_covering_index(database_url: str):
    """Fails on the query that filtered applications by key sub-queries and sorted the applications."""
    query = name_search_query(["aliev", "eldar"], limit=50)
    sql = str(query)
    assert "FROM register_name_keys" in sql
    assert "applications" not in sql  # no file is read to choose the files shown
    if not database_url.startswith("sqlite"):
        return
    engine = create_sync_engine(database_url)
    try:
        with engine.connect() as conn:
            compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
            plan = " | ".join(row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    finally:
        engine.dispose()
    assert "USING COVERING INDEX ix_register_name_keys_key_date (key>? AND key<?)" in plan, plan
    assert "applications" not in plan, plan
