"""A small multilingual sample corpus shipped with the package, for the app's start command and for tests.

See ``README.md`` beside this file for the sources and their licences.
"""

from __future__ import annotations

import json
from importlib import resources

from search.engine import Document

__all__ = ["load_sample_documents"]


def load_sample_documents() -> list[Document]:
    """The sample documents, in file order (US patents, US claims, UDHR articles in seven languages, fixtures)."""
    text = resources.files(__package__).joinpath("documents.jsonl").read_text(encoding="utf-8")
    return [Document.from_json(json.loads(line)) for line in text.splitlines() if line.strip()]
