"""Bodies of the search API."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from search.languages import LANGUAGES, MAX_QUERY_CHARS


class SearchIn(msgspec.Struct, forbid_unknown_fields=True):
    """A prior-art query in any of the office languages, any script."""

    text: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            description=f"At most {MAX_QUERY_CHARS} characters (longer is refused with 422)",
            examples=["литий-ионды батареяны салқындату"],
        ),
    ]
    languages: (
        Annotated[
            list[str],
            msgspec.Meta(
                max_length=len(LANGUAGES),
                description=f"Only documents in these languages: {', '.join(LANGUAGES)} (others are refused)",
                examples=[["tr", "en"]],
            ),
        ]
        | None
    ) = None
    ipc_prefix: Annotated[str, msgspec.Meta(max_length=20, examples=["H01M"])] | None = None
    before: Annotated[date, msgspec.Meta(description="Only documents published strictly before this date")] | None = (
        None
    )
    k: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10


class ChannelOut(msgspec.Struct):
    """How one channel ranked the matched passage."""

    score: float
    rank: int


class PassageOut(msgspec.Struct):
    """The passage of the document that matched."""

    id: str
    section: str
    text: str


class HitOut(msgspec.Struct):
    """One document found, with why."""

    document_id: str
    title: str
    score: float
    found_by: list[str]
    """``semantic``, ``lexical`` or both."""
    semantic: ChannelOut | None
    lexical: ChannelOut | None
    passage: PassageOut
    matched_terms: list[str]
    language: str
    publication_date: date | None
    flag: str | None
    """ST.14 ``P`` (published between priority and filing) or ``E`` (earlier application, published later)."""


class SearchOut(msgspec.Struct):
    """The documents found, and whether the index held the whole corpus when they were searched."""

    hits: list[HitOut]
    partial: bool
    """True while the index is still taking in documents of the corpus: a later search may find more."""
    indexed: int
    """Documents the index held."""
    pending: int
    """Documents of the corpus it was still indexing (0 once complete)."""


class PriorArtOut(msgspec.Struct):
    """Prior art for an application, cut off at its earliest priority (or filing) date."""

    application_number: str
    reference_date: date
    hits: list[HitOut]
    partial: bool = False
    """True while the index is still taking in documents of the corpus: a later search may find more."""


class IngestOut(msgspec.Struct):
    """Embedding of the corpus by the ingest workers: the unfinished batches, else the last one."""

    complete: bool
    chunks: int
    chunks_done: int
    passages: int
    passages_done: int
    passages_per_second: float | None
    """Since the first chunk was claimed; null before any passage is stored."""
    eta_seconds: float | None
    """At that rate; 0 when complete, null while no rate is known."""


class SearchStatusOut(msgspec.Struct):
    """Whether search is ready, how much of the corpus it holds, and how far embedding the rest has come."""

    ready: bool
    indexed: int
    pending: int
    error: str | None
    ingest: IngestOut | None = None
    """Null before anything was ever planned for embedding."""
