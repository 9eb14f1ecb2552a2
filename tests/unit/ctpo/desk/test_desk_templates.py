"""The desk's templates rendered on their own: every form the workflow can ask for, and labels on every control."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from html.parser import HTMLParser

from ctpo.desk import views as v
from ctpo.desk.config import template_config
from ctpo.desk.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from ctpo.desk.services import buttons_for


class _Controls(HTMLParser):
    """Form controls (id, name) and the ids that a <label for> or an aria-label names."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[tuple[str | None, str | None, bool]] = []
        self.labelled: set[str] = set()
        self.buttons_without_text = 0
        self._button_text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self.labelled.add(str(a["for"]))
        if tag in {"input", "select", "textarea"} and a.get("type") != "hidden":
            self.controls.append((a.get("id"), a.get("name"), "aria-label" in a))
        if tag == "button":
            self._button_text = []

    def handle_data(self, data: str) -> None:
        if self._button_text is not None:
            self._button_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button_text is not None:
            if not "".join(self._button_text).strip():
                self.buttons_without_text += 1
            self._button_text = None


def _page(buttons: list[str]) -> v.ApplicationPage:
    bibliography = v.Bibliography(
        number="KZ-2026-000007",
        office="KZ",
        filing_date=date(2026, 3, 2),
        received_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        language="kk",
        title="Батарея <b>модулі</b>",
        abstract="Салқындату.",
        applicants=[v.Party("Qazaq Energy LLP", "KZ", "Astana")],
        inventors=[],
        priorities=[("TR", "P1", date(2025, 9, 1))],
        ipc=["H01M 10/613"],
        reference_date=date(2025, 9, 1),
        publication_date=None,
        applicant_reference=None,
        content_digest="0" * 64,
    )
    hit = v.Hit(
        index=1,
        document_id="TR2025/000111",
        title="Soğutma plakası",
        language="tr",
        found_by=["semantic", "lexical"],
        passage=v.highlight("Lityum <iyon> batarya", ["batarya"]),
        passage_section="claim",
        passage_id="TR2025/000111#c0",
        publication_date=date(2025, 5, 1),
        days_before_reference=123,
        flag=None,
        score=0.9,
    )
    return v.ApplicationPage(
        bibliography=bibliography,
        state="examination",
        version=7,
        holder="Examiner",
        held_by_me=True,
        published=False,
        claims=v.claim_versions({1: ["Батарея модулі."], 2: ["Салқындатылатын батарея модулі."]}, 2),
        documents=[v.FiledDocument("annex.txt", "text/plain", 12, "a" * 64)],
        procedural=[
            v.ProceduralDoc(
                "search_report",
                "issue_search_report",
                5,
                "Examiner",
                datetime(2026, 4, 1, tzinfo=UTC),
                {"citations": [{"document_id": "TR2025/000111", "categories": ["X"], "claims": [1], "passage": "c0"}]},
            )
        ],
        timeline=[],
        deadlines=[
            v.DeadlineRow("respond_to_office_action", date(2026, 8, 1), 12, "deem_withdrawn", [("a", "b", "c")])
        ],
        buttons=buttons_for(buttons),
        prior_art=v.PriorArt(ran=True, available=True, hits=[hit], reference_date=date(2025, 9, 1)),
        examiners=[("1", "Examiner One")],
    )


def _render(page: v.ApplicationPage, language: str = "en") -> str:
    environment = template_config().engine_instance.engine  # type: ignore[union-attr]
    return environment.get_template("desk/application.html").render(
        t=Translator(language),
        lang=language,
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
        desk=None,
        csrf="c" * 64,
        csrf_field="csrf_token",
        here="/desk/applications/KZ-2026-000007",
        done="",
        error=None,
        submitted=v.NOTHING_SUBMITTED,
        a=page,
    )


ALL_FORMS = [
    "release",
    "issue_search_report",
    "issue_office_action",
    "issue_deficiency_notice",
    "assign",
    "maintain_as_amended",
    "refuse",
    "file_opposition",
]


def test_every_form_control_has_a_label_and_every_button_a_name():
    html = _render(_page(ALL_FORMS))
    parsed = _Controls()
    parsed.feed(html)
    assert len(parsed.controls) > 20
    unlabelled = [(i, n) for i, n, aria in parsed.controls if not aria and (i is None or i not in parsed.labelled)]
    assert unlabelled == []
    assert parsed.buttons_without_text == 0


def test_each_allowed_action_renders_its_own_form_and_nothing_else():
    html = _render(_page(ALL_FORMS))
    assert 'name="objection-1-ground"' in html
    assert 'name="response_months"' in html
    assert 'name="deficiencies"' in html
    assert 'name="examiner_id"' in html
    assert '<textarea id="amended-claims" name="claims"' in html
    assert 'id="reason-refuse" name="reason" required' in html
    assert 'name="payload"' in html  # an action without a form of its own gets the JSON field
    assert 'name="hit-1-category" value="X"' in html
    only_release = _render(_page(["release"]))
    for absent in ("objection-1-ground", "deficiencies", "examiner_id", "hit-1-category", "Issue search report"):
        assert absent not in only_release
    assert 'data-action="release"' in only_release


def test_rendering_escapes_the_file_and_keeps_our_markup():
    html = _render(_page(["release"]))
    assert "Батарея &lt;b&gt;модулі&lt;/b&gt;" in html
    assert "Lityum &lt;iyon&gt; <mark>batarya</mark>" in html
    assert "<del>Батарея</del> <ins>Салқындатылатын батарея</ins> модулі." in html  # claim 1 amended in version 2


def test_the_page_renders_in_every_language():
    for language in LANGUAGES:
        html = _render(_page(ALL_FORMS), language)
        assert f'<html lang="{language}">' in html


def test_every_kind_of_procedural_document_reads_as_text_in_the_pages_language():
    """Bodies were shown as Python values (``['…']``) under their JSON keys (``correction_months``)."""
    at = datetime(2026, 4, 1, tzinfo=UTC)
    bodies = {
        "deficiency_notice": {"deficiencies": ["Abstract too long", "Unsigned"], "correction_months": 2},
        "office_action": {
            "objections": [{"claims": [1, 2], "ground": "novelty", "reasoning": "D1 shows it."}],
            "response_months": 4,
        },
        "office_action_response": {"arguments": "D1 lacks the plate.", "amended_claims": ["A module.", "A plate."]},
        "re_establishment_request": {"cause_removed_on": "2027-01-15", "grounds": "The attorney was ill."},
        "assignment": {"examiner_id": "e-1"},
        "opposition": {"grounds": "Claim 1 is old."},
        "amended_claims": {"claims": ["A module."]},
        "search_report": {
            "citations": [{"document_id": "EP 1 A1", "categories": ["P", "X"], "claims": [1], "passage": "p. 3"}]
        },
        "some_future_kind": {"response_months": 3, "nested": {"deficiencies": ["x"]}, "flag": True},
    }
    page = _page([])
    procedural = [v.ProceduralDoc(kind, kind, i, "Examiner", at, body) for i, (kind, body) in enumerate(bodies.items())]
    page = dataclasses.replace(page, procedural=procedural, people={"e-1": "Dana Nurlanqyzy"})
    html = _render(page, "ru")
    documents = html[html.index('id="documents"') : html.index('id="history"')]
    assert "['" not in documents
    assert "{'" not in documents
    for raw_key in ("correction_months", "response_months", "amended_claims", "examiner_id", "cause_removed_on"):
        assert raw_key not in documents.replace('data-kind="amended_claims"', ""), raw_key
    assert "Срок исправления: 2 мес." in documents
    assert "Срок ответа: 4 мес." in documents
    assert "Изменённая формула" in documents
    assert "Дело передано эксперту Dana Nurlanqyzy." in documents
    assert "Причина пропуска срока устранена 2027-01-15." in documents
    assert "срок ответа (мес.)" in documents  # an unknown kind: fields under translated labels
    assert "<li>x</li>" in documents
