"""Demo account names are people's names: the desk shows the role beside them ("(applicant) (applicant)" before)."""

from __future__ import annotations

from ctpo.db.models import Role
from ctpo.demo import DEMO_ACCOUNTS, DEMO_STAFF_NAMES
from ctpo.desk.i18n import LANGUAGES, Translator


def _role_words() -> set[str]:
    words = {"applicant", "attorney", "examiner", "admin", "demo", "staff"}
    for language in LANGUAGES:
        words.update(Translator(language).term("role", role).lower() for role in Role)
    return words


def test_no_demo_name_states_a_role():
    names = [name for _, name, *_ in DEMO_ACCOUNTS] + list(DEMO_STAFF_NAMES.values())
    words = _role_words()
    assert [n for n in names if any(w in n.lower() for w in words) or "(" in n] == []


def test_every_office_has_a_named_examiner_and_admin():
    assert {(role, office) for role, office in DEMO_STAFF_NAMES} == {
        (role, office) for role in (Role.EXAMINER, Role.OFFICE_ADMIN) for office in ("TR", "AZ", "KZ", "KG", "UZ")
    }
