"""The document renderer shared by every document the office publishes (PDF via fpdf2, fonts embedded)."""

from __future__ import annotations

from ctpo.rendering._labels import INID_CODES, LABELS, label
from ctpo.rendering._model import CitationData, PartyData, PriorityData, PublicationData
from ctpo.rendering._pdf import render_publication_pdf

__all__ = [
    "INID_CODES",
    "LABELS",
    "CitationData",
    "PartyData",
    "PriorityData",
    "PublicationData",
    "label",
    "render_publication_pdf",
]
