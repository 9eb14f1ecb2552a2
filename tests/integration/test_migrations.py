"""Migrations: the models and the migrated schema agree, and every revision downgrades and upgrades again."""

from __future__ import annotations

from datetime import date

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Uuid, column, insert, select, table, update

from benchmarks.workflow import seed
from ctpo.db.engine import create_sync_engine
from ctpo.db.migrate import alembic_config
from ctpo.db.models import Application, Base, RegisterNameKey
from tests.support import create_user


def test_schema_matches_models(database_url: str):
    engine = create_sync_engine(database_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_back(database_url: str):
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    engine = create_sync_engine(database_url)
    try:
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() is not None
    finally:
        engine.dispose()


def test_name_keys_written_before_0020_get_their_files_publication_date(database_url: str):
    """The keys of files published before the date column existed are dated by the migration, not dropped."""
    config = alembic_config(database_url)
    command.downgrade(config, "0018")
    seed(database_url, 2, create_user(database_url, "applicant").id, offices=["KZ"])
    engine = create_sync_engine(database_url)
    try:
        with engine.begin() as conn:
            published, unpublished = conn.execute(select(Application.id).order_by(Application.number)).scalars()
            conn.execute(
                update(Application).where(Application.id == published).values(publication_date=date(2026, 5, 4))
            )
            keys = table("register_name_keys", column("key"), column("application_id", Uuid()))
            conn.execute(insert(keys), [{"key": "aliev", "application_id": published}])
            conn.execute(insert(keys), [{"key": "stray", "application_id": unpublished}])  # cannot exist; dropped
        command.upgrade(config, "head")
        with engine.connect() as conn:
            rows = conn.execute(select(RegisterNameKey.key, RegisterNameKey.publication_date)).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("aliev", date(2026, 5, 4))]
