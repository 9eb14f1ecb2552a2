# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Recordal of a change of applicant or proprietor: a procedural act that changes who the party is, not the state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflows.actions import Action
from workflows.machine import record

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from workflows.machine import Actor, ApplicationSnapshot, Decision

ACTION = Action.RECORD_TRANSFER
"""The history action of a recordal."""


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
        Forbidden: anyone else, or an administrator of another office.
        GuardFailed: the application was withdrawn or refused, or the patent revoked.
        ValueError: ``now`` is naive.
    """
    return record(snapshot, ACTION, actor, now, payload)
