"""All configuration of the service, read once from ``CTPO_``-prefixed environment variables.

The defaults run with nothing to start (SQLite, in-process tasks, the bundled model); the scaled deployment
changes only environment variables, never code.
"""

from __future__ import annotations

import enum
import os
import secrets
from dataclasses import MISSING, dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from search.embedding_backend import DEFAULT_BACKEND, EmbeddingBackend


class TaskBackend(enum.StrEnum):
    """Where background work runs."""

    INPROCESS = "inprocess"
    """In the API process: nothing else to start (the embedded default)."""
    CELERY = "celery"
    """On Celery workers and beat, through the broker at ``broker_url``."""


class VectorIndexKind(enum.StrEnum):
    """Where the passage vectors of prior-art search live."""

    INPROCESS = "inprocess"
    """usearch HNSW in each process, saved under the data directory."""
    PGVECTOR = "pgvector"
    """One PostgreSQL table shared by every process (needs the extension)."""


class MailSecurity(enum.StrEnum):
    """How the SMTP connection is protected."""

    STARTTLS = "starttls"
    """Upgrade after connecting; refused if the server cannot."""
    SSL = "ssl"
    """TLS from the first byte (port 465)."""
    NONE = "none"
    """Plain text: a relay on loopback only."""


class LogFormat(enum.StrEnum):
    """How log lines are written."""

    TEXT = "text"
    JSON = "json"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"CTPO_{name}", default)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(f"CTPO_{name}")
    return default if raw is None or raw == "" else int(raw)


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(f"CTPO_{name}")
    return default if raw is None or raw == "" else float(raw)


def _env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(f"CTPO_{name}")
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


_Choice = TypeVar("_Choice", bound=enum.StrEnum)


def _env_choice(name: str, kind: type[_Choice], default: _Choice) -> _Choice:
    raw = os.environ.get(f"CTPO_{name}", "").strip().lower()
    return _choice(name, kind, raw) if raw else default


def _choice(name: str, kind: type[_Choice], raw: str) -> _Choice:
    """The member of ``kind`` called ``raw``; a wrong value names the variable ``CTPO_<name>`` and the choices."""
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"CTPO_{name} must be one of {', '.join(kind)}, not {raw!r}") from None


_CHOICES: dict[str, type[enum.StrEnum]] = {
    kind.__name__: kind for kind in (TaskBackend, VectorIndexKind, LogFormat, EmbeddingBackend, MailSecurity)
}
"""The closed sets a setting may be, by type name."""

_READERS: dict[str, Any] = {
    "int": _env_int,
    "float": _env_float,
    "bool": lambda name, default: _env_bool(name, default=default),
    "str": _env,
    "TaskBackend": lambda name, default: _env_choice(name, TaskBackend, default),
    "VectorIndexKind": lambda name, default: _env_choice(name, VectorIndexKind, default),
    "LogFormat": lambda name, default: _env_choice(name, LogFormat, default),
    "EmbeddingBackend": lambda name, default: _env_choice(name, EmbeddingBackend, default),
}
"""How a plain setting of each type is read from ``CTPO_<FIELD NAME>``; its default is the field's own."""


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Outgoing mail. With no ``host``, mail is off: messages are written to ``outbox_dir`` as ``.eml`` files."""

    host: str = ""
    """SMTP server (``CTPO_MAIL_HOST``); empty keeps every message in the outbox folder instead of sending it."""
    port: int = 587
    """SMTP port (``CTPO_MAIL_PORT``): 587 for STARTTLS, 465 for implicit TLS, 25 for a local relay."""
    security: MailSecurity = MailSecurity.STARTTLS
    """How the connection is protected (``CTPO_MAIL_SECURITY``: one of :class:`MailSecurity`)."""
    username: str = ""
    """SMTP login (``CTPO_MAIL_USERNAME``); empty sends without authenticating."""
    password: str = ""
    """SMTP password (``CTPO_MAIL_PASSWORD``)."""
    sender: str = "CTPO <no-reply@ctpo.example>"
    """The ``From`` of every message (``CTPO_MAIL_FROM``); its domain also ends every ``Message-ID``."""
    timeout_seconds: float = 30.0
    """How long one SMTP conversation may take before the attempt fails and is retried."""
    outbox_dir: Path = field(default_factory=lambda: Path("var/outbox"))
    """Where messages go when mail is off (``CTPO_MAIL_OUTBOX_DIR``, default ``$CTPO_DATA_DIR/outbox``)."""

    def __post_init__(self) -> None:
        # settings built in code (tests, replace()) are held to the same choices as the environment
        object.__setattr__(self, "security", _choice("MAIL_SECURITY", MailSecurity, self.security))

    @property
    def enabled(self) -> bool:
        """Whether messages are sent by SMTP (else kept in the outbox folder)."""
        return bool(self.host)

    @classmethod
    def from_env(cls, data_dir: Path) -> MailSettings:
        """``CTPO_MAIL_*`` variables."""
        return cls(
            host=_env("MAIL_HOST", ""),
            port=_env_int("MAIL_PORT", 587),
            security=_env_choice("MAIL_SECURITY", MailSecurity, MailSecurity.STARTTLS),
            username=_env("MAIL_USERNAME", ""),
            password=_env("MAIL_PASSWORD", ""),
            sender=_env("MAIL_FROM", "CTPO <no-reply@ctpo.example>"),
            timeout_seconds=_env_float("MAIL_TIMEOUT_SECONDS", 30.0),
            outbox_dir=Path(_env("MAIL_OUTBOX_DIR", str(data_dir / "outbox"))).resolve(),
        )


@dataclass(frozen=True, slots=True)
class PublicationSettings:
    """The public register and the bulletin (``CTPO_REGISTER_*``, ``CTPO_BULLETIN_*``)."""

    bulletin_weekday: int = 2
    """The weekday the bulletin appears, 0 = Monday (``CTPO_BULLETIN_WEEKDAY``; the EPO publishes on Wednesdays, 2).
    Each issue covers the seven days ending on that weekday, reckoned in each office's own time zone."""
    register_requests_per_minute: int = 120
    """Requests one client address may make to the public register per minute before 429 (``CTPO_REGISTER_RATE``);
    counted per API process, or across all of them with ``CTPO_REDIS_URL``."""
    register_cache_seconds: int = 300
    """``Cache-Control: public, max-age`` of register pages (``CTPO_REGISTER_CACHE_SECONDS``)."""

    @classmethod
    def from_env(cls) -> PublicationSettings:
        """``CTPO_BULLETIN_WEEKDAY``, ``CTPO_REGISTER_RATE``, ``CTPO_REGISTER_CACHE_SECONDS``."""
        weekday = _env_int("BULLETIN_WEEKDAY", 2)
        if not 0 <= weekday <= 6:  # noqa: PLR2004 - Monday..Sunday
            raise ValueError("CTPO_BULLETIN_WEEKDAY must be 0 (Monday) to 6 (Sunday)")
        return cls(
            bulletin_weekday=weekday,
            register_requests_per_minute=_env_int("REGISTER_RATE", 120),
            register_cache_seconds=_env_int("REGISTER_CACHE_SECONDS", 300),
        )


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
    embedding_backend: EmbeddingBackend = DEFAULT_BACKEND
    """How the embedding model runs (one of :class:`~search.embedding_backend.EmbeddingBackend`). Chosen by measurement
    (benchmarks/README.md, "Embedding backends"); each backend's vectors get their own index, so a change re-embeds
    the corpus."""
    model_dir: Path | None = None
    """Where the bundled model is converted once (default: the data directory); shareable between instances."""
    search_autostart: bool = True
    """Open the search engine and bring it up to date with the corpus at start (off only in some tests)."""
    load_sample_data: bool = False
    """Load the demo accounts and the sample corpus at start (the README's start command sets it)."""
    task_backend: TaskBackend = TaskBackend.INPROCESS
    """``inprocess`` runs background work in the API process; ``celery`` sends it to workers."""
    broker_url: str = "redis://127.0.0.1:6379/0"
    """Celery broker when ``task_backend`` is ``celery``."""
    redis_url: str = ""
    """Redis shared by the API processes (``CTPO_REDIS_URL``): per-client rate limits are counted there, so every
    process enforces one rate. Empty (the embedded default): each process counts on its own."""
    observations_per_minute: int = 6
    """Third-party observations one client address may file per minute (``CTPO_OBSERVATIONS_PER_MINUTE``); they
    need no account, so the address is the only handle on a flood."""
    task_queue: str = "ctpo"
    """Broker queue of this deployment's tasks: deployments (or test runs) sharing a broker use different ones."""
    sweep_interval_seconds: int = 60
    """How often the deadline sweep runs (in-process, or as the beat schedule)."""
    job_poll_seconds: float = 2.0
    """How often due background jobs are run (in-process) or relayed to the broker (Celery beat); 0 turns it off."""
    job_lease_seconds: int = 300
    """A job handed out but not finished within this time is handed out again (its worker or broker was lost)."""
    job_retry_base_seconds: float = 10.0
    """First retry delay of a failed job; it doubles per attempt up to an hour."""
    ingest_chunk_passages: int = 256
    """Passages per ingest chunk, the unit of work of one embedding job (``CTPO_INGEST_CHUNK_PASSAGES``)."""
    vector_index: VectorIndexKind = VectorIndexKind.INPROCESS
    """``inprocess`` (usearch HNSW saved under the data directory) or ``pgvector`` (a table in PostgreSQL)."""
    log_format: LogFormat = LogFormat.TEXT
    """``text`` for people at a terminal, ``json`` (one object per line, with the request id) for collectors."""
    access_log: bool = True
    """One ``ctpo.access`` record per request (with its request id); the only access log, uvicorn's is off."""
    host: str = "127.0.0.1"
    """Address ``ctpo serve`` binds to."""
    port: int = 8000
    """Port ``ctpo serve`` binds to."""
    workers: int = 1
    """API processes started by ``ctpo serve``."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or CIDR ranges of reverse proxies whose ``X-Forwarded-For`` is believed (comma-separated in
    ``CTPO_TRUSTED_PROXIES``); empty: the client address is the TCP peer, and the header is ignored."""
    login_failure_window_seconds: int = 900
    """Failed logins are counted per account and per client address in windows of this length, each starting at
    the first failure after the previous one ended."""
    login_max_failures_per_account: int = 5
    """Failed logins on one e-mail within the window before the account is locked."""
    login_max_failures_per_address: int = 50
    """Failed logins from one client address within the window before that address is refused."""
    login_lockout_seconds: int = 900
    """How long a lockout lasts unless an office administrator lifts it first."""
    mail: MailSettings = field(default_factory=MailSettings)
    """Outgoing mail (``CTPO_MAIL_*``)."""
    publication: PublicationSettings = field(default_factory=PublicationSettings)
    """The public register and the weekly bulletin."""
    public_url: str = "http://127.0.0.1:8000"
    """Where people reach the service (``CTPO_PUBLIC_URL``), for links in mails."""
    staff_email_domains: tuple[str, ...] = ("ctpo.int",)
    """Domains of the offices' staff addresses (``CTPO_STAFF_EMAIL_DOMAINS``, comma-separated): applicants cannot
    register addresses in them, in their subdomains, or in look-alikes of them."""
    registration_ttl_seconds: int = 86_400
    """How long the confirmation link of a registration works."""
    register_max_per_address: int = 20
    """Registrations from one client address within a login window (``CTPO_LOGIN_FAILURE_WINDOW_SECONDS``)."""
    register_max_per_email: int = 3
    """Registrations (so confirmation mails) for one e-mail address within a window: no mail-bombing through us."""

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment; relative paths are resolved against the working directory."""
        data_dir = Path(_env("DATA_DIR", "var")).resolve()
        database_url = _env("DATABASE_URL", f"sqlite+aiosqlite:///{data_dir / 'ctpo.sqlite3'}")
        plain = {
            f.name: _READERS[str(f.type)](f.name.upper(), f.default)
            for f in fields(cls)
            if str(f.type) in _READERS and f.default is not MISSING
        }
        return cls(
            **plain,
            data_dir=data_dir,
            database_url=database_url,
            secret_key=os.environ.get("CTPO_SECRET_KEY") or _secret_for(data_dir),
            storage_dir=Path(_env("STORAGE_DIR", str(data_dir / "documents"))).resolve(),
            model_dir=Path(os.environ["CTPO_MODEL_DIR"]).resolve() if os.environ.get("CTPO_MODEL_DIR") else None,
            trusted_proxies=tuple(p.strip() for p in _env("TRUSTED_PROXIES", "").split(",") if p.strip()),
            mail=MailSettings.from_env(data_dir),
            publication=PublicationSettings.from_env(),
            staff_email_domains=tuple(
                d.strip().lower() for d in _env("STAFF_EMAIL_DOMAINS", "ctpo.int").split(",") if d.strip()
            ),
        )

    def __post_init__(self) -> None:
        # settings built in code (tests, replace()) are held to the same choices as the environment
        for f in fields(self):
            kind = _CHOICES.get(str(f.type))
            if kind is not None:
                object.__setattr__(self, f.name, _choice(f.name.upper(), kind, getattr(self, f.name)))

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
    # a temporary name of this process's own: processes starting together on a fresh data directory (API workers,
    # Celery worker and beat) must not write, chmod and remove one another's file
    tmp = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even briefly
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key)
        out.flush()
        os.fsync(out.fileno())
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
