# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Amounts of money: exact decimals in the unit of account, read strictly from what people type."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

UNIT_OF_ACCOUNT = "EUR"
"""The one currency of fees, deposit accounts and payments (why: see ``schedules.toml``)."""
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("100000000.00")
"""Far above any fee or deposit; a larger figure is a typing error, and it bounds what a column must hold."""


class AmountError(ValueError):
    """An amount that is not a positive decimal of at most two places; the message says which rule it breaks."""


def parse_amount(value: object) -> Decimal:
    """A positive amount with at most two decimals, from a decimal string (JSON numbers are refused).

    Binary floating point cannot hold 0.10 exactly, so the API takes amounts as strings, as banks print them.

    >>> parse_amount("125.50")
    Decimal('125.50')
    >>> parse_amount("0.001")
    Traceback (most recent call last):
    ...
    workflows.fees._money.AmountError: at most two decimals (cents): 0.001 has more

    Raises:
        AmountError: not a string, not a decimal number, zero or negative, more than two decimals, or too large.
    """
    if not isinstance(value, str):
        raise AmountError('give the amount as a decimal string such as "125.50"')
    text = value.strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise AmountError(f"{value!r} is not a decimal number") from None
    if not amount.is_finite() or "e" in text.lower():
        raise AmountError(f"{value!r} is not a plain decimal number")
    if amount <= 0:
        raise AmountError("the amount must be more than zero")
    if amount != amount.quantize(CENT):
        raise AmountError(f"at most two decimals (cents): {text} has more")
    if amount > MAX_AMOUNT:
        raise AmountError(f"the amount may not exceed {MAX_AMOUNT}")
    return amount.quantize(CENT)


def cents(amount: Decimal) -> Decimal:
    """Round to the cent, halves up (EUR practice for computed reductions and surcharges).

    >>> cents(Decimal("38.505"))
    Decimal('38.51')
    """
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
