# ruff: noqa: RUF001, RUF100
from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from search.lexical import LexicalIndex

if TYPE_CHECKING:
    from pathlib import Path

CORPUS = [
    ("a#ta0", "Литий-ионный аккумулятор с электролитом, класс H01M 10/613"),
    ("b#ta0", "Lithium-ion battery with a solid electrolyte C6H12O6"),
    ("c#ta0", "Qazaqstan Respublikasy astanasy Astana"),
    ("d#ta0", "Болт M8x1.25 для насоса, Чайковский завод"),
    ("e#ta0", "Su pompası ve pervane, İSTANBUL fabrikası"),
]


@pytest.fixture
def index() -> LexicalIndex:
    ix = LexicalIndex()
    ix.add(CORPUS)
    return ix


def ids(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.passage_id for h in hits]


def test_cyrillic_query_finds_latin_passage(index: LexicalIndex) -> None:
    assert ids(index.search("Қазақстан Республикасы", 1)) == ["c#ta0"]


def test_turkish_case_folds(index: LexicalIndex) -> None:
    assert ids(index.search("istanbul", 1)) == ["e#ta0"]
    assert ids(index.search("ISTANBUL", 1)) == ["e#ta0"]


def test_codes_match_exactly_only(index: LexicalIndex) -> None:
    hits = index.search("M8x1.25", 5)
    assert ids(hits) == ["d#ta0"]
    assert hits[0].matched_terms == ("M8x1.25",)
    assert index.search("M8x1.26", 5) == []
    assert ids(index.search("10/613", 5)) == ["a#ta0"]
    assert ids(index.search("c6h12o6", 5)) == ["b#ta0"]


def test_prefix_stemming_matches_inflections(index: LexicalIndex) -> None:
    assert ids(index.search("pompaları", 1)) == ["e#ta0"]


def test_fuzzy_credit_for_transliteration_variants(index: LexicalIndex) -> None:
    hits = index.search("Tchaikovsky bolt", 5)
    assert ids(hits)[0] == "d#ta0"
    assert any(term.startswith("Tchaikovsky~") for term in hits[0].matched_terms)
    strict = LexicalIndex(fuzzy_threshold=101)
    strict.add(CORPUS)
    plain = strict.search("Tchaikovsky bolt", 5)[0]
    assert plain.score < hits[0].score
    assert not any("~" in term for term in plain.matched_terms)


def test_coverage_is_share_of_attainable_score(index: LexicalIndex) -> None:
    full = index.search("Qazaqstan Respublikasy", 1)[0]
    half = index.search("Qazaqstan pervane", 5)
    assert full.coverage == pytest.approx(1.0)
    assert all(0 < h.coverage < 1 for h in half)


def test_restrict_to(index: LexicalIndex) -> None:
    assert set(ids(index.search("electrolyte электролит", 5))) == {"a#ta0", "b#ta0"}
    assert ids(index.search("electrolyte электролит", 5, restrict_to={"b#ta0"})) == ["b#ta0"]


def test_add_replace_remove(index: LexicalIndex) -> None:
    index.add([("c#ta0", "completely different words")])
    assert index.search("Qazaqstan", 5) == []
    index.remove(["c#ta0", "nope"])
    assert len(index) == 4
    assert "c#ta0" not in index
    assert index.search("completely", 5) == []


def test_empty_index_and_query() -> None:
    ix = LexicalIndex()
    assert ix.search("anything") == []
    ix.add([("x", "text here")])
    assert ix.search("") == []
    assert ix.search("nothing matches") == []


def test_save_load_round_trip(index: LexicalIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "lex")
    index.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert [f.name for f in (tmp_path / "lex").iterdir()] == ["lexical.json.gz"]
    for query in ("Қазақстан", "M8x1.25", "Tchaikovsky bolt"):
        assert index.search(query, 5) == loaded.search(query, 5)
