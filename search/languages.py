"""The languages the search engine reads: the five member states' languages, Russian and English.

Folding (:mod:`search.text`) knows their scripts and transliterations, and retrieval quality is measured on them
(``benchmarks/search_quality.py``). A filter on any other language could only ever match nothing, so callers refuse
it rather than answer with an empty list.
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("tr", "az", "kk", "ky", "uz", "ru", "en")
"""ISO 639-1 codes, in the office's order."""

MAX_QUERY_CHARS: Final = 10_000
"""Longest query text the engine accepts.

The semantic channel reads only the first 512 tokens of a query, but the lexical channel scores every distinct
query word against each candidate passage (with fuzzy matching), so its cost grows with the query. 10,000
characters is about 1,500 words: an abstract and several long claims.
"""
