# ruff: noqa: RUF001, RUF100
from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pytest

from search.engine import Document, Hit, SearchEngine
from search.index import ExactIndex, HnswIndex
from search.interfaces import Embedder
from search.passages import Section
from search.prior_art import ApplicationDates, CitationFlag
from search.text import token_keys

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from numpy.typing import ArrayLike, NDArray


class HashingEmbedder:
    """Bag of hashed folded tokens: similar texts get similar vectors, with no model."""

    dim = 64
    name = "test-hashing-64"

    def __init__(self) -> None:
        self.calls = 0

    def _embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for key in token_keys(text):
                out[row, int(hashlib.blake2b(key[:5].encode(), digest_size=4).hexdigest(), 16) % self.dim] += 1.0
            out[row, 0] += 0.01
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return self._embed(texts)


BATTERY = Document(
    id="KZ1",
    lang="kk",
    title="Литий-ионды аккумулятор",
    abstract="Аккумулятордың электролиті H01M 10/0525 қорғайды.",
    claims=["Литий-ионды аккумулятор, электролит және катод бар.", "Аккумулятор по п.1, M8x1.25 болт."],
    description="Батарея корпусы. " * 10,
    publication_date=date(2020, 5, 1),
    filing_date=date(2019, 1, 10),
    ipc=["H01M 10/0525"],
)
PUMP = Document(
    id="TR1",
    lang="tr",
    title="Su pompası",
    abstract="Santrifüj su pompası ve pervane.",
    claims=["Bir su pompası, pervane içeren."],
    publication_date=date(2021, 2, 3),
    filing_date=date(2020, 2, 3),
    ipc=["F04D 1/00"],
)
SECRET = Document(id="UZ1", lang="uz", title="Litiy akkumulyator", abstract="Litiy-ion akkumulyator elektrolit.")


@pytest.fixture
def engine() -> SearchEngine:
    embedder = HashingEmbedder()
    assert isinstance(embedder, Embedder)
    eng = SearchEngine(embedder, ExactIndex(embedder.dim))
    eng.add_documents([BATTERY, PUMP, SECRET])
    return eng


def test_hit_names_the_matching_passage(engine: SearchEngine) -> None:
    hits = engine.search("su pompası pervane", k=5)
    assert hits[0].document_id == "TR1"
    top = hits[0]
    assert isinstance(top, Hit)
    assert top.passage_id.startswith("TR1#")
    assert top.passage_text in {p.text for p in engine.passages("TR1")}
    assert top.section in set(Section)
    assert top.language == "tr"
    assert top.publication_date == date(2021, 2, 3)
    assert set(top.found_by) == {"semantic", "lexical"}
    assert top.semantic is not None
    assert top.lexical is not None
    assert top.lexical.rank >= 1
    assert "pervane" in top.matched_terms


def test_codes_are_found_by_exact_token(engine: SearchEngine) -> None:
    hits = engine.search("M8x1.25", k=1)
    assert hits[0].document_id == "KZ1"
    assert hits[0].passage_id == "KZ1#c1"
    assert hits[0].matched_terms == ("M8x1.25",)


def test_unpublished_documents_are_never_returned(engine: SearchEngine) -> None:
    for hits in (engine.search("litiy akkumulyator elektrolit", k=10), engine.search("akkumulyator", k=10)):
        assert "UZ1" not in {h.document_id for h in hits}


def test_cross_script_query_finds_kazakh_document(engine: SearchEngine) -> None:
    hits = engine.search("Litiy-iondy akkumuliator", k=1)
    assert hits[0].document_id == "KZ1"


def test_date_filter_is_strict(engine: SearchEngine) -> None:
    assert "KZ1" not in {h.document_id for h in engine.search("аккумулятор", before=date(2020, 5, 1))}
    assert "KZ1" in {h.document_id for h in engine.search("аккумулятор", before=date(2020, 5, 2))}


def test_prior_art_flags(engine: SearchEngine) -> None:
    p_window = ApplicationDates(filing_date=date(2020, 12, 1), priority_date=date(2020, 1, 1))
    hits = {h.document_id: h for h in engine.search("аккумулятор pompası", before=p_window)}
    assert hits["KZ1"].flag is CitationFlag.P
    assert "TR1" not in hits
    conflicting = ApplicationDates(filing_date=date(2020, 3, 1), priority_date=date(2019, 6, 1))
    hits = {h.document_id: h for h in engine.search("аккумулятор", before=conflicting)}
    assert hits["KZ1"].flag is CitationFlag.E
    clean = ApplicationDates(filing_date=date(2022, 1, 1))
    hits = {h.document_id: h for h in engine.search("аккумулятор pompası", before=clean)}
    assert hits["KZ1"].flag is None
    assert hits["TR1"].flag is None


def test_language_and_ipc_filters(engine: SearchEngine) -> None:
    assert {h.document_id for h in engine.search("аккумулятор pompası", languages=["tr"])} == {"TR1"}
    assert {h.document_id for h in engine.search("аккумулятор pompası", ipc_prefix="H01M10")} == {"KZ1"}
    assert engine.search("аккумулятор", ipc_prefix="A61") == []


def test_remove_and_replace(engine: SearchEngine) -> None:
    engine.remove_document("TR1")
    engine.remove_document("missing")
    assert "TR1" not in engine
    assert all(h.document_id != "TR1" for h in engine.search("su pompası"))
    engine.add_documents([PUMP])
    engine.add_documents([PUMP, PUMP])
    assert len(engine) == 3
    assert len(engine.vector_index) == sum(len(engine.passages(d)) for d in ("KZ1", "TR1", "UZ1"))
    assert engine.search("su pompası")[0].document_id == "TR1"


def test_save_and_load_round_trip(engine: SearchEngine, tmp_path: Path) -> None:
    before = engine.search("Litiy akkumulyator elektrolit", k=5)
    engine.save(tmp_path / "engine")
    engine.save(tmp_path / "engine")  # replacing an existing save
    embedder = HashingEmbedder()
    loaded = SearchEngine.load(tmp_path / "engine", embedder, ExactIndex(embedder.dim))
    after = loaded.search("Litiy akkumulyator elektrolit", k=5)
    assert [(h.document_id, h.passage_id) for h in after] == [(h.document_id, h.passage_id) for h in before]
    assert [h.score for h in after] == pytest.approx([h.score for h in before], abs=1e-3)
    assert embedder.calls == 1  # only the query: passages come back without re-embedding
    assert loaded.document("KZ1") == BATTERY


class CountingHnsw(HnswIndex):
    """The real graph index, counting the vectors it is given (a restored graph is given none)."""

    added = 0

    def add(self, keys: ArrayLike, vectors: ArrayLike) -> None:
        self.added += len(np.atleast_1d(np.asarray(keys)))
        super().add(keys, vectors)


def test_the_saved_graph_is_restored_at_load_not_rebuilt(tmp_path: Path) -> None:
    """It was saved every 30 s and never read back: every start rebuilt the whole graph from the stored vectors."""
    embedder = HashingEmbedder()
    engine = SearchEngine(embedder, HnswIndex(embedder.dim))
    engine.add_documents([BATTERY, PUMP, SECRET])
    engine.save(tmp_path / "engine")
    query = "Litiy akkumulyator elektrolit"
    index = CountingHnsw(embedder.dim)
    loaded = SearchEngine.load(tmp_path / "engine", embedder, index)
    assert index.added == 0
    assert len(index) == len(engine.vector_index)
    assert [h.passage_id for h in loaded.search(query)] == [h.passage_id for h in engine.search(query)]

    # a graph left from another save (a crash between saves, a copied directory) is not taken: it is refilled
    engine.add_documents([replace(PUMP, id="TR2")])
    engine.save(tmp_path / "other")
    shutil.rmtree(tmp_path / "engine" / "vectors")
    shutil.copytree(tmp_path / "other" / "vectors", tmp_path / "engine" / "vectors")
    index = CountingHnsw(embedder.dim)
    SearchEngine.load(tmp_path / "engine", embedder, index)
    assert index.added == len(engine.vector_index) - len(engine.passages("TR2"))


def test_load_refuses_another_embedder(engine: SearchEngine, tmp_path: Path) -> None:
    engine.save(tmp_path / "e")
    other = HashingEmbedder()
    other.name = "another-model"  # type: ignore[misc]
    with pytest.raises(ValueError, match="rebuild"):
        SearchEngine.load(tmp_path / "e", other, ExactIndex(other.dim))


def test_rebuild_from_documents_matches_incremental(engine: SearchEngine) -> None:
    embedder = HashingEmbedder()
    rebuilt = SearchEngine.rebuild([BATTERY, PUMP, SECRET], embedder, ExactIndex(embedder.dim), batch=2)
    query = "su pompası pervane"
    assert [h.document_id for h in rebuilt.search(query)] == [h.document_id for h in engine.search(query)]


def test_rrf_and_plain_cosine_options() -> None:
    embedder = HashingEmbedder()
    eng = SearchEngine(embedder, ExactIndex(embedder.dim), fusion="rrf", hubness=None)
    eng.add_documents([BATTERY, PUMP])
    assert eng.search("su pompası")[0].document_id == "TR1"


def test_dimension_mismatch_is_rejected() -> None:
    with pytest.raises(ValueError, match="dim"):
        SearchEngine(HashingEmbedder(), ExactIndex(8))


def test_document_json_round_trip() -> None:
    assert Document.from_json(BATTERY.to_json()) == BATTERY
    assert Document.from_json(SECRET.to_json()).publication_date is None
