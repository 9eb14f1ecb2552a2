"""Documents, passages, lexical statistics and hub scores in PostgreSQL: what the stateless engine does not hold.

Beside a :class:`~search.index.PgVectorIndex` table ``T`` (key, embedding) the store keeps, named after it:

* ``T_documents``: each document's JSON and :func:`~search.documents.content_digest`;
* ``T_passages``: one row per passage, keyed like the vectors, with what filters and ranking read: language,
  normalised IPC symbols, dates, text, the lexical terms (a ``tsvector`` under a GIN index, their counts as
  ``jsonb``, the folded word keys for fuzzy credit) and the passage's hub score;
* ``T_terms``: each index term's document frequency and its best term-frequency factor (for coverage);
* ``T_stats``: passage and document counts, total length, the mean coverage ceiling, hub bookkeeping;
* ``T_hubref``: the reference sample of hub scores (at most :data:`~search.hubness.REFERENCE_SAMPLE` vectors).

Lexical ranking is BM25 computed in SQL with the formula and parameters of the in-memory channel
(:mod:`search.lexical`): the GIN index finds the passages holding a query term, each scores
``sum(idf * tf / (tf + k1 (1 - b + b len / avglen)))`` over the query's terms, and the best
:attr:`candidates` get the same fuzzy credit and coverage (:func:`search.lexical.rescore`). Why BM25 and not
``ts_rank_cd``: measured in ``benchmarks/README.md`` ("Stateless search"). Document frequencies, counts and
lengths change with every write, in the write's transaction; the best term factors and the mean ceiling are
exact after :meth:`PgPassageStore.refresh_terms` (the refresh job) and only grow in between.

Writers lock each document they write (an advisory lock per id, in id order), then rows in one order
(documents, passages, terms by term, stats), so concurrent writers cannot deadlock, and a document written by two
processes at once ends as the last writer left it.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg import sql

from search.documents import Document, content_digest
from search.hubness import REFERENCE_SAMPLE
from search.index._pgvector import retry_on_broken_connection
from search.lexical import (
    DEFAULT_PREFIX,
    LexicalHit,
    Term,
    bm25_idf,
    bm25_tf,
    fuzzy_matches,
    passage_terms,
    query_terms,
    rescore,
    stem_of,
)
from search.passages import Passage, Section
from search.prior_art import ipc_key

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import date

    from numpy.typing import NDArray

    from search.index import PgVectorIndex

T = TypeVar("T")

Ranking = Literal["bm25", "ts_rank_cd"]
"""How the lexical channel ranks in SQL: BM25 (default) or PostgreSQL's cover density rank, kept for comparison."""

_PG_CODE_MARK: Final = "\x01"
"""PostgreSQL text cannot hold NUL, the in-memory channel's code mark; stored terms use this one instead."""
_BATCH: Final = 4096
_WRITE_LOCK: Final = 0x63_74_70_6F_73_74_6F  # pg_advisory_xact_lock key ("ctposto"): one schema setup at a time


def _pg(term: str) -> str:
    return term.replace("\x00", _PG_CODE_MARK)


def _mem(term: str) -> str:
    return term.replace(_PG_CODE_MARK, "\x00")


def _tsquery(terms: Iterable[str]) -> str:
    """An OR query of quoted lexemes (quotes and backslashes escaped), as PostgreSQL parses ``tsquery``."""
    return " | ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms)


def _tsvector(terms: Sequence[str]) -> str:
    """A ``tsvector`` literal of the terms with their positions, so that ``ts_rank_cd`` can rank it."""
    positions: dict[str, list[int]] = {}
    for i, term in enumerate(terms[:16383], start=1):
        positions.setdefault(term, []).append(i)
    return " ".join(
        "'" + t.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(map(str, p[:256]))
        for t, p in positions.items()
    )


def _text_array(values: Iterable[str]) -> str:
    """A ``text[]`` literal for COPY: psycopg dumps a list element by element in Python, several times slower."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


@dataclass(frozen=True, slots=True)
class StoredPassage:
    """A passage as the store returns it for a hit, with its document's language and dates."""

    passage: Passage
    lang: str
    publication_date: date | None
    filing_date: date | None
    priority_date: date | None


class PgPassageStore:
    """The corpus-sized state of :class:`~search.pg.StatelessEngine` in PostgreSQL, next to its vector table.

    Args:
        vectors: the vector index whose database the store uses and whose keys its passages share; its table's
            name prefixes the store's tables.
        prefix: characters of a folded word kept as its index term (as :class:`~search.lexical.LexicalIndex`).
        k1: BM25 term-frequency saturation.
        b: BM25 length normalisation.
        fuzzy_threshold: least similarity (0-100) for fuzzy credit.
        candidates: passages BM25 hands to fuzzy re-scoring.
        ranking: ``"bm25"`` or ``"ts_rank_cd"`` (see the module docstring).
    """

    def __init__(
        self,
        vectors: PgVectorIndex,
        *,
        prefix: int = DEFAULT_PREFIX,
        k1: float = 1.2,
        b: float = 0.75,
        fuzzy_threshold: float = 85.0,
        candidates: int = 200,
        ranking: Ranking = "bm25",
    ) -> None:
        self._conninfo = vectors.conninfo
        self.vectors = vectors
        self.prefix, self.k1, self.b = prefix, k1, b
        self.fuzzy_threshold, self.candidates, self.ranking = fuzzy_threshold, candidates, ranking
        base = vectors.table
        self._vec = sql.Identifier(base)
        self._docs = sql.Identifier(f"{base}_documents")
        self._pass = sql.Identifier(f"{base}_passages")
        self._terms = sql.Identifier(f"{base}_terms")
        self._stats = sql.Identifier(f"{base}_stats")
        self._ref = sql.Identifier(f"{base}_hubref")
        self._cast = sql.SQL(vectors.storage)
        self._lock = threading.RLock()
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None
        self._pid = os.getpid()
        self._run(self._setup)

    # ------------------------------------------------------------------ connection and schema

    def _run(self, op: Callable[[psycopg.Connection[tuple[Any, ...]]], T]) -> T:
        """Run ``op`` on the store's connection; a broken one is replaced and the (idempotent) call retried once."""
        with self._lock:
            return retry_on_broken_connection(self._connection, self._forget_connection, op)

    def _forget_connection(self) -> None:
        self._conn = None

    def _connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._conn is not None and (os.getpid() != self._pid or self._conn.broken or self._conn.closed):
            self._conn = None  # a forked child or a dead session: open a new one
        if self._conn is None:
            self._pid = os.getpid()
            conn = psycopg.connect(self._conninfo, autocommit=True, application_name="ctpo-passage-store")
            register_vector(conn)
            conn.execute("SELECT set_config('hnsw.iterative_scan', 'strict_order', false)")
            conn.execute("SELECT set_config('hnsw.ef_search', %s, false)", (str(self.vectors.ef_search),))
            self._conn = conn
        return self._conn

    def close(self) -> None:
        """Close the connection; a later call opens a new one."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = None

    def _setup(self, conn: psycopg.Connection[tuple[Any, ...]]) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
            statements = [
                (
                    "CREATE TABLE IF NOT EXISTS {docs} (doc_id text PRIMARY KEY, digest text NOT NULL,"
                    " document jsonb NOT NULL)"
                ),
                (
                    "CREATE TABLE IF NOT EXISTS {p} (key bigint PRIMARY KEY, passage_id text NOT NULL UNIQUE,"
                    " doc_id text NOT NULL, section text NOT NULL, ordinal integer NOT NULL, text text NOT NULL,"
                    " lang text NOT NULL, ipc text[] NOT NULL, publication_date date, filing_date date,"
                    " priority_date date, length integer NOT NULL, tf jsonb NOT NULL, words text[] NOT NULL,"
                    " tsv tsvector NOT NULL, hub real NOT NULL DEFAULT 0)"
                ),
                "CREATE INDEX IF NOT EXISTS {p_tsv} ON {p} USING gin (tsv)",
                "CREATE INDEX IF NOT EXISTS {p_doc} ON {p} (doc_id)",
                (
                    "CREATE TABLE IF NOT EXISTS {terms} (term text PRIMARY KEY, df integer NOT NULL,"
                    " max_tf real NOT NULL DEFAULT 0)"
                ),
                (
                    "CREATE TABLE IF NOT EXISTS {stats} (id integer PRIMARY KEY CHECK (id = 1),"
                    " documents bigint NOT NULL DEFAULT 0, passages bigint NOT NULL DEFAULT 0,"
                    " total_length bigint NOT NULL DEFAULT 0, mean_ceiling double precision NOT NULL DEFAULT 0,"
                    " hubs_computed_at bigint NOT NULL DEFAULT 0, hub_generation integer NOT NULL DEFAULT 0)"
                ),
                "INSERT INTO {stats} (id) VALUES (1) ON CONFLICT DO NOTHING",
                (
                    "CREATE TABLE IF NOT EXISTS {ref} (key bigint PRIMARY KEY, doc_id text NOT NULL,"
                    " embedding vector NOT NULL)"
                ),
            ]
            names = {
                "docs": self._docs,
                "p": self._pass,
                "terms": self._terms,
                "stats": self._stats,
                "ref": self._ref,
                "p_tsv": sql.Identifier(f"{self.vectors.table}_passages_tsv"),
                "p_doc": sql.Identifier(f"{self.vectors.table}_passages_doc"),
            }
            for statement in statements:
                conn.execute(sql.SQL(statement).format(**names))

    def drop(self) -> None:
        """Delete the store's tables (not the vector table)."""
        tables = (self._docs, self._pass, self._terms, self._stats, self._ref)
        self._run(lambda conn: conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.SQL(", ").join(tables))))

    # ------------------------------------------------------------------ documents

    def __len__(self) -> int:
        query = sql.SQL("SELECT documents FROM {}").format(self._stats)
        return int(self._run(lambda conn: conn.execute(query).fetchone() or (0,))[0])

    def passage_count(self) -> int:
        """Passages held."""
        query = sql.SQL("SELECT passages FROM {}").format(self._stats)
        return int(self._run(lambda conn: conn.execute(query).fetchone() or (0,))[0])

    def __contains__(self, document_id: object) -> bool:
        query = sql.SQL("SELECT 1 FROM {} WHERE doc_id = %s").format(self._docs)
        return self._run(lambda conn: conn.execute(query, (str(document_id),)).fetchone() is not None)

    def digests(self) -> dict[str, str]:
        """Each held document's content digest (streamed; what a catch-up compares with its source)."""
        query = sql.SQL("SELECT doc_id, digest FROM {}").format(self._docs)
        return dict(self._run(lambda conn: conn.execute(query).fetchall()))

    def document(self, document_id: str) -> Document:
        """The stored document (``KeyError`` if absent)."""
        query = sql.SQL("SELECT document FROM {} WHERE doc_id = %s").format(self._docs)
        row = self._run(lambda conn: conn.execute(query, (document_id,)).fetchone())
        if row is None:
            raise KeyError(document_id)
        return Document.from_json(row[0])

    def titles(self, document_ids: Sequence[str]) -> dict[str, str]:
        """The titles of these documents that are held."""
        query = sql.SQL("SELECT doc_id, document->>'title' FROM {} WHERE doc_id = ANY(%s)").format(self._docs)
        return dict(self._run(lambda conn: conn.execute(query, (list(document_ids),)).fetchall()))

    # ------------------------------------------------------------------ writing

    def write(
        self,
        docs: Sequence[Document],
        passages: Sequence[Passage],
        keys: Sequence[int],
        hubs: Sequence[float],
    ) -> list[int]:
        """Store documents and their passages (replacing what was held under their ids), in one transaction.

        Args:
            docs: the documents.
            passages: all their passages.
            keys: each passage's vector key.
            hubs: each passage's hub score against the current reference sample.

        Returns:
            Keys of passages the replaced documents had and the new ones lack (their vectors can go).
        """
        return self._run(lambda conn: self._write(conn, docs, passages, keys, hubs))

    def remove(self, document_ids: Sequence[str]) -> list[int]:
        """Forget documents and their passages; the keys of the passages removed."""
        return self._run(lambda conn: self._write(conn, [], [], [], [], removed=document_ids))

    def _write(
        self,
        conn: psycopg.Connection[tuple[Any, ...]],
        docs: Sequence[Document],
        passages: Sequence[Passage],
        keys: Sequence[int],
        hubs: Sequence[float],
        *,
        removed: Sequence[str] = (),
    ) -> list[int]:
        ids = sorted({d.id for d in docs} | set(removed))
        by_id = {d.id: d for d in docs}
        with conn.transaction():
            # Two processes writing one document take turns: the second then replaces what the first wrote
            # instead of colliding with its uncommitted rows. Locks in id order, so writers never deadlock.
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(i, 0)) FROM unnest(%s::text[]) i", (ids,))
            gone_docs = conn.execute(
                sql.SQL("DELETE FROM {} WHERE doc_id = ANY(%s) RETURNING doc_id").format(self._docs), (ids,)
            ).fetchall()
            gone = conn.execute(
                sql.SQL("DELETE FROM {} WHERE doc_id = ANY(%s) RETURNING key, tf, length").format(self._pass), (ids,)
            ).fetchall()
            df: Counter[str] = Counter()
            for _key, tf, _length in gone:
                df.subtract(dict.fromkeys(tf, 1))
            if docs:
                with conn.cursor().copy(
                    sql.SQL("COPY {} (doc_id, digest, document) FROM STDIN").format(self._docs)
                ) as cp:
                    for doc_id in sorted(by_id):
                        doc = by_id[doc_id]
                        cp.write_row((doc.id, content_digest(doc), json.dumps(doc.to_json(), ensure_ascii=False)))
            rows = []
            for passage, key, hub in sorted(zip(passages, keys, hubs, strict=True), key=lambda r: r[1]):
                doc = by_id[passage.doc_id]
                terms, words = passage_terms(passage.text, self.prefix)
                pg_terms = [_pg(t) for t in terms]
                counts = Counter(pg_terms)
                df.update(dict.fromkeys(counts, 1))
                rows.append((passage, key, hub, doc, pg_terms, counts, words))
            stats = conn.execute(
                sql.SQL("SELECT passages, total_length FROM {} FOR UPDATE").format(self._stats)
            ).fetchone()
            n_passages = int(stats[0]) - len(gone) + len(rows) if stats else len(rows)
            total = (int(stats[1]) if stats else 0) - sum(int(g[2]) for g in gone)
            total += sum(max(len(r[4]), 1) for r in rows)
            mean_length = total / n_passages if n_passages else 1.0
            max_tf: dict[str, float] = {}
            if rows:
                with conn.cursor().copy(
                    sql.SQL(
                        "COPY {} (key, passage_id, doc_id, section, ordinal, text, lang, ipc, publication_date,"
                        " filing_date, priority_date, length, tf, words, tsv, hub) FROM STDIN"
                    ).format(self._pass)
                ) as cp:
                    for passage, key, hub, doc, pg_terms, counts, words in rows:
                        length = max(len(pg_terms), 1)
                        for term, tf in counts.items():
                            factor = bm25_tf(tf, length, mean_length, k1=self.k1, b=self.b)
                            max_tf[term] = max(max_tf.get(term, 0.0), factor)
                        cp.write_row(
                            (
                                key,
                                passage.id,
                                passage.doc_id,
                                str(passage.section),
                                passage.ordinal,
                                passage.text,
                                doc.lang,
                                _text_array(ipc_key(c) for c in doc.ipc),
                                doc.publication_date,
                                doc.filing_date,
                                doc.priority_date,
                                length,
                                json.dumps(counts, ensure_ascii=False),
                                _text_array(words),
                                _tsvector(pg_terms),
                                hub,
                            )
                        )
            changed = sorted(t for t in df if df[t] or t in max_tf)
            if changed:
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {t} AS t (term, df, max_tf)"
                        " SELECT * FROM unnest(%s::text[], %s::integer[], %s::real[]) ORDER BY 1"
                        " ON CONFLICT (term) DO UPDATE SET df = t.df + EXCLUDED.df,"
                        " max_tf = greatest(t.max_tf, EXCLUDED.max_tf)"
                    ).format(t=self._terms),
                    (changed, [df[t] for t in changed], [max_tf.get(t, 0.0) for t in changed]),
                )
            conn.execute(
                sql.SQL("UPDATE {} SET documents = documents - %s + %s, passages = %s, total_length = %s").format(
                    self._stats
                ),
                (len(gone_docs), len(by_id), n_passages, total),
            )
        new = set(keys)
        return sorted(int(g[0]) for g in gone if int(g[0]) not in new)

    # ------------------------------------------------------------------ statistics

    def refresh_terms(self) -> None:
        """Recompute every term's frequency and best factor, and the mean ceiling, from the passages: exact again."""

        def refresh(conn: psycopg.Connection[tuple[Any, ...]]) -> None:
            with conn.transaction():
                conn.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(self._terms))
                row = conn.execute(
                    sql.SQL("SELECT count(*), coalesce(sum(length), 0) FROM {}").format(self._pass)
                ).fetchone()
                n, total = (int(row[0]), int(row[1])) if row else (0, 0)
                mean_length = total / n if n else 1.0
                conn.execute(sql.SQL("TRUNCATE {}").format(self._terms))
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {t} (term, df, max_tf) SELECT e.key, count(*),"
                        " max(e.value::float8 / (e.value::float8 + %(k1)s * (1 - %(b)s + %(b)s * p.length / %(avg)s)))"
                        " FROM {p} p, jsonb_each_text(p.tf) e GROUP BY e.key"
                    ).format(t=self._terms, p=self._pass),
                    {"k1": self.k1, "b": self.b, "avg": mean_length},
                )
                mean = conn.execute(
                    sql.SQL("SELECT coalesce(avg(ln(1 + (%(n)s - df + 0.5) / (df + 0.5)) * max_tf), 0) FROM {}").format(
                        self._terms
                    ),
                    {"n": n},
                ).fetchone()
                conn.execute(
                    sql.SQL("UPDATE {} SET passages = %s, total_length = %s, mean_ceiling = %s").format(self._stats),
                    (n, total, float(mean[0]) if mean else 0.0),
                )

        self._run(refresh)

    def _corpus_stats(self, conn: psycopg.Connection[tuple[Any, ...]]) -> tuple[int, float, float]:
        row = conn.execute(
            sql.SQL("SELECT passages, total_length, mean_ceiling FROM {}").format(self._stats)
        ).fetchone()
        n, total, mean_ceiling = (int(row[0]), int(row[1]), float(row[2])) if row else (0, 0, 0.0)
        return n, (total / n if n else 1.0), mean_ceiling

    # ------------------------------------------------------------------ hub scores

    def hub_state(self) -> tuple[int, int]:
        """``(passages when hub scores were last computed in full, generation of the reference sample)``."""
        query = sql.SQL("SELECT hubs_computed_at, hub_generation FROM {}").format(self._stats)
        row = self._run(lambda conn: conn.execute(query).fetchone())
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def reference(self) -> tuple[int, NDArray[np.float32], list[str]]:
        """The hub reference sample: its generation, vectors and their documents (at most REFERENCE_SAMPLE rows)."""

        def read(conn: psycopg.Connection[tuple[Any, ...]]) -> tuple[int, NDArray[np.float32], list[str]]:
            with conn.transaction():
                gen = conn.execute(sql.SQL("SELECT hub_generation FROM {}").format(self._stats)).fetchone()
                rows = conn.execute(
                    sql.SQL("SELECT doc_id, embedding FROM {} ORDER BY key").format(self._ref)
                ).fetchall()
            vectors = np.asarray([r[1].to_numpy() for r in rows], dtype=np.float32).reshape(len(rows), self.vectors.dim)
            return (int(gen[0]) if gen else 0), vectors, [str(r[0]) for r in rows]

        return self._run(read)

    def sample_keys(self, seed: int) -> list[int]:
        """A new reference sample: the keys :class:`~search.hubness.HubScores` would draw from this corpus."""
        keys = self._run(
            lambda conn: [
                int(r[0]) for r in conn.execute(sql.SQL("SELECT key FROM {} ORDER BY key").format(self._pass))
            ]
        )
        rng = np.random.default_rng(seed)
        picked = rng.choice(len(keys), size=min(REFERENCE_SAMPLE, len(keys)), replace=False).tolist()
        return [keys[i] for i in sorted(picked)]

    def set_reference(self, keys: Sequence[int], vectors: NDArray[np.float32]) -> None:
        """Replace the reference sample (vectors in key order) and start a new generation."""

        def store(conn: psycopg.Connection[tuple[Any, ...]]) -> None:
            with conn.transaction():
                conn.execute(sql.SQL("TRUNCATE {}").format(self._ref))
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {r} (key, doc_id, embedding) SELECT p.key, p.doc_id, s.e FROM"
                        " unnest(%s::bigint[], %s::vector[]) s(k, e) JOIN {p} p ON p.key = s.k"
                    ).format(r=self._ref, p=self._pass),
                    (list(keys), list(vectors)),
                )
                conn.execute(sql.SQL("UPDATE {} SET hub_generation = hub_generation + 1").format(self._stats))

        self._run(store)

    def key_batches(self) -> Iterable[list[tuple[int, str]]]:
        """Every passage's ``(key, document)``, in key order, in batches (for recomputing hub scores)."""
        after = -1
        query = sql.SQL("SELECT key, doc_id FROM {} WHERE key > %s ORDER BY key LIMIT %s").format(self._pass)
        while True:
            rows = self._run(lambda conn, a=after: conn.execute(query, (a, _BATCH)).fetchall())  # type: ignore[misc]
            if not rows:
                return
            yield [(int(r[0]), str(r[1])) for r in rows]
            after = int(rows[-1][0])

    def set_hubs(self, keys: Sequence[int], hubs: Sequence[float]) -> None:
        """Store hub scores of passages (absent keys are ignored)."""
        query = sql.SQL(
            "UPDATE {} p SET hub = s.h FROM unnest(%s::bigint[], %s::real[]) s(k, h) WHERE p.key = s.k"
        ).format(self._pass)
        self._run(lambda conn: conn.execute(query, (list(keys), list(hubs))))

    def hubs_computed(self, passages: int) -> None:
        """Record that every hub score was computed at this corpus size."""
        query = sql.SQL("UPDATE {} SET hubs_computed_at = %s").format(self._stats)
        self._run(lambda conn: conn.execute(query, (passages,)))

    # ------------------------------------------------------------------ reading

    def semantic(
        self, query: NDArray[np.float32], n: int, where: tuple[sql.Composable, dict[str, Any]]
    ) -> list[tuple[str, float, float]]:
        """The ``n`` passages nearest the query among those ``where`` admits: ``(passage, cosine, hub score)``."""
        condition, params = where
        statement = sql.SQL(
            "SELECT p.passage_id, 1 - (v.embedding <=> CAST(%(q)b AS {c})) AS cos, p.hub"
            " FROM {v} v JOIN {p} p ON p.key = v.key WHERE {w}"
            " ORDER BY v.embedding <=> CAST(%(q)b AS {c}), v.key LIMIT %(n)s"
        ).format(c=self._cast, v=self._vec, p=self._pass, w=condition)
        args = {**params, "q": np.asarray(query, dtype=np.float32).reshape(-1), "n": n}

        def run(conn: psycopg.Connection[tuple[Any, ...]]) -> list[tuple[str, float, float]]:
            ef = max(self.vectors.ef_search, n)
            conn.execute("SELECT set_config('hnsw.ef_search', %s, false)", (str(min(ef, 1000)),))
            return [(str(r[0]), float(r[1]), float(r[2])) for r in conn.execute(statement, args).fetchall()]

        return self._run(run)

    def lexical(self, query: str, k: int, where: tuple[sql.Composable, dict[str, Any]]) -> list[LexicalHit]:
        """The lexical channel: the ``k`` best passages for ``query`` among those ``where`` admits, best first."""
        terms = query_terms(query, self.prefix)
        if not terms:
            return []
        return self._run(lambda conn: self._lexical(conn, terms, k, where))

    def _lexical(
        self,
        conn: psycopg.Connection[tuple[Any, ...]],
        terms: list[Term],
        k: int,
        where: tuple[sql.Composable, dict[str, Any]],
    ) -> list[LexicalHit]:
        condition, params = where
        n, mean_length, mean_ceiling = self._corpus_stats(conn)
        if n == 0:
            return []
        wanted = [_pg(t.term) for t in terms]
        known = {
            str(r[0]): (int(r[1]), float(r[2]))
            for r in conn.execute(
                sql.SQL("SELECT term, df, max_tf FROM {} WHERE term = ANY(%s) AND df > 0").format(self._terms),
                (wanted,),
            )
        }
        if not known:
            return []
        idf = {t: bm25_idf(df, n) for t, (df, _) in known.items()}
        unknown = sum(1 for t in terms if not t.exact and _pg(t.term) not in known)
        ceiling = sum(idf[t] * known[t][1] for t in known) + unknown * mean_ceiling
        limit = max(self.candidates, k)
        args = {**params, "q": _tsquery(known), "terms": list(known), "idfs": [idf[t] for t in known], "limit": limit}
        if self.ranking == "ts_rank_cd":
            statement = sql.SQL(
                "SELECT p.passage_id, ts_rank_cd(p.tsv, CAST(%(q)s AS tsquery), 32) AS score, p.tf, p.length, p.words"
                " FROM {p} p WHERE p.tsv @@ CAST(%(q)s AS tsquery) AND {w} ORDER BY score DESC, p.passage_id"
                " LIMIT %(limit)s"
            ).format(p=self._pass, w=condition)
            rows = conn.execute(statement, args).fetchall()
            return [
                LexicalHit(str(r[0]), float(r[1]), float(r[1]), tuple(t.surface for t in terms if _pg(t.term) in r[2]))
                for r in rows
            ][:k]
        # One expression per row, a term after another (a term the passage lacks adds 0.0, which changes no sum),
        # and the best ``limit`` kept by a top-N sort before the wide columns are read: a join of every matching
        # row with the query's terms, grouped and then joined back to the table, took twice to five times as long.
        score = sql.SQL(" + ").join(
            sql.SQL(
                "coalesce(%({idf})s * (p.tf->>%({t})s)::float8 / ((p.tf->>%({t})s)::float8"
                " + %(k1)s * (1 - %(b)s + %(b)s * p.length / %(avg)s)), 0)"
            ).format(idf=sql.SQL(f"idf{i}"), t=sql.SQL(f"term{i}"))
            for i in range(len(known))
        )
        statement = sql.SQL(
            "SELECT p.passage_id, s.score, p.tf, p.length, p.words FROM ("
            " SELECT p.key, p.passage_id, {score} AS score FROM {p} p"
            " WHERE p.tsv @@ CAST(%(q)s AS tsquery) AND {w} ORDER BY score DESC, p.passage_id LIMIT %(limit)s) s"
            " JOIN {p} p ON p.key = s.key ORDER BY s.score DESC, s.passage_id"
        ).format(p=self._pass, w=condition, score=score)
        per_term = {f"term{i}": t for i, t in enumerate(known)} | {f"idf{i}": idf[t] for i, t in enumerate(known)}
        rows = conn.execute(statement, {**args, **per_term, "k1": self.k1, "b": self.b, "avg": mean_length}).fetchall()
        # Fuzzy credit needs the weight of the passage stems that near-miss query words hit: fetch their df.
        missing = [t for t in terms if not t.exact]
        stems: set[str] = set()
        for r in rows:
            absent = [t for t in missing if _pg(t.term) not in r[2]]
            for _t, key, _sim in fuzzy_matches(absent, r[4], fuzzy_threshold=self.fuzzy_threshold):
                stems.add(_pg(stem_of(key, self.prefix)))
        stems -= known.keys()
        extra = (
            {
                str(r[0]): int(r[1])
                for r in conn.execute(
                    sql.SQL("SELECT term, df FROM {} WHERE term = ANY(%s) AND df > 0").format(self._terms),
                    (sorted(stems),),
                )
            }
            if stems
            else {}
        )
        idf.update({t: bm25_idf(df, n) for t, df in extra.items()})
        hits = []
        for passage_id, score, tf, length, words in rows:
            weights = {
                _mem(t): idf[t] * bm25_tf(float(tf[t]), length, mean_length, k1=self.k1, b=self.b)
                for t in tf
                if t in idf
            }
            hits.append(
                rescore(
                    str(passage_id),
                    float(score),
                    weights,
                    words,
                    terms,
                    ceiling=ceiling,
                    prefix=self.prefix,
                    fuzzy_threshold=self.fuzzy_threshold,
                )
            )
        hits.sort(key=lambda h: (-h.score, h.passage_id))
        return hits[:k]

    def stored(self, passage_ids: Sequence[str]) -> dict[str, StoredPassage]:
        """The passages with these ids, with their documents' language and dates."""
        query = sql.SQL(
            "SELECT passage_id, doc_id, section, ordinal, text, lang, publication_date, filing_date, priority_date"
            " FROM {} WHERE passage_id = ANY(%s)"
        ).format(self._pass)
        rows = self._run(lambda conn: conn.execute(query, (list(passage_ids),)).fetchall())
        return {
            str(r[0]): StoredPassage(
                Passage(str(r[0]), str(r[1]), Section(r[2]), int(r[3]), str(r[4])), str(r[5]), *r[6:9]
            )
            for r in rows
        }

    def texts(self, keys: Sequence[int]) -> dict[int, tuple[str, str]]:
        """The text and language of the passages held under these keys (those held)."""
        query = sql.SQL("SELECT key, text, lang FROM {} WHERE key = ANY(%s)").format(self._pass)
        rows = self._run(lambda conn: conn.execute(query, (list(keys),)).fetchall())
        return {int(r[0]): (str(r[1]), str(r[2])) for r in rows}

    def passages_of(self, document_id: str) -> list[Passage]:
        """A document's passages in document order."""
        query = sql.SQL("SELECT passage_id FROM {} WHERE doc_id = %s").format(self._pass)
        held = {r[0] for r in self._run(lambda conn: conn.execute(query, (document_id,)).fetchall())}
        return [p for p in self.document(document_id).passages() if p.id in held]
