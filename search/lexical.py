"""The lexical channel: BM25 over folded, prefix-stemmed tokens, with fuzzy credit for near-miss spellings.

Why both: BM25 (via ``bm25s``) gives recall for shared words, names and exact codes across scripts once
:mod:`search.text` has folded them to one key; but transliterations of one name still differ by a letter or two
(``Azerbaijan``/``Azerbaydzhan``), which BM25 scores as nothing. So the BM25 candidates are re-scored: each query
word absent from a candidate passage is compared with :mod:`rapidfuzz` to the passage's words, and a close one earns
that word's BM25 weight scaled by the similarity. Codes and numbers only ever match exactly.

Words are stemmed by keeping a prefix of their folded key (5 characters by default). Prefix stemming is the
standard cheap stemmer for agglutinative Turkic text (Can et al., "Information retrieval on Turkish texts", JASIST
2008, found 5-prefix truncation as good as a morphological analyser), and it needs no per-language resources.

Cost: bm25s builds an immutable sparse matrix, so :meth:`LexicalIndex.add` only records the passages and the
matrix is rebuilt, over the whole corpus, on the first search after a change: O(total tokens), about a second
per 100k short passages. Add in batches.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from search.text import tokenize

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence

    from numpy.typing import NDArray

_FORMAT: Final = 1
_FILE: Final = "lexical.json.gz"
_CODE_MARK: Final = "\x00"  # prefix of exact (code) terms, so a code can never collide with a word stem
DEFAULT_PREFIX: Final = 5
"""Characters of a folded word kept as its index term (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class LexicalHit:
    """One passage found by the lexical channel.

    Attributes:
        passage_id: the passage.
        score: BM25 plus fuzzy credit; comparable within one query only.
        coverage: share of the query's best possible score that this passage reached, in [0, 1]; comparable
            across queries, used by score fusion.
        matched_terms: the query words that matched, as typed; fuzzy matches as ``query~passage-key``.
    """

    passage_id: str
    score: float
    coverage: float
    matched_terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Term:
    """One query or passage word as the channel sees it: its index term, folded key, spelling, and kind."""

    term: str  # index term: stem of a word key, or marked code
    key: str  # full folded key (for fuzzy comparison)
    surface: str
    exact: bool


def index_terms(text: str, prefix: int = DEFAULT_PREFIX) -> list[str]:
    """The terms the lexical channel indexes and matches for ``text``: word stems, and codes kept whole.

    >>> index_terms("Батареялардың салқындатуы")
    ['batar', 'salki']
    """
    return [t.term for t in _terms(text, prefix)]


def matched_index_terms(matched_terms: Iterable[str], prefix: int = DEFAULT_PREFIX) -> frozenset[str]:
    """The index terms behind a hit's ``matched_terms``: what a passage word must stem to for it to have matched.

    A query word matches every passage word with its stem (``батареялары`` matches ``batareia``), and a fuzzy
    match ``typed~key`` matched the passage word ``key``; highlighting compares stems so that it marks exactly
    the words the channel counted.
    """
    out: set[str] = set()
    for term in matched_terms:
        typed, _, matched = term.partition("~")
        out.update(index_terms(matched or typed, prefix))
    return frozenset(out)


def _terms(text: str, prefix: int) -> list[Term]:
    return [
        Term(_CODE_MARK + t.key, t.key, t.surface, exact=True)
        if t.exact
        else Term(t.key[:prefix], t.key, t.surface, exact=False)
        for t in tokenize(text)
    ]


def query_terms(query: str, prefix: int = DEFAULT_PREFIX) -> list[Term]:
    """The distinct terms of a query, first occurrence kept: a repeated query word counts once."""
    terms: dict[str, Term] = {}
    for term in _terms(query, prefix):
        terms.setdefault(term.term, term)
    return list(terms.values())


def passage_terms(text: str, prefix: int = DEFAULT_PREFIX) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A passage's index terms (with repeats, in order) and the folded keys of its words (for fuzzy matching)."""
    tokens = tokenize(text)  # the terms of _terms, without a Term per word: this runs for every passage written
    terms = tuple(_CODE_MARK + t.key if t.exact else t.key[:prefix] for t in tokens)
    return terms, tuple(t.key for t in tokens if not t.exact)


def bm25_idf(df: int, n: int) -> float:
    """Lucene's BM25 idf, as ``bm25s`` computes it (method ``lucene``): ``ln(1 + (N - df + 0.5) / (df + 0.5))``."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def bm25_tf(tf: float, length: float, mean_length: float, *, k1: float = 1.2, b: float = 0.75) -> float:
    """Lucene's BM25 term-frequency part: ``tf / (tf + k1 (1 - b + b len / avg len))``."""
    return tf / (tf + k1 * (1.0 - b + b * length / mean_length))


def fuzzy_matches(
    missing: Iterable[Term], word_keys: Sequence[str], *, fuzzy_threshold: float
) -> list[tuple[Term, str, float]]:
    """``(query term, passage word key, similarity 0-100)`` for each missing query word with a near-miss word."""
    if fuzzy_threshold > 100:  # noqa: PLR2004 - a threshold above 100 switches fuzzy off
        return []
    found = []
    for term in missing:
        best = process.extractOne(term.key, word_keys, scorer=fuzz.ratio, score_cutoff=fuzzy_threshold)
        if best is not None:
            found.append((term, str(best[0]), float(best[1])))
    return found


def stem_of(key: str, prefix: int) -> str:
    """The index term of a folded word key."""
    return key[:prefix] if prefix else key


def rescore(
    passage_id: str,
    bm25: float,
    row_terms: Mapping[str, float],
    word_keys: Sequence[str],
    terms: Sequence[Term],
    *,
    ceiling: float,
    prefix: int,
    fuzzy_threshold: float,
) -> LexicalHit:
    """One BM25 candidate's hit: exact matches, fuzzy credit for missing words, and coverage of ``ceiling``.

    The one rule of both lexical channels (in memory here, in SQL in :mod:`search.pg`): a query word absent from
    the passage earns the BM25 weight of the passage word it nearly matches, scaled by the similarity.

    Args:
        passage_id: the candidate.
        bm25: its BM25 score for the query's exact terms.
        row_terms: BM25 weight of each of its index terms (at least the query's and the fuzzy matches' stems).
        word_keys: folded keys of its words.
        terms: the query's distinct terms.
        ceiling: the query's best attainable score.
        prefix: characters of a word key kept as its index term.
        fuzzy_threshold: least similarity (0-100) for fuzzy credit.
    """
    matched = [t.surface for t in terms if t.term in row_terms]
    missing = [t for t in terms if not t.exact and t.term not in row_terms]
    score = bm25
    for term, key, similarity in fuzzy_matches(missing, word_keys, fuzzy_threshold=fuzzy_threshold):
        weight = row_terms.get(stem_of(key, prefix))
        if weight is None:
            continue
        score += weight * similarity / 100.0
        matched.append(f"{term.surface}~{key}")
    coverage = min(1.0, score / ceiling) if ceiling > 0 else 0.0
    return LexicalHit(passage_id, score, coverage, tuple(matched))


class LexicalIndex:
    """BM25 + fuzzy index of passages, keyed by passage id.

    Args:
        k1: BM25 term-frequency saturation.
        b: BM25 length normalisation.
        prefix: characters of a folded word kept as its index term (0 keeps whole words).
        fuzzy_threshold: least :func:`rapidfuzz.fuzz.ratio` (0-100) for a near-miss word to earn credit;
            85 accepts one edit in words of about seven letters or more, nothing in shorter ones.
        candidates: how many BM25 candidates are re-scored with fuzzy matching.
    """

    def __init__(
        self,
        *,
        k1: float = 1.2,
        b: float = 0.75,
        prefix: int = DEFAULT_PREFIX,
        fuzzy_threshold: float = 85.0,
        candidates: int = 200,
    ) -> None:
        self.k1 = k1
        self.b = b
        self.prefix = prefix
        self.fuzzy_threshold = fuzzy_threshold
        self.candidates = candidates
        self._passages: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}  # id -> (terms, word keys)
        self._bm25: Any = None
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._vocab: dict[str, int] = {}
        self._term_of: dict[int, str] = {}
        self._csr_indptr: NDArray[np.int64] = np.zeros(1, dtype=np.int64)
        self._csr_indices: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._csr_data: NDArray[np.float32] = np.zeros(0, dtype=np.float32)
        self._idf_max: NDArray[np.float32] = np.zeros(0, dtype=np.float32)
        self.generation = 0
        """Counts matrix builds: :attr:`rows` stays valid while it is unchanged."""

    def __len__(self) -> int:
        return len(self._passages)

    def __contains__(self, passage_id: object) -> bool:
        return passage_id in self._passages

    def add(self, passages: Iterable[tuple[str, str]]) -> None:
        """Index (or re-index) passages given as ``(passage_id, text)``; the matrix is rebuilt lazily."""
        for pid, text in passages:
            self._passages[pid] = passage_terms(text, self.prefix)
            self._bm25 = None

    def remove(self, passage_ids: Iterable[str]) -> None:
        """Forget passages; unknown ids are ignored."""
        for pid in passage_ids:
            if self._passages.pop(pid, None) is not None:
                self._bm25 = None

    def _build(self) -> None:
        self._ids = list(self._passages)
        self._row = {pid: i for i, pid in enumerate(self._ids)}
        corpus = [list(self._passages[pid][0]) or [""] for pid in self._ids]
        bm25 = bm25s.BM25(k1=self.k1, b=self.b, method="lucene")
        bm25.index(corpus, show_progress=False)
        self._vocab = dict(bm25.vocab_dict)
        self._term_of = {i: term for term, i in self._vocab.items()}
        scores = bm25.scores
        indptr = np.asarray(scores["indptr"], dtype=np.int64)
        indices = np.asarray(scores["indices"], dtype=np.int64)
        data = np.asarray(scores["data"], dtype=np.float32)
        # bm25s stores one column per term; a row per passage is what fuzzy re-scoring needs.
        n_terms = len(indptr) - 1
        columns = np.repeat(np.arange(n_terms, dtype=np.int64), np.diff(indptr))
        order = np.lexsort((columns, indices))
        self._csr_indices = columns[order]
        self._csr_data = data[order]
        self._csr_indptr = np.zeros(len(self._ids) + 1, dtype=np.int64)
        np.cumsum(np.bincount(indices, minlength=len(self._ids)), out=self._csr_indptr[1:])
        # The best score a term reaches in any passage: the ceiling used to turn scores into coverage.
        self._idf_max = np.zeros(n_terms, dtype=np.float32)
        np.maximum.at(self._idf_max, columns, data)
        self._bm25 = bm25
        self.generation += 1

    @property
    def rows(self) -> list[str]:
        """The passage ids in matrix row order, what a ``row_mask`` of :meth:`search` lines up with."""
        if self._bm25 is None:
            self._build()
        return self._ids

    def _row_terms(self, row: int) -> dict[int, float]:
        lo, hi = self._csr_indptr[row], self._csr_indptr[row + 1]
        return dict(zip(self._csr_indices[lo:hi].tolist(), self._csr_data[lo:hi].tolist(), strict=True))

    def search(
        self,
        query: str,
        k: int = 100,
        *,
        restrict_to: Collection[str] | None = None,
        row_mask: NDArray[np.bool_] | None = None,
    ) -> list[LexicalHit]:
        """The ``k`` best passages for ``query``.

        Args:
            query: the query text, any script.
            k: how many hits to return at most.
            restrict_to: if given, only these passage ids may be returned.
            row_mask: if given, only the passages of :attr:`rows` it marks may be returned (the same restriction
                as an array, for a caller that filters whole columns: no id is looked up per query).

        Returns:
            Hits, best first; passages with no exact or fuzzy match are never returned.

        Raises:
            ValueError: ``row_mask`` does not have one entry per row (the index changed since :attr:`rows`).
        """
        if not self._passages:
            return []
        if self._bm25 is None:
            self._build()
        terms = {t.term: t for t in query_terms(query, self.prefix)}
        known = [t for t in terms.values() if t.term in self._vocab]
        ids = [self._vocab[t.term] for t in known]
        mask = None
        if restrict_to is not None:
            mask = np.zeros(len(self._ids), dtype=np.float32)
            rows = [self._row[p] for p in restrict_to if p in self._row]
            mask[rows] = 1.0
        if row_mask is not None:
            if len(row_mask) != len(self._ids):
                raise ValueError(f"row_mask has {len(row_mask)} entries for {len(self._ids)} rows")
            allowed = row_mask.astype(np.float32)
            mask = allowed if mask is None else mask * allowed
        scores = self._bm25.get_scores(ids, weight_mask=mask) if ids else np.zeros(len(self._ids), dtype=np.float32)
        ceiling = float(sum(self._idf_max[i] for i in ids)) + self._unknown_ceiling(terms.values())
        n = min(max(self.candidates, k), len(self._ids))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(self._ids) else np.arange(len(self._ids))
        top = top[scores[top] > 0]
        hits = [self._rescore(int(row), float(scores[row]), list(terms.values()), ceiling) for row in top]
        hits.sort(key=lambda h: (-h.score, h.passage_id))
        return hits[:k]

    def _unknown_ceiling(self, terms: Iterable[Term]) -> float:
        """Query words absent from the vocabulary can still earn fuzzy credit: count them at the mean term idf."""
        unknown = sum(1 for t in terms if not t.exact and t.term not in self._vocab)
        return unknown * float(self._idf_max.mean()) if len(self._idf_max) else 0.0

    def _rescore(self, row: int, bm25: float, terms: list[Term], ceiling: float) -> LexicalHit:
        row_terms = {self._term_of[i]: w for i, w in self._row_terms(row).items()}
        return rescore(
            self._ids[row],
            bm25,
            row_terms,
            self._passages[self._ids[row]][1],
            terms,
            ceiling=ceiling,
            prefix=self.prefix,
            fuzzy_threshold=self.fuzzy_threshold,
        )

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write the index into ``directory`` atomically (one file replaced in a single rename).

        Only the passages' terms are stored; the BM25 matrix is rebuilt on the first search after :meth:`load`.
        """
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": _FORMAT,
            "params": {
                "k1": self.k1,
                "b": self.b,
                "prefix": self.prefix,
                "fuzzy_threshold": self.fuzzy_threshold,
                "candidates": self.candidates,
            },
            "passages": [[pid, list(terms), list(keys)] for pid, (terms, keys) in self._passages.items()],
        }
        fd, tmp = tempfile.mkstemp(dir=path, prefix=".lexical-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
                out.write(json.dumps(payload, ensure_ascii=False).encode())
            Path(tmp).replace(path / _FILE)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> LexicalIndex:
        """Read an index written by :meth:`save`.

        Raises:
            ValueError: when the directory holds an index of another format version.
        """
        with gzip.open(Path(directory) / _FILE, "rb") as src:
            payload = json.loads(src.read())
        if payload.get("format") != _FORMAT:
            raise ValueError(f"unsupported lexical index format {payload.get('format')!r}")
        index = cls(**payload["params"])
        index._passages = {pid: (tuple(terms), tuple(keys)) for pid, terms, keys in payload["passages"]}
        return index
