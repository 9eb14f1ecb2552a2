"""Helpers shared by the tests: databases, accounts, application payloads, a live server."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import psycopg
import pytest

from ctpo.db.engine import create_engine, create_session_factory
from ctpo.db.models import Role
from ctpo.domain.accounts.services import AccountService

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ctpo.db.models import User

REPO = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_DSN = os.environ.get("CTPO_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "correct horse battery"


def postgres_available() -> bool:
    try:
        with psycopg.connect(POSTGRES_ADMIN_DSN, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def require_postgres() -> None:
    """Skip where no PostgreSQL runs, except in CI, where a missing server is a failure."""
    if postgres_available():
        return
    if os.environ.get("CI"):
        pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432 (CI must run it)")
    pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")


def create_postgres_database(name: str, template: str | None = None) -> str:
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as conn:
        suffix = f" TEMPLATE {template}" if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    return postgres_url(name)


def postgres_url(name: str) -> str:
    """The service's URL of the local PostgreSQL database ``name``."""
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


def drop_postgres_database(name: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 10) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


async def _create_user(database_url: str, email: str, role: Role, office: str | None) -> User:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return await AccountService(session).create(
                email=email, full_name=email.split("@", maxsplit=1)[0], password=PASSWORD, role=role, office=office
            )
    finally:
        await engine.dispose()


def create_user(database_url: str, role: Role | str, office: str | None = None, email: str | None = None) -> User:
    """An account written straight to the database, password :data:`PASSWORD`."""
    role = Role(role)
    email = email or f"{role}.{office or 'x'}.{uuid.uuid4().hex[:8]}@test.example".lower()
    return asyncio.run(_create_user(database_url, email, role, office))


def application_payload(**overrides: Any) -> dict[str, Any]:
    """A valid JSON filing; override any field."""
    payload: dict[str, Any] = {
        "receiving_office": "KZ",
        "language": "kk",
        "title": "Литий-ионды аккумулятор батареясын салқындату жүйесі",
        "abstract": "Ұяшықтар арасындағы пластиналар арқылы сұйықтықпен салқындату.",
        "description": "Өнертабыс электр көліктерінің батареяларына қатысты.",
        "claims": [{"number": 1, "text": "Батарея модулі."}, {"number": 2, "text": "1-тармақ бойынша модуль."}],
        "applicants": [{"name": "Qazaq Energy LLP", "country": "KZ", "address": "Mangilik El 55, Astana"}],
        "inventors": [{"name": "Aigerim Sadykova", "country": "KZ", "address": "Astana"}],
        "priority_claims": [],
        "ipc": ["H01M 10/613"],
    }
    payload.update(overrides)
    return payload


def inline_document(filename: str, content: bytes, media_type: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"filename": filename, "content_base64": base64.b64encode(content).decode()}
    if media_type:
        doc["media_type"] = media_type
    return doc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(env: dict[str, str], workers: int = 1) -> Iterator[str]:
    """``ctpo serve`` as a real process on a free port; yields its base URL."""
    port = free_port()
    full_env = {**os.environ, **env, "CTPO_PORT": str(port), "CTPO_WORKERS": str(workers)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctpo", "serve", "--no-access-log"],
        env=full_env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()  # a server still starting keeps its stderr open: reading it first would wait forever
                err = proc.communicate(timeout=15)[1].decode()
                raise RuntimeError(f"server did not start: {err[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def real_pdf(payload: bytes = b"BT /F1 12 Tf 72 720 Td (CTPO) Tj ET") -> bytes:
    """A minimal well-formed PDF of one page whose content stream is ``payload`` (any bytes, any size)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(payload) + payload + b"\nendstream",
    ]
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def record_bank_transfer(client: Any, number: str, fee: str, admin: dict[str, str]) -> dict[str, Any]:
    """The receiving office records a bank transfer paying an application-wide ``fee`` in full, as due today.

    The procedure needs fees paid (the examination request, EPC Art. 94(1); grant, Rule 71(3); the filing and search
    fees within a month, Rule 38(1)): tests reaching those acts pay this way. ``admin``: an administrator of the
    receiving office's login headers.
    """
    dues = client.get(f"/applications/{number}/fees", headers=admin)
    assert dues.status_code == 200, dues.text
    (due,) = [d for d in dues.json() if d["fee"] == fee and d["state"] is None]
    body = {
        "reference": f"{number}-{fee}-{uuid.uuid4().hex[:8]}",
        "fee": fee,
        "amount": due["amount"],
        "currency": "EUR",
        "method": "bank_transfer",
        "bank_reference": f"BANK-{fee.upper()}",
    }
    paid = client.post(f"/applications/{number}/payments", json=body, headers=admin)
    assert paid.status_code in {200, 201}, paid.text
    result: dict[str, Any] = paid.json()
    return result
