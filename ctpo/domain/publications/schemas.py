"""Request and response bodies of the publication API."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec


class CorrectionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A correction of a published document (WIPO ST.16: 8 = front page, 9 = complete reprint)."""

    scope: Annotated[str, msgspec.Meta(description="front_page (A8/B8) or complete (A9/B9)", examples=["front_page"])]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000, examples=["Inventor's name misspelt"])]


class PublicationOut(msgspec.Struct):
    """A published document, cited as ST.14 says."""

    citation: str
    publication_number: str
    kind: str
    publication_date: date
    application_number: str
    corrects: str | None
