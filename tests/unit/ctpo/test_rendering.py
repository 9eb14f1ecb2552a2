"""The publication renderer: every script comes back out of the PDF as it went in, fonts are embedded, each
INID code is labelled in the document's language, and the same data gives the same bytes."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from ctpo.rendering import LABELS, render_publication_pdf
from ctpo.rendering.samples import SAMPLE_LANGUAGES, sample

if TYPE_CHECKING:
    from pathlib import Path

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="scripts/poppler-up installs it")


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True)
    return unicodedata.normalize("NFC", out.stdout.decode())


def _words(text: str) -> list[str]:
    return " ".join(text.split()).split(" ")


@needs_poppler
@pytest.mark.parametrize("language", SAMPLE_LANGUAGES)
@pytest.mark.parametrize("kind", ["A1", "B1"])
def test_every_letter_survives_rendering(language: str, kind: str, tmp_path: Path):
    data = sample(language, kind)
    text = " ".join(_text(render_publication_pdf(data), tmp_path).split())
    for value in (data.title, data.abstract, data.applicants[0].name, data.inventors[0].name, *data.claims):
        for word in _words(value):
            assert word in text, f"{word!r} of {language} {kind} did not come back from the PDF"
    labels = LABELS[language]
    assert f"(13) {kind}" in text
    for code in ("11", "12", "13", "21", "22", "30", "51", "54", "57", "72"):
        assert " ".join(labels[f"inid.{code}"].split()) in text, code
    if kind == "B1":
        assert labels["inid.45"] in text
        assert labels["inid.73"] in text
        assert labels["search_report"] not in text
    else:
        assert labels["inid.43"] in text
        assert labels["inid.71"] in text
        assert "US 11617522 B2" in text  # the A1 carries its search report
    if data.designated_states:
        assert labels["inid.84"] in text
    else:
        assert labels["inid.84"] not in text


@needs_poppler
def test_fonts_are_embedded(tmp_path: Path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(render_publication_pdf(sample("kk", "A1")))
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts
    assert all(" yes " in line.split("Identity-H", 1)[-1] for line in fonts), fonts


def test_same_data_same_bytes_and_different_data_different_bytes():
    data = sample("ru", "A1")
    assert render_publication_pdf(data) == render_publication_pdf(data)
    assert render_publication_pdf(data) != render_publication_pdf(replace(data, kind="A9", corrects="XT 0000020 A1"))


def test_every_language_has_every_label():
    for language, labels in LABELS.items():
        assert set(labels) == set(LABELS["en"]), language
