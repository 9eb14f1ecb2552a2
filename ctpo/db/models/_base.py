"""The declarative base shared by every model, with naming conventions Alembic can rely on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base of all models; constraint names are fixed so migrations stay reproducible across databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTimeUTC(timezone=True)}  # noqa: RUF012 - SQLAlchemy reads a plain dict


class UUIDPrimaryKey:
    """A random UUID key: numbers are for people, ids for joins."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class CreatedAt:
    """When the row was written, in UTC."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
