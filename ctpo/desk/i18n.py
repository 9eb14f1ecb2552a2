"""Interface strings of the examiner's desk, one JSON message catalog per language, English as the fallback.

Catalogs live in ``ctpo/desk/locales/<language>.json`` (flat ``key -> text`` maps, ``{name}`` placeholders in
:meth:`str.format` style) so translators edit data, never templates. A key missing from a catalog falls back to
English, and one missing from English to the key itself, so a half-translated catalog still renders a usable page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

LOCALES = Path(__file__).resolve().parent / "locales"
LANGUAGES: tuple[str, ...] = ("tr", "az", "kk", "ky", "uz", "ru", "en")
"""The languages an examiner may choose, in the order the selector lists them."""
FALLBACK = "en"
LANGUAGE_NAMES: Mapping[str, str] = {
    "tr": "Türkçe",
    "az": "Azərbaycanca",
    "kk": "Қазақша",
    "ky": "Кыргызча",
    "uz": "Oʻzbekcha",
    "ru": "Русский",
    "en": "English",
}
"""Each language named in itself, as a selector should show it."""


@cache
def catalog(language: str, root: Path = LOCALES) -> Mapping[str, str]:
    """The messages of one language as stored (no fallback applied); empty for an unknown language.

    ``root`` is the folder of catalogs: the desk's by default, the public register keeps its own.
    """
    if language not in LANGUAGES:
        return {}
    data = json.loads((root / f"{language}.json").read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ValueError(f"{language}.json must be a flat object of strings")
    return data


@dataclass(frozen=True, slots=True)
class Translator:
    """Looks messages up in one language, falling back to English, then to the key."""

    language: str
    root: Path = LOCALES
    """The folder of catalogs to read."""

    def __call__(self, key: str, /, **values: object) -> str:
        """The message for ``key`` with ``values`` filled in."""
        text = catalog(self.language, self.root).get(key) or catalog(FALLBACK, self.root).get(key) or key
        return text.format(**values) if values else text

    def term(self, group: str, value: str | None) -> str:
        """A workflow term (``state``, ``action``, ``deadline``, ``ground``…); an unknown one shows as itself."""
        if value is None:
            return ""
        key = f"{group}.{value}"
        text = catalog(self.language, self.root).get(key) or catalog(FALLBACK, self.root).get(key)
        return text or value.replace("_", " ")


def choose_language(preferred: str | None, accept_language: str | None) -> str:
    """The examiner's stored choice if valid, else the best match of the browser's ``Accept-Language``, else English."""
    if preferred in LANGUAGES:
        return str(preferred)
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else FALLBACK
