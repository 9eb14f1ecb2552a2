"""PgVectorIndex against a real PostgreSQL 18 + pgvector 0.8: persistence, manifest checks, a readable error
without pgvector, reconnects and shared tables (the VectorIndex contract itself: test_vector_index_contract.py)."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import psycopg
import pytest

from search.index import (
    ExactIndex,
    IndexStaleError,
    PgVectorIndex,
    PgVectorMismatchError,
    PgVectorUnavailableError,
    drop_table,
    pgvector_version,
)
from search.index._pgvector import check_table_name, normalise_url
from tests.support import POSTGRES_ADMIN_DSN, require_postgres

if TYPE_CHECKING:
    from tests.pgvector_server import PgVectorServer

pytestmark = pytest.mark.postgres

DIM = 32
MakeIndex = Callable[..., PgVectorIndex]


def _unit(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def _clustered(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    centers = rng.standard_normal((50, dim)).astype(np.float32)
    v = centers[rng.integers(0, 50, n)] + 0.6 * rng.standard_normal((n, dim)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


@pytest.mark.parametrize(
    ("keys", "vectors"),
    [
        (np.array([-1]), np.ones((1, DIM))),
        (np.array([1, 2]), np.ones((1, DIM))),
        (np.array([1]), np.ones((1, DIM + 1))),
        (np.array([1]), np.full((1, DIM), np.inf)),
    ],
)
def test_rejects_bad_input(make_pg_index: MakeIndex, keys: np.ndarray, vectors: np.ndarray) -> None:
    index = make_pg_index(DIM)
    with pytest.raises(ValueError):
        index.add(keys, vectors)
    assert len(index) == 0
    with pytest.raises(ValueError, match="k must be"):
        index.search(np.ones(DIM), 0)


def test_settings_are_checked(make_pg_index: MakeIndex) -> None:
    with pytest.raises(ValueError, match="ef_search"):
        make_pg_index(DIM, ef_search=1001)
    with pytest.raises(ValueError, match="storage"):
        make_pg_index(DIM, storage="bit")
    with pytest.raises(ValueError, match="ef_construction"):
        make_pg_index(DIM, m=16, ef_construction=16)
    index = make_pg_index(DIM)
    assert (index.storage, index.ef_search, index.table.startswith("t_")) == ("halfvec", 128, True)
    index.ef_search = 40
    assert index.ef_search == 40
    with pytest.raises(ValueError, match="ef_search"):
        index.ef_search = 0


# ---------------------------------------------------------------- agreement with the exact index


@pytest.mark.parametrize(("storage", "tolerance"), [("vector", 1e-5), ("halfvec", 2e-3)])
def test_agrees_with_exact(make_pg_index: MakeIndex, storage: str, tolerance: float) -> None:
    rng = np.random.default_rng(42)
    data = _clustered(rng, 3000)
    queries = _clustered(rng, 100)
    keys = rng.permutation(np.unique(rng.integers(0, 2**62, 4000)))[:3000]  # sparse, large keys like a DB's
    exact, pg = ExactIndex(DIM), make_pg_index(DIM, storage=storage)
    exact.add(keys, data)
    pg.add(keys, data)  # 3000 >= bulk_min: loaded by COPY, graph built once
    want, want_scores = exact.search(queries, 10)
    got, got_scores = pg.search(queries, 10)
    recall = np.mean([len(set(g) & set(w)) / 10 for g, w in zip(got.tolist(), want.tolist(), strict=True)])
    assert recall >= 0.95
    same = got == want
    assert same.mean() >= 0.9
    np.testing.assert_allclose(got_scores[same], want_scores[same], atol=tolerance)
    assert (np.diff(got_scores, axis=1) <= 1e-6).all()


def test_k_above_ef_limit_is_exact(make_pg_index: MakeIndex) -> None:
    rng = np.random.default_rng(8)
    data, queries = _clustered(rng, 1500), _clustered(rng, 2)
    exact, pg = ExactIndex(DIM), make_pg_index(DIM, storage="vector")
    exact.add(np.arange(1500), data)
    pg.add(np.arange(1500), data)
    want, want_scores = exact.search(queries, 1200)
    got, got_scores = pg.search(queries, 1200)
    np.testing.assert_allclose(got_scores, want_scores, atol=1e-5)
    assert (got == want).mean() > 0.99  # only float near-ties may swap


def test_bulk_load_then_upserts(make_pg_index: MakeIndex, pgvector_url: str) -> None:
    rng = np.random.default_rng(9)
    data = _clustered(rng, 2500)
    index = make_pg_index(DIM)
    index.add(np.arange(2000), data[:2000])  # empty table, >= bulk_min: COPY + one graph build
    with psycopg.connect(pgvector_url) as conn:
        found = conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", (index.table,)).fetchall()
    assert any("USING hnsw (embedding halfvec_cosine_ops)" in row[0] and "m='16'" in row[0] for row in found)
    index.add(np.arange(1000, 2500), data[[*range(1500, 2000), *range(2000, 2500), *range(1000, 1500)]])
    assert len(index) == 2500
    assert index.keys().tolist() == list(range(2500))
    keys, scores = index.search(data[1500], 1)  # key 1000 now holds vector 1500
    assert keys[0, 0] in {1000, 1500}
    assert scores[0, 0] == pytest.approx(1.0, abs=1e-3)


def test_bulk_build_without_shared_memory_falls_back_to_serial(
    make_pg_index: MakeIndex, caplog: pytest.LogCaptureFixture
) -> None:
    # 64 GB of maintenance_work_mem is more than this machine's /dev/shm holds, so the parallel build's shared
    # segment is refused at once (tmpfs checks the size before allocating), as Docker's 64 MB /dev/shm refuses 1 GB.
    rng = np.random.default_rng(17)
    data = _clustered(rng, 6000, 384)  # 6000 x 1.6 kB: large enough for PostgreSQL to plan parallel workers
    index = make_pg_index(384, storage="vector", build_memory="64GB")
    index.add(np.arange(6000), data)
    assert "building serially" in caplog.text
    assert len(index) == 6000
    keys, _ = index.search(data[:20], 1)
    assert (keys[:, 0] == np.arange(20)).mean() >= 0.95


def test_len_follows_every_kind_of_change(make_pg_index: MakeIndex, pgvector_url: str) -> None:
    rng = np.random.default_rng(10)
    index = make_pg_index(DIM)
    index.add(np.arange(100), _unit(rng, 100))
    index.add(np.arange(50, 150), _unit(rng, 100))
    index.remove(np.arange(0, 150, 3))
    with psycopg.connect(pgvector_url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {index.table}").fetchone()  # noqa: S608 - a test table
    assert row is not None
    assert len(index) == row[0] == 100
    assert 1 in index
    assert 0 not in index
    index.clear()
    assert len(index) == 0


@pytest.mark.parametrize("storage", ["vector", "halfvec"])
def test_get_returns_the_stored_unit_vectors(make_pg_index: MakeIndex, storage: str) -> None:
    rng = np.random.default_rng(16)
    data = _unit(rng, 20)
    index = make_pg_index(DIM, storage=storage)
    index.add(np.arange(20), data * 3.0)  # stored normalised
    found = index.get(np.array([4, 4, 7, 999]))
    assert sorted(found) == [4, 7]
    np.testing.assert_allclose(found[7], data[7], atol=1e-3 if storage == "halfvec" else 1e-6)


def test_zero_vectors_are_kept_but_never_found(make_pg_index: MakeIndex) -> None:
    index = make_pg_index(4)
    index.add(np.array([1, 2, 3]), np.array([[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]], dtype=np.float32))
    assert len(index) == 3
    query = np.array([1, 1, 0, 0], dtype=np.float32)
    for k in (3, 1001):  # the graph scan and the exact scan
        keys, scores = index.search(query, k)
        assert keys[0, :3].tolist() == [2, 3, -1]
        assert np.isneginf(scores[0, 2])


# ---------------------------------------------------------------- persistence and the manifest


def test_reopen_persists(make_pg_index: MakeIndex) -> None:
    rng = np.random.default_rng(11)
    data = _unit(rng, 200)
    first = make_pg_index(DIM, model_name="model-a")
    first.add(np.arange(200) * 3, data)
    want = first.search(data[:5], 7)
    first.close()
    again = make_pg_index(DIM, table=first.table, model_name="model-a")
    assert len(again) == 200
    assert again.model_name == "model-a"
    got = again.search(data[:5], 7)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_another_dim_storage_or_model_is_refused(make_pg_index: MakeIndex, pgvector_url: str) -> None:
    index = make_pg_index(DIM, model_name="model-a")
    index.add(np.array([1]), np.ones((1, DIM), dtype=np.float32))
    with pytest.raises(PgVectorMismatchError, match=rf"halfvec\({DIM}\) vectors, not halfvec\(16\)"):
        make_pg_index(16, table=index.table)
    with pytest.raises(PgVectorMismatchError, match=rf"not vector\({DIM}\)"):
        make_pg_index(DIM, table=index.table, storage="vector")
    with pytest.raises(IndexStaleError, match="model-a"):  # a stale index, like a saved in-process one
        make_pg_index(DIM, table=index.table, model_name="model-b")
    assert len(make_pg_index(DIM, table=index.table)) == 1  # no model given: not checked
    drop_table(pgvector_url, index.table)
    assert len(make_pg_index(16, table=index.table, model_name="model-b")) == 0


def test_a_table_made_without_manifest_is_checked_by_its_column(make_pg_index: MakeIndex, pgvector_url: str) -> None:
    index = make_pg_index(DIM)
    with psycopg.connect(pgvector_url) as conn:
        conn.execute("DELETE FROM vector_index_manifest WHERE table_name = %s", (index.table,))
    with pytest.raises(PgVectorMismatchError, match=rf"embedding halfvec\({DIM}\), not halfvec\(8\)"):
        make_pg_index(8, table=index.table)


# ---------------------------------------------------------------- connection handling


def test_urls_in_sqlalchemy_form_are_accepted(pgvector_url: str, make_pg_index: MakeIndex) -> None:
    table = make_pg_index(DIM).table
    for driver in ("postgresql+psycopg", "postgresql+asyncpg", "postgres"):
        url = pgvector_url.replace("postgresql", driver, 1)
        assert len(PgVectorIndex(url, table=table, dim=DIM)) == 0
    assert normalise_url("postgresql+asyncpg://u:p@h:5/db?x=1") == "postgresql://u:p@h:5/db?x=1"
    with pytest.raises(ValueError, match="PostgreSQL URL"):
        PgVectorIndex("sqlite+aiosqlite:///x.db", table=table, dim=DIM)


@pytest.mark.parametrize("table", ["", "Upper", "a-b", "x;drop", "1abc", "a" * 41, "vector_index_manifest"])
def test_table_names_are_checked(table: str) -> None:
    with pytest.raises(ValueError, match="table must match"):
        check_table_name(table)


def test_server_without_pgvector_gives_a_clear_error() -> None:
    require_postgres()
    if pgvector_version(POSTGRES_ADMIN_DSN) is not None:
        pytest.skip("the local PostgreSQL has pgvector now; this test needs a server without it")
    assert not PgVectorIndex.supported(POSTGRES_ADMIN_DSN)
    with pytest.raises(PgVectorUnavailableError, match=r"PostgreSQL \d[^ ]* .*has no pgvector extension"):
        PgVectorIndex(POSTGRES_ADMIN_DSN, table="never_created", dim=DIM)
    with psycopg.connect(POSTGRES_ADMIN_DSN) as conn:
        assert conn.execute("SELECT to_regclass('never_created')").fetchone() == (None,)


def test_server_with_pgvector_is_supported(pgvector_url: str) -> None:
    assert PgVectorIndex.supported(pgvector_url)
    version = pgvector_version(pgvector_url)
    assert version is not None
    assert tuple(int(p) for p in version.split(".")[:2]) >= (0, 8)


def test_a_killed_session_is_replaced(make_pg_index: MakeIndex, pgvector_url: str) -> None:
    rng = np.random.default_rng(12)
    data = _unit(rng, 50)
    index = make_pg_index(DIM)
    index.add(np.arange(50), data)
    with psycopg.connect(pgvector_url) as conn:
        killed = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ctpo-vector-index'"
            " AND pid <> pg_backend_pid()"
        ).fetchall()
    assert killed
    keys, _ = index.search(data[3], 1)
    assert keys.tolist() == [[3]]
    index.add(np.array([50]), data[:1])
    assert len(index) == 51


def test_a_server_restart_does_not_wedge_the_index(make_pg_index: MakeIndex, pgvector: PgVectorServer) -> None:
    rng = np.random.default_rng(13)
    data = _unit(rng, 50)
    index = make_pg_index(DIM)
    index.add(np.arange(50), data)
    pgvector.restart()
    keys, _ = index.search(data[7], 1)
    assert keys.tolist() == [[7]]
    index.remove(np.array([7]))
    assert len(index) == 49


# ---------------------------------------------------------------- several writers on one table


def test_concurrent_writers_share_one_table(make_pg_index: MakeIndex) -> None:
    rng = np.random.default_rng(14)
    data = _unit(rng, 600)
    first = make_pg_index(DIM, bulk_min=10**9)  # two objects, two sessions: as two processes would
    second = make_pg_index(DIM, table=first.table, bulk_min=10**9)
    start = threading.Barrier(2)

    def write(index: PgVectorIndex, order: list[int]) -> None:
        start.wait()
        for lo in order:  # overlapping batches in opposite orders: upserts must neither fail nor deadlock
            index.add(np.arange(lo, lo + 200), data[lo : lo + 200])

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(write, first, [0, 100, 200, 300, 400]), pool.submit(write, second, [400, 300, 200])]
        for future in futures:
            future.result(timeout=120)
    assert len(first) == len(second) == 600
    for a, b in zip(first.search(data[:20], 10), second.search(data[:20], 10), strict=True):
        np.testing.assert_array_equal(a, b)
    assert first.search(data[599], 1)[0].tolist() == [[599]]


def _child_search(index: PgVectorIndex, query: np.ndarray, out: multiprocessing.Queue[object]) -> None:
    index.add(np.array([10_000]), query[None, :])
    out.put(index.search(query, 2)[0].tolist())
    out.put(_backend_pid(index))


def _backend_pid(index: PgVectorIndex) -> int:
    assert index._conn is not None
    return index._conn.info.backend_pid


def test_a_forked_child_opens_its_own_session(make_pg_index: MakeIndex) -> None:
    rng = np.random.default_rng(15)
    data = _unit(rng, 30)
    index = make_pg_index(DIM)
    index.add(np.arange(30), data)
    assert index.search(data[4], 1)[0].tolist() == [[4]]  # the parent's session is open before the fork
    parent_session = _backend_pid(index)
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue[object] = ctx.Queue()
    child = ctx.Process(target=_child_search, args=(index, data[5], out))
    child.start()
    found = out.get(timeout=60)
    child_session = out.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert isinstance(found, list)
    assert sorted(found[0]) == [5, 10_000]
    assert child_session != parent_session
    assert index.search(data[6], 1)[0].tolist() == [[6]]
    assert _backend_pid(index) == parent_session  # the child neither used nor closed the parent's session
    assert len(index) == 31
