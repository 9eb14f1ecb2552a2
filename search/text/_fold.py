# ruff: noqa: RUF001, RUF002, RUF003, RUF100
# (this file holds Cyrillic and Turkic Latin text on purpose)
"""One Latin matching key for text in any of our scripts, plus the standards' own Latin spelling for display.

Why a key and not a transliteration: the same word reaches us as Kazakh Cyrillic, Kazakh Latin (2021), Uzbek
Cyrillic or Latin with any of six apostrophes, Russian names in Turkish spelling, and so on. Matching needs all of
those to collapse to one string; readability does not matter. The key therefore:

* lower-cases with the Turkish rule (``İ``→``i``) and then folds dotless ``ı`` into ``i`` (Turkish ``I``/``ı``
  and Kazakh ``ı`` for ``і`` all become ``i``);
* maps Cyrillic letters through one table shared by all languages, chosen so that every standard in
  :mod:`search.text._tables` folds to the same key as the Cyrillic it came from;
* maps Latin letters with diacritics and the standards' digraphs to plain ASCII: ``ş ș š``→``sh``,
  ``ç č``→``ch``, ``ğ``→``g``, ``ə ä``→``e``, ``ö``→``o``, ``ü ū``→``u``, ``ñ``→``ng``, ``q``→``k``,
  ``x``→``h`` (Azerbaijani and Uzbek ``x`` is Turkish ``h``), ``y``→``i``, ``zh``→``j``, ``kh``→``h``;
* folds Latin ``ye`` to ``e`` (Uzbek and BGN write a word-initial ``е`` so; ``Aliyev`` meets ``Алиев``);
* drops apostrophes (Uzbek ``oʻ gʻ`` in all their ``ʻ ʼ ' ` ‘ ’`` spellings, the tutuq belgisi, soft signs).

Known gaps, kept because the alternatives cost more than they fix: ICAO Russian writes ``ё`` as ``e`` (key
``io`` from Cyrillic) and ``ъ`` as ``ie``; ``щ`` is Kazakh ``şş`` and Uzbek ``sh`` but ``shch`` elsewhere.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from search.text._tables import KAZAKH_ONLY, KYRGYZ_OR_KAZAKH, TABLES, UZBEK_ONLY, UZBEK_OR_KAZAKH

APOSTROPHES: Final = frozenset("'`‘’ʻʼʹʺ′´")
"""Characters writers use for the Uzbek ``oʻ``/``gʻ`` mark, the tutuq belgisi and transliterated soft signs."""

_CYRILLIC_KEY: Final = {
    "а": "a",
    "ә": "e",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "g",
    "д": "d",
    "е": "e",
    "ё": "io",
    "ж": "j",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "қ": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "ң": "ng",
    "о": "o",
    "ө": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ұ": "u",
    "ү": "u",
    "ў": "o",
    "ф": "f",
    "х": "h",
    "ҳ": "h",
    "һ": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "i",
    "ь": "",
    "і": "i",
    "э": "e",
    "ю": "iu",
    "я": "ia",
}

_LATIN_KEY: Final = {
    "ı": "i",
    "y": "i",
    "ý": "i",
    "ə": "e",
    "ä": "e",
    "á": "e",
    "ö": "o",
    "ó": "o",
    "ü": "u",
    "ū": "u",
    "ú": "u",
    "ğ": "g",
    "ǵ": "g",
    "ş": "sh",
    "ș": "sh",
    "š": "sh",
    "ç": "ch",
    "č": "ch",
    "ñ": "ng",
    "ń": "ng",
    "ŋ": "ng",
    "q": "k",
    "x": "h",
    "ž": "j",
}

_KEY: Final = str.maketrans({**_CYRILLIC_KEY, **_LATIN_KEY, **dict.fromkeys(APOSTROPHES, "")})

_DIGRAPHS: Final = (("zh", "j"), ("kh", "h"))
"""Applied after the letter map."""

_VOWELS: Final = frozenset("аәеёиоөуұүўыіэюя")


def _lower(text: str) -> str:
    """Lower-case with Turkish ``İ``→``i`` (Python's default would leave a combining dot behind)."""
    return text.replace("İ", "i").lower()


def _strip_marks(text: str) -> str:
    """Remove the combining marks that remain after NFKD (accents of letters no table names)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Return the matching key of ``text``: lower-case ASCII-like Latin, same for every script and spelling.

    Args:
        text: any text; word boundaries and punctuation are kept, only letters change.

    Returns:
        The folded text, e.g. ``fold("Қазақстан") == fold("Qazaqstan") == "kazakstan"``.

    >>> fold("Oʻzbekiston") == fold("O'zbekiston") == fold("Ўзбекистон")
    True
    >>> fold("İSTANBUL") == fold("istanbul") == fold("ıstanbul")
    True
    """
    # Latin ``ye`` is the Uzbek/BGN spelling of a word-initial ``е``: fold it before ``y`` becomes ``i``.
    key = _strip_marks(_lower(unicodedata.normalize("NFC", text)).replace("ye", "e").translate(_KEY))
    for digraph, single in _DIGRAPHS:
        key = key.replace(digraph, single)
    return key


def guess_cyrillic_language(text: str) -> str | None:
    """Guess which of kk, uz, ky, ru a Cyrillic text is written in from the letters only those languages use.

    Args:
        text: the text to inspect.

    Returns:
        A language code, or ``None`` when ``text`` has no Cyrillic letters at all.
    """
    letters = {ch for ch in _lower(text) if "\u0400" <= ch <= "\u04ff"}
    if not letters:
        return None
    if letters & KAZAKH_ONLY:
        return "kk"
    if letters & UZBEK_ONLY:
        return "uz"
    if letters & KYRGYZ_OR_KAZAKH:
        return "ky"
    if letters & UZBEK_OR_KAZAKH:
        return "kk"
    return "ru"


def _initial_ye(lang: str, prev: str) -> bool:
    """Uzbek 1995 rules and BGN/PCGN write ``е`` as ``ye`` at a word start and after a vowel or a sign."""
    return lang in {"uz", "ky"} and (not prev.isalpha() or prev in _VOWELS or prev in "ъь")


def to_latin(text: str, lang: str | None = None) -> str:
    """Write Cyrillic text in its language's standard Latin orthography; Latin text passes through unchanged.

    Args:
        text: the text, in any script.
        lang: ``kk``, ``uz``, ``ky`` or ``ru``; guessed with :func:`guess_cyrillic_language` when ``None`` or not
            a Cyrillic-written language.

    Returns:
        The text with every Cyrillic letter replaced, capitalisation kept on the first Latin letter.
    """
    code = lang if lang in TABLES else guess_cyrillic_language(text)
    if code is None:
        return text
    table = TABLES[code]
    out: list[str] = []
    prev = ""
    for ch in unicodedata.normalize("NFC", text):
        low = ch.lower()
        latin = table.get(low)
        if latin is None:
            out.append(ch)
        else:
            if low == "е" and _initial_ye(code, prev.lower()):
                latin = "ye"
            if ch != low and latin:
                latin = latin[0].upper() + latin[1:]
            out.append(latin)
        prev = ch
    return "".join(out)
