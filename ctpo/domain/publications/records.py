"""Publications written by workflow transitions, in the transition's own transaction.

:func:`record_publication` is called by the examination store for every decision; the table in
:mod:`workflows.publication` says whether the decision publishes and which kind. The rendering of the document
is a background job scheduled in the same transaction (the outbox), so an acknowledged publication is rendered
even if the process dies right after the commit.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Final

from sqlalchemy import insert, select

from ctpo.db.models import Party, Publication, RegisterNameKey
from ctpo.domain.jobs.records import JobSpec, schedule
from ctpo.domain.publications.numbering import next_publication_number
from search.text import token_keys
from workflows import OFFICES, Action
from workflows.publication import kind_for

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.orm import Session

    from workflows.machine import Decision
    from workflows.publication import KindCode

RENDER_PUBLICATION: Final = "render_publication"
"""Render a publication's PDF, store it content-addressed and record the publication's legal event."""


def publication_number_of(session: Session, application_id: uuid.UUID) -> str | None:
    """The number the application's documents share, if it has been published."""
    return session.execute(
        select(Publication.number).where(Publication.application_id == application_id).limit(1)
    ).scalar_one_or_none()


def name_keys(names: list[str]) -> set[str]:
    """The script-folded words of ``names`` (``Алиев Эльдар`` → ``aliev``, ``eldar``)."""
    return {key[:100] for name in names for key in token_keys(name) if key}


def index_names(session: Session, application_id: uuid.UUID, published_on: date) -> None:
    """Make the application's applicants and inventors findable by name in the public register.

    ``published_on`` is the application's publication date (the first publication's), which the name search
    sorts by.
    """
    names = list(session.execute(select(Party.name).where(Party.application_id == application_id)).scalars())
    keys = name_keys(names)
    if keys:
        session.execute(
            insert(RegisterNameKey),
            [{"key": k, "application_id": application_id, "publication_date": published_on} for k in sorted(keys)],
        )


def add_publication(
    session: Session,
    *,
    application_id: uuid.UUID,
    office: str,
    kind: KindCode,
    on: date,
    now: datetime,
    history_seq: int | None,
    corrects_id: uuid.UUID | None = None,
    correction_reason: str | None = None,
) -> uuid.UUID:
    """Write one publication (taking a number for the application's first) and schedule its rendering."""
    number = publication_number_of(session, application_id)
    if number is None:  # the application's first publication: a number, and its names become searchable
        number = next_publication_number(session)
        index_names(session, application_id, on)
    publication_id = uuid.uuid4()
    session.execute(
        insert(Publication),
        [
            {
                "id": publication_id,
                "application_id": application_id,
                "number": number,
                "kind": kind.value,
                "publication_date": on,
                "history_seq": history_seq,
                "corrects_id": corrects_id,
                "correction_reason": correction_reason,
            }
        ],
    )
    schedule(
        session,
        JobSpec(
            name=RENDER_PUBLICATION,
            key=f"{RENDER_PUBLICATION}:{publication_id}",
            args={"publication_id": str(publication_id)},
            application_id=application_id,
            office=office,
        ),
        now,
    )
    return publication_id


def record_publication(session: Session, decision: Decision, application_id: uuid.UUID) -> uuid.UUID | None:
    """Write the publication ``decision`` calls for, if any; returns its id."""
    entry = decision.history
    rule = kind_for(entry.action, from_state=decision.from_state, published=decision.snapshot.published)
    if rule is None:
        return None
    on = decision.snapshot.publication_date if rule.action == Action.PUBLISH else None
    return add_publication(
        session,
        application_id=application_id,
        office=entry.office.value,
        kind=rule.kind,
        on=on or OFFICES[entry.office].local_date(entry.at),
        now=entry.at,
        history_seq=entry.seq,
    )
