"""HTTP endpoints of accounts: login, self-registration, the caller's profile, office staff management."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.security.jwt import Token
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from ctpo.db.models import User
from ctpo.domain.accounts import schemas as s
from ctpo.domain.accounts.services import AccountService, AuthenticationError, user_out
from ctpo.domain.accounts.throttle import ThrottlePolicy
from ctpo.domain.audit.context import UNKNOWN_ADDRESS, current_request
from ctpo.lib.errors import CtpoError
from ctpo.server.auth import PUBLIC, issue_token, revoke


class LoginFailedError(CtpoError):
    """Wrong credentials: 401 without saying whether the e-mail exists."""

    status_code = 401
    title = "Not logged in"


class AuthController(Controller):
    """Login and registration."""

    path = "/auth"
    tags = ["Accounts"]  # noqa: RUF012

    @post("/login", opt=PUBLIC, status_code=HTTP_200_OK, summary="Log in and get a bearer token")
    async def login(
        self, data: JSONBody[s.LoginIn], account_service: NamedDependency[AccountService], state: State
    ) -> s.TokenOut:
        """Exchange e-mail and password for a signed, expiring token.

        Repeated failures lock the account and the client address for a while (429 with ``Retry-After``).
        """
        context = current_request()
        address = context.client_address if context else UNKNOWN_ADDRESS
        policy = ThrottlePolicy.from_settings(state.settings)
        try:
            user = await account_service.login(data.email, data.password, address=address, policy=policy)
        except AuthenticationError:
            raise LoginFailedError("Wrong e-mail or password.") from None
        ttl = timedelta(seconds=state.settings.auth.token_ttl_seconds)
        token = issue_token(state.jwt_auth, user, ttl)
        return s.TokenOut(
            access_token=token,
            token_type="Bearer",  # noqa: S106 - the OAuth token type, not a secret
            expires_at=datetime.now(UTC) + ttl,
        )

    @post("/register", opt=PUBLIC, status_code=HTTP_202_ACCEPTED, summary="Register as an applicant")
    async def register(
        self, data: JSONBody[s.RegisterIn], account_service: NamedDependency[AccountService], state: State
    ) -> s.RegistrationOut:
        """Applicants and patent attorneys open their own accounts; office staff are created by admins.

        A confirmation code is mailed to the address; ``POST /auth/confirm`` with it opens the account. The answer
        is the same whether or not the address already has one. Limited per client address and per e-mail (429).
        """
        context = current_request()
        address = context.client_address if context else UNKNOWN_ADDRESS
        return await account_service.register(data, address=address, settings=state.settings)

    @post("/confirm", opt=PUBLIC, status_code=HTTP_201_CREATED, summary="Confirm a registration's e-mail")
    async def confirm(self, data: JSONBody[s.ConfirmIn], account_service: NamedDependency[AccountService]) -> s.UserOut:
        """Open the account with the code mailed by ``POST /auth/register``."""
        return await account_service.confirm(data.token)

    @post("/logout", status_code=HTTP_204_NO_CONTENT, summary="Log out: revoke this token")
    async def logout(self, request: Request[User, Token, Any], db_session: NamedDependency[AsyncSession]) -> None:
        """The token stops working at once, everywhere (the desk too), not when it expires."""
        await revoke(db_session, request.auth)


class MeController(Controller):
    """The caller's own account."""

    path = "/me"
    tags = ["Accounts"]  # noqa: RUF012

    @get("/", summary="Who am I")
    async def me(self, request: Request[User, Token, Any]) -> s.UserOut:
        """The logged-in account."""
        return user_out(request.user)


class StaffController(Controller):
    """Office administrators manage their office's accounts."""

    path = "/offices/{office:str}/users"
    tags = ["Accounts"]  # noqa: RUF012

    @get("/", summary="List an office's accounts")
    async def list_staff(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        account_service: NamedDependency[AccountService],
    ) -> list[s.UserOut]:
        """Administrators of the office only."""
        return await account_service.list_staff(request.user, office)

    @post("/", status_code=HTTP_201_CREATED, summary="Create an examiner or administrator")
    async def create_staff(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        data: JSONBody[s.UserCreateIn],
        account_service: NamedDependency[AccountService],
    ) -> s.UserOut:
        """Administrators of the office only."""
        return await account_service.create_staff(request.user, office.upper(), data)

    @post("/{user_id:uuid}/unlock", status_code=HTTP_200_OK, summary="Lift a login lockout")
    async def unlock(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        user_id: FromPath[uuid.UUID],
        account_service: NamedDependency[AccountService],
        state: State,
    ) -> s.UnlockOut:
        """Administrators of the office, for its staff and for applicant accounts; audited."""
        return await account_service.unlock(request.user, office, user_id, ThrottlePolicy.from_settings(state.settings))
