"""Work sharing without a server: the examiner's profile, the IPC match and the assigned-examiner clause."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Column, Date, MetaData, String, Table, Uuid, create_engine, insert, select
from sqlalchemy.pool import StaticPool

from ctpo.db.models import Application, Role, User
from ctpo.domain.access import STAFF_CLAUSES, assigned_examiner, visible_to
from ctpo.domain.worksharing.profile import canonical_ipc_prefix, field_overlap, parse_profile
from ctpo.lib.errors import InvalidRequestError
from workflows.languages import Language


def _user(role: Role, office: str | None) -> User:
    return User(id=uuid.uuid4(), email="x@test.example", full_name="X", password_hash="-", role=role, office=office)


def test_profile_is_canonical_sorted_and_merged():
    profile = parse_profile(["RU", "kk", " kk "], ["h01m", "B 60", "H01M"])
    assert profile.languages == (Language.KK, Language.RU)
    assert profile.ipc_fields == ("B60", "H01M")


def test_profile_names_every_bad_entry():
    with pytest.raises(InvalidRequestError) as refused:
        parse_profile(["kk", "de", "kaz"], ["H01M", "H01M 10/613", "Z99", "H1"])
    assert [e.field for e in refused.value.errors] == [
        "languages[1]",
        "languages[2]",
        "ipc_fields[1]",
        "ipc_fields[2]",
        "ipc_fields[3]",
    ]


@pytest.mark.parametrize(
    ("text", "prefix"),
    [("H01", "H01"), ("h01m", "H01M"), ("A 01 B", "A01B"), ("I01", None), ("H01M10", None), ("H", None), ("", None)],
)
def test_ipc_prefix_is_a_class_or_subclass(text: str, prefix: str | None):
    assert canonical_ipc_prefix(text) == prefix


def test_field_overlap_is_by_prefix_in_the_files_order():
    symbols = ["H01M 10/613", "B60L 58/26", "H02J 7/00"]
    assert field_overlap(["H02", "H01M"], symbols) == ("H01M 10/613", "H02J 7/00")
    assert field_overlap([], symbols) == ()
    assert field_overlap(["H01L"], symbols) == ()


def test_the_assigned_examiner_clause_is_for_examiners_only():
    examiner = _user(Role.EXAMINER, "TR")
    assert assigned_examiner in STAFF_CLAUSES  # one rule: every list, page and transition picks it up
    assert assigned_examiner(_user(Role.APPLICANT, None)) is None
    assert assigned_examiner(_user(Role.OFFICE_ADMIN, "TR")) is None  # an admin is never lent a file
    clause = assigned_examiner(examiner)
    assert clause is not None
    assert "claimed_by" in str(clause.compile())


def test_an_examiner_sees_their_office_and_the_file_assigned_to_them_only():
    """The clause evaluated by a database: of the other office, only the file the examiner holds.

    A stand-in ``applications`` table with just the columns the rule reads keeps this a unit test (no migrations).
    """
    engine = create_engine("sqlite://", poolclass=StaticPool)
    tr_examiner, kz_examiner = _user(Role.EXAMINER, "TR"), _user(Role.EXAMINER, "KZ")
    meta = MetaData()
    stand_in = Table(
        "applications",
        meta,
        Column("id", Uuid, primary_key=True),
        Column("number", String),
        Column("receiving_office", String(2)),
        Column("claimed_by", Uuid),
        Column("publication_date", Date),
    )
    meta.create_all(engine)
    rows = [
        ("KZ-1", "KZ", tr_examiner.id),  # lent to the TR examiner
        ("KZ-2", "KZ", kz_examiner.id),  # another file of KZ
        ("KZ-3", "KZ", None),
        ("TR-1", "TR", None),  # the examiner's own office
    ]
    with engine.begin() as conn:
        conn.execute(
            insert(stand_in),
            [{"id": uuid.uuid4(), "number": n, "receiving_office": o, "claimed_by": c} for n, o, c in rows],
        )
        seen = {
            name: sorted(conn.execute(select(Application.number).where(visible_to(user))).scalars())
            for name, user in (("tr", tr_examiner), ("kz", kz_examiner))
        }
    assert seen == {"tr": ["KZ-1", "TR-1"], "kz": ["KZ-1", "KZ-2", "KZ-3"]}
