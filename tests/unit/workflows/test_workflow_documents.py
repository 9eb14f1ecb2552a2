"""Payload validation for office actions, responses, search reports and the other documents; history digests."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from tests.unit.workflows.workflow_support import PAYLOADS, Flow
from workflows import ApplicationState, InvalidPayload, payload_digest
from workflows.documents import (
    CitationCategory,
    ObjectionGround,
    parse_deficiency_notice,
    parse_office_action,
    parse_office_action_response,
    parse_re_establishment_request,
    parse_search_report,
)
from workflows.history import canonical_json


class TestOfficeAction:
    def test_objections_per_claim(self):
        action = parse_office_action(
            {
                "objections": [
                    {"claims": [3, 1, 1], "ground": "inventive_step", "reasoning": "D1 + D2"},
                    {"claims": [5], "ground": "clarity", "reasoning": "'thin' is vague"},
                ]
            }
        )
        assert action.response_months == 4
        assert action.objections[0].claims == (1, 3)
        assert action.objections[1].ground is ObjectionGround.CLARITY

    @pytest.mark.parametrize(
        "payload",
        [
            {},
            {"objections": []},
            {"objections": ["novelty"]},
            {"objections": [{"claims": [1], "ground": "ugly", "reasoning": "x"}]},
            {"objections": [{"claims": [0], "ground": "novelty", "reasoning": "x"}]},
            {"objections": [{"claims": [True], "ground": "novelty", "reasoning": "x"}]},
            {"objections": [{"claims": [], "ground": "novelty", "reasoning": "x"}]},
            {"objections": [{"claims": [1], "ground": "novelty", "reasoning": " "}]},
            {"objections": [{"claims": [1], "ground": "novelty", "reasoning": "x"}], "response_months": 7},
            {"objections": [{"claims": [1], "ground": "novelty", "reasoning": "x"}], "response_months": "4"},
        ],
    )
    def test_invalid_office_actions(self, payload):
        with pytest.raises(InvalidPayload):
            parse_office_action(payload)

    def test_invalid_payload_leaves_the_application_unchanged(self):
        flow = Flow().to(ApplicationState.EXAMINATION)
        before = flow.snapshot
        with pytest.raises(InvalidPayload):
            flow.do("issue_office_action", payload={"objections": []})
        assert flow.snapshot is before


class TestResponse:
    def test_arguments_required(self):
        with pytest.raises(InvalidPayload, match="arguments"):
            parse_office_action_response({"amended_claims": ["1. X"]})

    def test_empty_claim_set_rejected(self):
        with pytest.raises(InvalidPayload, match="amended_claims"):
            parse_office_action_response({"arguments": "a", "amended_claims": []})

    def test_claims_optional(self):
        assert parse_office_action_response({"arguments": "a"}).amended_claims is None


class TestSearchReport:
    def test_citations_with_combined_categories(self):
        report = parse_search_report(
            {
                "citations": [
                    {"document_id": "KZ 34567 B", "category": "P, X", "claims": [1], "passage": "claim 1"},
                    {"document_id": "US 9,999,999", "category": "a", "claims": [2, 3], "passage": "fig. 2"},
                ]
            }
        )
        assert report.citations[0].categories == {CitationCategory.P, CitationCategory.X}
        assert report.citations[1].categories == {CitationCategory.A}
        assert report.citations[1].claims == (2, 3)

    def test_a_search_may_find_nothing(self):
        assert parse_search_report({"citations": []}).citations == ()

    @pytest.mark.parametrize(
        "citation",
        [
            {"document_id": "D1", "category": "Z", "claims": [1], "passage": "p"},
            {"document_id": "", "category": "X", "claims": [1], "passage": "p"},
            {"document_id": "D1", "category": "X", "claims": [-1], "passage": "p"},
            {"document_id": "D1", "category": "X", "claims": [1]},
        ],
    )
    def test_invalid_citations(self, citation):
        with pytest.raises(InvalidPayload):
            parse_search_report({"citations": [citation]})


def test_deficiency_notice_and_re_establishment_parsing():
    assert parse_deficiency_notice({"deficiencies": ["no abstract"]}).correction_months == 2
    with pytest.raises(InvalidPayload):
        parse_deficiency_notice({"deficiencies": []})
    request = parse_re_establishment_request({"cause_removed_on": "2027-02-01", "grounds": "illness"})
    assert request.cause_removed_on == date(2027, 2, 1)
    with pytest.raises(InvalidPayload, match="ISO date"):
        parse_re_establishment_request({"cause_removed_on": "1 Feb", "grounds": "illness"})


class TestHistory:
    def test_digest_ignores_key_order_and_whitespace(self):
        assert payload_digest({"a": 1, "b": [1, 2]}) == payload_digest({"b": [1, 2], "a": 1})
        assert payload_digest({"a": 1}) != payload_digest({"a": 2})

    def test_digest_is_sha256_of_canonical_utf8_json(self):
        payload = {"reason": "yenilik yok: iddia 1", "n": 1}
        assert canonical_json(payload) == b'{"n":1,"reason":"yenilik yok: iddia 1"}'
        assert payload_digest(payload) == hashlib.sha256(canonical_json(payload)).hexdigest()
        assert canonical_json({"d": date(2027, 1, 2)}) == b'{"d":"2027-01-02"}'

    @pytest.mark.parametrize("bad", [{"x": float("nan")}, {"x": {1, 2}}])
    def test_non_json_payloads_are_rejected(self, bad):
        with pytest.raises(InvalidPayload):
            canonical_json(bad)

    def test_entries_are_complete_and_ordered(self):
        flow = Flow().to(ApplicationState.OFFICE_ACTION)
        flow.do("respond_to_office_action")
        assert [e.seq for e in flow.history] == list(range(1, len(flow.history) + 1))
        for previous, entry in zip(flow.history, flow.history[1:], strict=False):
            assert entry.from_state is previous.to_state
        last = flow.history[-1]
        assert (last.actor_id, last.role.value, last.office.value, last.at) == (
            "applicant-1",
            "applicant",
            "TR",
            flow.now,
        )
        assert last.payload_digest == payload_digest(PAYLOADS["respond_to_office_action"])
