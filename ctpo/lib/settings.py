"""All configuration of the service, read once from ``CTPO_``-prefixed environment variables.

The defaults run with nothing to start (SQLite, in-process tasks, the bundled model); the scaled deployment
changes only environment variables, never code.
"""

from __future__ import annotations

import enum
import os
import secrets
from dataclasses import Field, dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from search.embedding_backend import DEFAULT_BACKEND, EmbeddingBackend

if TYPE_CHECKING:
    from collections.abc import Callable


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


class _Group:
    """What every group of settings shares: the prefix of its variables, and enum fields held to their members."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Any]]
    ENV_PREFIX: ClassVar[str] = ""
    """Put before each field's name in its variable (``CTPO_<prefix><FIELD>``)."""

    def __post_init__(self) -> None:
        # settings built in code (tests, replace()) are held to the same choices as the environment
        for f in fields(self):
            kind = _CHOICES.get(str(f.type))
            if kind is not None:
                object.__setattr__(self, f.name, _choice(_variable(f, self.ENV_PREFIX), kind, getattr(self, f.name)))


@dataclass(frozen=True, slots=True)
class ServerSettings(_Group):
    """The HTTP server: where it listens, what it accepts, how it logs."""

    host: str = "127.0.0.1"
    """Address ``ctpo serve`` binds to."""
    port: int = 8000
    """Port ``ctpo serve`` binds to."""
    workers: int = 1
    """API processes started by ``ctpo serve``."""
    public_url: str = "http://127.0.0.1:8000"
    """Where people reach the service, for links in mails."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or CIDR ranges of reverse proxies whose ``X-Forwarded-For`` is believed (comma-separated in
    ``CTPO_TRUSTED_PROXIES``); empty: the client address is the TCP peer, and the header is ignored."""
    max_request_bytes: int = 64 * 1024 * 1024
    """Largest request body; beyond it the client gets 413 before anything is parsed."""
    log_format: LogFormat = LogFormat.TEXT
    """``text`` for people at a terminal, ``json`` (one object per line, with the request id) for collectors."""
    access_log: bool = True
    """One ``ctpo.access`` record per request (with its request id); the only access log, uvicorn's is off."""
    freeze_long_lived: bool = True
    """Freeze what a started process keeps (app, model, index) out of the garbage collector's full collections
    (:mod:`ctpo.lib.memory`). Off in the test suite, whose one process starts an app per test."""


@dataclass(frozen=True, slots=True)
class RateLimitSettings(_Group):
    """Per-client rate limits of the anonymous routes."""

    redis_url: str = ""
    """Redis shared by the API processes: per-client rate limits are counted there, so every process enforces one
    rate. Empty (the embedded default): each process counts on its own."""
    register_requests_per_minute: int = field(default=120, metadata={"env": "REGISTER_RATE"})
    """Requests one client address may make to the public register per minute before 429."""
    observations_per_minute: int = 6
    """Third-party observations one client address may file per minute; they need no account, so the address is
    the only handle on a flood."""


@dataclass(frozen=True, slots=True)
class AuthSettings(_Group):
    """Login tokens and the throttling of failed logins."""

    secret_key: str = ""
    """Key that signs bearer tokens; empty: one generated once and kept in the data directory."""
    token_ttl_seconds: int = 3600
    """How long a login token is valid."""
    login_failure_window_seconds: int = 900
    """Failed logins are counted per account and per client address in windows of this length, each starting at
    the first failure after the previous one ended."""
    login_max_failures_per_account: int = 5
    """Failed logins on one e-mail within the window before the account is locked."""
    login_max_failures_per_address: int = 50
    """Failed logins from one client address within the window before that address is refused."""
    login_lockout_seconds: int = 900
    """How long a lockout lasts unless an office administrator lifts it first."""


@dataclass(frozen=True, slots=True)
class RegistrationSettings(_Group):
    """Self-registration of applicant accounts."""

    staff_email_domains: tuple[str, ...] = ("ctpo.int",)
    """Domains of the offices' staff addresses (comma-separated in ``CTPO_STAFF_EMAIL_DOMAINS``): applicants cannot
    register addresses in them, in their subdomains, or in look-alikes of them."""
    registration_ttl_seconds: int = 86_400
    """How long the confirmation link of a registration works."""
    register_max_per_address: int = 20
    """Registrations from one client address within a login window (``CTPO_LOGIN_FAILURE_WINDOW_SECONDS``)."""
    register_max_per_email: int = 3
    """Registrations (so confirmation mails) for one e-mail address within a window: no mail-bombing through us."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "staff_email_domains", tuple(d.lower() for d in self.staff_email_domains))


@dataclass(frozen=True, slots=True)
class TaskSettings(_Group):
    """Background work: where it runs and how often."""

    task_backend: TaskBackend = TaskBackend.INPROCESS
    """``inprocess`` runs background work in the API process; ``celery`` sends it to workers."""
    broker_url: str = "redis://127.0.0.1:6379/0"
    """Celery broker when ``task_backend`` is ``celery``."""
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


@dataclass(frozen=True, slots=True)
class SearchSettings(_Group):
    """Prior-art search: the embedding model, the vector index, the ingest of the corpus."""

    embedding_model: str = "bundled:multilingual-e5-small"
    """A sentence-transformers model folder, or ``bundled:multilingual-e5-small`` for the shipped model."""
    embedding_backend: EmbeddingBackend = DEFAULT_BACKEND
    """How the embedding model runs (one of :class:`~search.embedding_backend.EmbeddingBackend`). Chosen by measurement
    (benchmarks/README.md, "Embedding backends"); each backend's vectors get their own index, so a change re-embeds
    the corpus."""
    model_dir: Path = Path()
    """Where the bundled model is converted once (default: the data directory); shareable between instances."""
    vector_index: VectorIndexKind = VectorIndexKind.INPROCESS
    """``inprocess`` (usearch HNSW saved under the data directory) or ``pgvector`` (a table in PostgreSQL)."""
    ingest_chunk_passages: int = 256
    """Passages per ingest chunk, the unit of work of one embedding job."""
    search_autostart: bool = True
    """Open the search engine and bring it up to date with the corpus at start (off only in some tests)."""


@dataclass(frozen=True, slots=True)
class MailSettings(_Group):
    """Outgoing mail (``CTPO_MAIL_*``). With no ``host``, mail is off: messages are written to ``outbox_dir``."""

    ENV_PREFIX: ClassVar[str] = "MAIL_"

    host: str = ""
    """SMTP server; empty keeps every message in the outbox folder instead of sending it."""
    port: int = 587
    """SMTP port: 587 for STARTTLS, 465 for implicit TLS, 25 for a local relay."""
    security: MailSecurity = MailSecurity.STARTTLS
    """How the connection is protected (one of :class:`MailSecurity`)."""
    username: str = ""
    """SMTP login; empty sends without authenticating."""
    password: str = ""
    """SMTP password."""
    sender: str = field(default="CTPO <no-reply@ctpo.example>", metadata={"env": "MAIL_FROM"})
    """The ``From`` of every message; its domain also ends every ``Message-ID``."""
    timeout_seconds: float = 30.0
    """How long one SMTP conversation may take before the attempt fails and is retried."""
    outbox_dir: Path = Path("outbox")
    """Where messages go when mail is off (default ``$CTPO_DATA_DIR/outbox``)."""

    @property
    def enabled(self) -> bool:
        """Whether messages are sent by SMTP (else kept in the outbox folder)."""
        return bool(self.host)


@dataclass(frozen=True, slots=True)
class PublicationSettings(_Group):
    """The public register and the bulletin."""

    bulletin_weekday: int = 2
    """The weekday the bulletin appears, 0 = Monday (the EPO publishes on Wednesdays, 2). Each issue covers the seven
    days ending on that weekday, reckoned in each office's own time zone."""
    register_cache_seconds: int = 300
    """``Cache-Control: public, max-age`` of register pages."""

    def __post_init__(self) -> None:
        if not 0 <= self.bulletin_weekday <= 6:  # noqa: PLR2004 - Monday..Sunday
            raise ValueError("CTPO_BULLETIN_WEEKDAY must be 0 (Monday) to 6 (Sunday)")


@dataclass(frozen=True, slots=True)
class Settings(_Group):
    """Every knob of the service, grouped by concern; build it with :meth:`from_env`.

    Each field is read from ``CTPO_<FIELD NAME>`` (a group may add a prefix, as mail's ``MAIL_``, and a field may
    name its own variable, as ``sender``'s ``MAIL_FROM``); its default is the field's own and nowhere else. A
    relative default path is taken under ``data_dir``; a path in the environment is taken from the working directory.
    """

    data_dir: Path = Path("var")
    """Where the SQLite file, stored documents, the vector index and the converted model live."""
    database_url: str = ""
    """SQLAlchemy async URL: empty for ``sqlite+aiosqlite:///<data_dir>/ctpo.sqlite3``, ``postgresql+asyncpg://…``
    when scaled."""
    storage_dir: Path = Path("documents")
    """Content-addressed store of uploaded documents."""
    max_document_bytes: int = 20 * 1024 * 1024
    """Largest single uploaded document."""
    load_sample_data: bool = False
    """Load the demo accounts and the sample corpus at start (the README's start command sets it)."""
    server: ServerSettings = field(default_factory=ServerSettings)
    rate_limits: RateLimitSettings = field(default_factory=RateLimitSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    registration: RegistrationSettings = field(default_factory=RegistrationSettings)
    tasks: TaskSettings = field(default_factory=TaskSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    publication: PublicationSettings = field(default_factory=PublicationSettings)

    def __post_init__(self) -> None:
        data_dir = self.data_dir if self.data_dir.is_absolute() else self.data_dir.resolve()
        object.__setattr__(self, "data_dir", data_dir)
        object.__setattr__(self, "storage_dir", data_dir / self.storage_dir)  # an absolute one stays as it is
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///{data_dir / 'ctpo.sqlite3'}")
        if not self.auth.secret_key:
            object.__setattr__(self, "auth", replace(self.auth, secret_key=_secret_for(data_dir)))
        object.__setattr__(self, "search", replace(self.search, model_dir=data_dir / self.search.model_dir))
        object.__setattr__(self, "mail", replace(self.mail, outbox_dir=data_dir / self.mail.outbox_dir))

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment; an unset or empty variable leaves the field's default."""
        return _from_env(cls, "")

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")


def env_names(cls: type[Any] = Settings, prefix: str = "") -> dict[str, str]:
    """The variable of every field: ``{"mail.sender": "CTPO_MAIL_FROM", ...}``, nested groups' fields included."""
    names: dict[str, str] = {}
    for f in fields(cls):
        group = _GROUPS.get(str(f.type))
        if group is not None:
            names |= {f"{f.name}.{k}": v for k, v in env_names(group, group.ENV_PREFIX).items()}
        else:
            names[f.name] = f"CTPO_{_variable(f, prefix)}"
    return names


_Built = TypeVar("_Built", bound=_Group)


def _from_env(cls: type[_Built], prefix: str) -> _Built:
    """``cls`` with each field found in the environment parsed by its type; the others keep their defaults."""
    values: dict[str, Any] = {}
    for f in fields(cls):
        group = _GROUPS.get(str(f.type))
        if group is not None:
            values[f.name] = _from_env(group, group.ENV_PREFIX)
            continue
        name = _variable(f, prefix)
        raw = os.environ.get(f"CTPO_{name}", "")
        if raw.strip():
            values[f.name] = _parse(str(f.type), name, raw)
    return cls(**values)


def _variable(f: Field[Any], prefix: str) -> str:
    """The variable of a field, less ``CTPO_``: the one it names, else its group's prefix and its own name."""
    return str(f.metadata.get("env") or prefix + f.name.upper())


def _parse(kind: str, name: str, raw: str) -> Any:  # noqa: ANN401 - the field's own type
    """``raw`` as a value of the field type ``kind``; a wrong value names the variable ``CTPO_<name>``."""
    if kind == "str":
        return raw  # as written: a password may begin or end with a space
    choice = _CHOICES.get(kind)
    if choice is not None:
        return _choice(name, choice, raw.strip().lower())
    try:
        return _READERS[kind](raw.strip())
    except ValueError:
        raise ValueError(f"CTPO_{name} must be {_KIND_NAMES.get(kind, kind)}, not {raw!r}") from None


def _choice(name: str, kind: type[_Choice], raw: str) -> _Choice:
    """The member of ``kind`` called ``raw``; a wrong value names the variable ``CTPO_<name>`` and the choices."""
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"CTPO_{name} must be one of {', '.join(kind)}, not {raw!r}") from None


_Choice = TypeVar("_Choice", bound=enum.StrEnum)

_CHOICES: dict[str, type[enum.StrEnum]] = {
    kind.__name__: kind for kind in (TaskBackend, VectorIndexKind, LogFormat, EmbeddingBackend, MailSecurity)
}
"""The closed sets a setting may be, by type name."""

_READERS: dict[str, Callable[[str], Any]] = {
    "int": int,
    "float": float,
    "bool": lambda raw: raw.lower() in {"1", "true", "yes", "on"},
    "Path": lambda raw: Path(raw).resolve(),
    "tuple[str, ...]": lambda raw: tuple(part.strip() for part in raw.split(",") if part.strip()),
}
"""How a setting of each (non-enum) type is read from its variable's text."""

_KIND_NAMES = {"int": "a whole number", "float": "a number"}

_GROUPS: dict[str, type[_Group]] = {
    group.__name__: group
    for group in (
        ServerSettings,
        RateLimitSettings,
        AuthSettings,
        RegistrationSettings,
        TaskSettings,
        SearchSettings,
        MailSettings,
        PublicationSettings,
    )
}
"""The nested groups of :class:`Settings`, by type name."""


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
