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


class DepositOut(msgspec.Struct):
    """A deposit account: its balance and the sum of its ledger (always equal)."""

    holder_id: str
    balance: str
    ledger_sum: str
    currency: str
    entries: list[dict[str, Any]]


class RevenueRow(msgspec.Struct):
    """One office's share of the fees paid in a period."""

    party: str
    fee: str
    payments: int
    amount: str
    currency: str
