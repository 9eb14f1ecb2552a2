# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""The five national offices of the CTPO: codes, time zones and names.

The office registry lives in the innermost package because both the deadline rules (which need an office's
time zone and holidays) and the web service (which numbers applications per office) depend on it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from datetime import date, datetime


class OfficeCode(enum.StrEnum):
    """WIPO ST.3 two-letter codes of the member offices."""

    TR = "TR"
    AZ = "AZ"
    KZ = "KZ"
    KG = "KG"
    UZ = "UZ"


@dataclass(frozen=True, slots=True)
class Office:
    """A member office: its legal dates are reckoned in its own time zone."""

    code: OfficeCode
    name: str
    """The office's name in English."""
    time_zone: str
    """IANA zone used for the legal filing date and for deadline ends."""

    @property
    def zone(self) -> ZoneInfo:
        """The office's time zone as a tzinfo."""
        return ZoneInfo(self.time_zone)

    def local_date(self, moment: datetime) -> date:
        """The office's calendar date at an aware moment: the legal date of anything received then."""
        if moment.tzinfo is None:
            msg = "a legal date needs an aware datetime"
            raise ValueError(msg)
        return moment.astimezone(self.zone).date()


OFFICES: dict[OfficeCode, Office] = {
    OfficeCode.TR: Office(OfficeCode.TR, "Turkish Patent and Trademark Office", "Europe/Istanbul"),
    OfficeCode.AZ: Office(OfficeCode.AZ, "Intellectual Property Agency of the Republic of Azerbaijan", "Asia/Baku"),
    OfficeCode.KZ: Office(OfficeCode.KZ, "National Institute of Intellectual Property of Kazakhstan", "Asia/Almaty"),
    OfficeCode.KG: Office(OfficeCode.KG, "Kyrgyzpatent", "Asia/Bishkek"),
    OfficeCode.UZ: Office(OfficeCode.UZ, "Intellectual Property Agency of Uzbekistan", "Asia/Tashkent"),
}


def get_office(code: str) -> Office:
    """Look an office up by its code, case-insensitively.

    Raises:
        KeyError: the code names no member office.
    """
    return OFFICES[OfficeCode(code.upper())]
