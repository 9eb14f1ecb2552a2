"""The one set of text rules: every parser of a claim set or a procedural text applies it, the filing too."""

from __future__ import annotations

import pytest

from workflows.documents import (
    parse_amended_claims,
    parse_deficiency_notice,
    parse_office_action,
    parse_office_action_response,
    parse_opposition,
    parse_search_report,
)
from workflows.errors import InvalidPayload
from workflows.texts import MAX_CLAIM_CHARS, MAX_CLAIMS, claim_problems, text_problem, without_claim_number

INVISIBLE = {
    "right-to-left override": "\u202e",
    "Arabic letter mark": "\u061c",
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "left-to-right isolate": "\u2066",
    "soft hyphen": "\u00ad",
}
CONTROLS = {"BEL": "\x07", "ESC": "\x1b", "NUL": "\x00", "C1 NEL": "\x85", "DEL": "\x7f"}
HOSTILE_CLAIM_SETS = {
    **{f"claim with {name}": [f"A device{ch} with a part."] for name, ch in (INVISIBLE | CONTROLS).items()},
    "lone surrogate": ["A device \ud800."],
    f"{MAX_CLAIMS + 4502} claims": ["A device."] * (MAX_CLAIMS + 4502),
    "a 100,000-character claim": ["A" * 100_000],
    "an empty claim": ["A device.", "  "],
    "a number contradicting the position": ["1. A device.", "3. The device of claim 1."],
    "a number without text": ["1. "],
    "no claim": [],
}
"""What reached the file through an amendment before (5,002 claims, 100,000 characters, U+202E, BEL, ESC)."""

PARSERS = {
    "respond_to_office_action": lambda claims: parse_office_action_response(
        {"arguments": "a", "amended_claims": claims}
    ),
    "maintain_as_amended": lambda claims: parse_amended_claims({"claims": claims}),
}


@pytest.mark.parametrize("path", PARSERS)
@pytest.mark.parametrize("case", HOSTILE_CLAIM_SETS)
def test_every_path_taking_a_claim_set_refuses_what_a_filing_refuses(path: str, case: str):
    claims = HOSTILE_CLAIM_SETS[case]
    with pytest.raises(InvalidPayload) as refused:
        PARSERS[path](claims)
    assert refused.value.field.startswith("amended_claims" if path == "respond_to_office_action" else "claims")
    # the filing's own rule refuses the same set (one rule, one place)
    assert claim_problems("claims", claims)


@pytest.mark.parametrize("path", PARSERS)
def test_leading_numbers_equal_to_the_position_are_removed_on_every_path(path: str):
    parsed = PARSERS[path](["1. A device.", "2) The device of claim 1.", "Claim 3: Use of it.", "1-methyl ester."])
    claims = parsed.amended_claims if path == "respond_to_office_action" else parsed.claims
    assert claims is not None
    assert list(claims)[:3] == ["A device.", "The device of claim 1.", "Use of it."]


def test_a_claim_starting_with_a_quantity_or_a_chemical_name_keeps_it():
    for text in ("1-methylpropane.", "1.5 mm plate.", "10 g of salt.", "2,4-dinitrophenol."):
        assert without_claim_number(text) == text


@pytest.mark.parametrize("name", INVISIBLE | CONTROLS)
def test_other_procedural_texts_meet_the_same_rules(name: str):
    bad = f"Text{(INVISIBLE | CONTROLS)[name]}here"
    payloads = [
        lambda: parse_office_action({"objections": [{"claims": [1], "ground": "novelty", "reasoning": bad}]}),
        lambda: parse_office_action_response({"arguments": bad}),
        lambda: parse_deficiency_notice({"deficiencies": [bad]}),
        lambda: parse_opposition({"grounds": bad}),
        lambda: parse_search_report(
            {"citations": [{"document_id": "US1", "category": "X", "claims": [1], "passage": bad}]}
        ),
    ]
    for parse in payloads:
        with pytest.raises(InvalidPayload):
            parse()


def test_limits_and_line_breaks():
    assert text_problem("t", "a" * MAX_CLAIM_CHARS, max_chars=MAX_CLAIM_CHARS, single_line=False) is None
    assert text_problem("t", "a" * (MAX_CLAIM_CHARS + 1), max_chars=MAX_CLAIM_CHARS, single_line=False)
    assert text_problem("t", "line\nnext\ttab", max_chars=100, single_line=False) is None
    assert text_problem("t", "line\nnext", max_chars=100, single_line=True)
    # legitimate scripts and marks pass
    assert text_problem("t", "Ərdoğan Қазақ ليثيوم 锂 e\u0301 🧪", max_chars=100, single_line=True) is None
