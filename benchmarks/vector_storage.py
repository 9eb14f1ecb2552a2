"""Bytes per passage of the scaled deployment's search tables: where each passage vector is stored, and how often.

Loads ``--documents`` synthetic documents into a fresh, migrated service database on a private PostgreSQL with
pgvector (:mod:`tests.pgvector_server`), embeds them as the workers do (ingest chunks), lets one API runtime in
pgvector mode catch up (and runs the prune job it schedules), and prints ``pg_total_relation_size`` (heap, TOAST
and indexes) of each table divided by the passages held. Vectors come from a deterministic 384-dimensional
hashing embedder (the size of multilingual-e5-small's vectors): what is measured is storage, which does not
depend on the model's values.

    nice -n 10 .venv/bin/python benchmarks/vector_storage.py --documents 300
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import psycopg
from sqlalchemy.orm import sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.search_speed import WORDS, SyntheticEmbedder
from ctpo.db.engine import create_sync_engine
from ctpo.db.migrate import upgrade
from ctpo.domain.prior_art.corpus import upsert_documents
from ctpo.domain.prior_art.ingest import plan_ingest, run_open_chunks
from ctpo.domain.prior_art.pruning import prune_embeddings
from ctpo.domain.prior_art.runtime import SearchRuntime, pgvector_factory
from search.engine import Document
from search.pg import StatelessEngine
from tests.pgvector_server import pgvector_server

_WORDS = WORDS["ru"].split()


def _documents(n: int) -> list[Document]:
    rng = np.random.default_rng(0)

    def words(k: int) -> str:
        return " ".join(str(w) for w in rng.choice(_WORDS, size=k))

    return [
        Document(
            id=f"RU2020/{i:06d}",
            lang="ru",
            title=f"Батарея {i}",
            abstract=words(60),
            claims=[f"{j}. " + words(40) for j in range(1, 4)],
            description=" ".join(words(120) for _ in range(3)),
            publication_date=date(2020, 1, 1),
        )
        for i in range(n)
    ]


def _sizes(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid ="
            " c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
            " AND (c.relname = 'passage_embeddings' OR c.relname LIKE 'passage_vectors_%') ORDER BY 1"
        ).fetchall()
    return {str(name): int(size) for name, size in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=300)
    args = parser.parse_args()
    with pgvector_server() as server, tempfile.TemporaryDirectory() as tmp:
        socket_dir = parse_qs(urlparse(server.url).query)["host"][0]
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE ctpo_storage")
        url = f"postgresql+asyncpg://postgres@/ctpo_storage?host={socket_dir}"
        libpq = f"postgresql://postgres@/ctpo_storage?host={socket_dir}"
        upgrade(url)
        engine = create_sync_engine(url)
        sessions = sessionmaker(engine, expire_on_commit=False)
        docs = _documents(args.documents)
        with sessions() as session, session.begin():
            upsert_documents(session, docs, "benchmark")
            plan_ingest(session)
        embedder = SyntheticEmbedder(len(docs) * 7)
        run_open_chunks(sessions, embedder, lease=600)  # the workers' part
        api = SearchRuntime(Path(tmp) / "api", embedder.name, Path(tmp), sessions, pgvector_factory(url))
        api.open(embedder)
        api.catch_up()
        engine_held = api._require()  # noqa: SLF001 - its store answers what the shared index holds
        if isinstance(engine_held, StatelessEngine):  # the prune job the catch-up scheduled, run here
            prune_embeddings(sessions, embedder.name, held=engine_held.store.texts)
        passages = sum(len(d.passages()) for d in docs)
        with psycopg.connect(libpq, autocommit=True) as conn:
            vectors = conn.execute("SELECT count(*) FROM passage_embeddings").fetchone()
            conn.execute("VACUUM passage_embeddings")  # what autovacuum does after the prune's delete
        left = vectors[0] if vectors else 0
        print(f"{args.documents} documents, {passages} passages, {left} rows left in passage_embeddings")
        total = 0
        for name, size in _sizes(libpq).items():
            total += size
            print(f"{name:48s} {size / 1024:10.0f} kB {size / passages:8.0f} B/passage")
        print(f"{'all of them':48s} {total / 1024:10.0f} kB {total / passages:8.0f} B/passage")
        engine.dispose()


if __name__ == "__main__":
    main()
