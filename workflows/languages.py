# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""The CTPO's working languages, as one type: filings, examiners' profiles and the desk all draw on it."""

from __future__ import annotations

import enum


class Language(enum.StrEnum):
    """A working language of the CTPO, by its ISO 639-1 code.

    The languages of the five member states and the two the region's applicants also file in (cf. EAPC Rule 3:
    Russian; EPC Art. 14(1): the office languages in which a file's proceedings are conducted). The language of
    proceedings of a file is the one it was filed in; an examiner works on a file only in a language they read.
    """

    TR = "tr"
    AZ = "az"
    KK = "kk"
    KY = "ky"
    UZ = "uz"
    RU = "ru"
    EN = "en"

    @classmethod
    def parse(cls, code: str) -> Language | None:
        """The language whose ISO 639-1 code is ``code`` (any case), or ``None``."""
        try:
            return cls(code.strip().lower())
        except ValueError:
            return None
