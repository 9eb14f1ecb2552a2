# ruff: noqa: RUF002, RUF100
# (this file holds Cyrillic and Turkic Latin text on purpose)
"""Split text into matching tokens: folded words, and codes/numbers kept exact.

Patent text is full of strings whose every character matters: IPC symbols (``H01M``), formulas (``C6H12O6``),
thread sizes (``M8x1.25``), application numbers (``10/613``), values (``2.5``). Folding would corrupt them
(``x``→``h``) and splitting at ``.`` or ``/`` would turn them into common numbers, so any token that contains a
digit is kept whole, lower-cased, with Cyrillic look-alike letters (typed by Russian keyboards in codes) mapped to
their Latin twins. Everything else is split at hyphens and slashes and folded with :func:`search.text.fold`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from search.text._fold import APOSTROPHES, fold

_APOS: Final = "".join(sorted(APOSTROPHES))
_TOKEN: Final = re.compile(rf"[^\W_]+(?:(?:[./,\-]|[{re.escape(_APOS)}])[^\W_]+)*")
_PART_SPLIT: Final = re.compile(r"[./,\-]+")
_HOMOGLYPHS: Final = str.maketrans("авсенкмортхуі", "abcehkmoptxyi")


@dataclass(frozen=True, slots=True)
class Token:
    """One matching token.

    Attributes:
        key: the string compared at search time (folded word, or exact code).
        surface: the text as written, for showing matched terms.
        exact: True for codes and numbers, which only match exactly.
    """

    key: str
    surface: str
    exact: bool


def _is_code(token: str) -> bool:
    return any(ch.isdigit() for ch in token)


def tokenize(text: str) -> list[Token]:
    """Tokenise ``text`` into folded words and exact codes, in reading order.

    Args:
        text: any text.

    Returns:
        The tokens; words shorter than two characters after folding are dropped, codes never are.

    >>> [t.key for t in tokenize("Элемент H01M, M8x1.25 (10/613) oʻzbek")]
    ['element', 'h01m', 'm8x1.25', '10/613', 'ozbek']
    """
    tokens: list[Token] = []
    for match in _TOKEN.finditer(unicodedata.normalize("NFC", text)):
        tokens.extend(_surface_tokens(match.group()))
    return tokens


@lru_cache(maxsize=1 << 16)
def _surface_tokens(surface: str) -> tuple[Token, ...]:
    """The tokens of one matched surface string; cached (tokens are immutable, so sharing them is safe).

    A corpus repeats its words, and folding each one character by character was most of the cost of indexing a
    passage (three fifths of a bulk write into the passage store).
    """
    if _is_code(surface):
        key = unicodedata.normalize("NFKC", surface).lower().translate(_HOMOGLYPHS)
        return (Token(key, surface, exact=True),)
    out = []
    for part in _PART_SPLIT.split(surface):
        key = fold(part)
        if len(key) > 1:  # one-letter keys carry no signal and bloat postings
            out.append(Token(key, part, exact=False))
    return tuple(out)


def token_keys(text: str) -> list[str]:
    """Just the keys of :func:`tokenize`, for indexing."""
    return [t.key for t in tokenize(text)]
