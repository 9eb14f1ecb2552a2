"""EPC Art. 133(2): who must be represented."""

from __future__ import annotations

import pytest

from workflows.representation import representation_missing


@pytest.mark.parametrize(
    ("countries", "represented", "missing"),
    [
        (["US"], False, True),
        (["us"], False, True),  # codes compared case-insensitively
        (["US", "JP"], False, True),
        (["US", "UZ"], False, False),  # the member-state applicant may act as common representative
        (["TR"], False, False),
        (["US"], True, False),
        ([], False, False),
    ],
)
def test_representation_required_only_without_a_member_state_applicant(
    countries: list[str], represented: bool, missing: bool
):
    assert (representation_missing(countries, has_representative=represented) is not None) is missing
