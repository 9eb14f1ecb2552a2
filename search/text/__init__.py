"""Script folding, standard transliteration and tokenisation for matching text across our seven languages."""

from __future__ import annotations

from search.text._embedding_form import embedding_form, kazakh_latin_to_cyrillic, looks_kazakh_latin
from search.text._fold import fold, guess_cyrillic_language, to_latin
from search.text._tables import KAZAKH_2021, KYRGYZ_BGN_PCGN, RUSSIAN_ICAO, TABLES, UZBEK_1995
from search.text._tokenize import Token, token_keys, tokenize

__all__ = [
    "KAZAKH_2021",
    "KYRGYZ_BGN_PCGN",
    "RUSSIAN_ICAO",
    "TABLES",
    "UZBEK_1995",
    "Token",
    "embedding_form",
    "fold",
    "guess_cyrillic_language",
    "kazakh_latin_to_cyrillic",
    "looks_kazakh_latin",
    "to_latin",
    "token_keys",
    "tokenize",
]
