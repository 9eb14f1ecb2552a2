"""Pruning stored passage vectors that no passage of the corpus needs any more, while ingest goes on.

A vector in ``passage_embeddings`` is keyed by the model and the exact text it embedded; it is needed while some
document of the corpus has a passage of that text under the current model. A document updated (its old passages),
withdrawn (all of them), or a change of model or backend (every row of the old one) leave rows nothing reads again.
The ``prune_passage_embeddings`` job deletes them; :func:`~ctpo.domain.prior_art.ingest.plan_ingest` schedules it
with each batch that replaces content.

With pgvector the shared index keeps the vector of every passage it holds (what a catch-up reuses), so there a
row is needed only until its passage is indexed: the catch-up schedules the job after it indexed documents, and
each vector ends up stored once, in the index (``passage_embeddings`` is then the workers' outbox).

Why a concurrent ingest cannot lose a vector it needs: the job computes the needed keys from the corpus, then,
in one transaction that planning cannot overlap (an advisory lock on PostgreSQL that ``plan_ingest`` takes shared,
SQLite's write lock), adds the keys of every document changed since just before it started and deletes the rest.
A chunk that found a key stored was planned for content the job has read, or is planned after the delete and
finds it missing, and then embeds it. Rows written after the job listed the table are not even candidates.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import delete, select, text

from ctpo.db.models import CorpusDocument, PassageEmbedding, utcnow
from ctpo.domain.jobs.follow_ups import PRUNE_EMBEDDINGS
from ctpo.domain.prior_art.corpus import document_of
from ctpo.domain.prior_art.ingest import PRUNE_LOCK, held_in_index, passage_digest
from search.text import embedding_form

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from sqlalchemy.orm import Session, sessionmaker

    from ctpo.domain.prior_art.ingest import HeldTexts
    from search.interfaces import Embedder

logger = logging.getLogger("ctpo.ingest")

CLOCK_MARGIN: Final = timedelta(minutes=10)
"""Documents changed this long before the job started are read again at its delete: clocks of the processes
that stamp ``updated_at`` may differ, and a transaction may commit a while after it stamped."""
_SLICE: Final = 500


def _needed(model: str, rows: Iterable[CorpusDocument], held: HeldTexts | None) -> set[str]:
    docs = [document_of(row) for row in rows]
    needed = {passage_digest(model, embedding_form(p.text, doc.lang)) for doc in docs for p in doc.passages()}
    return needed - held_in_index(docs, model, held) if held is not None else needed


def _corpus_needs(session: Session, model: str, held: HeldTexts | None) -> set[str]:
    """The key of every passage of the corpus under ``model``, read in slices of documents."""
    needed: set[str] = set()
    after = ""
    while True:
        rows = list(
            session.scalars(
                select(CorpusDocument).where(CorpusDocument.id > after).order_by(CorpusDocument.id).limit(_SLICE)
            )
        )
        if not rows:
            return needed
        needed |= _needed(model, rows, held)
        after = rows[-1].id
        session.expunge_all()


def prune_embeddings(
    sessions: sessionmaker[Session],
    model: str,
    *,
    held: HeldTexts | None = None,
    on_listed: Callable[[], None] | None = None,
) -> int:
    """Delete the stored vectors no passage of the corpus needs under ``model``; the number deleted.

    Args:
        sessions: the service's database.
        model: the name of the model the service embeds with now (rows of any other model all go).
        held: pgvector: the shared index's passages (:data:`~ctpo.domain.prior_art.ingest.HeldTexts`); a passage
            it holds with the same text keeps its vector there, so its row is not needed (stored once).
        on_listed: called once the candidates are listed, before the delete (a test interleaves an ingest there).
    """
    started = utcnow() - CLOCK_MARGIN
    with sessions() as session:
        needed = _corpus_needs(session, model, held)
        candidates = [d for d in session.scalars(select(PassageEmbedding.digest)) if d not in needed]
    if on_listed is not None:
        on_listed()
    if not candidates:
        return 0
    with sessions() as session, session.begin():
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PRUNE_LOCK})
        changed = session.scalars(select(CorpusDocument).where(CorpusDocument.updated_at >= started))
        keep = _needed(model, changed, held)
        doomed = sorted(d for d in candidates if d not in keep)
        for lo in range(0, len(doomed), _SLICE):
            session.execute(delete(PassageEmbedding).where(PassageEmbedding.digest.in_(doomed[lo : lo + _SLICE])))
    logger.info("pruned %d stored passage vectors no passage of the corpus needs", len(doomed))
    return len(doomed)


def pruning_job_bodies(
    sessions: sessionmaker[Session],
    embedder: Callable[[], Embedder],
    held: Callable[[], HeldTexts | None] = lambda: None,
) -> dict[str, Callable[[str, dict[str, Any]], None]]:
    """The ``prune_passage_embeddings`` job body, for the model this process embeds with (and its shared index)."""

    def prune(_key: str, _args: dict[str, Any]) -> None:
        prune_embeddings(sessions, embedder().name, held=held())

    return {PRUNE_EMBEDDINGS: prune}
