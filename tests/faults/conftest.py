"""Fixtures of the fault tests: a fresh database on the shared PostgreSQL for the servers the tests start."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support import create_postgres_database, drop_postgres_database, unique_name

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def fault_database(postgres_template: str) -> Iterator[tuple[str, str]]:
    """A fresh migrated database on the shared server: (service URL, libpq DSN). Dropped at the end."""
    name = unique_name("ctpo_fault")
    url = create_postgres_database(name, template=postgres_template)
    yield url, f"postgresql://postgres@127.0.0.1:5432/{name}"
    drop_postgres_database(name)
