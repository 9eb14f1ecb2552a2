"""The document store's reads and writes (disk, fsync, SHA-256 of up to ``max_document_bytes``) never run on the
event loop: a large download or a transfer's evidence would stall every other request of the process meanwhile."""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING, Any

from ctpo.domain.filings.storage import DocumentStore
from tests.support import application_payload, inline_document

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar import Litestar
    from litestar.testing import TestClient


class LoopWatchingStore(DocumentStore):
    """The real store, noting for each call whether it ran on a thread that runs an event loop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, bool]] = []

    def _note(self, name: str) -> None:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        self.calls.append((name, on_loop))

    def put(self, content: bytes) -> str:
        self._note("put")
        return super().put(content)

    def get(self, digest: str) -> bytes:
        self._note("get")
        return super().get(digest)


def test_downloads_uploads_and_evidence_touch_the_store_off_the_event_loop(
    app: Litestar,
    client: TestClient[Any],
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
):
    store = LoopWatchingStore(app.state.settings.storage_dir)
    app.state.document_store = store
    seller, buyer = make_user("applicant"), make_user("applicant")
    old = login(seller)
    annex = b"Annex: drawings described in words."
    filed = client.post(
        "/applications",
        json=application_payload(documents=[inline_document("annex.txt", annex)]),
        headers=old,
    )
    assert filed.status_code == 201, filed.text
    number = filed.json()["application_number"]
    download = client.get(f"/applications/{number}/documents/{hashlib.sha256(annex).hexdigest()}", headers=old)
    assert download.status_code == 200
    assert download.content == annex
    deed = b"Deed of assignment, signed by both."
    body = {
        "new_owner_email": buyer.email,
        "applicants": [{"name": "Baku Batteries LLC", "country": "AZ", "address": "Nizami 10, Baku"}],
        "evidence": inline_document("deed.txt", deed),
    }
    assert client.post(f"/applications/{number}/transfers", json=body, headers=old).status_code == 201

    assert {name for name, _ in store.calls} == {"put", "get"}
    assert [call for call in store.calls if call[1]] == [], "the store was called on the event loop"
