# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Revenue sharing: each payment split between the organization and the designated offices, to the cent.

After the Eurasian Patent Convention Art. 18(2) and the EPC Art. 39 (a share of renewal fees goes to the
contracting states): the organization keeps its configured percentage (in the fee schedule in force on the day of
payment); the rest goes to the office of the state the fee is for (designation and renewal fees), or is divided
equally between the offices of the designated states (fees for the whole application). Cents that do not divide
go to the organization, so the parts always add up to the payment: money is never created or lost.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

ORGANIZATION = "CTPO"
"""The party name of the organization's own share."""


def split_revenue(amount_cents: int, organization_percent: Decimal, offices: Sequence[str]) -> dict[str, int]:
    """The shares of ``amount_cents`` per party (``CTPO`` and office codes); they sum to ``amount_cents``.

    >>> split_revenue(10001, Decimal(50), ["KZ", "TR", "AZ"])
    {'CTPO': 5003, 'AZ': 1666, 'KZ': 1666, 'TR': 1666}
    >>> split_revenue(9999, Decimal(40), [])
    {'CTPO': 9999}

    Raises:
        ValueError: a negative amount or a percentage outside 0-100.
    """
    if amount_cents < 0 or not Decimal(0) <= organization_percent <= Decimal(100):
        raise ValueError("split a non-negative amount by a percentage from 0 to 100")
    unique = sorted(set(offices))
    if not unique:
        return {ORGANIZATION: amount_cents}
    offices_total = int((Decimal(amount_cents) * (100 - organization_percent) / 100).to_integral_value(ROUND_FLOOR))
    each = offices_total // len(unique)
    shares = dict.fromkeys(unique, each)
    return {ORGANIZATION: amount_cents - each * len(unique), **shares}
