"""Concurrent filings over real HTTP against a real ``ctpo serve`` process: numbers stay unique and gapless."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx

from tests.support import PASSWORD, application_payload, create_user, live_server

if TYPE_CHECKING:
    from pathlib import Path

FILINGS = 50


async def _file_all(base: str, token: str) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=FILINGS)) as http:
        tasks = [
            http.post("/applications", json=application_payload(title=f"Invention {i}"), headers=headers)
            for i in range(FILINGS)
        ]
        return await asyncio.gather(*tasks)


def test_fifty_concurrent_filings_get_distinct_gapless_numbers(database_url: str, tmp_path: Path):
    user = create_user(database_url, "applicant")
    env = {"CTPO_DATABASE_URL": database_url, "CTPO_DATA_DIR": str(tmp_path), "CTPO_SECRET_KEY": "k" * 40}
    with live_server(env) as base:
        token = httpx.post(f"{base}/auth/login", json={"email": user.email, "password": PASSWORD}).json()[
            "access_token"
        ]
        responses = asyncio.run(_file_all(base, token))
        assert [r.status_code for r in responses] == [201] * FILINGS, [
            r.text for r in responses if r.status_code != 201
        ]
        numbers = sorted(r.json()["application_number"] for r in responses)
        assert len(set(numbers)) == FILINGS
        assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, FILINGS + 1))

        stored = httpx.get(
            f"{base}/applications", params={"limit": 500}, headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert sorted(a["application_number"] for a in stored) == numbers
        titles = {r.json()["application_number"]: r.json()["title"] for r in responses}
        assert {a["application_number"]: a["title"] for a in stored} == titles
