# ruff: noqa: RUF001, RUF002, RUF100
# (this file holds Cyrillic and Turkic Latin text on purpose)
"""Cyrillic-to-Latin tables of the official standards, one per language we receive text in.

Each table renders the standard's own Latin orthography (what a Kazakh or Uzbek writer types in the Latin script),
so that :func:`search.text.to_latin` output can be shown to examiners. Matching does not use these strings
directly: :func:`search.text.fold` reduces every orthography to one key, and the tests check that the key of a
standard's output equals the key of the Cyrillic word it came from.

Sources:
    * Kazakh: the Latin alphabet approved by the Government of Kazakhstan on 28 January 2021 (amending Presidential
      Decree No. 569 of 26 October 2017). ``і`` is written dotless ``ı``, ``и``/``й`` dotted ``i``, ``ы`` is ``y``.
    * Uzbek: the Latin alphabet of Law No. 339-I of 2 September 1993 as amended on 6 May 1995, with the 1995
      orthography rules for ``е`` (``ye`` word-initially and after a vowel) and ``ц`` (``ts``).
    * Kyrgyz: BGN/PCGN 1979 romanisation of Kyrgyz Cyrillic (Kyrgyzstan has no official Latin alphabet).
    * Russian: ICAO Doc 9303 (7th ed., part 3) transliteration, used in Russian passports since 2013; chosen over
      ISO 9 because its digraphs (``zh``, ``kh``, ``ia``, ``iu``) agree with the Turkic tables above.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

_COMMON: Final = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "з": "z",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "э": "e",
}

KAZAKH_2021: Final = MappingProxyType(
    _COMMON
    | {
        "ә": "ä",
        "ғ": "ğ",
        "е": "e",
        "ё": "io",
        "ж": "j",
        "и": "i",
        "й": "i",
        "қ": "q",
        "ң": "ñ",
        "ө": "ö",
        "ұ": "ū",
        "ү": "ü",
        "х": "h",
        "һ": "h",
        "ц": "ts",
        "ч": "ç",
        "ш": "ş",
        "щ": "şş",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "і": "ı",
        "ю": "iu",
        "я": "ia",
    }
)
"""Kazakh Cyrillic to the 2021 Kazakh Latin alphabet."""

UZBEK_1995: Final = MappingProxyType(
    _COMMON
    | {
        "е": "e",
        "ё": "yo",
        "ж": "j",
        "и": "i",
        "й": "y",
        "х": "x",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sh",
        "ъ": "ʼ",
        "ь": "",
        "ю": "yu",
        "я": "ya",
        "ў": "oʻ",
        "қ": "q",
        "ғ": "gʻ",
        "ҳ": "h",
    }
)
"""Uzbek Cyrillic to the 1995 Uzbek Latin alphabet (``е`` is context-dependent, see ``to_latin``)."""

KYRGYZ_BGN_PCGN: Final = MappingProxyType(
    _COMMON
    | {
        "е": "e",
        "ё": "yo",
        "ж": "j",
        "и": "i",
        "й": "y",
        "ң": "ng",
        "ө": "ö",
        "ү": "ü",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "ʺ",
        "ы": "y",
        "ь": "ʹ",
        "ю": "yu",
        "я": "ya",
    }
)
"""Kyrgyz Cyrillic to BGN/PCGN 1979 (``е`` is context-dependent, see ``to_latin``)."""

RUSSIAN_ICAO: Final = MappingProxyType(
    _COMMON
    | {
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "и": "i",
        "й": "i",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "ie",
        "ы": "y",
        "ь": "",
        "ю": "iu",
        "я": "ia",
    }
)
"""Russian Cyrillic to ICAO Doc 9303 transliteration."""

TABLES: Final = MappingProxyType({"kk": KAZAKH_2021, "uz": UZBEK_1995, "ky": KYRGYZ_BGN_PCGN, "ru": RUSSIAN_ICAO})
"""The table used for each language code that is written in Cyrillic."""

KAZAKH_ONLY: Final = frozenset("әұһі")
"""Letters that, among our Cyrillic languages, only Kazakh uses."""

UZBEK_ONLY: Final = frozenset("ўҳ")
"""Letters that only Uzbek Cyrillic uses."""

KYRGYZ_OR_KAZAKH: Final = frozenset("ңөү")
"""Letters of Kyrgyz (and Kazakh, which the letters above tell apart)."""

UZBEK_OR_KAZAKH: Final = frozenset("ғқ")
"""Letters of Uzbek (and Kazakh)."""
