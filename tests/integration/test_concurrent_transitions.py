"""Conflicting transitions sent at the same moment over HTTP: exactly one lands, the others get a clean 409."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.support import PASSWORD, application_payload, create_user, live_server

if TYPE_CHECKING:
    from pathlib import Path

PARALLEL = 12


def _token(base: str, email: str) -> str:
    return str(httpx.post(f"{base}/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"])


async def _race(base: str, number: str, tokens: list[str], action: str) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        return await asyncio.gather(
            *(
                http.post(
                    f"/applications/{number}/actions/{action}",
                    json={"payload": {}},
                    headers={"Authorization": f"Bearer {t}"},
                )
                for t in tokens
            )
        )


@pytest.mark.postgres
def test_parallel_conflicting_transitions(database_url: str, tmp_path: Path):
    applicant = create_user(database_url, "applicant")
    examiners = [create_user(database_url, "examiner", "KZ") for _ in range(PARALLEL)]
    env = {"CTPO_DATABASE_URL": database_url, "CTPO_DATA_DIR": str(tmp_path), "CTPO_SECRET_KEY": "c" * 40}
    with live_server(env, workers=2) as base:
        applicant_token = _token(base, applicant.email)
        filed = httpx.post(
            f"{base}/applications",
            json=application_payload(),
            headers={"Authorization": f"Bearer {applicant_token}"},
        )
        number = filed.json()["application_number"]
        tokens = [_token(base, e.email) for e in examiners]

        responses = asyncio.run(_race(base, number, tokens, "claim"))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [409] * (PARALLEL - 1), [r.text for r in responses if r.status_code != 409]
        for response in responses:
            if response.status_code == 409:
                assert response.headers["content-type"].startswith("application/problem+json")
                assert response.json()["detail"]
        winner = next(r for r in responses if r.status_code == 200).json()

        history = httpx.get(
            f"{base}/applications/{number}/history", headers={"Authorization": f"Bearer {tokens[0]}"}
        ).json()
        assert [h["action"] for h in history] == ["file", "claim"]
        state = httpx.get(
            f"{base}/applications/{number}/state", headers={"Authorization": f"Bearer {tokens[0]}"}
        ).json()
        assert state["version"] == winner["version"] == 2
