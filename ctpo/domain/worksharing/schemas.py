"""Bodies of the work-sharing API."""

from __future__ import annotations

from typing import Annotated

import msgspec

from ctpo.domain.worksharing.profile import MAX_IPC_FIELDS


class ExaminerProfileIn(msgspec.Struct, forbid_unknown_fields=True):
    """The languages an examiner reads and their IPC fields; each replaces what was declared before."""

    languages: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=10)]],
        msgspec.Meta(max_length=20, description="ISO 639-1 codes of working languages", examples=[["kk", "ru"]]),
    ]
    ipc_fields: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=20)]],
        msgspec.Meta(
            max_length=MAX_IPC_FIELDS * 2, description="IPC classes or subclasses", examples=[["H01M", "B60"]]
        ),
    ] = msgspec.field(default_factory=list)


class ExaminerProfileOut(msgspec.Struct):
    """An examiner, their office and what they read and examine."""

    examiner_id: str
    full_name: str
    office: str
    languages: list[str]
    ipc_fields: list[str]


class SuggestionOut(msgspec.Struct):
    """An examiner who may be given a file: reads its language; ``matching_ipc`` lists its symbols in their fields."""

    examiner: ExaminerProfileOut
    matching_ipc: list[str]
    same_office: bool


class SharedFileOut(msgspec.Struct):
    """A file held by an examiner of another office than the file's: the assignment both offices see."""

    application_number: str
    file_office: str
    language: str
    state: str
    examiner_id: str
    examiner_name: str
    examiner_office: str


class SharedFilesOut(msgspec.Struct):
    """An office's share of the work sharing: what it lent out and what its examiners borrowed."""

    office: str
    lent: list[SharedFileOut]
    """Files of this office assigned to examiners of other offices."""
    borrowed: list[SharedFileOut]
    """Files of other offices assigned to examiners of this office."""
