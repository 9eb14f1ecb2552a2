"""The mail service against a real SMTP server: queued with the act, delivered once, failures recorded and retried."""

from __future__ import annotations

import email
import email.policy
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import JobRecord, MailMessage, utcnow
from ctpo.domain.jobs import records
from ctpo.domain.jobs.runner import JobRunner
from ctpo.lib.settings import MailSecurity, MailSettings
from ctpo.mail import SEND_MAIL, OutboxFolder, OutgoingMail, mail_job_bodies, queue_mail
from tests.mail_server import PASSWORD, USERNAME, Inbox, free_port, smtp_server

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.orm import Session


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[int, Inbox]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_sync_engine(database_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def _mail(to: str) -> OutgoingMail:
    return OutgoingMail(kind="test.hello", to=to, subject="Sälem — Привет", body="Your application KZ-2026-000001.\n")


def _queue(sessions: sessionmaker[Session], to: str) -> MailMessage:
    with sessions() as session, session.begin():
        return queue_mail(session, _mail(to), utcnow(), sender="CTPO <no-reply@ctpo.example>")


def _row(sessions: sessionmaker[Session], pk: int) -> MailMessage:
    with sessions() as session:
        row = session.get(MailMessage, pk)
        assert row is not None
        return row


def _runner(sessions: sessionmaker[Session], settings: MailSettings) -> JobRunner:
    return JobRunner(sessions, mail_job_bodies(sessions, settings), retry_base_seconds=0.0)


def _make_due(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        session.execute(update(JobRecord).values(next_attempt_at=utcnow()))


def test_a_rolled_back_act_sends_nothing(sessions: sessionmaker[Session]):
    with sessions() as session:
        queue_mail(session, _mail("nobody@example.kz"), utcnow())
        session.rollback()
    with sessions() as session:
        assert session.scalars(select(MailMessage)).all() == []
        assert session.scalars(select(JobRecord)).all() == []


def test_a_queued_message_is_sent_once_with_its_message_id(sessions: sessionmaker[Session], smtp: tuple[int, Inbox]):
    tag = uuid.uuid4().hex[:12]  # the module's SMTP inbox is shared; id() values repeat between tests
    port, inbox = smtp
    to = f"once-{port}-{tag}@example.kz"
    queued = _queue(sessions, to)
    settings = MailSettings(
        host="127.0.0.1", port=port, security=MailSecurity.NONE, username=USERNAME, password=PASSWORD
    )
    runner = _runner(sessions, settings)

    (outcome,) = runner.run_due()
    assert outcome.status == records.SUCCEEDED
    (received,) = inbox.to(to)
    assert received["Message-ID"] == queued.message_id
    assert received["Subject"] == "Sälem — Привет"
    assert received.get_content().replace("\r\n", "\n") == "Your application KZ-2026-000001.\n"
    row = _row(sessions, queued.id)
    assert (row.status, row.attempts, row.transport, row.last_error) == ("sent", 1, "smtp", None)

    # the same job again (a redelivered broker message) and the body itself again: nothing more is sent
    assert runner.run(f"{SEND_MAIL}:{queued.id}").status == "skipped"
    mail_job_bodies(sessions, settings)[SEND_MAIL]("again", {"message": queued.id})
    assert len(inbox.to(to)) == 1


def test_a_failed_attempt_is_recorded_and_the_retry_sends_the_same_message(
    sessions: sessionmaker[Session], smtp: tuple[int, Inbox]
):
    tag = uuid.uuid4().hex[:12]  # the module's SMTP inbox is shared; id() values repeat between tests
    port, inbox = smtp
    to = f"retry-{port}-{tag}@example.kz"
    queued = _queue(sessions, to)
    down = MailSettings(host="127.0.0.1", port=free_port(), security=MailSecurity.NONE, timeout_seconds=2)

    (outcome,) = _runner(sessions, down).run_due()
    assert outcome.status == records.RETRY
    row = _row(sessions, queued.id)
    assert row.status == "retrying"
    assert row.attempts == 1
    assert "Connection refused" in (row.last_error or "") or "Errno" in (row.last_error or "")
    assert inbox.to(to) == []

    _make_due(sessions)
    (outcome,) = _runner(sessions, MailSettings(host="127.0.0.1", port=port, security=MailSecurity.NONE)).run_due()
    assert outcome.status == records.SUCCEEDED
    (received,) = inbox.to(to)
    assert received["Message-ID"] == queued.message_id
    assert _row(sessions, queued.id).status == "sent"


def test_a_message_whose_every_attempt_fails_is_marked_failed_and_its_job_is_a_dead_letter(
    sessions: sessionmaker[Session],
):
    queued = _queue(sessions, "never@example.kz")
    with sessions() as session, session.begin():
        session.execute(update(JobRecord).values(max_attempts=2))
    down = MailSettings(host="127.0.0.1", port=free_port(), security=MailSecurity.NONE, timeout_seconds=2)
    runner = _runner(sessions, down)
    assert runner.run_due()[0].status == records.RETRY
    _make_due(sessions)
    assert runner.run_due()[0].status == records.DEAD
    row = _row(sessions, queued.id)
    assert (row.status, row.attempts) == ("failed", 2)
    assert row.last_error


def test_with_mail_off_each_message_is_kept_once_in_the_outbox_folder(sessions: sessionmaker[Session], tmp_path: Path):
    settings = MailSettings(outbox_dir=tmp_path / "outbox")
    queued = _queue(sessions, "kept@example.kz")
    assert _runner(sessions, settings).run_due()[0].status == records.SUCCEEDED
    path = OutboxFolder(settings.outbox_dir).path_of(queued.message_id)
    kept = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert kept["Message-ID"] == queued.message_id
    assert kept["To"] == "kept@example.kz"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    row = _row(sessions, queued.id)
    assert (row.status, row.transport) == ("kept", "outbox")
    mail_job_bodies(sessions, settings)[SEND_MAIL]("again", {"message": queued.id})
    assert list(settings.outbox_dir.iterdir()) == [path]


def test_unknown_security_setting_is_refused_at_start():
    with pytest.raises(ValueError, match=r"CTPO_MAIL_SECURITY must be one of starttls, ssl, none, not 'tls1'"):
        mail_job_bodies(sessionmaker(), replace(MailSettings(host="x"), security="tls1"))


def test_a_header_with_a_line_break_is_refused(sessions: sessionmaker[Session]):
    with sessions() as session, pytest.raises(ValueError, match="line break"):
        queue_mail(
            session, OutgoingMail(kind="x", to="a@example.kz\r\nBcc: b@example.kz", subject="s", body="b"), utcnow()
        )
