"""Patterns for free text in request schemas: no control characters where none belongs.

PostgreSQL cannot store NUL in text at all, and the other C0 controls hide or break text on screens and in logs.
Schemas use these as ``msgspec.Meta(pattern=...)``, so a request breaking them is refused (400) before it reaches
a service, on SQLite and PostgreSQL alike, and the OpenAPI document says so.
"""

from __future__ import annotations

from typing import Final

SINGLE_LINE: Final = r"^[^\x00-\x1f\x7f]*$"
"""A name, an e-mail, a reason for a calendar change: no control characters at all."""
MULTI_LINE: Final = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
"""Prose: line breaks and tabs allowed, other control characters not."""
