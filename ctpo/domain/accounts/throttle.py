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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

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
            window=timedelta(seconds=settings.login_failure_window_seconds),
            max_per_account=settings.login_max_failures_per_account,
            max_per_address=settings.login_max_failures_per_address,
            lockout=timedelta(seconds=settings.login_lockout_seconds),
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

    async def check(self, email: str, address: str, now: datetime) -> None:
        """Refuse the attempt if the account or the address is locked.

        Raises:
            LoginThrottledError: with the seconds until the later of the two locks ends.
        """
        rows = await self._rows(((ACCOUNT, normalize_email(email)), (ADDRESS, address)))
        until = max((r.locked_until for r in rows if r.locked_until and r.locked_until > now), default=None)
        if until is not None:
            retry_after = max(1, math.ceil((until - now).total_seconds()))
            raise LoginThrottledError(
                "Too many failed logins for this account or from this address. "
                f"Try again in {retry_after} seconds, or ask an office administrator to lift the lock.",
                retry_after=retry_after,
            )

    async def failed(self, email: str, address: str, now: datetime) -> None:
        """Count a failed attempt against the account and the address; lock either when it reaches its limit."""
        for scope, subject in ((ACCOUNT, normalize_email(email)), (ADDRESS, address)):
            await self._count(scope, subject, now)

    async def succeeded(self, email: str) -> None:
        """A correct password clears the account's counter (the address keeps its own)."""
        await self.session.execute(
            delete(LoginThrottle).where(LoginThrottle.scope == ACCOUNT, LoginThrottle.subject == normalize_email(email))
        )

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

    async def _count(self, scope: str, subject: str, now: datetime) -> None:
        """Read-modify-write under a row lock (PostgreSQL) or the database lock (SQLite's BEGIN IMMEDIATE)."""
        for _ in range(2):  # a concurrent first failure may insert the row between our read and our insert
            query = select(LoginThrottle).where(LoginThrottle.scope == scope, LoginThrottle.subject == subject)
            row = (
                await self.session.execute(query.with_for_update().execution_options(populate_existing=True))
            ).scalar()
            if row is None:
                try:
                    async with self.session.begin_nested():
                        row = LoginThrottle(
                            scope=scope, subject=subject, failures=0, window_started_at=now, last_failure_at=now
                        )
                        self.session.add(row)
                except IntegrityError:
                    continue
            if row.window_started_at + self.policy.window <= now:
                row.failures, row.window_started_at = 0, now  # the previous window ended: start a new one
            row.failures += 1
            row.last_failure_at = now
            if row.failures >= self.policy.limit(scope):
                row.locked_until = now + self.policy.lockout
            await self.session.flush()
            return
