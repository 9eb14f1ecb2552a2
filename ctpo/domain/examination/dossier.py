"""The examiner's dossier: every part of one file composed in one place, each read under its own visibility rule.

The API's ``GET /applications/{number}/dossier`` answers with it; the controller only hands over the request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ctpo.domain.examination import schemas as s
from ctpo.domain.examination.codec import kind_of
from ctpo.domain.filings.services import file_of
from ctpo.domain.international.services import InternationalService
from ctpo.domain.observations.services import ObservationService
from ctpo.domain.prior_art.services import SearchUnavailableError, find_prior_art
from workflows.documents import OfficeAction, OfficeActionResponse

if TYPE_CHECKING:
    from litestar.datastructures import State

    from ctpo.db.models import User
    from ctpo.domain.examination.services import ExaminationService
    from ctpo.domain.filings.services import FilingService


_OFFICE_ACTION = kind_of(OfficeAction)
_RESPONSE = kind_of(OfficeActionResponse)


def office_action_rounds(
    documents: list[s.ProceduralDocumentOut], claim_sets: dict[int, list[str]]
) -> list[s.OfficeActionRound]:
    """Pair each office action with the response that followed it; a response may bring a new claim set."""
    rounds: list[s.OfficeActionRound] = []
    current = 1
    for document in documents:
        if document.kind == _OFFICE_ACTION:
            rounds.append(s.OfficeActionRound(document, None, claim_sets.get(current, []), None))
        elif document.kind == _RESPONSE and rounds and rounds[-1].response is None:
            amended = document.body.get("amended_claims")
            if amended:
                current += 1
            rounds[-1].response = document
            rounds[-1].claims_after = claim_sets.get(current) if amended else None
    return rounds


class DossierService:
    """Composes the dossier from the services that own each part (filing, examination, PCT, observations, search)."""

    def __init__(self, examination: ExaminationService, filing: FilingService, search_state: State) -> None:
        self.examination = examination
        self.filing = filing
        self.search_state = search_state
        """The app state the prior-art search runs in (its index and model)."""

    async def dossier(self, user: User, number: str) -> s.DossierOut:
        """File, state, history, deadlines, office actions side by side, prior art, PCT entry and observations.

        Raises:
            NotFoundError: the user may not see the file (the same answer as for a missing one).
        """
        application = await self.filing.get_visible(user, number)
        try:
            prior_art: list[Any] | None = (await find_prior_art(self.search_state, application)).hits
        except SearchUnavailableError:
            prior_art = None
        documents = await self.examination.documents(user, number)
        session = self.filing.session
        international = await InternationalService(session, self.filing).of_application(application)
        observations = await ObservationService(session).of_application(application)
        claim_sets: dict[int, list[str]] = {}
        for claim in application.claims:
            claim_sets.setdefault(claim.claim_set, []).append(claim.text)
        file = file_of(application)  # before the workflow's reads, which refresh the loaded row
        state = await self.examination.status(user, number)
        history = await self.examination.history(user, number)
        deadlines = await self.examination.deadlines(user, number)
        automated = await self.examination.automated_searches(user, number)
        return s.DossierOut(
            application=file,
            state=state,
            history=history,
            deadlines=deadlines,
            documents=documents,
            office_action_rounds=office_action_rounds(documents, claim_sets),
            prior_art=prior_art,
            automated_searches=automated,
            international=international,
            observations=observations,
        )
