"""Official notification end to end against a real SMTP server (aiosmtpd): inbox, e-mail, notification dates.

One procedure: a Kazakh-language filing by an applicant with a representative; deficiency notice, correction,
search report, office action; every communication in the inbox of both, one e-mail each in Kazakh with a stable
Message-ID, time limits counted from the recorded notification date and naming it; reads recorded; the 7-day
reminder; an address the server refuses stays a visible failure while the communication stays in the inbox.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import JobRecord, utcnow
from ctpo.domain.jobs.runner import JobRunner
from ctpo.domain.notifications.services import send_reminders
from ctpo.lib.settings import MailSecurity, MailSettings
from ctpo.mail import mail_job_bodies
from tests.mail_server import Inbox, smtp_server
from tests.support import application_payload, record_bank_transfer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from litestar.testing import TestClient
    from sqlalchemy.orm import Session

    from ctpo.lib.settings import Settings

REFUSED = "refused"


class RefusingInbox(Inbox):
    """Accepts mail, except for addresses whose local part says ``refused`` (a 550, like a dead mailbox)."""

    async def handle_RCPT(self, _server: Any, session: Any, envelope: Any, address: str, _options: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        if address.startswith(REFUSED):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[int, Inbox]]:
    inbox = RefusingInbox()
    with smtp_server(inbox) as server:
        yield server


@pytest.fixture
def settings(settings: Settings, smtp: tuple[int, Inbox]) -> Settings:
    mail = MailSettings(host="127.0.0.1", port=smtp[0], security=MailSecurity.NONE, sender="CTPO <notify@ctpo.example>")
    return dataclasses.replace(settings, mail=mail)


@pytest.fixture
def deliver(settings: Settings, database_url: str) -> Iterator[Callable[[], None]]:
    """Run the due mail jobs now, as the background runner would."""
    engine = create_sync_engine(database_url)
    sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)

    def run() -> None:
        with sessions() as session, session.begin():
            session.execute(update(JobRecord).where(JobRecord.finished_at.is_(None)).values(next_attempt_at=utcnow()))
        JobRunner(sessions, mail_job_bodies(sessions, settings.mail), retry_base_seconds=0.0).run_due()

    yield run
    engine.dispose()


def test_full_procedure_notified_to_applicant_and_representative(  # noqa: PLR0915 - one procedure, told in order
    client: TestClient[Any],
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
    smtp: tuple[int, Inbox],
    deliver: Callable[[], None],
    database_url: str,
):
    _, server = smtp
    server.messages.clear()
    server.recipients.clear()
    applicant, attorney = make_user("applicant"), make_user("applicant")
    examiner, admin = make_user("examiner", "KZ"), make_user("office_admin", "KZ")
    owner, rep, staff = login(applicant), login(attorney), login(examiner)
    listed = client.post(
        "/offices/KZ/representatives",
        json={
            "registration_number": "KZ-PA-7001",
            "account_email": attorney.email,
            "name": "Patent Bureau",
            "address": "Almaty",
        },
        headers=login(admin),
    )
    assert listed.status_code == 201
    number = client.post("/applications", json=application_payload(), headers=owner).json()["application_number"]
    assert (
        client.post(
            "/powers-of-attorney", json={"representative": "KZ-PA-7001", "application_number": number}, headers=owner
        ).status_code
        == 201
    )

    def act(headers: dict[str, str], action: str, payload: dict[str, Any] | None = None) -> Any:
        response = client.post(
            f"/applications/{number}/actions/{action}", json={"payload": payload or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    act(staff, "claim")
    act(staff, "begin_formalities_check")
    act(staff, "issue_deficiency_notice", {"deficiencies": ["The abstract exceeds 150 words."]})
    act(owner, "file_correction", {"explanation": "Abstract shortened."})
    act(staff, "complete_formalities")
    act(
        staff,
        "issue_search_report",
        {"citations": [{"document_id": "KZ 1234 B", "category": "A", "claims": [1], "passage": "p. 2"}]},
    )
    record_bank_transfer(client, number, "examination", login(admin))
    act(rep, "request_examination")
    act(staff, "issue_office_action", {"objections": [{"claims": [1], "ground": "novelty", "reasoning": "D1."}]})
    deliver()

    inbox = client.get("/inbox", headers=rep).json()
    assert [c["kind"] for c in inbox] == ["office_action", "search_report", "deficiency_notice"]
    assert client.get("/inbox", headers=owner).json() == client.get("/inbox", headers=rep).json()  # both, unread
    assert client.get("/inbox", headers=login(make_user("applicant"))).json() == []
    office_action = inbox[0]
    assert office_action["reference"].startswith(f"{number}/")
    assert office_action["language"] == "kk"

    # the time limit runs from the recorded notification date, and its explanation names the notification
    deadlines = {d["kind"]: d for d in client.get(f"/applications/{number}/deadlines", headers=owner).json()}
    trigger = deadlines["respond_to_office_action"]["explanation"][0]
    assert trigger["date"] == office_action["notified_on"]
    assert office_action["reference"] in trigger["detail"]
    assert "deemed notified" in trigger["detail"]
    assert deadlines["respond_to_office_action"]["due_date"] == office_action["reply_due"]

    # one e-mail per communication and recipient, in the language of the proceedings, stable Message-IDs
    assert sorted(a for r in server.recipients for a in r) == sorted([applicant.email, attorney.email] * 3)
    for message in server.to(attorney.email):
        assert message["Message-ID"]
        assert "өтінім" in message.get_content()  # Kazakh
    assert len({m["Message-ID"] for m in server.messages}) == 6

    # reads are recorded per reader; the office sees who read what and how delivery went
    opened = client.get(f"/inbox/{office_action['id']}", headers=rep).json()
    assert opened["read_at"] is not None
    assert client.get("/inbox", headers=owner).json()[0]["read_at"] is None  # the client has not read it yet
    seen = client.get(f"/applications/{number}/communications", headers=staff).json()
    assert [c["kind"] for c in seen] == ["deficiency_notice", "search_report", "office_action"]
    assert {d["status"] for c in seen for d in c["deliveries"]} == {"sent"}

    # 7 days on: the unread search report awaiting a request gets one reminder, the read office action none
    engine = create_sync_engine(database_url)
    try:
        with sessionmaker(engine)() as session, session.begin():
            assert send_reminders(session, utcnow() + timedelta(days=6)) == 0
        with sessionmaker(engine)() as session, session.begin():
            # deficiency notice answered, search report answered (examination requested), office action read
            assert send_reminders(session, utcnow() + timedelta(days=7, minutes=1)) == 0
    finally:
        engine.dispose()


def test_unread_communication_awaiting_reply_is_reminded_once_and_refused_address_is_visible(
    client: TestClient[Any],
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
    smtp: tuple[int, Inbox],
    deliver: Callable[[], None],
    database_url: str,
):
    _, server = smtp
    server.messages.clear()
    server.recipients.clear()
    applicant = make_user("applicant", email=f"{REFUSED}-{make_user('applicant').id.hex[:8]}@test.example")
    examiner = make_user("examiner", "KZ")
    owner, staff = login(applicant), login(examiner)
    number = client.post("/applications", json=application_payload(language="ru"), headers=owner).json()[
        "application_number"
    ]
    for action, payload in (
        ("claim", {}),
        ("begin_formalities_check", {}),
        ("issue_deficiency_notice", {"deficiencies": ["Claims unsigned."]}),
    ):
        assert (
            client.post(
                f"/applications/{number}/actions/{action}", json={"payload": payload}, headers=staff
            ).status_code
            == 200
        )
    for _ in range(9):  # every attempt, until the job is a dead letter
        deliver()
    (notice,) = client.get("/inbox", headers=owner).json()  # refused by mail, still notified in the inbox
    assert notice["deliveries"][0]["status"] == "failed"
    assert "550" in notice["deliveries"][0]["error"]
    office = client.get(f"/applications/{number}/communications", headers=staff).json()
    assert office[0]["deliveries"][0]["status"] == "failed"
    assert server.to(applicant.email) == []

    engine = create_sync_engine(database_url)
    try:
        with sessionmaker(engine)() as session, session.begin():
            assert send_reminders(session, utcnow() + timedelta(days=7, minutes=1)) == 1
        with sessionmaker(engine)() as session, session.begin():
            assert send_reminders(session, utcnow() + timedelta(days=8)) == 0  # once
    finally:
        engine.dispose()
    reminded = client.get("/inbox", headers=owner).json()[0]
    assert reminded["reminder_sent_at"] is not None
    assert reminded["language"] == "ru"


def test_renewal_fee_unpaid_past_its_due_date_is_notified_once_per_year(
    client: TestClient[Any],
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
    database_url: str,
):
    from ctpo.db.models import Application, Renewal  # noqa: PLC0415 - only this test writes fee rows
    from ctpo.domain.notifications.services import remind_once  # noqa: PLC0415

    owner = login(make_user("applicant"))
    number = client.post(
        "/applications", json=application_payload(language="tr", receiving_office="TR"), headers=owner
    ).json()["application_number"]
    today = utcnow().date()
    engine = create_sync_engine(database_url)
    sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    try:
        with sessions() as session, session.begin():
            app_id = session.execute(select(Application.id).where(Application.number == number)).scalar_one()
            for scope, grace in (("TR", 90), ("KZ", 120)):
                session.add(
                    Renewal(
                        application_id=app_id,
                        scope=scope,
                        year=3,
                        due_date=today - timedelta(days=20),
                        payable_from=today - timedelta(days=200),
                        pay_until=today - timedelta(days=18),
                        grace_end=today + timedelta(days=grace),
                        status="open",
                    )
                )
        assert remind_once(sessions, utcnow()) == 1
        assert remind_once(sessions, utcnow() + timedelta(days=1)) == 0  # once per file and year
    finally:
        engine.dispose()
    (reminder,) = client.get("/inbox", headers=owner).json()
    assert reminder["kind"] == "renewal_reminder"
    assert reminder["reference"] == f"{number}/renewal-3"
    assert reminder["language"] == "tr"
    assert "KZ, TR" in reminder["body"]
    assert reminder["reply_due"] == (today + timedelta(days=120)).isoformat()
