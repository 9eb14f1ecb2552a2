"""Demo accounts and sample applications, so a new user can log in and look around at once.

Loaded only when ``CTPO_LOAD_SAMPLE_DATA`` is set (the README's start command sets it); idempotent.
The passwords are public by design: never set that variable on a production deployment.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from ctpo.db.models import Application, Role, User
from ctpo.domain.accounts.services import AccountService
from ctpo.domain.examination.schemas import ActionIn
from ctpo.domain.examination.services import ExaminationService
from ctpo.domain.filings import schemas as s
from ctpo.domain.filings.services import FilingService
from ctpo.domain.worksharing.services import WorkSharingService
from workflows import Action

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from ctpo.domain.filings.storage import DocumentStore

DEMO_ACCOUNTS: tuple[tuple[str, str, Role, str | None, str], ...] = (
    ("applicant@demo.ctpo.example", "Aigerim Sadykova", Role.APPLICANT, None, "demo-applicant-2026"),
    ("attorney@demo.ctpo.example", "Mehmet Yılmaz", Role.APPLICANT, None, "demo-attorney-2026"),
)
"""Names are people's names only: pages show the role next to the name ("Aigerim Sadykova (applicant)")."""
DEMO_STAFF_NAMES: dict[tuple[Role, str], str] = {
    (Role.EXAMINER, "TR"): "Elif Demir",
    (Role.OFFICE_ADMIN, "TR"): "Ahmet Kaya",
    (Role.EXAMINER, "AZ"): "Leyla Məmmədova",
    (Role.OFFICE_ADMIN, "AZ"): "Rəşad Quliyev",
    (Role.EXAMINER, "KZ"): "Dana Nurlanqyzy",
    (Role.OFFICE_ADMIN, "KZ"): "Yerlan Abenov",
    (Role.EXAMINER, "KG"): "Aizada Toktosunova",
    (Role.OFFICE_ADMIN, "KG"): "Bakyt Asanov",
    (Role.EXAMINER, "UZ"): "Dilnoza Karimova",
    (Role.OFFICE_ADMIN, "UZ"): "Jasur Tursunov",
}
DEMO_STAFF_PASSWORD = "demo-staff-2026"  # noqa: S105 - public demo credential, documented in the README
"""Password of every demo examiner (``examiner.kz@…``) and office admin (``admin.kz@…``)."""


def _sample_filings() -> list[s.ApplicationIn]:
    applicant = s.PartyIn(name="Aigerim Sadykova", country="KZ", address="Mangilik El 55, Astana")
    return [
        s.ApplicationIn(
            receiving_office="KZ",
            language="kk",
            title="Литий-ионды аккумулятор батареясын салқындату жүйесі",
            abstract="Аккумулятор ұяшықтарының арасындағы жылу өткізгіш пластиналар арқылы сұйықтықпен салқындату.",
            description="Өнертабыс электр көліктерінің литий-ионды батареяларына қатысты. Ұяшықтар арасына "
            "алюминий пластиналар орнатылып, олар сұйық салқындатқыш арнасына қосылады.",
            claims=[
                s.ClaimIn(1, "Литий-ионды батарея модулі, ұяшықтар арасындағы жылу өткізгіш пластиналармен."),
                s.ClaimIn(2, "1-тармақ бойынша модуль, мұнда пластиналар алюминийден жасалған."),
            ],
            applicants=[applicant],
            inventors=[applicant],
            ipc=["H01M 10/613", "H01M 10/6556"],
        ),
        s.ApplicationIn(
            receiving_office="TR",
            language="tr",
            title="Güneş paneli temizleme robotu",
            abstract="Fotovoltaik panellerin yüzeyini su kullanmadan fırçalarla temizleyen otonom robot.",
            description="Buluş, güneş enerjisi santrallerinde panel yüzeylerinin tozdan arındırılmasıyla ilgilidir. "
            "Robot, panel kenarındaki raylar üzerinde hareket eder ve döner fırçalar kullanır.",
            claims=[s.ClaimIn(1, "Panel kenarındaki raylar üzerinde hareket eden, döner fırçalı temizleme robotu.")],
            applicants=[s.PartyIn(name="Anadolu Enerji A.Ş.", country="TR", address="Çankaya, Ankara")],
            inventors=[s.PartyIn(name="Mehmet Yılmaz", country="TR", address="Çankaya, Ankara")],
            priority_claims=[],
            ipc=["H02S 40/10"],
        ),
        s.ApplicationIn(
            receiving_office="UZ",
            language="uz",
            title="Paxta tolasini namlash qurilmasi",
            abstract="Paxta tolasini presslashdan oldin bir xil namlash uchun bug'li qurilma.",
            description="Ixtiro paxta tozalash sanoatiga tegishli. Qurilma tolaga bug'ni bir tekis purkaydi.",
            claims=[s.ClaimIn(1, "Paxta tolasini bug' bilan namlash qurilmasi, purkagichlar qatori bilan.")],
            applicants=[s.PartyIn(name="Toshkent To'qimachilik MChJ", country="UZ", address="Toshkent")],
            ipc=["D01B 1/00"],
            priority_claims=[s.PriorityClaimIn(office="UZ", number="IAP 2026 0042", date=date(2026, 3, 2))],
        ),
    ]


DEMO_EXAMINER_LANGUAGES: dict[str, tuple[str, ...]] = {
    "TR": ("tr", "az", "en"),
    "AZ": ("az", "tr", "ru"),
    "KZ": ("kk", "ru", "en"),
    "KG": ("ky", "ru", "kk"),
    "UZ": ("uz", "ru", "en"),
}
"""What each demo examiner reads: their office's language and neighbours', so files can be shared across offices."""
DEMO_EXAMINER_FIELDS: dict[str, tuple[str, ...]] = {
    "TR": ("B60", "H01M"),
    "AZ": ("C10", "E21B"),
    "KZ": ("H01M", "H02J"),
    "KG": ("A01", "E02"),
    "UZ": ("D01", "D06"),
}


async def load_demo(session_factory: async_sessionmaker[AsyncSession], store: DocumentStore) -> None:
    """Create the demo accounts and sample applications unless they already exist."""
    async with session_factory() as session:
        accounts = AccountService(session)
        existing = set((await session.execute(select(User.email))).scalars())
        for email, name, role, office, password in DEMO_ACCOUNTS:
            if email not in existing:
                await accounts.create(email=email, full_name=name, password=password, role=role, office=office)
        for office in ("TR", "AZ", "KZ", "KG", "UZ"):
            for role, prefix in ((Role.EXAMINER, "examiner"), (Role.OFFICE_ADMIN, "admin")):
                email = f"{prefix}.{office.lower()}@demo.ctpo.example"
                if email not in existing:
                    name = DEMO_STAFF_NAMES[role, office]
                    user = await accounts.create(
                        email=email, full_name=name, password=DEMO_STAFF_PASSWORD, role=role, office=office
                    )
                    if role is Role.EXAMINER:
                        await WorkSharingService(session).set_profile(
                            user, user.id, DEMO_EXAMINER_LANGUAGES[office], DEMO_EXAMINER_FIELDS[office]
                        )
        if (await session.execute(select(func.count()).select_from(Application))).scalar_one():
            return
        owner = (await session.execute(select(User).where(User.email == DEMO_ACCOUNTS[0][0]))).scalar_one()
        filing = FilingService(session, store, max_document_bytes=1 << 20)
        numbers = []
        for application in _sample_filings():
            receipt = await filing.file(owner, application, [], idempotency_key=f"demo-{application.title}")
            numbers.append(receipt.receipt.application_number)
        await _publish_samples(session, owner, numbers)


async def _publish_samples(session: AsyncSession, owner: User, numbers: list[str]) -> None:
    """Take the first two samples to publication, so the public register has something to show.

    The Kazakh one is published before its search report (A2), the Turkish one with it (A1).
    """
    staff = {
        (user.role, user.office): user
        for user in (await session.execute(select(User).where(User.office.is_not(None)))).scalars()
    }
    examination = ExaminationService(session)
    report = {"citations": [{"document_id": "US 11617522 B2", "category": "X", "claims": [1], "passage": "claim 1"}]}
    for number, office, with_report in ((numbers[0], "KZ", False), (numbers[1], "TR", True)):
        examiner, admin = staff[Role.EXAMINER, office], staff[Role.OFFICE_ADMIN, office]
        steps: list[tuple[User, Action, dict[str, Any]]] = [
            (examiner, a, {}) for a in (Action.CLAIM, Action.BEGIN_FORMALITIES_CHECK, Action.COMPLETE_FORMALITIES)
        ]
        if with_report:
            steps.append((examiner, Action.ISSUE_SEARCH_REPORT, report))
        steps += [(owner, Action.REQUEST_EARLY_PUBLICATION, {}), (admin, Action.PUBLISH, {})]
        for user, action, payload in steps:
            await examination.act(user, number, action, ActionIn(payload=payload))
