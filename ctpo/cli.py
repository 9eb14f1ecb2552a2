"""The ``ctpo`` command: serve, migrate the database, manage accounts."""

from __future__ import annotations

import asyncio
import getpass
import os
from pathlib import Path
from typing import Any

import click

from ctpo.lib.settings import TaskBackend, get_settings


@click.group()
def main() -> None:
    """CTPO filing system. Settings come from CTPO_* environment variables."""


WORKER_HEALTHCHECK_SECONDS = 60
"""How long the supervisor waits for a busy API process to answer its ping before killing it (uvicorn: 5 s).

On a loaded machine a healthy process can miss 5 s (measured on the 2-core development machine under load 18:
workers killed mid-request, their clients cut off); a really hung one is still replaced within a minute."""


@main.command()
@click.option("--host", default=None, help="Address to bind (default CTPO_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default CTPO_PORT or 8000).")
@click.option("--workers", type=int, default=None, help="API processes (default CTPO_WORKERS or 1).")
@click.option("--access-log/--no-access-log", default=True, help="Log each request (once, with its request id).")
def serve(host: str | None, port: int | None, workers: int | None, *, access_log: bool) -> None:
    """Upgrade the schema and start the API server."""
    import uvicorn  # noqa: PLC0415 - the other commands need no server

    from ctpo.db.migrate import upgrade  # noqa: PLC0415

    if not access_log:  # read by every worker process's settings
        os.environ["CTPO_ACCESS_LOG"] = "0"
    settings = get_settings()
    click.echo("CTPO: upgrading the database schema…")
    upgrade(settings.database_url)
    click.echo(banner(f"http://{host or settings.server.host}:{port or settings.server.port}"))
    uvicorn.run(
        "ctpo.server.app:app_factory",
        factory=True,
        host=host or settings.server.host,
        port=port or settings.server.port,
        workers=workers or settings.server.workers,
        access_log=False,  # the app logs each request once, with its id (ctpo.access); uvicorn's would double it
        log_level="info",
        proxy_headers=False,  # the app resolves X-Forwarded-For itself, from CTPO_TRUSTED_PROXIES only (SECURITY.md)
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


def banner(base: str) -> str:
    """What ``ctpo serve`` prints before it starts: where people and programs find what."""
    return (
        f"CTPO starting on {base}\n"
        f"  examiner's desk  {base}/desk\n"
        f"  API docs         {base}/schema/swagger  (ReDoc: {base}/schema/redoc)\n"
        f"  front page       {base}/\n"
        "  demo logins      README.md (when CTPO_LOAD_SAMPLE_DATA=1)"
    )


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to a revision."""
    from ctpo.db.migrate import upgrade  # noqa: PLC0415

    upgrade(get_settings().database_url, revision)
    click.echo(f"database at {revision}")


@main.group()
def users() -> None:
    """Accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice(["applicant", "examiner", "office_admin"]), required=True)
@click.option("--office", default=None, help="TR, AZ, KZ, KG or UZ; required for staff.")
@click.option("--password", default=None, help="Prompted for when omitted.")
def users_create(email: str, full_name: str, role: str, office: str | None, password: str | None) -> None:
    """Create an account (the way to make the first administrator of an office)."""
    from ctpo.db.migrate import upgrade  # noqa: PLC0415
    from ctpo.db.models import Role  # noqa: PLC0415
    from ctpo.domain.accounts.services import AccountService  # noqa: PLC0415
    from ctpo.lib.errors import CtpoError  # noqa: PLC0415

    secret = password or getpass.getpass("Password: ")
    settings = get_settings()
    upgrade(settings.database_url)

    async def create() -> None:
        from ctpo.db.engine import create_engine, create_session_factory  # noqa: PLC0415

        engine = create_engine(settings.database_url)
        try:
            async with create_session_factory(engine)() as session:
                user = await AccountService(session).create(
                    email=email, full_name=full_name, password=secret, role=Role(role), office=office and office.upper()
                )
                click.echo(f"created {user.role} {user.email} ({user.id})")
        finally:
            await engine.dispose()

    try:
        asyncio.run(create())
    except CtpoError as exc:
        raise click.ClickException(f"{exc.detail} {'; '.join(f'{e.field}: {e.message}' for e in exc.errors)}") from exc


@main.group()
def corpus() -> None:
    """The prior-art corpus."""


def _sync_sessions() -> tuple[Any, Any]:
    from sqlalchemy.orm import sessionmaker  # noqa: PLC0415

    from ctpo.db.engine import create_sync_engine  # noqa: PLC0415
    from ctpo.db.migrate import upgrade  # noqa: PLC0415

    settings = get_settings()
    upgrade(settings.database_url)
    engine = create_sync_engine(settings.database_url)
    return engine, sessionmaker(engine, expire_on_commit=False)


def _index(sessions: Any) -> None:  # noqa: ANN401 - a sessionmaker
    """Embed what is not embedded yet here (this process is the one worker), then bring the saved engine up to date.

    Resumable: chunks and vectors are committed as they are made, and the engine is saved as it goes.
    """
    from tqdm import tqdm  # noqa: PLC0415

    from ctpo.domain.prior_art.runtime import runtime_for  # noqa: PLC0415

    settings = get_settings()
    runtime = runtime_for(settings, sessions)
    click.echo(f"loading the model {settings.search.embedding_model} …")
    runtime.open()
    with tqdm(desc="embedding", unit="passage") as bar:
        before = runtime.ingest_progress()
        if before is not None:
            bar.total, bar.n = before.passages, before.passages_done
        runtime.embed_open_chunks(progress=bar.update)
    with tqdm(desc="indexing", unit="doc") as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        added = runtime.catch_up(progress, wait=True)  # after any API process's catch-up
    click.echo(f"search index holds {runtime.indexed} documents ({added} added or replaced)")


@corpus.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="import", show_default=True, help="Label stored with the documents.")
@click.option(
    "--index/--no-index",
    default=True,
    help="In-process tasks: embed and index them now, in this process (else the server does).",
)
@click.option("--wait", is_flag=True, help="Celery tasks: show the workers' progress until every chunk is embedded.")
def corpus_load(path: Path, source: str, *, index: bool, wait: bool) -> None:
    """Load published documents (JSON lines, or patent XML); idempotent by id, re-run to resume.

    New and changed documents are cut into chunks, one embedding job each, run by the Celery workers in parallel
    when scaled (``--wait`` shows their progress) or here with ``--index``. XML (``.xml``): WIPO ST.96, ST.36 /
    USPTO grant and application full text incl. weekly bulk files, EPO publication XML, DOCDB/OPS exchange
    documents.
    """
    from tqdm import tqdm  # noqa: PLC0415

    from ctpo.domain.prior_art.ingest import plan_ingest  # noqa: PLC0415
    from ctpo.domain.prior_art.loading import load_corpus_file  # noqa: PLC0415

    settings = get_settings()
    engine, sessions = _sync_sessions()
    try:
        with tqdm(desc="reading", unit="doc") as bar:
            report = load_corpus_file(sessions, path, source=source, progress=bar.update)
        click.echo(f"{report.inserted} new, {report.updated} changed, {report.unchanged} unchanged documents")
        for problem in report.rejected[:20]:
            click.echo(f"skipped {problem}", err=True)
        if len(report.rejected) > 20:  # noqa: PLR2004
            click.echo(f"… and {len(report.rejected) - 20} more skipped", err=True)
        with sessions() as session, session.begin():  # also what an earlier, interrupted load left unplanned
            batch = plan_ingest(session, chunk_passages=settings.search.ingest_chunk_passages)
            planned = (batch.documents, batch.passages, batch.chunks) if batch is not None else None
        if planned is not None:
            click.echo("embedding queued: {} documents, {} passages in {} chunks".format(*planned))
        if settings.tasks.task_backend is TaskBackend.CELERY:
            if wait:
                _watch_ingest(sessions)
        elif index:
            _index(sessions)
    finally:
        engine.dispose()


def _watch_ingest(sessions: Any, poll_seconds: float = 1.0) -> None:  # noqa: ANN401 - a sessionmaker
    """A progress bar over the chunk rows while the workers embed them (rate and ETA from the rows)."""
    import time  # noqa: PLC0415

    from tqdm import tqdm  # noqa: PLC0415

    from ctpo.db.models import utcnow  # noqa: PLC0415
    from ctpo.domain.prior_art.ingest import ingest_progress  # noqa: PLC0415

    with tqdm(desc="embedding (workers)", unit="passage") as bar:
        while True:
            with sessions() as session:
                progress = ingest_progress(session, utcnow())
            if progress is None:
                return
            bar.total, bar.n = progress.passages, progress.passages_done
            rate = f"{progress.rate:.1f}/s" if progress.rate else "waiting for a worker"
            bar.set_postfix_str(f"{progress.chunks_done}/{progress.chunks} chunks, {rate}")
            if progress.complete:
                return
            time.sleep(poll_seconds)


@corpus.command("reindex")
def corpus_reindex() -> None:
    """Bring the search index up to date with the corpus table (after a crash, a model change, a lost index)."""
    engine, sessions = _sync_sessions()
    try:
        _index(sessions)
    finally:
        engine.dispose()


@main.group()
def mail() -> None:
    """Outgoing e-mail: the message record (and, when mail is off, the outbox folder)."""


@mail.command("list")
@click.option("--status", default=None, help="queued, retrying, sent, kept or failed (default: all).")
@click.option("--limit", type=int, default=50, show_default=True)
def mail_list(status: str | None, limit: int) -> None:
    """The latest messages, newest first: state, attempts, recipient, subject, last error, and where kept ones are."""
    from sqlalchemy import select  # noqa: PLC0415

    from ctpo.db.models import MailMessage, MailStatus  # noqa: PLC0415
    from ctpo.mail import OutboxFolder  # noqa: PLC0415

    settings = get_settings()
    engine, sessions = _sync_sessions()
    outbox = OutboxFolder(settings.mail.outbox_dir)
    query = select(MailMessage).order_by(MailMessage.id.desc()).limit(limit)
    if status:
        query = query.where(MailMessage.status == status)
    try:
        with sessions() as session:
            for m in session.scalars(query):
                where = f"  {outbox.path_of(m.message_id)}" if m.status == MailStatus.KEPT else ""
                when = f"{m.created_at:%Y-%m-%d %H:%M}"
                click.echo(f"{m.id}\t{m.status}\t{m.attempts}\t{when}\t{m.to_address}\t{m.subject}{where}")
                if m.last_error:
                    click.echo(f"\t  last error: {m.last_error.splitlines()[-1]}")
    finally:
        engine.dispose()
