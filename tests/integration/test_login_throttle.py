"""Password guessing: failures counted per account and per client address in the database, lockout, unlock."""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from ctpo.db.engine import sync_url
from ctpo.db.models import AuditRecord
from tests.support import PASSWORD, live_server

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.testing import TestClient

    from ctpo.lib.settings import Settings

PER_ACCOUNT = 3
PER_ADDRESS = 8


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Small limits, so a test reaches them in a few requests."""
    auth = dataclasses.replace(
        settings.auth,
        login_max_failures_per_account=PER_ACCOUNT,
        login_max_failures_per_address=PER_ADDRESS,
        login_failure_window_seconds=600,
        login_lockout_seconds=600,
    )
    return dataclasses.replace(settings, auth=auth)


def _login(client: Any, email: str, password: str, **kwargs: Any) -> Any:
    return client.post("/auth/login", json={"email": email, "password": password}, **kwargs)


def _assert_throttled(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    retry_after = int(response.headers["retry-after"])
    assert 0 < retry_after <= 600
    assert response.json()["retry_after"] == retry_after


def test_account_locks_after_repeated_failures_even_for_the_right_password(
    client: TestClient[Any], make_user: Callable[..., Any]
):
    user, bystander = make_user("applicant"), make_user("applicant")
    for _ in range(PER_ACCOUNT):
        assert _login(client, user.email, "wrong password!").status_code == 401
    _assert_throttled(_login(client, user.email, PASSWORD))
    _assert_throttled(_login(client, user.email.upper(), "wrong password!"))  # same account, other spelling
    assert _login(client, bystander.email, PASSWORD).status_code == 200  # the address is not locked


def test_unknown_emails_lock_the_same_way_so_lockouts_reveal_nothing(
    client: TestClient[Any], make_user: Callable[..., Any]
):
    user = make_user("applicant")
    answers = []
    for email in (user.email, "nobody-here@test.example"):
        statuses = [_login(client, email, "wrong password!").status_code for _ in range(PER_ACCOUNT + 1)]
        last = _login(client, email, "wrong password!")
        answers.append((statuses, last.status_code, last.json()["detail"]))
    assert answers[0] == answers[1]
    assert answers[0][0] == [401] * PER_ACCOUNT + [429]


def test_a_successful_login_clears_the_account_counter(client: TestClient[Any], make_user: Callable[..., Any]):
    user = make_user("examiner", "KZ")
    for _ in range(2):
        for _ in range(PER_ACCOUNT - 1):
            assert _login(client, user.email, "wrong password!").status_code == 401
        assert _login(client, user.email, PASSWORD).status_code == 200
    assert _login(client, user.email, "wrong password!").status_code == 401


def test_one_address_spraying_many_accounts_is_refused(client: TestClient[Any], make_user: Callable[..., Any]):
    user = make_user("applicant")
    for i in range(PER_ADDRESS):
        assert _login(client, f"guess{i}@test.example", "wrong password!").status_code == 401
    _assert_throttled(_login(client, user.email, PASSWORD))
    # a forwarded-for header does not help: no proxy is trusted, so the peer address counts
    _assert_throttled(_login(client, user.email, PASSWORD, headers={"X-Forwarded-For": "203.0.113.77"}))


def test_lockout_ends_by_itself(settings: Settings, make_user: Callable[..., Any]):
    from litestar.testing import TestClient  # noqa: PLC0415

    from ctpo.server.app import create_app  # noqa: PLC0415

    short = dataclasses.replace(settings, auth=dataclasses.replace(settings.auth, login_lockout_seconds=1))
    user = make_user("applicant")
    with TestClient(create_app(short), raise_server_exceptions=False) as client:
        for _ in range(PER_ACCOUNT):
            _login(client, user.email, "wrong password!")
        assert _login(client, user.email, PASSWORD).status_code == 429
        time.sleep(1.2)
        assert _login(client, user.email, PASSWORD).status_code == 200


def test_admin_lifts_a_lockout_of_own_staff_and_of_applicants_only(
    client: TestClient[Any], database_url: str, make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    examiner, applicant = make_user("examiner", "KZ"), make_user("applicant")
    admin, other_admin = login(make_user("office_admin", "KZ")), login(make_user("office_admin", "TR"))
    colleague = login(make_user("examiner", "KZ"))
    for account in (examiner, applicant):
        for _ in range(PER_ACCOUNT):
            _login(client, account.email, "wrong password!")
        assert _login(client, account.email, PASSWORD).status_code == 429

    assert client.post(f"/offices/TR/users/{examiner.id}/unlock", headers=other_admin).status_code == 404
    assert client.post(f"/offices/KZ/users/{examiner.id}/unlock", headers=other_admin).status_code == 404
    assert client.post(f"/offices/KZ/users/{examiner.id}/unlock", headers=colleague).status_code == 403
    assert _login(client, examiner.email, PASSWORD).status_code == 429  # still locked

    lifted = client.post(f"/offices/KZ/users/{examiner.id}/unlock", headers=admin)
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["was_locked"] is True
    assert lifted.json()["user"]["email"] == examiner.email
    assert _login(client, examiner.email, PASSWORD).status_code == 200

    by_other_office = client.post(f"/offices/TR/users/{applicant.id}/unlock", headers=other_admin)
    assert by_other_office.status_code == 200  # applicants belong to no office: any administrator may help
    assert _login(client, applicant.email, PASSWORD).status_code == 200
    again = client.post(f"/offices/KZ/users/{applicant.id}/unlock", headers=admin)
    assert again.json()["was_locked"] is False

    engine = create_engine(sync_url(database_url))
    with engine.connect() as conn:
        unlocks = conn.execute(select(AuditRecord).where(AuditRecord.action == "user.unlock")).all()
    engine.dispose()
    assert sorted((r.office, str(r.target_user_id)) for r in unlocks) == sorted(
        [("KZ", str(examiner.id)), ("TR", str(applicant.id)), ("KZ", str(applicant.id))]
    )


def test_counters_are_shared_by_processes_and_trusted_proxies_name_the_client(
    database_url: str, make_user: Callable[..., Any], tmp_path: Any
):
    """Two real API processes on one database, behind a proxy at 127.0.0.1 that forwards the client address."""
    victim, bystander = make_user("applicant"), make_user("applicant")
    env = {
        "CTPO_DATABASE_URL": database_url,
        "CTPO_DATA_DIR": str(tmp_path),
        "CTPO_SECRET_KEY": "live-secret-key-with-enough-entropy-0123456789",
        "CTPO_SEARCH_AUTOSTART": "0",
        "CTPO_SWEEP_INTERVAL_SECONDS": "0",
        "CTPO_TRUSTED_PROXIES": "127.0.0.1",
        "CTPO_LOGIN_MAX_FAILURES_PER_ACCOUNT": str(PER_ACCOUNT),
        "CTPO_LOGIN_MAX_FAILURES_PER_ADDRESS": str(PER_ADDRESS),
        "CTPO_LOGIN_LOCKOUT_SECONDS": "600",
    }
    attacker = {"X-Forwarded-For": "203.0.113.5"}
    with live_server(env) as first, live_server(env) as second:
        # failures on one process lock the account on the other
        for base in (first, second, first):
            failed = httpx.post(
                f"{base}/auth/login", json={"email": victim.email, "password": "nope"}, headers=attacker
            )
            assert failed.status_code == 401
        _assert_throttled(httpx.post(f"{second}/auth/login", json={"email": victim.email, "password": PASSWORD}))

        # the attacker's address fills up across both processes; another client behind the proxy is unaffected
        for i in range(PER_ADDRESS):
            base = (first, second)[i % 2]
            httpx.post(
                f"{base}/auth/login", json={"email": f"spray{i}@test.example", "password": "x"}, headers=attacker
            )
        blocked = httpx.post(
            f"{first}/auth/login", json={"email": bystander.email, "password": PASSWORD}, headers=attacker
        )
        _assert_throttled(blocked)
        fine = httpx.post(
            f"{second}/auth/login",
            json={"email": bystander.email, "password": PASSWORD},
            headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.8"},  # the client's own claim (1.2.3.4) is ignored
        )
        assert fine.status_code == 200, fine.text


def test_guesses_sent_in_parallel_get_no_more_than_the_limit_checked(
    database_url: str, make_user: Callable[..., Any], tmp_path: Any
):
    """24 wrong passwords at once against two API processes: exactly the account's limit is ever verified."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    victim = make_user("applicant")
    env = {
        "CTPO_DATABASE_URL": database_url,
        "CTPO_DATA_DIR": str(tmp_path),
        "CTPO_SECRET_KEY": "live-secret-key-with-enough-entropy-0123456789",
        "CTPO_SEARCH_AUTOSTART": "0",
        "CTPO_SWEEP_INTERVAL_SECONDS": "0",
        "CTPO_LOGIN_MAX_FAILURES_PER_ACCOUNT": str(PER_ACCOUNT),
        "CTPO_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000",
        "CTPO_LOGIN_LOCKOUT_SECONDS": "600",
    }
    with live_server(env, workers=2) as base, ThreadPoolExecutor(max_workers=24) as pool:
        statuses = sorted(
            pool.map(
                lambda i: (
                    httpx.post(
                        f"{base}/auth/login", json={"email": victim.email, "password": f"guess {i}"}, timeout=60
                    ).status_code
                ),
                range(24),
            )
        )
        assert statuses == [401] * PER_ACCOUNT + [429] * (24 - PER_ACCOUNT)
        _assert_throttled(httpx.post(f"{base}/auth/login", json={"email": victim.email, "password": PASSWORD}))


def test_a_correct_password_gets_its_charge_back_from_the_address(
    client: TestClient[Any], make_user: Callable[..., Any]
):
    user = make_user("applicant")
    for _ in range(PER_ADDRESS + 2):  # more successful logins than the address limit: none counts against it
        assert _login(client, user.email, PASSWORD).status_code == 200
