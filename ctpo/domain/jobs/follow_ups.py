"""The jobs a workflow transition calls for, scheduled in the transition's own transaction.

Which jobs follow which transition is declared on the transition (``Transition.follow_ups``); this module only
says what each :class:`~workflows.FollowUp` job is given. Keys name the application and the history entry that
called for the job, so a job is scheduled once per occurrence however often the caller repeats itself, and a
later occurrence (formalities completed again after re-establishment) gets a job of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from ctpo.domain.jobs.records import JobSpec
from workflows import FollowUp
from workflows.machine import declaration

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Mapping

    from workflows.machine import Decision

SEARCH_AFTER_FORMALITIES: Final = FollowUp.SEARCH_AFTER_FORMALITIES
INDEX_PUBLICATIONS: Final = FollowUp.INDEX_PUBLICATIONS
INGEST_CORPUS: Final = "ingest_corpus"
"""Embed corpus documents loaded by ``ctpo corpus load`` (not a follow-up of a transition)."""
EMBED_CHUNK: Final = "embed_chunk"
"""Embed one ingest chunk's passages (:mod:`ctpo.domain.prior_art.ingest`); one job per chunk, run in parallel."""
PRUNE_EMBEDDINGS: Final = "prune_passage_embeddings"
"""Delete stored passage vectors no passage of the corpus needs (:mod:`ctpo.domain.prior_art.pruning`)."""

JOB_ARGS: Mapping[FollowUp, Callable[[uuid.UUID], dict[str, Any]]] = {
    FollowUp.SEARCH_AFTER_FORMALITIES: lambda app_id: {"application_id": str(app_id), "step": "after_formalities"},
    FollowUp.INDEX_PUBLICATIONS: lambda app_id: {"application_id": str(app_id)},
}
"""The arguments of each follow-up job; every :class:`~workflows.FollowUp` has an entry (a test checks)."""


def follow_ups(decision: Decision, application_id: uuid.UUID) -> list[JobSpec]:
    """The jobs ``decision``'s transition declares (none for the filing and calendar moves)."""
    transition = declaration(decision.action)
    entry = decision.history
    return [
        JobSpec(
            name=job.value,
            key=f"{job.value}:{application_id}:{entry.seq}",
            args=JOB_ARGS[job](application_id),
            application_id=application_id,
            office=entry.office.value,
        )
        for job in (transition.follow_ups if transition else ())
    ]
