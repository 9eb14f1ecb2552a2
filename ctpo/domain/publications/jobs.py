"""The rendering job: PDF bytes into the content-addressed store, their SHA-256 onto the publication.

Idempotent: rendering is deterministic (same data, same bytes, same digest), the store ignores a second put of the
same bytes, and the digest is written only where none is recorded yet.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from ctpo.db.models import Publication, utcnow
from ctpo.domain.publications.documents import publication_data
from ctpo.domain.publications.records import RENDER_PUBLICATION
from ctpo.rendering import render_publication_pdf

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from sqlalchemy.orm import Session, sessionmaker

    from ctpo.domain.filings.storage import DocumentStore


def render_publication(sessions: sessionmaker[Session], store: DocumentStore, publication_id: uuid.UUID) -> str:
    """Render, store and record one publication's PDF; returns its SHA-256."""
    with sessions() as session:
        data = publication_data(session, publication_id)
    digest = store.put(render_publication_pdf(data))  # durable before the row names it
    with sessions() as session, session.begin():
        session.execute(
            update(Publication)
            .where(Publication.id == publication_id, Publication.document_sha256.is_(None))
            .values(document_sha256=digest, rendered_at=utcnow())
        )
    return digest


def publication_job_bodies(
    sessions: sessionmaker[Session], store: DocumentStore
) -> Mapping[str, Callable[[str, dict[str, Any]], None]]:
    """The publication job bodies, bound to a database and the document store."""

    def render(_key: str, args: dict[str, Any]) -> None:
        render_publication(sessions, store, uuid.UUID(args["publication_id"]))

    return {RENDER_PUBLICATION: render}
