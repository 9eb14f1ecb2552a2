"""The access rule: one clause list, applied inside the query, loaded once per request."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import event

from ctpo.db.models import Application
from ctpo.domain import access
from tests.support import application_payload

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from litestar import Litestar
    from litestar.testing import TestClient


@contextmanager
def _statements(app: Litestar) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = app.state.engine.sync_engine

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_file_you_may_not_see_costs_what_a_missing_one_costs(
    app: Litestar, client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    owner, stranger = login(make_user("applicant")), login(make_user("applicant"))
    number = client.post("/applications", json=application_payload(), headers=owner).json()["application_number"]
    missing = number[:-6] + "999999"
    costs = {}
    for label, wanted in (("hidden", number), ("missing", missing)):
        with _statements(app) as statements:
            response = client.get(f"/applications/{wanted}", headers=stranger)
        assert response.status_code == 404
        assert response.json()["detail"] == f"There is no application {wanted} that you can see."
        costs[label] = len([s for s in statements if "FROM applications" in s])
    assert costs["hidden"] == costs["missing"] == 1


def test_a_desk_page_loads_and_checks_its_file_once(
    app: Litestar, client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    owner = login(make_user("applicant"))
    number = client.post("/applications", json=application_payload(), headers=owner).json()["application_number"]
    with _statements(app) as statements:
        assert client.get(f"/applications/{number}/dossier", headers=owner).status_code == 200
    checked = [s for s in statements if "FROM applications" in s and "applications.number =" in s]
    assert len(checked) == 1


def test_a_new_party_clause_is_one_entry_and_every_path_follows_it(
    monkeypatch: Any,
    client: TestClient[Any],
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
):
    owner, friend_user = make_user("applicant"), make_user("applicant")
    owner_h, friend = login(owner), login(friend_user)
    number = client.post("/applications", json=application_payload(), headers=owner_h).json()["application_number"]
    assert client.get(f"/applications/{number}", headers=friend).status_code == 404
    assert client.get("/applications", headers=friend).json() == []

    def acting_for_the_owner(user: Any) -> Any:  # a clause of the shape of the representatives' one
        return Application.owner_id == owner.id if user.id == friend_user.id else None

    monkeypatch.setattr(access._rules, "APPLICANT_CLAUSES", (*access.APPLICANT_CLAUSES, acting_for_the_owner))
    assert client.get(f"/applications/{number}", headers=friend).status_code == 200
    assert [a["application_number"] for a in client.get("/applications", headers=friend).json()] == [number]
    assert client.get(f"/applications/{number}/history", headers=friend).status_code == 200
    assert "withdraw" in client.get(f"/applications/{number}/state", headers=friend).json()["allowed_actions"]
