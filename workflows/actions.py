# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""The names the procedure acts on, as types: actions, and what a transition asks of the service around it.

Every behaviour keyed on an action (deadline rules, follow-up jobs, checks, audit, the desk's forms) refers to
these members, never to a bare string, so renaming or removing an action fails at import or type-check time
instead of silently turning a branch off. ``tests/unit/workflows/test_action_names.py`` keeps it that way.
"""

from __future__ import annotations

import enum


class Action(enum.StrEnum):
    """Every act recorded in an application's history.

    Those recorded by a decision of their own (:attr:`FILE`, :attr:`RESCHEDULE_DEADLINES`,
    :attr:`RECORD_TRANSFER`, :attr:`ENTER_REGIONAL_PHASE`) are not transitions; every other one is declared as a
    :class:`~workflows.machine.Transition`.
    """

    FILE = "file"
    """The filing itself (:func:`~workflows.machine.open_application`), not a transition."""
    RESCHEDULE_DEADLINES = "reschedule_deadlines"
    """Deadlines moved by a calendar change (:func:`~workflows.machine.reschedule`), not a transition."""
    RECORD_TRANSFER = "record_transfer"
    """A transfer recorded in the file (:func:`~workflows.transfers.record_transfer`), not a transition."""
    ENTER_REGIONAL_PHASE = "enter_regional_phase"
    """A PCT application's entry into the regional phase (:func:`~workflows.pct.enter_regional_phase`), which opens
    the file like a filing; not a transition."""

    BEGIN_FORMALITIES_CHECK = "begin_formalities_check"
    ISSUE_DEFICIENCY_NOTICE = "issue_deficiency_notice"
    FILE_CORRECTION = "file_correction"
    COMPLETE_FORMALITIES = "complete_formalities"
    ISSUE_SEARCH_REPORT = "issue_search_report"
    PUBLISH = "publish"
    REQUEST_EARLY_PUBLICATION = "request_early_publication"
    REQUEST_EXAMINATION = "request_examination"
    ISSUE_OFFICE_ACTION = "issue_office_action"
    RESPOND_TO_OFFICE_ACTION = "respond_to_office_action"
    ISSUE_INTENTION_TO_GRANT = "issue_intention_to_grant"
    RESUME_EXAMINATION = "resume_examination"
    APPROVE_GRANT_TEXT = "approve_grant_text"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"
    DEEM_WITHDRAWN = "deem_withdrawn"
    REQUEST_RE_ESTABLISHMENT = "request_re_establishment"
    GRANT_RE_ESTABLISHMENT = "grant_re_establishment"
    REJECT_RE_ESTABLISHMENT = "reject_re_establishment"
    CLOSE_RE_ESTABLISHMENT_WINDOW = "close_re_establishment_window"
    FILE_OPPOSITION = "file_opposition"
    CLOSE_OPPOSITION_PERIOD = "close_opposition_period"
    MAINTAIN_PATENT = "maintain_patent"
    MAINTAIN_AS_AMENDED = "maintain_as_amended"
    REVOKE_PATENT = "revoke_patent"
    PAY_FILING_FEES = "pay_filing_fees"
    """The fee service records that the filing and search fees are paid (EPC Rule 38(1)): a system act."""
    PAY_RENEWAL_FEE = "pay_renewal_fee"
    """The fee service records that a pre-grant renewal fee is paid (EPC Art. 86(1)): a system act."""
    CLAIM = "claim"
    RELEASE = "release"
    ASSIGN = "assign"

    @classmethod
    def parse(cls, name: str) -> Action | None:
        """The action called ``name``, or ``None`` for a name the declarations do not know."""
        try:
            return cls(name)
        except ValueError:
            return None


class FollowUp(enum.StrEnum):
    """Background work a transition calls for, scheduled in the transition's own transaction (the outbox).

    The values are the job names stored in the ``jobs`` table; the service maps each member to its job once.
    """

    SEARCH_AFTER_FORMALITIES = "search_after_formalities"
    """Run a prior-art search for the application and store it for the examiner."""
    INDEX_PUBLICATIONS = "index_publications"
    """Bring the published application into the prior-art corpus and embed it."""


class PreCheck(enum.StrEnum):
    """Checks the service runs before :func:`~workflows.machine.decide`, on data the workflow cannot see.

    Accounts and other offices are the service's; each member has one implementation there.
    """

    ASSIGNEE_READS_LANGUAGE = "assignee_reads_language"
    """The payload's ``examiner_id`` is an active examiner, of any member office, who reads the file's language."""
    REPRESENTATION_COMPLETE = "representation_complete"
    """EPC Art. 133(2): an applicant without residence in a member state is represented."""


class FormKind(enum.StrEnum):
    """The input a transition needs from a person: the desk draws one form per kind, the API takes the payload."""

    PLAIN = "plain"
    """Nothing but an optional reason."""
    REASON = "reason"
    """A required reason (refusal, revocation...)."""
    PAYLOAD = "payload"
    """A document without a form of its own: the JSON payload typed by hand."""
    SEARCH_REPORT = "search_report"
    OFFICE_ACTION = "office_action"
    DEFICIENCY_NOTICE = "deficiency_notice"
    ASSIGN = "assign"
    AMENDED_CLAIMS = "amended_claims"
