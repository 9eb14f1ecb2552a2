"""The desk's pure parts: message catalogs, language choice, highlighting, claim comparison, form parsing."""

from __future__ import annotations

import json
import re

import pytest

from ctpo.desk import forms
from ctpo.desk.controllers import safe_next
from ctpo.desk.i18n import FALLBACK, LANGUAGES, LOCALES, Translator, catalog, choose_language
from ctpo.desk.services import buttons_for
from ctpo.desk.views import QueueFilters, claim_versions, compare_words, highlight
from ctpo.domain.examination.payloads import decode_payload
from ctpo.lib.decoding import SchemaViolationError
from search.lexical import LexicalIndex

PLACEHOLDER = re.compile(r"\{(\w+)\}")
TEMPLATES = LOCALES.parent / "templates"


def test_there_is_one_catalog_per_language_and_no_other():
    assert sorted(p.stem for p in LOCALES.glob("*.json")) == sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_has_every_key_with_the_same_placeholders(language: str):
    english, other = catalog(FALLBACK), catalog(language)
    assert set(other) == set(english)
    for key, text in english.items():
        assert sorted(PLACEHOLDER.findall(other[key])) == sorted(PLACEHOLDER.findall(text)), key
        assert other[key].strip(), key


def test_every_key_the_templates_use_is_in_the_english_catalog():
    used = set()
    for template in TEMPLATES.rglob("*.html"):
        used.update(re.findall(r"""\bt\(\s*["']([a-z_.]+[a-z])["']""", template.read_text(encoding="utf-8")))
    assert used
    assert used - set(catalog(FALLBACK)) == set()


def test_catalog_files_are_plain_objects_of_strings():
    for path in LOCALES.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in data.items())


def test_translation_falls_back_to_english_then_to_the_key(monkeypatch: pytest.MonkeyPatch):
    kazakh = dict(catalog("kk"))
    del kazakh["nav.queue"]
    monkeypatch.setattr(
        "ctpo.desk.i18n.catalog", lambda lang, *root: kazakh if lang == "kk" else dict(catalog.__wrapped__(lang, *root))
    )
    t = Translator("kk")
    assert t("nav.logout") == "Шығу"
    assert t("nav.queue") == "Office queue"  # missing in Kazakh: English
    assert t("no.such.key") == "no.such.key"
    assert t("queue.title", office="KZ") == "KZ ведомствосының кезегі"
    assert Translator("de")("nav.logout") == "Log out"  # not one of the seven: English


def test_workflow_terms_translate_and_unknown_ones_read_as_words():
    t = Translator("ru")
    assert t.term("state", "search_report_issued") == "Отчёт о поиске выдан"
    assert t.term("deadline", "some_new_kind") == "some new kind"
    assert t.term("state", None) == ""


@pytest.mark.parametrize(
    ("stored", "header", "expected"),
    [
        ("ky", "ru", "ky"),
        (None, "ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        (None, "de-DE,de;q=0.9,uz;q=0.5,tr;q=0.7", "tr"),
        (None, "de", "en"),
        ("xx", None, "en"),
        (None, "kk;q=0, az", "az"),
        (None, "tr;q=abc, kk", "kk"),
    ],
)
def test_language_choice(stored: str | None, header: str | None, expected: str):
    assert choose_language(stored, header) == expected


def test_highlight_escapes_hostile_text_and_marks_only_matched_words():
    html = str(highlight('<script>alert("robot")</script> robot & <b>brush</b>', ["robot", "brush"]))
    assert "<script>" not in html
    assert "<b>" not in html
    assert html.count("<mark>robot</mark>") == 2
    assert "<mark>brush</mark>" in html
    assert "&lt;script&gt;" in html
    assert "&amp;" in html


def test_highlight_matches_across_scripts_and_fuzzy_terms():
    # a Cyrillic Kazakh query word marks the Latin Kazakh passage word; a fuzzy match names the passage key
    html = str(highlight("Kün panelin tazalaıtyn robot", ["робот", "тазалайтын~tazalaityn"]))
    assert "<mark>robot</mark>" in html
    assert "<mark>tazalaıtyn</mark>" in html
    assert "<mark>Kün</mark>" not in html
    codes = str(highlight("Class H01M 10/613 and H01M 10/6556", ["10/613"]))
    assert codes.count("<mark>") == 1
    assert "<mark>10/613</mark>" in codes


@pytest.mark.parametrize(
    ("passage", "query", "marked"),
    [
        # the channel matched on the stem: an inflected Turkish query word, the passage's other inflection
        ("Bataryaların soğutulması için plaka", "batarya soğutma", ["Bataryaların", "soğutulması"]),
        # Cyrillic Kazakh query, Latin Kazakh passage, different endings
        ("Panelderdiń betin tazalaıtyn robot", "панелін тазалау роботы", ["Panelderdiń", "tazalaıtyn", "robot"]),
    ],
)
def test_highlight_marks_every_word_the_lexical_channel_matched_by_its_stem(
    passage: str, query: str, marked: list[str]
):
    index = LexicalIndex()
    index.add([("p", passage)])
    (hit,) = index.search(query)
    html = str(highlight(passage, hit.matched_terms))
    assert sorted(re.findall(r"<mark>(.*?)</mark>", html)) == sorted(marked)


def test_highlight_without_terms_is_just_escaped():
    assert str(highlight("a < b", [])) == "a &lt; b"


def test_claims_are_compared_word_by_word_with_the_previous_version():
    versions = claim_versions({1: ["A battery module.", "The module of claim 1."], 2: ["A cooled battery module."]}, 2)
    assert versions.version == 2
    assert versions.earlier == {1: ["A battery module.", "The module of claim 1."]}
    [row] = versions.claims
    assert [(s.kind, s.text) for s in row.changes or []] == [
        ("same", "A"),
        ("added", "cooled"),
        ("same", "battery module."),
    ]
    first = claim_versions({1: ["A battery module."]}, 1)
    assert first.claims[0].changes is None
    assert [s.kind for s in compare_words("old words", "new words")] == ["removed", "added", "same"]


def test_search_report_form_becomes_the_workflows_payload():
    form = {
        "csrf_token": ["x"],
        "hit-2-document": ["US1"],
        "hit-2-category": ["Y"],
        "hit-2-claims": ["2", "1"],
        "hit-2-passage": [" claims (c0) "],
        "hit-1-document": ["TR1"],
        "hit-1-category": [""],
        "hit-10-document": ["KZ1"],
        "hit-10-category": ["A"],
        "hit-10-claims": ["1"],
        "hit-10-passage": ["abstract"],
    }
    assert forms.search_report(form) == {
        "citations": [
            {"document_id": "US1", "category": "Y", "claims": ["2", "1"], "passage": "claims (c0)"},
            {"document_id": "KZ1", "category": "A", "claims": ["1"], "passage": "abstract"},
        ]
    }
    assert forms.cited_hits(form) == [2, 10]  # which hit each citation came from, for messages
    # values stay as typed: the API's schema converts "2" and names "one" (see test_hostile_inputs)
    with_text = forms.search_report({"hit-1-category": ["X"], "hit-1-claims": ["1, two"]})
    assert with_text["citations"][0]["claims"] == ["1", "two"]
    payload = forms.search_report(form)
    converted = decode_payload("issue_search_report", payload)
    assert converted["citations"][0]["claims"] == [2, 1]


def test_office_action_form_skips_empty_rows():
    form = {
        "objection-1-claims": ["1"],
        "objection-1-ground": ["novelty"],
        "objection-1-reasoning": ["D1 discloses every feature."],
        "objection-2-ground": ["clarity"],
        "objection-2-reasoning": [""],
        "response_months": ["3"],
    }
    assert forms.office_action(form) == {
        "objections": [{"claims": ["1"], "ground": "novelty", "reasoning": "D1 discloses every feature."}],
        "response_months": "3",
    }
    assert forms.deficiency_notice({"deficiencies": ["Missing abstract\n\n  Unsigned  "]}) == {
        "deficiencies": ["Missing abstract", "Unsigned"]
    }
    with pytest.raises(SchemaViolationError):
        forms.raw_payload({"payload": ["[1, 2]"]})
    with pytest.raises(SchemaViolationError):  # json.loads let it through; msgspec refuses it like an API body
        forms.raw_payload({"payload": ['{"grounds": "\\ud800"}']})


def test_each_allowed_action_gets_the_form_its_payload_needs():
    kinds = {
        b.action: b.form
        for b in buttons_for(
            ["claim", "refuse", "issue_search_report", "issue_office_action", "assign", "file_opposition"]
        )
    }
    assert kinds == {
        "claim": "plain",
        "refuse": "reason",
        "issue_search_report": "search_report",
        "issue_office_action": "office_action",
        "assign": "assign",
        "file_opposition": "payload",
    }


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/desk/applications/KZ-2026-000001", "/desk/applications/KZ-2026-000001"),
        ("/desk/queue?state=search&page=2", "/desk/queue?state=search&page=2"),
        ("https://evil.example/desk/queue", "/desk/queue"),
        ("//evil.example/desk/", "/desk/queue"),
        ("/applications/KZ-2026-000001", "/desk/queue"),
        ("/desk/\\evil", "/desk/queue"),
        ("", "/desk/queue"),
    ],
)
def test_redirects_stay_inside_the_desk(target: str, expected: str):
    assert safe_next(target) == expected


def test_queue_filters_make_a_query_string():
    assert QueueFilters(state="search", ipc="H01M 10", language="").query(3) == "state=search&ipc=H01M+10&page=3"
    assert QueueFilters().query(1) == ""
