"""Factories: the accounts and applications a test starts from, made through the real services and the real API.

A test asks for what it needs (``factory.actor("examiner", "KZ")``, ``factory.application(ApplicationState.SEARCH)``)
instead of repeating the requests that make it. Accounts are written by :class:`AccountService` straight to the test's
database; applications are filed and moved through the procedure over HTTP, each step by the actor the procedure
allows to take it, so a test starts from a state the service itself reached, with its history, deadlines and fees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.support import PASSWORD, application_payload, create_user, record_bank_transfer
from workflows.states import ApplicationState

if TYPE_CHECKING:
    from litestar.testing import TestClient

    from ctpo.db.models import User

SEARCH_REPORT: dict[str, Any] = {
    "citations": [
        {"document_id": "TR2019/01234 A1", "category": "X", "claims": [1], "passage": "page 3, lines 5-20"},
        {"document_id": "US11617522B2", "category": "Y", "claims": [1, 2], "passage": "claim 1"},
    ]
}
"""A search report citing an X and a Y document (EPC Rule 61)."""

OFFICE_ACTION: dict[str, Any] = {
    "objections": [{"claims": [1], "ground": "novelty", "reasoning": "D1 discloses claim 1."}]
}
"""A communication under EPC Art. 94(3) raising one novelty objection."""

PAY = "pay"
"""The step in :data:`STEPS` that pays a fee (the office records a bank transfer) rather than acting."""

STEPS: tuple[tuple[ApplicationState, tuple[tuple[str, str, dict[str, Any]], ...]], ...] = (
    (ApplicationState.FILED, ()),
    (ApplicationState.FORMALITIES_CHECK, (("examiner", "claim", {}), ("examiner", "begin_formalities_check", {}))),
    (ApplicationState.SEARCH, (("examiner", "complete_formalities", {}),)),
    (ApplicationState.SEARCH_REPORT_ISSUED, (("examiner", "issue_search_report", SEARCH_REPORT),)),
    (ApplicationState.EXAMINATION, ((PAY, "examination", {}), ("applicant", "request_examination", {}))),
    (ApplicationState.OFFICE_ACTION, (("examiner", "issue_office_action", OFFICE_ACTION),)),
)
"""The main road through the procedure, in order: each state and the steps that reach it from the one before."""


def file_application(client: TestClient[Any], headers: dict[str, str], **overrides: Any) -> str:
    """File :func:`tests.support.application_payload` (with ``overrides``) as ``headers``; its number."""
    response = client.post("/applications", json=application_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["application_number"])


def act(
    client: TestClient[Any], number: str, action: str, headers: dict[str, str], payload: dict[str, Any] | None = None
) -> Any:
    """Take ``action`` on application ``number`` as ``headers``, which must succeed; the new state."""
    response = client.post(f"/applications/{number}/actions/{action}", json={"payload": payload or {}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


@dataclass
class Actor:
    """An account and the headers of its logged-in session."""

    user: User
    headers: dict[str, str]


@dataclass
class Case:
    """One filed application and the actors of its receiving office, with the requests a test makes on it."""

    client: TestClient[Any]
    number: str
    actors: dict[str, Actor] = field(default_factory=dict)

    @property
    def users(self) -> dict[str, User]:
        return {name: actor.user for name, actor in self.actors.items()}

    @property
    def headers(self) -> dict[str, dict[str, str]]:
        return {name: actor.headers for name, actor in self.actors.items()}

    def act(self, who: str, action: str, payload: dict[str, Any] | None = None, reason: str | None = None) -> Any:
        """Take ``action`` as actor ``who``; the response, whatever it is."""
        body: dict[str, Any] = {"payload": payload or {}}
        if reason:
            body["reason"] = reason
        return self.client.post(
            f"/applications/{self.number}/actions/{action}", json=body, headers=self.actors[who].headers
        )

    def ok(self, who: str, action: str, payload: dict[str, Any] | None = None, reason: str | None = None) -> Any:
        """Take ``action`` as ``who``, which must succeed; the new state."""
        response = self.act(who, action, payload, reason)
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, who: str, path: str = "") -> Any:
        """Read ``/applications/<number><path>`` as ``who``, which must succeed."""
        response = self.client.get(f"/applications/{self.number}{path}", headers=self.actors[who].headers)
        assert response.status_code == 200, response.text
        return response.json()

    def pay(self, fee: str) -> Any:
        """The office's administrator records a bank transfer paying ``fee`` in full."""
        return record_bank_transfer(self.client, self.number, fee, self.actors["admin"].headers)

    def advance_to(self, state: ApplicationState) -> None:
        """Take the main road's steps (:data:`STEPS`) from the current state up to ``state``."""
        current = ApplicationState(self.get("applicant", "/state")["state"])
        road = [s for s, _ in STEPS]
        if state not in road or road.index(state) < road.index(current):
            raise ValueError(f"no road from {current} to {state}")
        for _, steps in STEPS[road.index(current) + 1 : road.index(state) + 1]:
            for who, action, payload in steps:
                if who == PAY:
                    self.pay(action)
                else:
                    self.ok(who, action, payload)


class Factory:
    """Makes accounts and applications on one test's database and client (the ``factory`` fixture)."""

    def __init__(self, client: TestClient[Any], database_url: str) -> None:
        self.client = client
        self.database_url = database_url

    def account(self, role: str, office: str | None = None, email: str | None = None) -> User:
        """An account written by the account service, password :data:`tests.support.PASSWORD`."""
        return create_user(self.database_url, role, office, email)

    def login(self, user: User) -> dict[str, str]:
        """Authorization headers for ``user``, from a real login."""
        response = self.client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def actor(self, role: str, office: str | None = None, email: str | None = None) -> Actor:
        """A new account of ``role`` (staff: of ``office``), logged in."""
        user = self.account(role, office, email)
        return Actor(user, self.login(user))

    def file(self, headers: dict[str, str], **overrides: Any) -> str:
        """File :func:`tests.support.application_payload` (with ``overrides``) as ``headers``; its number."""
        return file_application(self.client, headers, **overrides)

    def application(
        self, state: ApplicationState = ApplicationState.FILED, *, applicant: Actor | None = None, **overrides: Any
    ) -> Case:
        """An application filed by ``applicant`` (a new one if None) and brought to ``state``.

        ``overrides`` change the filing (:func:`tests.support.application_payload`: KZ, in Kazakh). Its case knows
        the applicant, an examiner and an administrator of the receiving office as ``"applicant"``, ``"examiner"``
        and ``"admin"``.
        """
        applicant = applicant or self.actor("applicant")
        office = str(application_payload(**overrides)["receiving_office"])
        case = Case(self.client, self.file(applicant.headers, **overrides))
        case.actors.update(
            applicant=applicant, examiner=self.actor("examiner", office), admin=self.actor("office_admin", office)
        )
        case.advance_to(state)
        return case
