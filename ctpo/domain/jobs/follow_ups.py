"""Which background jobs a workflow transition calls for, scheduled in the transition's own transaction.

Keys name the application and the history entry that called for the job, so a job is scheduled once per
occurrence however often the caller repeats itself, and a later occurrence (formalities completed again after
re-establishment) gets a job of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ctpo.domain.jobs.records import JobSpec

if TYPE_CHECKING:
    import uuid

    from workflows.machine import Decision

SEARCH_AFTER_FORMALITIES: Final = "search_after_formalities"
"""Run a prior-art search for the application and store it for the examiner."""
INDEX_PUBLICATIONS: Final = "index_publications"
"""Bring published applications into the prior-art corpus and embed them."""
INGEST_CORPUS: Final = "ingest_corpus"
"""Embed corpus documents loaded by ``ctpo corpus load``."""


def follow_ups(decision: Decision, application_id: uuid.UUID) -> list[JobSpec]:
    """The jobs ``decision`` calls for: a search when formalities are complete, indexing on publication."""
    entry = decision.history
    office = entry.office.value
    found: list[JobSpec] = []
    if entry.action == "complete_formalities":
        found.append(
            JobSpec(
                name=SEARCH_AFTER_FORMALITIES,
                key=f"{SEARCH_AFTER_FORMALITIES}:{application_id}:{entry.seq}",
                args={"application_id": str(application_id), "step": "after_formalities"},
                application_id=application_id,
                office=office,
            )
        )
    if entry.action == "publish":
        found.append(
            JobSpec(
                name=INDEX_PUBLICATIONS,
                key=f"{INDEX_PUBLICATIONS}:{application_id}:{entry.seq}",
                args={"application_id": str(application_id)},
                application_id=application_id,
                office=office,
            )
        )
    return found
