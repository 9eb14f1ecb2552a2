"""Cut a patent document into the passages that are embedded, matched and shown to the examiner.

Why passages and not whole documents: the embedder truncates at a few hundred tokens and averages meaning, while a
novelty-destroying disclosure is usually one claim or one paragraph of a long description. Scoring each passage
and letting a document's score come from its best passages keeps that paragraph visible, and lets every hit name
the passage that matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Sequence

_WORD: Final = re.compile(r"\S+")
_SENTENCE_END: Final = re.compile(r"[.!?;:]['\")\]]*$")


class Section(StrEnum):
    """Which part of the document a passage comes from."""

    TITLE_ABSTRACT = "title_abstract"
    CLAIM = "claim"
    DESCRIPTION = "description"


_CODE: Final = {Section.TITLE_ABSTRACT: "ta", Section.CLAIM: "c", Section.DESCRIPTION: "d"}


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of one document.

    Attributes:
        id: ``<doc_id>#<section code><ordinal>`` (``ta0``, ``c3``, ``d12``): stable as long as the document text
            is, so stored vectors and hits can refer to it.
        doc_id: the document it belongs to.
        section: title+abstract, a claim, or a description chunk.
        ordinal: position within its section, from 0.
        text: the passage text.
    """

    id: str
    doc_id: str
    section: Section
    ordinal: int
    text: str


def passage_id(doc_id: str, section: Section, ordinal: int) -> str:
    """The id :func:`split_passages` gives the ``ordinal``-th passage of ``section``."""
    return f"{doc_id}#{_CODE[section]}{ordinal}"


def doc_id_of(passage_id_: str) -> str:
    """The document id inside a passage id."""
    return passage_id_.rsplit("#", 1)[0]


def chunk_words(text: str, *, size: int = 150, overlap: int = 30, max_size: int = 200) -> list[str]:
    """Cut text into windows of about ``size`` words that share ``overlap`` words with their neighbour.

    A window is stretched up to ``max_size`` words to end at a sentence end, and a short tail is merged into the
    window before it, so that no passage is a fragment of a few words.

    Args:
        text: the text to cut.
        size: target words per window.
        overlap: words repeated from the end of one window at the start of the next.
        max_size: the most words a window may have.

    Returns:
        The windows, in order; one window when the text is at most ``max_size`` words; none for blank text.

    Raises:
        ValueError: when ``overlap`` is not smaller than ``size`` or ``max_size`` is smaller than ``size``.
    """
    if not 0 <= overlap < size <= max_size:
        raise ValueError("need 0 <= overlap < size <= max_size")
    words = _WORD.findall(text)
    if len(words) <= max_size:
        return [" ".join(words)] if words else []
    chunks: list[str] = []
    start = 0
    while start < len(words):
        end = min(start + size, len(words))
        stretch = end
        while stretch < min(start + max_size, len(words)) and not _SENTENCE_END.search(words[stretch - 1]):
            stretch += 1
        if stretch < len(words) and _SENTENCE_END.search(words[stretch - 1]):
            end = stretch
        if len(words) - end <= overlap:  # a tail shorter than the overlap joins this window
            end = len(words)
        chunks.append(" ".join(words[start:end]))
        if end == len(words):
            break
        start = end - overlap
    return chunks


def split_passages(
    doc_id: str,
    title: str,
    abstract: str,
    claims: Sequence[str],
    description: str,
    *,
    chunk_size: int = 150,
    chunk_overlap: int = 30,
    chunk_max: int = 200,
) -> list[Passage]:
    """Split one document into passages: title+abstract, each claim, and overlapping description chunks.

    Args:
        doc_id: the document id; it must not contain ``#``.
        title: the title.
        abstract: the abstract.
        claims: the claims, one string each.
        description: the description (may be empty).
        chunk_size: see :func:`chunk_words`.
        chunk_overlap: see :func:`chunk_words`.
        chunk_max: see :func:`chunk_words`.

    Returns:
        The passages in document order; blank parts give none.

    Raises:
        ValueError: when ``doc_id`` contains ``#``.
    """
    if "#" in doc_id:
        raise ValueError("document ids must not contain '#'")
    passages: list[Passage] = []
    head = " ".join(part.strip() for part in (title, abstract) if part.strip())
    if head:
        passages.append(Passage(passage_id(doc_id, Section.TITLE_ABSTRACT, 0), doc_id, Section.TITLE_ABSTRACT, 0, head))
    for ordinal, claim in enumerate(c.strip() for c in claims if c.strip()):
        passages.append(Passage(passage_id(doc_id, Section.CLAIM, ordinal), doc_id, Section.CLAIM, ordinal, claim))
    chunks = chunk_words(description, size=chunk_size, overlap=chunk_overlap, max_size=chunk_max)
    for ordinal, chunk in enumerate(chunks):
        pid = passage_id(doc_id, Section.DESCRIPTION, ordinal)
        passages.append(Passage(pid, doc_id, Section.DESCRIPTION, ordinal, chunk))
    return passages
