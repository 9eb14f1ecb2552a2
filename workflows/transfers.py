# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Recordal of a change of applicant or proprietor: a procedural act that changes who the party is, not the state."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from workflows.actions import Action
from workflows.errors import Forbidden, GuardFailed
from workflows.history import HistoryEntry, payload_digest
from workflows.machine import Decision
from workflows.states import ApplicationState, Role

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from workflows.machine import Actor, ApplicationSnapshot

ACTION = Action.RECORD_TRANSFER
"""The history action of a recordal."""
S = ApplicationState
CLOSED_STATES: frozenset[ApplicationState] = frozenset({S.WITHDRAWN, S.REFUSED, S.REVOKED})
"""Nothing is left to transfer: the application or patent is gone for good."""


def record_transfer(
    snapshot: ApplicationSnapshot, actor: Actor, now: datetime, payload: Mapping[str, object] | None = None
) -> Decision:
    """Record a transfer of the application (or of the patent during opposition) in the file.

    EPC Art. 72: an assignment is in writing and signed by the parties; EPC Rule 22(1)-(3): it is registered at
    the request of an interested party on production of documents proving it, and has effect vis-a-vis the office
    only from the date on which those documents are produced; EPC Rule 85 applies the same to the proprietor
    during opposition. So the recordal is dated now (never back-dated to the assignment), changes no state and
    opens or closes no time limit: running limits continue against the new applicant.

    Args:
        snapshot: the application as loaded.
        actor: the applicant of record (or its representative) or an administrator of the office.
        now: the aware moment of recordal: its effective date against the office.
        payload: the request as received, for the history digest.

    Raises:
        Forbidden: anyone else.
        GuardFailed: the application was withdrawn or refused, or the patent revoked.
    """
    if now.tzinfo is None:
        raise ValueError("workflow decisions need an aware datetime")
    if actor.role is Role.OFFICE_ADMIN and actor.office is not snapshot.office:
        raise Forbidden(f"recordals are made by administrators of office {snapshot.office.value}")
    if actor.role not in {Role.APPLICANT, Role.OFFICE_ADMIN}:
        raise Forbidden("a transfer is recorded at the request of the applicant of record or by the office")
    if snapshot.state in CLOSED_STATES:
        raise GuardFailed("not_closed", f"nothing to transfer: the file is {snapshot.state.value}")
    after = replace(snapshot, version=snapshot.version + 1)
    entry = HistoryEntry(
        application_id=snapshot.application_id,
        seq=after.version,
        action=ACTION,
        from_state=snapshot.state,
        to_state=snapshot.state,
        actor_id=actor.id,
        role=actor.role,
        actor_office=actor.office,
        office=snapshot.office,
        at=now,
        reason="transfer recorded on evidence (EPC Rule 22)",
        payload_digest=payload_digest(payload or {}),
    )
    return Decision(ACTION, snapshot.state, after, (), (), entry, None, None)
