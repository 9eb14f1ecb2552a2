"""The ``ctpo`` command: serve, migrate the database, manage accounts."""

from __future__ import annotations

import asyncio
import getpass

import click

from ctpo.lib.settings import get_settings


@click.group()
def main() -> None:
    """CTPO filing system. Settings come from CTPO_* environment variables."""


@main.command()
@click.option("--host", default=None, help="Address to bind (default CTPO_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default CTPO_PORT or 8000).")
@click.option("--workers", type=int, default=None, help="API processes (default CTPO_WORKERS or 1).")
@click.option("--access-log/--no-access-log", default=True, help="Log each request.")
def serve(host: str | None, port: int | None, workers: int | None, *, access_log: bool) -> None:
    """Upgrade the schema and start the API server."""
    import uvicorn  # noqa: PLC0415 - the other commands need no server

    from ctpo.db.migrate import upgrade  # noqa: PLC0415

    settings = get_settings()
    upgrade(settings.database_url)
    uvicorn.run(
        "ctpo.server.app:app_factory",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        access_log=access_log,
        log_level="info",
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
