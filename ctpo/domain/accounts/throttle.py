"""Password guessing is slowed down per account and per client address, with counters in the database.

The counters live in the database, not in process memory, so that several API processes (or replicas behind a
proxy) share them: a guesser gains nothing by spreading attempts over them.

- **Per account**: ``login_max_failures_per_account`` failures on one e-mail within the window lock it for
  ``login_lockout_seconds``, even with the right password, unless an office administrator lifts the lock first.
  Unknown e-mails are counted the same way, so a lockout does not reveal whether an account exists.
- **Per address**: ``login_max_failures_per_address`` failures from one client address within the window refuse
  further logins from it until the lock ends. This stops one client from spraying many accounts.
- A successful login clears its account's counter, not its address's: otherwise a guesser holding any valid
  account could reset its own address counter between guesses.

A refused attempt is answered 429 with ``Retry-After``; the password is then not even checked.

Every attempt is charged *before* its password is verified (:meth:`Throttle.charge`, under the counters' row
locks, committed), and a correct password gets its charge back. Checking first and counting after the
verification would let guesses sent in parallel all pass the check before any failure is counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ctpo.db.models import LoginThrottle
from ctpo.lib.errors import CtpoError

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from ctpo.lib.settings import Settings

ACCOUNT = "account"
ADDRESS = "address"


class LoginThrottledError(CtpoError):
    """429: too many failed logins on this account or from this address; try again after ``retry_after``."""

    status_code = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, extra={"retry_after": retry_after})
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        """RFC 9110 ``Retry-After`` in seconds."""
        return {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """The limits, from settings."""

    window: timedelta
    max_per_account: int
    max_per_address: int
    lockout: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        """The policy the service is configured with."""
        return cls(
            window=timedelta(seconds=settings.auth.login_failure_window_seconds),
            max_per_account=settings.auth.login_max_failures_per_account,
            max_per_address=settings.auth.login_max_failures_per_address,
            lockout=timedelta(seconds=settings.auth.login_lockout_seconds),
        )

    def limit(self, scope: str) -> int:
        """Failures allowed in a window for this kind of counter."""
        return self.max_per_account if scope == ACCOUNT else self.max_per_address


def normalize_email(email: str) -> str:
    """The form e-mails are stored and counted in."""
    return email.strip().lower()


class Throttle:
    """The login counters of one database session; the caller commits."""

    def __init__(self, session: AsyncSession, policy: ThrottlePolicy) -> None:
        self.session = session
        self.policy = policy

    async def charge(self, email: str, address: str, now: datetime) -> None:
        """Count this attempt against the account and the address, or refuse it if either is locked.

        The caller commits at once, before verifying the password: the row locks (PostgreSQL ``FOR UPDATE``;
        SQLite's ``BEGIN IMMEDIATE``) order concurrent attempts, so at most the limit of guesses are ever checked.

        Raises:
            LoginThrottledError: with the seconds until the later of the two locks ends; nothing was counted.
        """
        rows = [await self._locked_row(scope, subject, now) for scope, subject in self._keys(email, address)]
        until = max((r.locked_until for r in rows if r.locked_until and r.locked_until > now), default=None)
        if until is not None:
            retry_after = max(1, math.ceil((until - now).total_seconds()))
            raise LoginThrottledError(
                "Too many failed logins for this account or from this address. "
                f"Try again in {retry_after} seconds, or ask an office administrator to lift the lock.",
                retry_after=retry_after,
            )
        for row in rows:
            if row.window_started_at + self.policy.window <= now:
                row.failures, row.window_started_at = 0, now  # the previous window ended: start a new one
            row.failures += 1
            row.last_failure_at = now
            if row.failures >= self.policy.limit(row.scope):
                row.locked_until = now + self.policy.lockout
        await self.session.flush()

    async def succeeded(self, email: str, address: str | None = None, now: datetime | None = None) -> None:
        """A correct password: the account's counter is cleared, the address gets this attempt's charge back.

        The address keeps its other failures: otherwise a guesser holding any valid account could reset its own
        address counter between guesses.
        """
        await self.session.execute(
            delete(LoginThrottle).where(LoginThrottle.scope == ACCOUNT, LoginThrottle.subject == normalize_email(email))
        )
        if address is None or now is None:
            return
        row = await self._locked_row(ADDRESS, address, now)
        row.failures = max(row.failures - 1, 0)
        if row.failures < self.policy.limit(ADDRESS) and row.locked_until == now + self.policy.lockout:
            row.locked_until = None  # the lock this very attempt's charge set
        await self.session.flush()

    async def unlock(self, email: str) -> datetime | None:
        """Lift the account's lock and forget its failures; return when the lock would have ended, if locked."""
        rows = await self._rows(((ACCOUNT, normalize_email(email)),))
        until = rows[0].locked_until if rows else None
        await self.succeeded(email)
        return until

    async def locked_until(self, email: str, now: datetime) -> datetime | None:
        """When the account's lock ends, or None if it is not locked."""
        rows = await self._rows(((ACCOUNT, normalize_email(email)),))
        until = rows[0].locked_until if rows else None
        return until if until is not None and until > now else None

    async def _rows(self, keys: tuple[tuple[str, str], ...]) -> list[LoginThrottle]:
        found = []
        for scope, subject in keys:
            row = await self.session.get(LoginThrottle, (scope, subject), populate_existing=True)
            if row is not None:
                found.append(row)
        return found

    @staticmethod
    def _keys(email: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        """Account first, then address: every attempt locks the rows in this order, so none can deadlock."""
        return (ACCOUNT, normalize_email(email)), (ADDRESS, address)

    async def _locked_row(self, scope: str, subject: str, now: datetime) -> LoginThrottle:
        """The counter row, created if missing, locked for this transaction."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        await self.session.execute(
            insert(LoginThrottle)
            .values(scope=scope, subject=subject, failures=0, window_started_at=now, last_failure_at=now)
            .on_conflict_do_nothing(index_elements=["scope", "subject"])
        )
        query = select(LoginThrottle).where(LoginThrottle.scope == scope, LoginThrottle.subject == subject)
        return (
            await self.session.execute(query.with_for_update().execution_options(populate_existing=True))
        ).scalar_one()


REGISTER_ADDRESS = "reg_addr"
REGISTER_EMAIL = "reg_email"


class RegistrationThrottledError(LoginThrottledError):
    """429: too many registrations from this address or for this e-mail; try again after ``retry_after``."""


async def charge_registration(
    session: AsyncSession, *, email: str, address: str, now: datetime, settings: Settings
) -> None:
    """Count a registration per client address and per e-mail, in the login counters' table, or refuse it.

    Each registration sends a mail and costs a password hash, so both are bounded like login failures: per address
    (a script registering in bulk) and per e-mail (mail-bombing someone's inbox through the office). Every attempt
    counts; the caller commits with the registration.

    Raises:
        RegistrationThrottledError: with the seconds until the window ends; nothing was counted.
    """
    window = timedelta(seconds=settings.auth.login_failure_window_seconds)
    throttle = Throttle(session, ThrottlePolicy.from_settings(settings))
    limits = (
        (REGISTER_EMAIL, email, settings.registration.register_max_per_email),
        (REGISTER_ADDRESS, address, settings.registration.register_max_per_address),
    )
    rows = [(await throttle._locked_row(scope, subject, now), limit) for scope, subject, limit in limits]  # noqa: SLF001
    for row, _limit in rows:
        if row.window_started_at + window <= now:
            row.failures, row.window_started_at = 0, now
    full = [row.window_started_at + window for row, limit in rows if row.failures >= limit]
    if full:
        retry_after = max(1, math.ceil((max(full) - now).total_seconds()))
        raise RegistrationThrottledError(
            f"Too many registrations from this address or for this e-mail. Try again in {retry_after} seconds.",
            retry_after=retry_after,
        )
    for row, _limit in rows:
        row.failures += 1
        row.last_failure_at = now
    await session.flush()
