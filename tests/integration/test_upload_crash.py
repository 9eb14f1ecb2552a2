"""SIGKILL of a real ``ctpo serve`` during large multipart uploads, round after round, at varied moments.

Half the rounds kill the server the moment a document write has begun (a temporary file appears in the store),
the other half after a random delay (while the body streams in, while it is parsed, around the commit). After
every kill the store is scanned and the server restarted on the same database and store:

* every file whose name is a SHA-256 holds exactly the bytes with that hash: no half-written file is ever
  addressed by its hash (writes go to a temporary file, fsync, rename);
* anything else in the store is a temporary file of a cut-off write, in the ``.incoming`` directory;
* every application row has all its documents, and each of them is on disk and verifies;
* every receipt a client got back is still served, identical, with the same bytes for each document.

Across the rounds at least one kill must have cut a write in the middle (a temporary file was left behind),
otherwise the test has not shown what it claims.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import func, select

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import Application, Document
from ctpo.domain.filings.storage import INCOMING
from tests.servers import ApiServer
from tests.support import PASSWORD, application_payload, create_user, real_pdf

if TYPE_CHECKING:
    from pathlib import Path

ROUNDS = 4
UPLOADS_PER_ROUND = 3
DOCUMENT_BYTES = 3 * 1024 * 1024
DOCUMENTS = 3
_HEX = re.compile(r"[0-9a-f]{64}")


def _documents() -> list[tuple[str, bytes, str]]:
    """Three large documents with fresh content, so every write is a new file."""
    noise = os.urandom(DOCUMENT_BYTES // 2).hex().encode()  # text: hex is UTF-8
    return [
        ("description.pdf", real_pdf(os.urandom(DOCUMENT_BYTES)), "application/pdf"),
        ("abstract.txt", noise[: DOCUMENT_BYTES - 1] + b"\n", "text/plain"),
        ("claims.xml", b"<claims><claim>" + noise[:DOCUMENT_BYTES] + b"</claim></claims>", "application/xml"),
    ]


def _scan_store(root: Path) -> int:
    """Assert every hash-named file matches its name; return how many temporary files are lying around."""
    temporary = 0
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.parent == root / INCOMING and path.name.startswith(".incoming-"):
            temporary += 1
            continue
        assert _HEX.fullmatch(path.name), f"a file that is neither a document nor a write in progress: {path}"
        assert path.parent == root / path.name[:2] / path.name[2:4], path
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name, f"torn document under its hash: {path}"
    return temporary


def _assert_whole_filings(database_url: str, root: Path) -> int:
    """No application without all its documents; every document on disk and verified. Return the count."""
    engine = create_sync_engine(database_url)
    try:
        with engine.connect() as conn:
            applications = conn.execute(select(Application.id)).scalars().all()
            counts = dict(
                conn.execute(select(Document.application_id, func.count()).group_by(Document.application_id)).all()
            )
            digests = conn.execute(select(Document.sha256)).scalars().all()
    finally:
        engine.dispose()
    assert all(counts.get(a) == DOCUMENTS for a in applications), "an application lacks documents"
    for digest in digests:
        path = root / digest[:2] / digest[2:4] / digest
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"document {digest} missing or torn"
    return len(applications)


class Uploads:
    """Large multipart filings sent concurrently; the receipts that came back and the bytes sent for each."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token
        self.receipts: list[tuple[dict[str, Any], list[bytes]]] = []
        self._lock = threading.Lock()

    def send(self, key: str) -> None:
        documents = _documents()
        try:
            response = httpx.post(
                f"{self.base}/applications/multipart",
                data={"application": json.dumps(application_payload(title=f"Crash filing {key}"))},
                files=[("documents", d) for d in documents],
                headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": key},
                timeout=60,
            )
        except httpx.HTTPError:
            return  # cut off by the kill
        if response.status_code == 201:
            with self._lock:
                self.receipts.append((response.json(), [content for _, content, _ in documents]))

    def start(self, round_number: int) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self.send, args=(f"r{round_number}-{i}",), daemon=True)
            for i in range(UPLOADS_PER_ROUND)
        ]
        for thread in threads:
            thread.start()
        return threads


def _temporary_files(root: Path) -> set[str]:
    incoming = root / INCOMING
    return {p.name for p in incoming.iterdir()} if incoming.is_dir() else set()


def _kill_when_a_write_begins(api: ApiServer, root: Path, timeout: float = 30) -> None:
    """SIGKILL as soon as a new temporary file appears: a document write has started and is not yet renamed."""
    leftovers = _temporary_files(root)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not _temporary_files(root) - leftovers:
        time.sleep(0.0005)
    api.kill()


def test_kill_9_mid_upload_and_mid_write_never_leaves_a_torn_document(database_url: str, tmp_path: Path):
    user = create_user(database_url, "applicant")
    root = tmp_path / "documents"
    env = {
        "CTPO_DATABASE_URL": database_url,
        "CTPO_DATA_DIR": str(tmp_path),
        "CTPO_STORAGE_DIR": str(root),
        "CTPO_SECRET_KEY": "crash-secret-key-with-enough-entropy-0123456789",
        "CTPO_SEARCH_AUTOSTART": "0",
        "CTPO_SWEEP_INTERVAL_SECONDS": "0",
        "CTPO_JOB_POLL_SECONDS": "0",
    }
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    api = ApiServer(env, tmp_path)
    receipts: list[tuple[dict[str, Any], list[bytes]]] = []
    cut_writes = 0
    """Rounds after which a temporary file of that round's writes was left: the kill cut a write."""
    try:
        for round_number in range(ROUNDS):
            api.start()
            token = httpx.post(f"{api.base}/auth/login", json={"email": user.email, "password": PASSWORD})
            uploads = Uploads(api.base, token.json()["access_token"])
            leftovers = _temporary_files(root)
            threads = uploads.start(round_number)
            if round_number % 2 == 0:
                _kill_when_a_write_begins(api, root)
            else:
                time.sleep(rng.uniform(0.1, 3.0))
                api.kill()
            for thread in threads:
                thread.join(timeout=60)
            receipts += uploads.receipts
            _scan_store(root)
            cut_writes += bool(_temporary_files(root) - leftovers)
            _assert_whole_filings(database_url, root)

        api.start()
        with httpx.Client(
            base_url=api.base, headers={"Authorization": f"Bearer {token.json()['access_token']}"}
        ) as http:
            for receipt, contents in receipts:
                number = receipt["application_number"]
                assert http.get(f"/applications/{number}/receipt").json() == receipt
                for document, content in zip(receipt["documents"], contents, strict=True):
                    assert document["sha256"] == hashlib.sha256(content).hexdigest()
                    assert http.get(f"/applications/{number}/documents/{document['sha256']}").content == content
        filed = _assert_whole_filings(database_url, root)
        assert filed >= len(receipts)
    finally:
        api.stop()
    assert cut_writes >= 1, "no kill landed in the middle of a document write"
    print(f"rounds {ROUNDS}, receipts {len(receipts)}, filed {filed}, rounds with a cut write {cut_writes}")  # noqa: T201
