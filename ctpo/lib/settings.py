"""All configuration of the service, read once from ``CTPO_``-prefixed environment variables.

The defaults run with nothing to start (SQLite, in-process tasks, the bundled model); the scaled deployment
changes only environment variables, never code.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


def _env(name: str, default: str) -> str:
    return os.environ.get(f"CTPO_{name}", default)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(f"CTPO_{name}")
    return default if raw is None or raw == "" else int(raw)


def _env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(f"CTPO_{name}")
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob of the service; build it with :meth:`from_env`."""

    data_dir: Path
    """Where the SQLite file, stored documents, the vector index and the converted model live."""
    database_url: str
    """SQLAlchemy async URL: ``sqlite+aiosqlite:///…`` by default, ``postgresql+asyncpg://…`` when scaled."""
    secret_key: str
    """Key that signs bearer tokens; generated once per data directory unless set."""
    token_ttl_seconds: int = 3600
    """How long a login token is valid."""
    storage_dir: Path = field(default_factory=lambda: Path("var/documents"))
    """Content-addressed store of uploaded documents."""
    max_document_bytes: int = 20 * 1024 * 1024
    """Largest single uploaded document."""
    max_request_bytes: int = 64 * 1024 * 1024
    """Largest request body; beyond it the client gets 413 before anything is parsed."""
    embedding_model: str = "bundled:multilingual-e5-small"
    """A sentence-transformers model folder, or ``bundled:multilingual-e5-small`` for the shipped model."""
    model_dir: Path | None = None
    """Where the bundled model is converted once (default: the data directory); shareable between instances."""
    search_autostart: bool = True
    """Open the search engine and bring it up to date with the corpus at start (off only in some tests)."""
    load_sample_data: bool = False
    """Load the demo accounts and the sample corpus at start (the README's start command sets it)."""
    task_backend: str = "inprocess"
    """``inprocess`` runs background work in the API process; ``celery`` sends it to workers."""
    broker_url: str = "redis://127.0.0.1:6379/0"
    """Celery broker when ``task_backend`` is ``celery``."""
    sweep_interval_seconds: int = 60
    """How often the deadline sweep runs (in-process, or as the beat schedule)."""
    host: str = "127.0.0.1"
    """Address ``ctpo serve`` binds to."""
    port: int = 8000
    """Port ``ctpo serve`` binds to."""
    workers: int = 1
    """API processes started by ``ctpo serve``."""

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment; relative paths are resolved against the working directory."""
        data_dir = Path(_env("DATA_DIR", "var")).resolve()
        database_url = _env("DATABASE_URL", f"sqlite+aiosqlite:///{data_dir / 'ctpo.sqlite3'}")
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            secret_key=os.environ.get("CTPO_SECRET_KEY") or _secret_for(data_dir),
            token_ttl_seconds=_env_int("TOKEN_TTL_SECONDS", 3600),
            storage_dir=Path(_env("STORAGE_DIR", str(data_dir / "documents"))).resolve(),
            max_document_bytes=_env_int("MAX_DOCUMENT_BYTES", 20 * 1024 * 1024),
            max_request_bytes=_env_int("MAX_REQUEST_BYTES", 64 * 1024 * 1024),
            embedding_model=_env("EMBEDDING_MODEL", "bundled:multilingual-e5-small"),
            model_dir=Path(os.environ["CTPO_MODEL_DIR"]).resolve() if os.environ.get("CTPO_MODEL_DIR") else None,
            search_autostart=_env_bool("SEARCH_AUTOSTART", default=True),
            load_sample_data=_env_bool("LOAD_SAMPLE_DATA", default=False),
            task_backend=_env("TASK_BACKEND", "inprocess"),
            broker_url=_env("BROKER_URL", "redis://127.0.0.1:6379/0"),
            sweep_interval_seconds=_env_int("SWEEP_INTERVAL_SECONDS", 60),
            host=_env("HOST", "127.0.0.1"),
            port=_env_int("PORT", 8000),
            workers=_env_int("WORKERS", 1),
        )

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")


def _secret_for(data_dir: Path) -> str:
    """A signing key kept in the data directory, so tokens survive restarts without a key in the code."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key, encoding="utf-8")
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)  # fails if another process won the race; then we read theirs
    except FileExistsError:
        key = path.read_text(encoding="utf-8").strip()
    finally:
        tmp.unlink(missing_ok=True)
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings.from_env()
