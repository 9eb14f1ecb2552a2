from __future__ import annotations

import itertools

import pytest

from search.passages import Section, chunk_words, doc_id_of, split_passages


def _words(n: int, *, sentence_every: int = 0) -> str:
    return " ".join(f"w{i}." if sentence_every and (i + 1) % sentence_every == 0 else f"w{i}" for i in range(n))


def test_sections_ids_and_order() -> None:
    passages = split_passages("KZ123", "Title", "Abstract text.", ["Claim one.", " ", "Claim two."], _words(500))
    ids = [p.id for p in passages]
    assert ids[:3] == ["KZ123#ta0", "KZ123#c0", "KZ123#c1"]
    assert all(i.startswith("KZ123#d") for i in ids[3:])
    assert len(ids) == len(set(ids))
    assert passages[0].section is Section.TITLE_ABSTRACT
    assert passages[0].text == "Title Abstract text."
    assert [p.text for p in passages if p.section is Section.CLAIM] == ["Claim one.", "Claim two."]
    assert {doc_id_of(i) for i in ids} == {"KZ123"}


def test_ids_are_stable_across_calls() -> None:
    args = ("D1", "T", "A", ["c"], _words(450))
    assert [p.id for p in split_passages(*args)] == [p.id for p in split_passages(*args)]


def test_description_chunks_overlap_and_cover_every_word() -> None:
    text = _words(1000)
    chunks = chunk_words(text, size=150, overlap=30, max_size=200)
    assert len(chunks) > 1
    words = [c.split() for c in chunks]
    assert all(len(w) <= 200 for w in words)
    for left, right in itertools.pairwise(words):
        assert left[-30:] == right[:30]
    covered = {w for chunk in words for w in chunk}
    assert covered == set(text.split())
    assert words[-1][-1] == "w999"


def test_chunks_prefer_sentence_ends() -> None:
    chunks = chunk_words(_words(600, sentence_every=170), size=150, overlap=30, max_size=200)
    assert chunks[0].endswith("w169.")


def test_short_description_is_one_chunk_and_blank_is_none() -> None:
    assert chunk_words(_words(120)) == [_words(120)]
    assert chunk_words("   ") == []
    assert [p.section for p in split_passages("D", "", "", [], "")] == []


def test_hash_in_doc_id_is_rejected() -> None:
    with pytest.raises(ValueError, match="#"):
        split_passages("a#b", "t", "", [], "")


def test_bad_chunk_sizes_are_rejected() -> None:
    with pytest.raises(ValueError, match="overlap"):
        chunk_words("x", size=10, overlap=10)
