"""ORM models, one per private module, re-exported here so callers import the package."""

from __future__ import annotations

from ctpo.db.models._application import (
    Application,
    ApplicationSequence,
    Claim,
    Document,
    IdempotencyRecord,
    IpcClass,
    Party,
    PartyKind,
    PriorityClaim,
)
from ctpo.db.models._audit import AuditRecord
from ctpo.db.models._base import Base, utcnow
from ctpo.db.models._communication import Communication, CommunicationRead
from ctpo.db.models._corpus import CorpusDocument
from ctpo.db.models._desk import DeskPreference
from ctpo.db.models._examination import (
    CalendarChange,
    DeadlineRecord,
    HistoryRecord,
    OfficeCalendarDay,
    ProceduralDocument,
)
from ctpo.db.models._examiner_profile import ExaminerField, ExaminerLanguage
from ctpo.db.models._fees import (
    Designation,
    FeePayment,
    LedgerAccount,
    LedgerLeg,
    LedgerTransaction,
    Patent,
    PatentState,
    PublishedFeeSchedule,
    Renewal,
    RenewalStatus,
)
from ctpo.db.models._ingest import IngestBatch, IngestChunk, PassageEmbedding
from ctpo.db.models._international import InternationalEntry
from ctpo.db.models._jobs import AutomatedSearch, JobRecord
from ctpo.db.models._legal_event import LegalEventRecord
from ctpo.db.models._login_throttle import LoginThrottle
from ctpo.db.models._mail import MailMessage, MailStatus
from ctpo.db.models._parties import ObservationRecord, TransferRecord
from ctpo.db.models._publication import Publication, PublicationSeries, RegisterNameKey
from ctpo.db.models._registration import PendingRegistration, RevokedToken
from ctpo.db.models._representation import PowerOfAttorney, Representative
from ctpo.db.models._user import Role, User

__all__ = [
    "Application",
    "ApplicationSequence",
    "AuditRecord",
    "AutomatedSearch",
    "Base",
    "CalendarChange",
    "Claim",
    "Communication",
    "CommunicationRead",
    "CorpusDocument",
    "DeadlineRecord",
    "Designation",
    "DeskPreference",
    "Document",
    "ExaminerField",
    "ExaminerLanguage",
    "FeePayment",
    "HistoryRecord",
    "IdempotencyRecord",
    "IngestBatch",
    "IngestChunk",
    "InternationalEntry",
    "IpcClass",
    "JobRecord",
    "LedgerAccount",
    "LedgerLeg",
    "LedgerTransaction",
    "LegalEventRecord",
    "LoginThrottle",
    "MailMessage",
    "MailStatus",
    "ObservationRecord",
    "OfficeCalendarDay",
    "Party",
    "PartyKind",
    "PassageEmbedding",
    "Patent",
    "PatentState",
    "PendingRegistration",
    "PowerOfAttorney",
    "PriorityClaim",
    "ProceduralDocument",
    "Publication",
    "PublicationSeries",
    "PublishedFeeSchedule",
    "RegisterNameKey",
    "Renewal",
    "RenewalStatus",
    "Representative",
    "RevokedToken",
    "Role",
    "TransferRecord",
    "User",
    "utcnow",
]
