"""Kazakh 2021 Latin goes to the embedding model through Cyrillic; every other text goes as written."""

from __future__ import annotations

import pytest

from search.text import KAZAKH_2021, embedding_form, kazakh_latin_to_cyrillic, looks_kazakh_latin, to_latin


@pytest.mark.parametrize(
    "cyrillic",
    [
        "Әрбір адамның өмір сүруге құқығы бар",
        "Қазақстан Республикасы",
        "Литий-ионды аккумулятор батареясы",
        "Күн панелін тазалайтын робот",
    ],
)
def test_round_trip_through_the_decree_table(cyrillic: str):
    latin = to_latin(cyrillic, "kk")
    assert latin != cyrillic
    assert kazakh_latin_to_cyrillic(latin) == cyrillic


def test_every_letter_of_the_table_comes_back():
    ambiguous = {"й", "һ", "э", "ъ", "ь", "ё"}  # written like и, х, е, nothing, or io: context decides
    for cyrillic, latin in KAZAKH_2021.items():
        if cyrillic in ambiguous or not latin:
            continue
        assert kazakh_latin_to_cyrillic(latin) == cyrillic, (cyrillic, latin)


@pytest.mark.parametrize(
    ("text", "lang", "changed"),
    [
        ("Ärbir adamnyñ ömir süruge qūqyğy bar", "kk", True),
        ("Ärbir adamnyñ ömir süruge qūqyğy bar", None, True),  # a query: recognised by ñ, ū, ä
        ("Әрбір адамның өмір сүруге құқығы бар", "kk", False),  # already Cyrillic
        ("Herkesin yaşama hakkı vardır", "tr", False),
        ("Herkesin yaşama hakkı vardır", None, False),  # Turkish shares ş, ğ, ı but not ñ, ū, ä
        ("Hər kəsin yaşamaq hüququ var", None, False),
        ("Har bir inson yashash huquqiga ega", None, False),
        ("Everyone has the right to life", None, False),
    ],
)
def test_only_kazakh_latin_is_rewritten(text: str, lang: str | None, changed: bool):
    assert (embedding_form(text, lang) != text) is changed
    assert looks_kazakh_latin(text) is (changed and lang is None) or lang is not None
