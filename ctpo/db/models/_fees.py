"""Designations, the money ledger, fee payments, published schedules, patents and renewals."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base, utcnow


class Designation(Base):
    """A member state designated by an application (EPC Art. 79; Eurasian Patent Convention Art. 15(4))."""

    __tablename__ = "designations"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(2), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    """``active``, ``withdrawn`` (by the applicant) or ``deemed_withdrawn`` (designation fee unpaid)."""
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerAccount(Base):
    """An account of the ledger. Its balance is kept in the row and always equals the sum of its legs.

    Kinds: ``deposit`` (held by an applicant or representative, never below zero), ``revenue`` (the organization's
    or one office's share of fees), ``external`` (the outside world: bank transfers in, refunds out).
    """

    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    """``deposit:<holder id>``, ``revenue:CTPO``, ``revenue:KZ``, ``external``."""
    kind: Mapped[str] = mapped_column(String(20))
    holder_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), unique=True)
    office: Mapped[str | None] = mapped_column(String(4))
    balance_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    """Changed only by a conditional UPDATE in the transaction that appends the legs (no lost update, no overdraft)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerTransaction(Base):
    """One movement of money; its legs sum to zero. Append-only (database triggers)."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30))
    """``funding``, ``fee_payment``, ``refund``."""
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    """The payment reference: a second request with it returns the first result instead of paying twice."""
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applications.id"), index=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    """A refund reverses one payment, once."""
    method: Mapped[str] = mapped_column(String(20))
    """``deposit`` (debited from a deposit account) or ``bank_transfer`` (recorded by staff)."""
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    paid_on: Mapped[date] = mapped_column(Date)
    """The office-local day of payment: it decides which schedule applies."""
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    """What the API answered, returned again for a repeated payment reference."""


class LedgerLeg(Base):
    """One side of a transaction on one account, in euro cents. Append-only (database triggers)."""

    __tablename__ = "ledger_legs"
    __table_args__ = (Index("ix_ledger_legs_account_id", "account_id", "transaction_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    """Positive: the account receives; negative: it gives."""
    created_at: Mapped[datetime]


class FeePayment(Base):
    """Which fee of which application a payment transaction settled. Append-only (database triggers)."""

    __tablename__ = "fee_payments"
    __table_args__ = (Index("ix_fee_payments_application_fee", "application_id", "fee", "state", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    fee: Mapped[str] = mapped_column(String(30))
    state: Mapped[str | None] = mapped_column(String(2))
    year: Mapped[int | None] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    schedule_from: Mapped[date] = mapped_column(Date)
    """The effective date of the schedule that priced it."""


class PublishedFeeSchedule(Base):
    """A fee schedule published by an office administrator, on top of ``workflows/fees/schedules.toml``."""

    __tablename__ = "fee_schedules"

    effective_from: Mapped[date] = mapped_column(Date, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class Patent(Base):
    """A granted CTPO patent: one number, effect in each designated state (Eurasian Patent Convention Art. 15)."""

    __tablename__ = "patents"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    granted_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date, index=True)


class PatentState(Base):
    """The status of a patent in one designated state."""

    __tablename__ = "patent_states"
    __table_args__ = (Index("ix_patent_states_status_expiry", "status"),)

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patents.application_id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(2), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    """``in_force``, ``lapsed``, ``surrendered``, ``revoked``, ``expired``."""
    status_date: Mapped[date] = mapped_column(Date)
    """When the status took effect (a lapse: the renewal due date)."""


class RenewalStatus(enum.StrEnum):
    """Where one year's renewal fee stands; stored as its value, so the column needs no migration."""

    OPEN = "open"
    PAID = "paid"
    LAPSED = "lapsed"
    SUPERSEDED = "superseded"
    """An application-wide fee replaced by per-state fees at grant."""


class Renewal(Base):
    """The renewal fee of one year for one state (or, before grant, for the application: ``state`` null).

    One open row per file and state at a time: paying it opens the next year's, so the sweep scans only what can
    fall due or lapse.
    """

    __tablename__ = "renewals"
    __table_args__ = (
        UniqueConstraint("application_id", "scope", "year", name="uq_renewals_application_scope_year"),
        Index("ix_renewals_open_grace", "status", "grace_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    scope: Mapped[str] = mapped_column(String(2))
    """The designated state (ST.3 code), or ``**`` for the application as a whole (fees due before grant)."""
    year: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    payable_from: Mapped[date] = mapped_column(Date)
    pay_until: Mapped[date] = mapped_column(Date)
    """Last day without surcharge (the due date extended to a working day)."""
    grace_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    """A :class:`RenewalStatus` value."""
    note: Mapped[str | None] = mapped_column(Text)
