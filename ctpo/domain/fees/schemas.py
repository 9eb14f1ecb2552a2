"""Bodies of the fees, payments, designations, patent and revenue API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec

Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")]


class PaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    """Pay one fee: from your deposit account, or (office staff) record a bank transfer that arrived."""

    reference: Annotated[Reference, msgspec.Meta(description="Your payment reference: repeating it pays nothing twice")]
    fee: Annotated[str, msgspec.Meta(max_length=40, description="filing, search, designation, renewal...")]
    amount: Annotated[Any, msgspec.Meta(description='Decimal string in EUR, e.g. "950.00"')]
    currency: Annotated[str, msgspec.Meta(max_length=10)] = "EUR"
    method: Annotated[str, msgspec.Meta(max_length=20)] = "deposit"
    state: Annotated[str, msgspec.Meta(max_length=2)] | None = None
    year: Annotated[int, msgspec.Meta(ge=1, le=99)] | None = None
    entitlement: Annotated[str, msgspec.Meta(max_length=30)] | None = None
    bank_reference: Annotated[str, msgspec.Meta(max_length=100)] | None = None


class FundingIn(msgspec.Struct, forbid_unknown_fields=True):
    """Money received for a deposit account (office staff)."""

    reference: Reference
    amount: Annotated[Any, msgspec.Meta(description='Decimal string in EUR, e.g. "5000.00"')]
    currency: Annotated[str, msgspec.Meta(max_length=10)] = "EUR"
    bank_reference: Annotated[str, msgspec.Meta(max_length=100)] | None = None


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    """Refund a fee payment (a reversing entry)."""

    reference: Reference


class DueOut(msgspec.Struct):
    """A fee the application may pay today."""

    fee: str
    amount: str
    currency: str
    schedule_from: date
    state: str | None
    year: int | None
    quantity: int
    surcharge: str
    details: dict[str, Any]


class DesignationOut(msgspec.Struct):
    """A designated state."""

    state: str
    status: str


class PatentStateOut(msgspec.Struct):
    """The patent's status in one state."""

    state: str
    status: str
    status_date: date


class RenewalOut(msgspec.Struct):
    """One renewal fee."""

    scope: str
    year: int
    due_date: date
    payable_from: date
    pay_until: date
    grace_end: date
    status: str


class PatentOut(msgspec.Struct):
    """A granted patent and where it is in force."""

    number: str
    granted_on: date
    expires_on: date
    states: list[PatentStateOut]
    renewals: list[RenewalOut]


class PaymentOut(msgspec.Struct):
    """A fee paid: what was due, what was paid, where the excess went and each party's share.

    Stored with the ledger transaction and answered again, unchanged, for a repeated reference.
    """

    reference: str
    application_number: str
    fee: str
    state: str | None
    year: int | None
    quantity: int
    amount_due: str
    surcharge: str
    paid: str
    excess_to_deposit: str
    currency: str
    method: str
    paid_on: date
    schedule_from: date
    shares: dict[str, str]


class RefundOut(msgspec.Struct):
    """A fee payment reversed: the amount refunded and where it went (``deposit`` or ``bank``)."""

    reference: str
    refunds: str
    refunded: str
    currency: str
    to: str
    recorded_on: date


class FundingOut(msgspec.Struct):
    """Money received and credited to a deposit account."""

    reference: str
    holder_id: str
    credited: str
    currency: str
    bank_reference: str | None
    recorded_on: date


LedgerAnswer = PaymentOut | RefundOut | FundingOut
"""The answer given for one ledger act, stored with its transaction."""


class DepositEntryOut(msgspec.Struct):
    """One entry of a deposit account: a credit (positive) or a debit (negative)."""

    amount: str
    kind: str
    reference: str
    booked_on: date = msgspec.field(name="date")


class DepositOut(msgspec.Struct):
    """A deposit account: its balance and the sum of its ledger (always equal)."""

    holder_id: str
    balance: str
    ledger_sum: str
    currency: str
    entries: list[DepositEntryOut]


class LateSurchargeOut(msgspec.Struct):
    """The surcharge on a renewal fee paid in the grace period."""

    percent: str


class RevenueShareOut(msgspec.Struct):
    """The organization's share of each fee; the rest goes to the offices."""

    organization_percent: str


class ReductionOut(msgspec.Struct):
    """A reduction of some fees for an entitlement."""

    entitlement: str
    percent: str
    fees: list[str]


class FeeScheduleOut(msgspec.Struct):
    """A fee schedule in the shape of a ``[[schedule]]`` of ``schedules.toml`` (the shape it is published in)."""

    effective_from: date
    note: str
    fees: dict[str, str]
    renewal: dict[str, str]
    late_surcharge: LateSurchargeOut
    revenue_share: RevenueShareOut
    reduction: list[ReductionOut]


class RevenueRow(msgspec.Struct):
    """One office's share of the fees paid in a period."""

    party: str
    fee: str
    payments: int
    amount: str
    currency: str
