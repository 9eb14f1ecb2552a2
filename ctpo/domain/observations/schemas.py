"""Request and response bodies of third-party observations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from ctpo.lib.text import MULTI_LINE, SINGLE_LINE

Outcome = Literal["taken_into_account", "not_persuasive", "outside_scope"]
"""What the examiner did: used them (e.g. cited in a communication), weighed and set them aside, or found them not
about patentability (EPC Art. 115 covers patentability only)."""


class ObservationCitationIn(msgspec.Struct, forbid_unknown_fields=True):
    """A document the observer relies on."""

    document: Annotated[str, msgspec.Meta(min_length=3, max_length=100, pattern=SINGLE_LINE, examples=["EP 1 A1"])]
    passage: Annotated[str, msgspec.Meta(max_length=1000, pattern=MULTI_LINE)] | None = None


class ObservationIn(msgspec.Struct, forbid_unknown_fields=True):
    """Observations on the patentability of the invention; leave ``observer_name`` out to stay anonymous."""

    text: Annotated[str, msgspec.Meta(min_length=1, max_length=50_000, pattern=MULTI_LINE)]
    observer_name: Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=SINGLE_LINE)] | None = None
    citations: Annotated[list[ObservationCitationIn], msgspec.Meta(max_length=50)] = []


class TreatmentIn(msgspec.Struct, forbid_unknown_fields=True):
    """What the examiner did with the observations."""

    outcome: Outcome
    note: Annotated[str, msgspec.Meta(max_length=5000, pattern=MULTI_LINE)] | None = None


class ObservationOut(msgspec.Struct):
    """Observations as the file shows them (public, like the file of a published application)."""

    id: uuid.UUID
    application_number: str
    observer_name: str | None
    """``None``: anonymous."""
    text: str
    citations: list[dict[str, str | None]]
    filed_at: datetime
    outcome: str | None
    outcome_note: str | None
    treated_at: datetime | None
