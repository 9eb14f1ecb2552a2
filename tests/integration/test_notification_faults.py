"""Notification under faults: SIGKILL the mail worker while it sends, stop the SMTP server mid-way.

Four deficiency notices go to an applicant and its representative: eight e-mails, each queued with its act. A
worker process sends them through a slow real SMTP server (aiosmtpd); it is SIGKILLed while the server is taking a
message, the server is then stopped while a second worker tries, and started again. In the end every communication
reached every recipient, and by Message-ID exactly once: a message the killed worker had handed over before its row
said so may arrive twice, but with the same Message-ID, which is what receiving systems deduplicate on.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import Communication, MailMessage
from tests.mail_server import Inbox, free_port
from tests.support import REPO, application_payload

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.testing import TestClient


class SlowInbox(Inbox):
    """Takes its time over each message, so a worker can be killed in the middle of a send."""

    def __init__(self) -> None:
        super().__init__()
        self.started = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        self.started += 1
        await asyncio.sleep(0.4)
        return await super().handle_DATA(server, session, envelope)


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _worker(database_url: str, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.mail_worker", database_url, str(port)],
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill(worker: subprocess.Popen[bytes]) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def test_worker_killed_while_sending_and_smtp_server_stopped_lose_and_duplicate_nothing(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]], database_url: str
):
    if not database_url.startswith("sqlite"):
        pytest.skip("the delivery path is the same on PostgreSQL; one database keeps the suite fast")
    applicant, attorney = make_user("applicant"), make_user("applicant")
    examiner, admin = make_user("examiner", "KZ"), make_user("office_admin", "KZ")
    owner, staff = login(applicant), login(examiner)
    client.post(
        "/offices/KZ/representatives",
        json={"registration_number": "KZ-PA-9001", "account_email": attorney.email, "name": "PB", "address": "-"},
        headers=login(admin),
    )
    assert client.post("/powers-of-attorney", json={"representative": "KZ-PA-9001"}, headers=owner).status_code == 201
    for _ in range(4):
        number = client.post("/applications", json=application_payload(), headers=owner).json()["application_number"]
        for action, payload in (
            ("claim", {}),
            ("begin_formalities_check", {}),
            ("issue_deficiency_notice", {"deficiencies": ["Drawings missing."]}),
        ):
            answer = client.post(f"/applications/{number}/actions/{action}", json={"payload": payload}, headers=staff)
            assert answer.status_code == 200, answer.text

    engine = create_sync_engine(database_url)
    sessions = sessionmaker(engine)
    with sessions() as session:
        expected = {
            m.message_id: m.to_address
            for m in session.execute(
                select(MailMessage).where(MailMessage.kind == "notification.deficiency_notice")
            ).scalars()
        }
        assert session.execute(select(Communication)).scalars().all()
    assert len(expected) == 8

    inbox = SlowInbox()
    port = free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    first = _worker(database_url, port)
    try:
        _wait(lambda: inbox.started >= 2, 30, "the worker to be in the middle of a second message")
        _kill(first)  # SIGKILL in the middle of a send
        server.stop()  # and the server goes away mid-way
        second = _worker(database_url, port)
        try:

            def retrying() -> bool:
                with sessions() as session:
                    return bool(session.execute(select(MailMessage.id).where(MailMessage.status == "retrying")).first())

            _wait(retrying, 30, "a delivery to fail against the stopped server")
            server = Controller(inbox, hostname="127.0.0.1", port=port)
            server.start()

            def all_sent() -> bool:
                with sessions() as session:
                    statuses = session.execute(
                        select(MailMessage.status).where(MailMessage.message_id.in_(expected))
                    ).scalars()
                    return set(statuses) == {"sent"}

            _wait(all_sent, 60, "every message to be sent")
        finally:
            _kill(second)
    finally:
        server.stop()
        engine.dispose()

    received = Counter(str(m["Message-ID"]) for m in inbox.messages)
    assert set(received) == set(expected), "every communication reached every recipient, nothing unexpected"
    for message in inbox.messages:
        assert expected[str(message["Message-ID"])] in message["To"]
    duplicates = {mid: n for mid, n in received.items() if n > 1}
    assert sum(duplicates.values()) - len(duplicates) <= 1, "at most the message in flight at the kill came twice"
