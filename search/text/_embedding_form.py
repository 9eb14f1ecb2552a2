"""The script a text is embedded in: Kazakh written in the 2021 Latin alphabet is embedded through Cyrillic.

The embedding model saw Kazakh almost only in Cyrillic; the same text in the 2021 Latin alphabet lands far from
its Cyrillic twin (measured on the UDHR articles, see ``benchmarks/README.md``). The lexical channel folds
scripts already; this gives the semantic channel the same chance by inverting the decree's table (see
:data:`search.text.KAZAKH_2021`) before embedding. Only the text handed to the model changes; passages are
stored, shown and matched lexically as written.
"""

from __future__ import annotations

import re
from typing import Final

_MULTI: Final = (("şş", "щ"), ("ts", "ц"), ("iu", "ю"), ("ia", "я"))  # "io" stays и+о: ё is rarer
_SINGLE: Final = {
    "a": "а", "ä": "ә", "b": "б", "v": "в", "g": "г", "ğ": "ғ", "d": "д", "e": "е", "j": "ж", "z": "з",
    "i": "и", "k": "к", "q": "қ", "l": "л", "m": "м", "n": "н", "ñ": "ң", "o": "о", "ö": "ө", "p": "п",
    "r": "р", "s": "с", "t": "т", "u": "у", "ū": "ұ", "ü": "ү", "f": "ф", "h": "х", "ç": "ч", "ş": "ш",
    "y": "ы", "ı": "і", "c": "ц", "w": "у", "x": "кс",
}  # fmt: skip
_VOWELS: Final = frozenset("аәеёиоөұүыіэюя")
_KAZAKH_ONLY: Final = frozenset("ñūäÑŪÄ")
"""Letters of the 2021 alphabet that Turkish, Azerbaijani and Uzbek Latin do not use."""
_WORD: Final = re.compile(r"[^\W\d_]+", re.UNICODE)


def _word_to_cyrillic(word: str) -> str:
    lower = word.lower()
    out: list[str] = []
    i = 0
    while i < len(lower):
        pair = next((cyr for lat, cyr in _MULTI if lower.startswith(lat, i)), None)
        if pair is not None:
            out.append(pair)
            i += 2
            continue
        out.append(_SINGLE.get(lower[i], lower[i]))
        i += 1
    # the decree writes и and й alike as "i": after a vowel and not before one, it is й
    for j, ch in enumerate(out):
        if ch == "и" and j > 0 and out[j - 1] in _VOWELS and (j + 1 == len(out) or out[j + 1] not in _VOWELS):
            out[j] = "й"
    text = "".join(out)
    if word[:1].isupper():
        text = text[:1].upper() + text[1:]
    return text.upper() if word.isupper() and len(word) > 1 else text


def kazakh_latin_to_cyrillic(text: str) -> str:
    """Kazakh in the 2021 Latin alphabet, rewritten in Cyrillic (other characters kept)."""
    return _WORD.sub(lambda m: _word_to_cyrillic(m.group(0)), text)


def _mostly_latin(text: str) -> bool:
    latin = sum(1 for ch in text if ch.isalpha() and ch < "\u0400")
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    return latin > 2 * cyrillic and latin > 0


def looks_kazakh_latin(text: str) -> bool:
    """Whether unlabelled text (a query) is Kazakh in the 2021 Latin alphabet: it uses a letter only it has."""
    return _mostly_latin(text) and any(ch in _KAZAKH_ONLY for ch in text)


def embedding_form(text: str, lang: str | None) -> str:
    """The text to hand the embedding model: Kazakh Latin goes through Cyrillic, everything else as is.

    >>> embedding_form("Ärbir adam", "kk")
    'Әрбір адам'
    >>> embedding_form("Herkes", "tr")
    'Herkes'
    """
    if lang == "kk" and _mostly_latin(text):
        return kazakh_latin_to_cyrillic(text)
    if lang is None and looks_kazakh_latin(text):
        return kazakh_latin_to_cyrillic(text)
    return text
