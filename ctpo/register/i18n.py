"""The register's words: its own catalogs (``locales/``), falling back to the desk's for workflow terms."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ctpo.desk.i18n import FALLBACK, Translator, catalog

LOCALES = Path(__file__).resolve().parent / "locales"


@dataclass(frozen=True, slots=True)
class RegisterTranslator:
    """Register catalog first, then the desk's (states, actions, ST.14 categories are shared terms)."""

    language: str

    def __call__(self, key: str, /, **values: object) -> str:
        """The message for ``key``."""
        text = catalog(self.language, LOCALES).get(key) or catalog(FALLBACK, LOCALES).get(key)
        if text is None:
            return Translator(self.language)(key, **values)
        return text.format(**values) if values else text

    def term(self, group: str, value: str | None) -> str:
        """A workflow term in the desk's words."""
        key = f"{group}.{value}"
        text = catalog(self.language, LOCALES).get(key) or catalog(FALLBACK, LOCALES).get(key)
        return text or Translator(self.language).term(group, value)
