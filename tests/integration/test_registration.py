"""Self-registration: a confirmed e-mail sent through a real SMTP server, no existence oracle, reserved staff
domains, look-alike addresses and names, a throttle; Argon2 off the event loop; logout revokes the token.

Before: ``POST /auth/register`` made the account at once (201) and answered 409 "already registered" for a taken
address (an oracle the login avoids), took ``admin@ctpo.int`` or ``pаypal`` with a Cyrillic ``а``, had no limit,
and hashed the password on the event loop (20 parallel registrations held ``/health`` for 3.6 s).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.domain.accounts import passwords
from ctpo.domain.jobs.runner import JobRunner
from ctpo.lib.settings import (
    AuthSettings,
    MailSecurity,
    MailSettings,
    RegistrationSettings,
    SearchSettings,
    ServerSettings,
    Settings,
    TaskSettings,
)
from ctpo.mail import mail_job_bodies
from tests.mail_server import Inbox, smtp_server
from tests.support import PASSWORD

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from litestar.testing import TestClient

CODE = re.compile(r"^    ([A-Za-z0-9_-]{20,})\r?$", re.MULTILINE)


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[int, Inbox]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp: tuple[int, Inbox]) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        storage_dir=tmp_path / "documents",
        auth=AuthSettings(secret_key="test-secret-key-with-enough-entropy-0123456789"),
        server=ServerSettings(freeze_long_lived=False),  # many apps in one test process
        tasks=TaskSettings(sweep_interval_seconds=0, job_poll_seconds=0),
        search=SearchSettings(search_autostart=False),
        mail=MailSettings(host="127.0.0.1", port=smtp[0], security=MailSecurity.NONE),
        registration=RegistrationSettings(
            staff_email_domains=("ctpo.int",), register_max_per_email=3, register_max_per_address=20
        ),
    )


def _deliver(settings: Settings) -> None:
    """Run the queued mail jobs, as the background runner would."""
    engine = create_sync_engine(settings.database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    try:
        JobRunner(sessions, mail_job_bodies(sessions, settings.mail)).run_due()
    finally:
        engine.dispose()


def _register(client: TestClient[Any], email: str, name: str = "Aigerim Sadykova") -> Any:
    return client.post("/auth/register", json={"email": email, "full_name": name, "password": PASSWORD})


def test_registration_is_confirmed_by_a_real_mail(client: TestClient[Any], settings: Settings, smtp: Any):
    tag = uuid.uuid4().hex[:12]  # the module's SMTP inbox is shared; id() values repeat between tests
    _port, inbox = smtp
    email = f"aigerim.{tag}@example.kz"
    answer = _register(client, email)
    assert answer.status_code == 202, answer.text
    assert client.post("/auth/login", json={"email": email, "password": PASSWORD}).status_code == 401  # not yet
    _deliver(settings)
    (mail,) = inbox.to(email)
    assert mail["Subject"] == "CTPO: confirm your e-mail address"
    found = CODE.search(mail.get_content())
    assert found
    confirmed = client.post("/auth/confirm", json={"token": found.group(1)})
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["email"] == email
    assert client.post("/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
    again = client.post("/auth/confirm", json={"token": found.group(1)})
    assert again.status_code == 422  # a code works once


def test_registering_a_taken_address_answers_exactly_like_a_new_one(
    client: TestClient[Any], settings: Settings, smtp: Any, make_user: Callable[..., Any]
):
    tag = uuid.uuid4().hex[:12]  # the module's SMTP inbox is shared; id() values repeat between tests
    _port, inbox = smtp
    taken = make_user("applicant", email=f"taken.{tag}@example.kz").email
    fresh = f"fresh.{tag}@example.kz"
    answers = [_register(client, taken.upper()), _register(client, fresh)]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json() == answers[1].json()
    assert answers[0].headers.get("content-length") == answers[1].headers.get("content-length")
    _deliver(settings)
    (note,) = inbox.to(taken)
    assert note["Subject"] == "CTPO: you already have an account"
    assert CODE.search(note.get_content()) is None  # nothing that could open a second account


@pytest.mark.parametrize(
    ("email", "name", "field"),
    [
        ("admin@ctpo.int", "Office Admin", "email"),  # an office staff domain
        ("examiner@kz.ctpo.int", "Examiner", "email"),  # a subdomain of one
        ("ＡＤＭＩＮ@ＣＴＰＯ.ＩＮＴ", "Office Admin", "email"),  # full-width forms: NFKC makes them the same
        ("ivan@pаypal.com", "Ivan", "email"),  # a Cyrillic а inside a Latin domain label
        ("іvan@example.kz", "Ivan", "email"),  # a Cyrillic і in the local part
        ("ivan\u200b@example.kz", "Ivan", "email"),  # zero-width space
        ("ivan@example.kz", "Ivаn Petrov", "full_name"),  # a Cyrillic а inside a Latin name
        ("ivan@example.kz", "Ivan \u202ePetrov", "full_name"),  # a direction override
        ("ivan@example.kz", "Ivan\u061cPetrov", "full_name"),  # the Arabic letter mark
    ],
)
def test_reserved_and_look_alike_addresses_and_names_are_refused(
    client: TestClient[Any], email: str, name: str, field: str
):
    refused = _register(client, email, name)
    assert refused.status_code in {400, 422}, refused.text
    assert refused.json()["errors"][0]["field"] == field


def test_addresses_and_names_are_stored_in_one_canonical_form(client: TestClient[Any], settings: Settings, smtp: Any):
    tag = uuid.uuid4().hex[:12]  # the module's SMTP inbox is shared; id() values repeat between tests
    _port, inbox = smtp
    assert _register(client, f"Qazaq.{tag}@Қазақ.KZ", "  Ərdoğan   Қанат ").status_code == 202
    _deliver(settings)
    stored = f"qazaq.{tag}@xn--80aau21bd.kz"  # one spelling: lower case, IDNA A-label
    (mail,) = inbox.to(stored)
    found = CODE.search(mail.get_content())
    assert found
    account = client.post("/auth/confirm", json={"token": found.group(1)}).json()
    assert (account["email"], account["full_name"]) == (stored, "Ərdoğan Қанат")


def test_registration_is_throttled_per_address_and_per_email(client: TestClient[Any], settings: Settings):
    tag = uuid.uuid4().hex[:12]  # the module's SMTP inbox is shared; id() values repeat between tests
    email = f"bomb.{tag}@example.kz"
    statuses = [_register(client, email).status_code for _ in range(settings.registration.register_max_per_email + 1)]
    assert statuses == [202] * settings.registration.register_max_per_email + [429]
    others = [_register(client, f"n{i}.{tag}@example.kz").status_code for i in range(20)]
    assert 429 in others  # 20 per client address, the 3 above included
    refused = _register(client, f"late.{tag}@example.kz")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0


def test_password_hashing_runs_off_the_event_loop(
    client: TestClient[Any], make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
):
    user = make_user("applicant")
    on_loop: list[str] = []

    def watch(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            try:
                asyncio.get_running_loop()
                on_loop.append(name)
            except RuntimeError:
                pass
            return real(*args)

        return wrapper

    from ctpo.domain.accounts import services  # noqa: PLC0415

    monkeypatch.setattr(services, "hash_password", watch("hash", passwords.hash_password))
    monkeypatch.setattr(services, "verify_password", watch("verify", passwords.verify_password))
    assert client.post("/auth/login", json={"email": user.email, "password": PASSWORD}).status_code == 200
    assert client.post("/auth/login", json={"email": "nobody@example.kz", "password": "x"}).status_code == 401
    assert _register(client, "offloop@example.kz").status_code == 202
    assert on_loop == []


def test_logout_revokes_the_token_for_the_api_and_the_desk(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[..., dict[str, str]]
):
    user = make_user("examiner", "KZ")
    headers, other = login(user), login(user)
    assert client.get("/me", headers=headers).status_code == 200
    assert client.post("/auth/logout", headers=headers).status_code == 204
    assert client.get("/me", headers=headers).status_code == 401
    assert client.get("/me", headers=other).status_code == 200  # another session of the same account goes on
    client.cookies.set("ctpo_desk_session", headers["Authorization"].removeprefix("Bearer "), path="/desk")
    page = client.get("/desk/queue", follow_redirects=False)
    assert page.status_code in {302, 303}  # the revoked token is no desk session either
