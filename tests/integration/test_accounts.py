"""Login, tokens and account management against a real database."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import jwt
from sqlalchemy import delete, update

from ctpo.db.engine import create_engine
from ctpo.db.models import User
from tests.support import PASSWORD, application_payload

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.testing import TestClient

    from ctpo.lib.settings import Settings


def test_login_and_me(client: TestClient[Any], make_user: Callable[..., Any]):
    user = make_user("examiner", "KG")
    response = client.post("/auth/login", json={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 200
    me = client.get("/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"}).json()
    assert (me["email"], me["role"], me["office"]) == (user.email, "examiner", "KG")


def test_wrong_password_and_unknown_email_look_the_same(client: TestClient[Any], make_user: Callable[..., Any]):
    user = make_user("applicant")
    wrong = client.post("/auth/login", json={"email": user.email, "password": "wrong password!"})
    unknown = client.post("/auth/login", json={"email": "nobody@test.example", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_tampered_and_expired_tokens_are_refused(
    client: TestClient[Any], settings: Settings, make_user: Callable[..., Any]
):
    user = make_user("applicant")
    token = client.post("/auth/login", json={"email": user.email, "password": PASSWORD}).json()["access_token"]
    head, body, signature = token.split(".")
    tampered = f"{head}.{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert client.get("/me", headers={"Authorization": f"Bearer {tampered}"}).status_code == 401
    expired = jwt.encode(
        {"sub": str(user.id), "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600},
        settings.auth.secret_key,
        algorithm="HS256",
    )
    response = client.get("/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    forged = jwt.encode({"sub": str(user.id), "exp": int(time.time()) + 60}, "another key" * 4, algorithm="HS256")
    assert client.get("/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_disabled_account_stops_working_at_once(
    client: TestClient[Any], database_url: str, make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    user = make_user("applicant")
    headers = login(user)
    assert client.get("/me", headers=headers).status_code == 200

    async def disable() -> None:
        engine = create_engine(database_url)
        async with engine.begin() as conn:
            await conn.execute(update(User).where(User.id == user.id).values(is_active=False))
        await engine.dispose()

    asyncio.run(disable())
    assert client.get("/me", headers=headers).status_code == 401
    assert client.post("/auth/login", json={"email": user.email, "password": PASSWORD}).status_code == 401


def test_registration_refuses_a_short_password(client: TestClient[Any]):
    body = {"email": "x@test.example", "full_name": "New Person", "password": "short"}
    short = client.post("/auth/register", json=body)
    assert short.status_code == 400
    assert short.json()["errors"][0]["field"] == "password"


def test_admin_creates_staff_of_own_office_only(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    admin = login(make_user("office_admin", "AZ"))
    body = {"email": "ex@test.example", "full_name": "Examiner", "password": PASSWORD, "role": "examiner"}
    created = client.post("/offices/az/users", json=body, headers=admin)
    assert created.status_code == 201
    assert created.json()["office"] == "AZ"
    applicant = client.post("/offices/AZ/users", json={**body, "email": "a@test.example", "role": "applicant"},
                            headers=admin)  # fmt: skip
    assert applicant.status_code == 422
    listed = client.get("/offices/AZ/users", headers=admin).json()
    assert "ex@test.example" in [u["email"] for u in listed]


def _change_user(database_url: str, statement: Any) -> None:
    async def run() -> None:
        engine = create_engine(database_url)
        async with engine.begin() as conn:
            await conn.execute(statement)
        await engine.dispose()

    asyncio.run(run())


def test_deleted_account_stops_working_at_once(
    client: TestClient[Any], database_url: str, make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    user = make_user("examiner", "UZ")
    headers = login(user)
    assert client.get("/me", headers=headers).status_code == 200
    _change_user(database_url, delete(User).where(User.id == user.id))
    response = client.get("/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert client.get("/offices/UZ/queue", headers=headers).status_code == 401


def test_the_token_office_claim_is_not_trusted_the_account_is(
    client: TestClient[Any], database_url: str, make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    """A KZ examiner's token keeps saying KZ after the examiner moves to TR: the database decides, not the token."""
    applicant, examiner = login(make_user("applicant")), make_user("examiner", "KZ")
    headers = login(examiner)
    number = client.post("/applications", json=application_payload(), headers=applicant).json()["application_number"]
    assert client.get(f"/applications/{number}", headers=headers).status_code == 200
    claims = jwt.decode(headers["Authorization"][7:], options={"verify_signature": False})
    assert claims["extras"]["office"] == "KZ"

    _change_user(database_url, update(User).where(User.id == examiner.id).values(office="TR"))
    assert client.get(f"/applications/{number}", headers=headers).status_code == 404
    assert client.get("/offices/KZ/queue", headers=headers).status_code == 404
    assert client.get("/offices/TR/queue", headers=headers).status_code == 200


def test_unsigned_and_foreign_algorithm_tokens_are_refused(
    client: TestClient[Any], settings: Settings, make_user: Callable[..., Any]
):
    user = make_user("office_admin", "KG")
    claims = {"sub": str(user.id), "iat": int(time.time()), "exp": int(time.time()) + 600, "role": "office_admin"}
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    hs512 = jwt.encode(claims, settings.auth.secret_key, algorithm="HS512")
    garbage = "not.a.token"
    for token in (unsigned, hs512, garbage, ""):
        response = client.get("/offices/KG/users", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.headers["content-type"].startswith("application/problem+json")
