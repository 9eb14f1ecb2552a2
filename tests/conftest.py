"""Fixtures: every service test runs on a real SQLite file and on a real PostgreSQL database."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import pytest
from argon2 import PasswordHasher
from litestar.testing import TestClient

from ctpo.db.migrate import upgrade
from ctpo.db.models import utcnow
from ctpo.domain.accounts import passwords
from ctpo.domain.filings.storage import DocumentStore
from ctpo.lib.ratelimit import InProcessRateLimiter
from ctpo.lib.settings import (
    AuthSettings,
    MailSettings,
    RateLimitSettings,
    SearchSettings,
    ServerSettings,
    Settings,
    TaskSettings,
)
from ctpo.server.app import create_app
from tests.factories import Factory
from tests.support import (
    PASSWORD,
    create_postgres_database,
    create_user,
    drop_postgres_database,
    postgres_url,
    require_postgres,
    unique_name,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from litestar import Litestar

    from ctpo.db.models import User


# Argon2id as in production, at the cheapest cost: the default (64 MiB, 3 passes, 4 lanes) takes ~0.17 s of CPU per
# hash or check, and the suite creates and logs in thousands of accounts. The parameters live in each hash, so a
# server process started by a test verifies these hashes just as cheaply; no test asserts the cost parameters.
passwords._HASHER = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
passwords._DUMMY_HASH = passwords._HASHER.hash("not-a-real-password")


LONG_RUNNING = ("tests/faults/", "tests/e2e/", "tests/integration/search_pgvector/", "test_fuzz_api.py")
"""Where the tests that take tens of seconds live (process kills, broker restarts, Chromium, the real model)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Hand the long tests out first, so that no worker starts a minute-long one while the others sit idle at the end.

    Most of them wait on leases, restarts and child processes rather than compute: started early, they overlap the
    short tests on the other workers. The order within each group is the collection order.
    """
    items.sort(key=lambda item: not any(part in item.nodeid for part in LONG_RUNNING))


@pytest.fixture(scope="session")
def model_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data dir the bundled model is converted into: one per run, shared by every xdist worker.

    ``ensure_bundled_model`` converts under a file lock, so the first worker converts and the others reuse it.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's own basetemp
    return root / "ctpo-data"


@pytest.fixture(scope="session")
def embedding_cache_dir(model_data_dir: Path) -> Path:
    """Where :class:`tests.embedding_cache.DiskCachedEmbedder` keeps vectors: one folder per run, for every worker."""
    return model_data_dir.parent / "ctpo-embeddings"


@pytest.fixture(scope="session")
def postgres_dropper() -> Iterator[ThreadPoolExecutor]:
    """Drops the tests' PostgreSQL databases in the background (a DROP … WITH (FORCE) can take seconds).

    Every database is still dropped: the session waits for the queue before it ends.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-db") as dropper:
        yield dropper


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated database that each PostgreSQL test copies (CREATE DATABASE … TEMPLATE)."""
    require_postgres()
    name = unique_name("ctpo_tmpl")
    url = create_postgres_database(name)
    upgrade(url)
    yield name
    drop_postgres_database(name)


class TemplateCopies:
    """Copies of the migrated template, each made in the background while the test before it runs.

    A CREATE DATABASE … TEMPLATE takes 0.1–0.6 s; made ahead, a PostgreSQL test starts on its copy at once.
    """

    def __init__(self, template: str, maker: ThreadPoolExecutor) -> None:
        self._template = template
        self._maker = maker
        self._next = maker.submit(self._copy)

    def _copy(self) -> str:
        name = unique_name("ctpo_test")
        create_postgres_database(name, template=self._template)
        return name

    def take(self) -> str:
        """The name of a fresh copy, the caller's to drop."""
        name = self._next.result()
        self._next = self._maker.submit(self._copy)
        return name

    def close(self) -> None:
        """Drop the copy made ahead."""
        drop_postgres_database(self._next.result())


@pytest.fixture(scope="session")
def postgres_copies(postgres_template: str) -> Iterator[TemplateCopies]:
    """This worker's fresh copies of :func:`postgres_template`, one ahead of the tests that take them."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-db") as maker:
        copies = TemplateCopies(postgres_template, maker)
        yield copies
        copies.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each SQLite test copies (migrating one takes seconds, copying it milliseconds).

    Session-scoped, so one per xdist worker process, like the PostgreSQL template.
    """
    path = tmp_path_factory.mktemp("sqlite-template") / "ctpo.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database per test, copied from the worker's migrated template."""
    if request.param == "sqlite":
        path = tmp_path / "ctpo.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = request.getfixturevalue("postgres_copies").take()
    yield postgres_url(name)
    request.getfixturevalue("postgres_dropper").submit(drop_postgres_database, name)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        storage_dir=tmp_path / "documents",
        max_document_bytes=256 * 1024,
        # one process starts an app per test: a collection and a freeze at each start would cost and keep too much
        server=ServerSettings(max_request_bytes=2 * 1024 * 1024, freeze_long_lived=False),
        auth=AuthSettings(secret_key="test-secret-key-with-enough-entropy-0123456789"),
        # tests drive the sweep and the background jobs themselves
        tasks=TaskSettings(sweep_interval_seconds=0, job_poll_seconds=0),
        search=SearchSettings(search_autostart=False),  # the search tests start it with a session-wide model
        mail=MailSettings(outbox_dir=tmp_path / "outbox"),
        # one test client is one address: the rate limits are tested on their own (test_rate_limits)
        rate_limits=RateLimitSettings(register_requests_per_minute=100_000, observations_per_minute=100_000),
    )


@pytest.fixture(scope="session")
def built_apps() -> dict[Hashable, Litestar]:
    """This worker's apps, by :func:`app_shape`: building one takes ~0.5 s of CPU (routes, OpenAPI), starting it ms."""
    return {}


@pytest.fixture
def app(settings: Settings, built_apps: dict[Hashable, Litestar]) -> Litestar:
    """An app on this test's settings: a fresh database and data folder, and no state left by an earlier test.

    Built once per worker for each :func:`app_shape` and handed to each test with its per-test state put back as a
    fresh :func:`create_app` leaves it (the settings, the document store on this test's folder, the clock, no search
    runtime, no cached responses, empty in-process rate buckets). The lifespan, which a test's client runs, reads
    ``app.state.settings``: the engine, the sweep, the jobs and the search start on this test's database and folders.
    """
    shape = app_shape(settings)
    built = built_apps.get(shape) if shape is not None else None
    if built is None:
        built = create_app(settings)
        if shape is not None and set(built.state.dict()) == set(_FRESH_STATE) and not built.stores._stores:
            built_apps[shape] = built
        return built
    state = built.state.dict()
    fresh = _FRESH_STATE | {"settings": settings, "document_store": DocumentStore(settings.storage_dir)}
    for key in set(state) - set(fresh):
        del built.state[key]  # what a lifespan or a test added (engine, session factory)
    built.state.update({**fresh, "jwt_auth": state["jwt_auth"]})
    built.stores._stores.clear()  # the response cache (GET /offices): a fresh app's stores are made on first use
    limiter = built.dependencies["rate_limiter"].dependency()
    assert isinstance(limiter, InProcessRateLimiter)
    limiter._buckets.clear()
    return built


_FRESH_STATE: dict[str, Any] = {
    "settings": None,
    "jwt_auth": None,
    "document_store": None,
    "clock": utcnow,
    "search": None,
}
"""What :func:`create_app` puts in ``app.state``; an app whose state holds more is not shared (a new entry may hold
something built from the settings)."""


def app_shape(settings: Settings) -> Hashable | None:
    """What :func:`create_app` builds into an app from ``settings``: every setting but the per-test ones.

    Those are the database and the paths inside the test's data folder, which the app reads from ``app.state`` at each
    start. None where the app must not be shared: a Redis-backed rate limiter is closed when its app stops.
    """
    if settings.rate_limits.redis_url:
        return None
    return _shape(settings, settings.data_dir)


def _shape(value: Any, data_dir: Path) -> Hashable:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple(
            (f.name, _shape(getattr(value, f.name), data_dir))
            for f in dataclasses.fields(value)
            if f.name not in {"database_url", "data_dir"}
        )
    if isinstance(value, PurePath) and value.is_relative_to(data_dir):
        return "<test data folder>"
    return value if isinstance(value, Hashable) else repr(value)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Any]]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def make_user(database_url: str) -> Callable[..., User]:
    def make(role: str, office: str | None = None, email: str | None = None) -> User:
        return create_user(database_url, role, office, email)

    return make


@pytest.fixture
def login(client: TestClient[Any]) -> Callable[[User], dict[str, str]]:
    """Authorization headers for an account."""

    def headers_for(user: User) -> dict[str, str]:
        response = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return headers_for


@pytest.fixture
def factory(client: TestClient[Any], database_url: str) -> Factory:
    """Accounts and applications for this test, made through the real services (:mod:`tests.factories`)."""
    return Factory(client, database_url)
