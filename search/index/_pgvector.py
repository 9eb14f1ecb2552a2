"""Cosine nearest neighbours in PostgreSQL with pgvector's HNSW index, behind the `VectorIndex` protocol.

`PgVectorIndex` keeps the passage vectors in a table of the application's own PostgreSQL, so every API replica
and worker of the scaled deployment shares one index instead of each holding and rebuilding its own. The
in-process `HnswIndex` stays the default; both answer the same calls with the same results
(``tests/integration/search_pgvector``) and the figures that chose the settings below are in
``benchmarks/README.md``, "pgvector vs in-process".

Choices, measured there at 100k clustered 384-dim vectors on PostgreSQL's stock memory settings:

* **Storage: ``halfvec`` (float16) by default.** Recall@10 is the same as with float32 ``vector`` at every
  ``ef_search`` tried, and searches are 2-3x faster: a ``vector`` table plus its graph take ~3.7 kB per vector
  (1.6 kB heap + 2.0 kB graph, each vector stored twice) and outgrow the default 128 MB ``shared_buffers`` at
  100k, ``halfvec`` takes ~2.0 kB. It is also what the in-process default stores (usearch f16), and the engine
  returns the same hits over both (``tests/integration/search_pgvector/test_same_results.py``). Scores are
  float16-rounded, about 1e-3 from exact cosines; ``storage="vector"`` keeps float32 where memory is plentiful.
* **HNSW ``m=16, ef_construction=128``**, the in-process index's graph. pgvector's default
  ``ef_construction=64`` built about twice as fast but lost recall (0.97 against 0.99-1.00 at
  ``ef_search=100``).
* **``hnsw.ef_search=128``** by default (the in-process index's expansion), never below ``k`` (pgvector's scan
  returns at most ``ef_search`` rows) and at most 1000 (pgvector's limit). With **``hnsw.iterative_scan =
  strict_order``** (pgvector >= 0.8) a scan that meets deleted rows not yet vacuumed keeps walking the graph
  instead of returning fewer than ``k`` rows; results stay in exact distance order. A ``k`` above 1000 is
  answered by an exact scan of the table.
* **Bulk loads** into an empty table drop the HNSW index, COPY the rows and build the index once, under an
  exclusive lock (searches from other processes wait for it), with ``maintenance_work_mem`` raised for that
  transaction: pgvector builds a graph in memory several times faster than it inserts into one. A parallel
  build that finds too little shared memory (Docker's 64 MB ``/dev/shm``) is retried serially. Every other add
  is a binary COPY into a temporary table and one ``INSERT ... ON CONFLICT (key) DO UPDATE`` in key order, so
  several processes may write the same table at once without duplicate-key errors or lock-order deadlocks.

A manifest table (``vector_index_manifest``) records each index table's dimension, storage, embedding model and
row count; opening a table with another dimension, storage or model raises `PgVectorMismatchError`. The row
count is kept by statement-level triggers, because the engine asks ``len(index)`` on every search and
``count(*)`` over 100k rows of 1.5 kB costs more than the nearest-neighbour scan itself.

Connections: one per index object, used under a lock (the engine already serialises its calls). A connection
found broken (server restart, idle kill) is replaced on the next call, and the call that found it is retried
once, which is safe because every operation is idempotent. After ``fork()`` the child opens its own connection.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

import numpy as np
import psycopg
from pgvector import HalfVector
from pgvector.psycopg import register_vector
from psycopg import sql

from search.index._arrays import PAD_KEY, PAD_SCORE, as_keys, as_vectors, check_k, last_wins
from search.index._exact import normalise
from search.index._manifest import IndexStaleError

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import ArrayLike, NDArray

T = TypeVar("T")


C = TypeVar("C", bound="psycopg.Connection[Any]")


def retry_on_broken_connection(connection: Callable[[], C], discard: Callable[[], None], op: Callable[[C], T]) -> T:
    """``op(connection())``, run once more on a new connection when the first one broke under it.

    A server restart or a dropped TCP session breaks a long-lived connection; the calls given here are idempotent, so
    running one again is safe. A failure on a connection that is still sound is the statement's own: it is raised.
    """
    for attempt in range(2):
        conn = connection()
        try:
            return op(conn)
        except psycopg.OperationalError:
            if not (conn.broken or conn.closed) or attempt:
                raise
            discard()
    raise AssertionError("unreachable")  # pragma: no cover


logger = logging.getLogger(__name__)

Storage = Literal["vector", "halfvec"]
"""Column type of the stored vectors: float32 ``vector`` or float16 ``halfvec``."""

DEFAULT_STORAGE: Final[Storage] = "halfvec"
DEFAULT_M: Final = 16
DEFAULT_EF_CONSTRUCTION: Final = 128
DEFAULT_EF_SEARCH: Final = 128
MAX_EF_SEARCH: Final = 1000
"""pgvector's upper bound for ``hnsw.ef_search``; a larger k is answered by an exact scan."""

DEFAULT_BULK_MIN: Final = 10_000
"""Rows added at once to an empty table from which the HNSW index is built afterwards instead of per row."""

DEFAULT_BUILD_MEMORY: Final = "1GB"
"""``maintenance_work_mem`` for a bulk build: pgvector's build slows sharply once the graph outgrows it."""

MANIFEST_TABLE: Final = "vector_index_manifest"
_COUNT_FUNCTION: Final = "vector_index_count_rows"
_STAGE_TABLE: Final = "vector_index_stage"
_SETUP_LOCK: Final = 0x63_74_70_6F_76_65_63  # pg_advisory_xact_lock key ("ctpovec"): one DDL runner at a time
_BATCH: Final = 5_000
_MAX_TABLE_LENGTH: Final = 40
_TABLE_NAME = re.compile(rf"[a-z_][a-z0-9_]{{0,{_MAX_TABLE_LENGTH - 1}}}")
_DRIVER_SCHEME = re.compile(r"^postgres(?:ql)?(?:\+[a-z0-9_]+)?://", re.IGNORECASE)
_OPS: Final[dict[str, str]] = {"vector": "vector_cosine_ops", "halfvec": "halfvec_cosine_ops"}
_ITERATIVE_SCAN_SINCE: Final = (0, 8)


class PgVectorUnavailableError(RuntimeError):
    """The PostgreSQL server cannot hold a pgvector index: no ``vector`` extension, or no right to create it."""


class PgVectorMismatchError(IndexStaleError):
    """The index table exists for another dimension, storage type or embedding model; rebuild or rename it."""


def normalise_url(url: str) -> str:
    """A libpq connection string from a PostgreSQL URL, conninfo, or SQLAlchemy URL with a driver suffix.

    Args:
        url: ``postgresql://…``, ``postgres://…``, ``postgresql+psycopg://…``, ``postgresql+asyncpg://…``, or a
            libpq ``key=value`` conninfo.

    Returns:
        The same target as libpq understands it.

    Raises:
        ValueError: for a URL of another database (SQLite, …).

    >>> normalise_url("postgresql+asyncpg://ctpo:pw@db:5432/ctpo")
    'postgresql://ctpo:pw@db:5432/ctpo'
    >>> normalise_url("host=/tmp dbname=postgres")
    'host=/tmp dbname=postgres'
    """
    if "://" not in url:
        return url
    if not _DRIVER_SCHEME.match(url):
        raise ValueError(f"a pgvector index needs a PostgreSQL URL, got {url.split('://', 1)[0]}://…")
    return _DRIVER_SCHEME.sub("postgresql://", url, count=1)


def check_table_name(table: str) -> str:
    """Accept a lower-case SQL identifier short enough to derive the index and trigger names from.

    Args:
        table: the table name, which namespaces one corpus and model.

    Returns:
        The name, unchanged.

    Raises:
        ValueError: if it is not ``[a-z_][a-z0-9_]*`` of at most 40 characters, or is a name used internally.
    """
    if not _TABLE_NAME.fullmatch(table) or table in {MANIFEST_TABLE, _STAGE_TABLE}:
        raise ValueError(f"table must match [a-z_][a-z0-9_]* and have at most {_MAX_TABLE_LENGTH} characters")
    return table


def pgvector_version(url: str) -> str | None:
    """The pgvector version installed in the database, or else the one the server could install.

    Args:
        url: the database, in any form `normalise_url` accepts.

    Returns:
        ``"0.8.2"`` and the like, or ``None`` when the server has no pgvector (e.g. Debian's PostgreSQL 15).
    """
    with psycopg.connect(normalise_url(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(installed_version, default_version) FROM pg_available_extensions WHERE name = 'vector'"
        ).fetchone()
    return None if row is None else str(row[0])


def drop_table(url: str, table: str) -> None:
    """Delete an index table and its manifest row, e.g. before rebuilding it for another model.

    Args:
        url: the database.
        table: the index table; a missing one is ignored.
    """
    check_table_name(table)
    with psycopg.connect(normalise_url(url), autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SETUP_LOCK,))
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        if conn.execute("SELECT to_regclass(%s)", (MANIFEST_TABLE,)).fetchone() not in (None, (None,)):
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE table_name = %s").format(sql.Identifier(MANIFEST_TABLE)), (table,)
            )


class PgVectorIndex:
    """Nearest neighbours by cosine in a PostgreSQL table with a pgvector HNSW index.

    Args:
        url: the database (libpq URL or conninfo; SQLAlchemy's ``postgresql+asyncpg://`` is accepted).
        table: the table holding this index, so several corpora or models can share a database.
        dim: the vector length; must match the table when it exists.
        model_name: the embedder's name, recorded on creation and checked on later opens when both are set.
        storage: ``"halfvec"`` (float16, default) or ``"vector"`` (float32); see the module docstring.
        m: HNSW links per node, used when the index is created.
        ef_construction: HNSW build-time candidate list, used when the index is created.
        ef_search: candidate list of a search; raised to k per query.
        bulk_min: an add of at least this many rows into an empty table builds the graph after loading.
        build_memory: ``maintenance_work_mem`` for that build; ``None`` keeps the server's.
        connect_timeout: seconds to wait for a connection.

    Raises:
        PgVectorUnavailableError: when the server has no pgvector or the extension cannot be created.
        PgVectorMismatchError: when the table exists for another dim, storage or model.
    """

    def __init__(
        self,
        url: str,
        *,
        table: str,
        dim: int,
        model_name: str = "",
        storage: Storage = DEFAULT_STORAGE,
        m: int = DEFAULT_M,
        ef_construction: int = DEFAULT_EF_CONSTRUCTION,
        ef_search: int = DEFAULT_EF_SEARCH,
        bulk_min: int = DEFAULT_BULK_MIN,
        build_memory: str | None = DEFAULT_BUILD_MEMORY,
        connect_timeout: int = 10,
    ) -> None:
        if dim < 1:
            raise ValueError(f"dim must be positive, got {dim}")
        if storage not in _OPS:
            raise ValueError(f"storage must be 'vector' or 'halfvec', got {storage!r}")
        if not 1 <= ef_search <= MAX_EF_SEARCH:
            raise ValueError(f"ef_search must be between 1 and {MAX_EF_SEARCH}, got {ef_search}")
        if m < 2 or ef_construction < 2 * m:  # noqa: PLR2004 - pgvector's own bounds
            raise ValueError("need m >= 2 and ef_construction >= 2 * m")
        self._conninfo = normalise_url(url)
        self._table = check_table_name(table)
        self._dim = dim
        self._model_name = model_name
        self._storage: Storage = storage
        self._m = m
        self._ef_construction = ef_construction
        self._ef_search = ef_search
        self._bulk_min = bulk_min
        self._build_memory = build_memory
        self._connect_timeout = connect_timeout
        self._lock = threading.RLock()
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._pid = os.getpid()
        self._conn_ef = 0
        self._stage_ready = False
        self._version = ""
        self._ident = sql.Identifier(self._table)
        self._index_ident = sql.Identifier(f"{self._table}_embedding_hnsw")
        self._run(self._setup)

    # ------------------------------------------------------------------ properties

    @classmethod
    def supported(cls, url: str) -> bool:
        """Whether the server at ``url`` has pgvector (installed or installable); connection errors propagate.

        Args:
            url: the database.

        Returns:
            True when a `PgVectorIndex` can be created there, as far as the extension goes.
        """
        return pgvector_version(url) is not None

    @property
    def dim(self) -> int:
        """Length of the vectors this index holds."""
        return self._dim

    @property
    def table(self) -> str:
        """The table holding the vectors."""
        return self._table

    @property
    def conninfo(self) -> str:
        """The database, as libpq takes it (what a store kept beside this table connects to)."""
        return self._conninfo

    @property
    def storage(self) -> Storage:
        """Column type of the stored vectors."""
        return self._storage

    @property
    def model_name(self) -> str:
        """The embedding model recorded for the table (empty when none was given)."""
        return self._model_name

    @property
    def ef_search(self) -> int:
        """The HNSW candidate list of a search (raised to k when k is larger); settable, e.g. to trade speed."""
        return self._ef_search

    @ef_search.setter
    def ef_search(self, value: int) -> None:
        if not 1 <= value <= MAX_EF_SEARCH:
            raise ValueError(f"ef_search must be between 1 and {MAX_EF_SEARCH}, got {value}")
        self._ef_search = value

    @property
    def pgvector_version(self) -> str:
        """The installed pgvector extension's version."""
        return self._version

    def __len__(self) -> int:
        return self._run(self._count)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, (int, np.integer)) or int(key) < 0:
            return False
        query = sql.SQL("SELECT 1 FROM {} WHERE key = %s").format(self._ident)
        return self._run(lambda conn: conn.execute(query, (int(key),)).fetchone() is not None)

    def keys(self) -> NDArray[np.int64]:
        """All keys held, in ascending order.

        Returns:
            The keys as int64.
        """
        query = sql.SQL("SELECT key FROM {} ORDER BY key").format(self._ident)
        rows = self._run(lambda conn: conn.execute(query).fetchall())
        return np.fromiter((int(r[0]) for r in rows), dtype=np.int64, count=len(rows))  # type: ignore[call-overload]

    # ------------------------------------------------------------------ writing

    def add(self, keys: ArrayLike, vectors: ArrayLike) -> None:
        """Insert or replace the vectors stored under these keys; within a batch the last repeat wins.

        A zero vector is stored but never found: its cosine is undefined, and pgvector leaves it out of the graph
        (the in-process indexes return it with similarity 0). Embedders give unit vectors, so none arise.

        Args:
            keys: non-negative int64 keys.
            vectors: one row per key, normalised here so a stored vector's norm never matters.
        """
        key_arr = as_keys(keys)
        vec_arr = as_vectors(vectors, self._dim, rows=key_arr.size)
        if key_arr.size == 0:
            return
        key_arr, vec_arr = last_wins(key_arr, normalise(vec_arr))
        order = np.argsort(key_arr, kind="stable")  # row locks in key order: concurrent writers cannot deadlock
        key_arr, vec_arr = key_arr[order], vec_arr[order]
        if key_arr.size >= self._bulk_min and self._run(lambda conn: self._bulk_load(conn, key_arr, vec_arr)):
            return
        for lo in range(0, key_arr.size, _BATCH):
            batch_keys, batch_vecs = key_arr[lo : lo + _BATCH], vec_arr[lo : lo + _BATCH]
            self._run(lambda conn, k=batch_keys, v=batch_vecs: self._upsert(conn, k, v))  # type: ignore[misc]

    def remove(self, keys: ArrayLike) -> None:
        """Forget these keys; unknown keys are ignored.

        Args:
            keys: keys to drop.
        """
        key_arr = np.sort(as_keys(keys))
        query = sql.SQL("DELETE FROM {} WHERE key = ANY(%s)").format(self._ident)
        for lo in range(0, key_arr.size, _BATCH):
            chunk = key_arr[lo : lo + _BATCH].tolist()
            self._run(lambda conn, c=chunk: conn.execute(query, (c,)))  # type: ignore[misc]

    def clear(self) -> None:
        """Remove every vector (the table, its index and manifest stay)."""
        query = sql.SQL("TRUNCATE {}").format(self._ident)
        self._run(lambda conn: conn.execute(query))

    # ------------------------------------------------------------------ reading

    def get(self, keys: ArrayLike) -> dict[int, NDArray[np.float32]]:
        """The stored vectors of those keys that are held (unit length, float32).

        Processes sharing the table fetch what another process already embedded instead of embedding it again.

        Args:
            keys: keys to look up; unknown ones are left out of the result.

        Returns:
            Each found key's vector.
        """
        key_arr = np.unique(as_keys(keys))
        query = sql.SQL("SELECT key, embedding::vector FROM {} WHERE key = ANY(%s)").format(self._ident)
        found: dict[int, NDArray[np.float32]] = {}
        for lo in range(0, key_arr.size, _BATCH):
            chunk = key_arr[lo : lo + _BATCH].tolist()
            # binary results: pgvector parses a text vector number by number in Python, 20x slower than a buffer
            rows = self._run(
                lambda conn, c=chunk: conn.cursor(binary=True).execute(query, (c,)).fetchall()  # type: ignore[misc]
            )
            for key, vector in rows:
                values = vector.to_numpy() if hasattr(vector, "to_numpy") else vector  # pgvector.Vector
                found[int(key)] = np.asarray(values, dtype=np.float32)
        return found

    def search(self, queries: ArrayLike, k: int) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """The k most similar keys per query, best first, padded with key -1 and score -inf.

        Equal scores are ordered by key, so processes sharing the table rank ties alike.

        Args:
            queries: (n, dim) query vectors, or one vector of length dim.
            k: neighbours per query; above 1000 the table is scanned exactly.

        Returns:
            Keys and cosine similarities, both shaped (n, k).
        """
        check_k(k)
        q = normalise(as_vectors(queries, self._dim))
        out_keys = np.full((q.shape[0], k), PAD_KEY, dtype=np.int64)
        out_scores = np.full((q.shape[0], k), PAD_SCORE, dtype=np.float32)
        if q.shape[0] == 0:
            return out_keys, out_scores
        rows = self._run(lambda conn: self._search_all(conn, q, k))
        for i, found in enumerate(rows):
            ranked = sorted(
                ((int(key), 1.0 - float(dist)) for key, dist in found if not math.isnan(dist)),
                key=lambda item: (-item[1], item[0]),
            )
            if ranked:
                out_keys[i, : len(ranked)] = [key for key, _ in ranked]
                out_scores[i, : len(ranked)] = [score for _, score in ranked]
        return out_keys, out_scores

    def _search_all(
        self, conn: psycopg.Connection[tuple[object, ...]], q: NDArray[np.float32], k: int
    ) -> list[list[tuple[int, float]]]:
        query = sql.SQL("SELECT key, embedding <=> {q} AS distance FROM {t} ORDER BY distance LIMIT %(k)s").format(
            q=self._query_param(), t=self._ident
        )
        if k > MAX_EF_SEARCH:  # beyond pgvector's ef_search limit: scan exactly (a top-N sort over the table)
            with conn.transaction():
                conn.execute("SET LOCAL enable_indexscan = off")
                return [conn.execute(query, {"q": vec, "k": k}).fetchall() for vec in q]  # type: ignore[misc]
        self._set_ef(conn, max(self._ef_search, k))
        return [conn.execute(query, {"q": vec, "k": k}).fetchall() for vec in q]  # type: ignore[misc]

    def _query_param(self) -> sql.Composable:
        """The query vector placeholder, sent as binary float32 and cast to the column type."""
        if self._storage == "halfvec":
            return sql.SQL("CAST(%(q)b AS halfvec)")
        return sql.SQL("%(q)b")

    # ------------------------------------------------------------------ connection

    def _run(self, op: Callable[[psycopg.Connection[tuple[object, ...]]], T]) -> T:
        """Run ``op`` on this index's connection, replacing a broken connection and retrying once."""
        with self._lock:
            return retry_on_broken_connection(self._connection, self._discard, op)

    def _connection(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._conn is not None and os.getpid() != self._pid:
            self._conn = None  # the parent's session: dropped, not closed (psycopg never ends it from a child)
        if self._conn is not None and (self._conn.broken or self._conn.closed):
            self._discard()
        if self._conn is None:
            self._pid = os.getpid()
            conn = psycopg.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=self._connect_timeout,
                application_name="ctpo-vector-index",
            )
            self._conn, self._conn_ef, self._stage_ready = conn, 0, False
            if self._version:  # set up already (this is a reconnect): adapt vectors at once
                self._prepare(conn)
        return self._conn

    def _discard(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def _prepare(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        """Per-connection state: binary vector adapters and the scan settings."""
        register_vector(conn)
        if _version_tuple(self._version) >= _ITERATIVE_SCAN_SINCE:
            conn.execute("SELECT set_config('hnsw.iterative_scan', 'strict_order', false)")

    def _set_ef(self, conn: psycopg.Connection[tuple[object, ...]], ef: int) -> None:
        if self._conn_ef != ef:
            conn.execute("SELECT set_config('hnsw.ef_search', %s, false)", (str(ef),))
            self._conn_ef = ef

    # ------------------------------------------------------------------ schema

    def _setup(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        """Create the extension, manifest, table, HNSW index and count triggers if missing; check the manifest."""
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SETUP_LOCK,))
            self._version = _ensure_extension(conn)
            manifest = sql.Identifier(MANIFEST_TABLE)
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (table_name text PRIMARY KEY, dim integer NOT NULL,"
                    " storage text NOT NULL, model_name text NOT NULL, m integer NOT NULL,"
                    " ef_construction integer NOT NULL, row_count bigint NOT NULL DEFAULT 0,"
                    " created_at timestamptz NOT NULL DEFAULT now())"
                ).format(manifest)
            )
            row = conn.execute(
                sql.SQL("SELECT dim, storage, model_name, m, ef_construction FROM {} WHERE table_name = %s").format(
                    manifest
                ),
                (self._table,),
            ).fetchone()
            if row is not None:
                self._check_manifest(*row)
            self._check_existing_column(conn)
            ops = sql.SQL(_OPS[self._storage])
            conn.execute(
                sql.SQL("CREATE TABLE IF NOT EXISTS {} (key bigint PRIMARY KEY, embedding {}({}) NOT NULL)").format(
                    self._ident, sql.SQL(self._storage), sql.Literal(self._dim)
                )
            )
            conn.execute(
                sql.SQL(
                    "CREATE INDEX IF NOT EXISTS {} ON {} USING hnsw (embedding {}) WITH (m = {}, ef_construction = {})"
                ).format(self._index_ident, self._ident, ops, sql.Literal(self._m), sql.Literal(self._ef_construction))
            )
            self._create_count_triggers(conn)
            if row is None:
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {m} (table_name, dim, storage, model_name, m, ef_construction, row_count)"
                        " SELECT %s, %s, %s, %s, %s, %s, count(*) FROM {t}"
                    ).format(m=manifest, t=self._ident),
                    (self._table, self._dim, self._storage, self._model_name, self._m, self._ef_construction),
                )
            elif self._model_name and not row[2]:
                conn.execute(
                    sql.SQL("UPDATE {} SET model_name = %s WHERE table_name = %s").format(manifest),
                    (self._model_name, self._table),
                )
        self._prepare(conn)

    def _check_manifest(self, dim: object, storage: object, model_name: object, m: object, efc: object) -> None:
        if dim != self._dim or storage != self._storage:
            raise PgVectorMismatchError(
                f"table {self._table} holds {storage}({dim}) vectors, not {self._storage}({self._dim});"
                " drop it (search.index.drop_table) or use another table name"
            )
        if model_name and self._model_name and model_name != self._model_name:
            raise PgVectorMismatchError(
                f"table {self._table} was built with model {model_name!r}, not {self._model_name!r}; rebuild it"
            )
        self._model_name = self._model_name or str(model_name)
        self._m, self._ef_construction = int(str(m)), int(str(efc))

    def _check_existing_column(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        """A table made without a manifest row (or by hand) must still hold vectors of this dim and type."""
        found = conn.execute(
            "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
            " WHERE a.attrelid = to_regclass(%s) AND a.attname = 'embedding' AND NOT a.attisdropped",
            (self._ident.as_string(conn),),
        ).fetchone()
        want = f"{self._storage}({self._dim})"
        if found is not None and found[0] != want:
            raise PgVectorMismatchError(f"table {self._table} has column embedding {found[0]}, not {want}")

    def _create_count_triggers(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        conn.execute(
            sql.SQL(
                "CREATE OR REPLACE FUNCTION {f}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "BEGIN\n"
                "  IF TG_OP = 'INSERT' THEN\n"
                "    UPDATE {m} SET row_count = row_count + (SELECT count(*) FROM new_rows)"
                " WHERE table_name = TG_TABLE_NAME;\n"
                "  ELSIF TG_OP = 'DELETE' THEN\n"
                "    UPDATE {m} SET row_count = row_count - (SELECT count(*) FROM old_rows)"
                " WHERE table_name = TG_TABLE_NAME;\n"
                "  ELSE\n"
                "    UPDATE {m} SET row_count = 0 WHERE table_name = TG_TABLE_NAME;\n"
                "  END IF;\n"
                "  RETURN NULL;\n"
                "END $$"
            ).format(f=sql.Identifier(_COUNT_FUNCTION), m=sql.Identifier(MANIFEST_TABLE))
        )
        events = (
            ("insert", "AFTER INSERT", "REFERENCING NEW TABLE AS new_rows"),
            ("delete", "AFTER DELETE", "REFERENCING OLD TABLE AS old_rows"),
            ("truncate", "AFTER TRUNCATE", ""),
        )
        for name, event, transition in events:
            conn.execute(
                sql.SQL("CREATE OR REPLACE TRIGGER {} {} ON {} {} FOR EACH STATEMENT EXECUTE FUNCTION {}()").format(
                    sql.Identifier(f"{self._table}_count_{name}"),
                    sql.SQL(event),
                    self._ident,
                    sql.SQL(transition),
                    sql.Identifier(_COUNT_FUNCTION),
                )
            )

    def _count(self, conn: psycopg.Connection[tuple[object, ...]]) -> int:
        row = conn.execute(
            sql.SQL("SELECT row_count FROM {} WHERE table_name = %s").format(sql.Identifier(MANIFEST_TABLE)),
            (self._table,),
        ).fetchone()
        if row is None:  # dropped behind our back (drop_table from another process)
            raise PgVectorMismatchError(f"table {self._table} has no manifest row; it was dropped")
        return int(str(row[0]))

    # ------------------------------------------------------------------ loading

    def _copy_rows(
        self,
        conn: psycopg.Connection[tuple[object, ...]],
        target: sql.Composable,
        keys: NDArray[np.int64],
        vectors: NDArray[np.float32],
        column_type: str,
    ) -> None:
        """Binary COPY of (key, vector) rows in ``column_type``'s own binary form (COPY does not cast)."""
        with conn.cursor().copy(sql.SQL("COPY {} (key, embedding) FROM STDIN (FORMAT BINARY)").format(target)) as cp:
            cp.set_types(["int8", column_type])
            wrap = HalfVector if column_type == "halfvec" else np.asarray
            for key, vec in zip(keys.tolist(), vectors, strict=True):
                cp.write_row((key, wrap(vec)))

    def _upsert(
        self, conn: psycopg.Connection[tuple[object, ...]], keys: NDArray[np.int64], vectors: NDArray[np.float32]
    ) -> None:
        with conn.transaction():
            if not self._stage_ready:
                conn.execute(
                    sql.SQL(
                        "CREATE TEMP TABLE IF NOT EXISTS {} (key bigint, embedding vector) ON COMMIT DELETE ROWS"
                    ).format(sql.Identifier(_STAGE_TABLE))
                )
                self._stage_ready = True
            self._copy_rows(conn, sql.Identifier(_STAGE_TABLE), keys, vectors, "vector")
            conn.execute(
                sql.SQL(
                    "INSERT INTO {t} (key, embedding) SELECT key, embedding::{s}({d}) FROM {stage} ORDER BY key"
                    " ON CONFLICT (key) DO UPDATE SET embedding = EXCLUDED.embedding"
                ).format(
                    t=self._ident,
                    s=sql.SQL(self._storage),
                    d=sql.Literal(self._dim),
                    stage=sql.Identifier(_STAGE_TABLE),
                )
            )

    def _bulk_load(
        self, conn: psycopg.Connection[tuple[object, ...]], keys: NDArray[np.int64], vectors: NDArray[np.float32]
    ) -> bool:
        """Fill an empty table and build its graph once; False (nothing done) when the table is not empty."""
        with conn.transaction():
            conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(self._ident))
            if conn.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(self._ident)).fetchone() != (False,):
                return False
            conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(self._index_ident))
            self._copy_rows(conn, self._ident, keys, vectors, self._storage)
            if self._build_memory is not None:
                conn.execute("SELECT set_config('maintenance_work_mem', %s, true)", (self._build_memory,))
            create = sql.SQL(
                "CREATE INDEX {} ON {} USING hnsw (embedding {}) WITH (m = {}, ef_construction = {})"
            ).format(
                self._index_ident,
                self._ident,
                sql.SQL(_OPS[self._storage]),
                sql.Literal(self._m),
                sql.Literal(self._ef_construction),
            )
            try:
                with conn.transaction():  # a savepoint, so a refused parallel build can be retried serially
                    conn.execute(create)
            except (psycopg.errors.DiskFull, psycopg.errors.OutOfMemory):
                # A parallel build takes maintenance_work_mem as one shared memory segment under /dev/shm, which is
                # 64 MB in a default Docker container ("could not resize shared memory segment"); a serial build
                # uses the backend's own memory instead.
                logger.warning("parallel HNSW build of %s had no shared memory; building serially", self._table)
                conn.execute("SELECT set_config('max_parallel_maintenance_workers', '0', true)")
                conn.execute(create)
        return True

    def close(self) -> None:
        """Close the connection; a later call opens a new one."""
        with self._lock:
            self._discard()


def _ensure_extension(conn: psycopg.Connection[tuple[object, ...]]) -> str:
    """Install pgvector in the database if needed and return its version, or explain why it cannot be."""
    row = conn.execute(
        "SELECT default_version, installed_version FROM pg_available_extensions WHERE name = 'vector'"
    ).fetchone()
    if row is None:
        server = conn.execute("SHOW server_version").fetchone()
        raise PgVectorUnavailableError(
            f"PostgreSQL {server[0] if server else '?'} at {conn.info.host}:{conn.info.port} has no pgvector"
            " extension; install it (the pgvector/pgvector image has it) or keep the in-process vector index"
        )
    if row[1] is not None:
        return str(row[1])
    try:
        with conn.transaction():  # a savepoint: a refusal leaves the setup transaction usable for the message
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.errors.InsufficientPrivilege as exc:
        raise PgVectorUnavailableError(
            f"pgvector {row[0]} is available but user {conn.info.user} may not CREATE EXTENSION vector;"
            " run it once as a superuser in this database"
        ) from exc
    found = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    return str(found[0]) if found else str(row[0])


def _version_tuple(version: str) -> tuple[int, ...]:
    """``"0.8.2"`` -> ``(0, 8, 2)``; unparsable parts count as 0."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))
