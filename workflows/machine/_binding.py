# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Binding to the service's record by field names, as PSM's ``MachineMixin.state_field_name``: no persistence here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workflows.errors import StaleSnapshotError

if TYPE_CHECKING:
    from workflows.machine._model import Decision


@dataclass(frozen=True, slots=True)
class RecordBinding:
    """Names of the record attributes that hold the snapshot's scalar fields.

    The service keeps loading and saving (it owns the session); :meth:`write` only copies a decision's new values
    onto whatever object it maps, ORM instance or not, after checking the optimistic lock. Deadlines, history,
    documents and claim sets are rows of their own and stay with the service.
    """

    state: str = "state"
    """The column bound to the machine, typed :class:`~workflows.states.ApplicationState`."""
    version: str = "version"
    publication_date: str = "publication_date"
    claimant_id: str = "claimant_id"
    claim_set_version: str = "claim_set_version"
    lapse_resume_state: str | None = "lapse_resume_state"
    """``None`` when the record does not keep lapses (then re-establishment cannot be decided)."""
    lapse_kind: str | None = "lapse_kind"
    lapse_due_date: str | None = "lapse_due_date"

    def write(self, record: object, decision: Decision) -> None:
        """Copy the decision's snapshot fields onto ``record``.

        Raises:
            StaleSnapshotError: the record's version is not the one the decision was made on.
        """
        after = decision.snapshot
        if getattr(record, self.version) != after.version - 1:
            raise StaleSnapshotError(f"{after.application_id} changed since it was loaded")
        setattr(record, self.state, after.state)
        setattr(record, self.version, after.version)
        setattr(record, self.publication_date, after.publication_date)
        setattr(record, self.claimant_id, after.claimant_id)
        setattr(record, self.claim_set_version, after.claim_set_version)
        lapse = after.lapse
        for name, value in (
            (self.lapse_resume_state, lapse.resume_state if lapse else None),
            (self.lapse_kind, lapse.kind if lapse else None),
            (self.lapse_due_date, lapse.due_date if lapse else None),
        ):
            if name is not None:
                setattr(record, name, value)
