"""What the desk's pages show, as plain data: built by :mod:`ctpo.desk.services`, rendered by the templates.

Nothing here touches the database or HTTP, so the shaping rules (highlighting, claim comparison, days left) are
tested on their own.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from search.lexical import index_terms, matched_index_terms

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import date, datetime

    from ctpo.domain.worksharing.schemas import ExaminerProfileOut, SharedFilesOut
    from workflows import Action, FormKind

_APOSTROPHES = "'ʼʻ’‘`"
_WORD = re.compile(rf"[^\W_]+(?:(?:[./,\-]|[{_APOSTROPHES}])[^\W_]+)*")
_PART = re.compile(r"[^./,\-]+")


def highlight(text: str, terms: Iterable[str]) -> Markup:
    """``text`` escaped, with each word the lexical channel matched wrapped in ``<mark>``.

    Words are compared the way the lexical channel compares them (script-folded, stemmed, codes kept exact), so a
    Latin passage word is marked for a Cyrillic query word, and ``batareialar`` for ``батарея``. The text is
    hostile input: every character of it goes through :func:`markupsafe.escape`; only the ``<mark>`` tags are ours.
    """
    keys = matched_index_terms(terms)
    if not keys:
        return escape(text)
    spans: list[tuple[int, int]] = []
    for word in _WORD.finditer(text):
        surface = word.group()
        if any(ch.isdigit() for ch in surface):
            if set(index_terms(surface)) & keys:
                spans.append(word.span())
            continue
        spans.extend(
            (word.start() + part.start(), word.start() + part.end())
            for part in _PART.finditer(surface)
            if set(index_terms(part.group())) & keys
        )
    out: list[str] = []
    position = 0
    for start, end in spans:
        out.append(escape(text[position:start]))
        out.append(Markup("<mark>%s</mark>") % text[start:end])
        position = end
    out.append(escape(text[position:]))
    return Markup("").join(out)


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of words of a compared claim: ``same``, ``added`` or ``removed``."""

    kind: str
    text: str


DIFF_BUDGET = 250_000
"""Word pairs the fine comparison may weigh per claim (the product of the changed runs' lengths): 500 x 500 words.

``difflib`` is quadratic and worse: one 10,000-word amended claim held a whole process for 11 s. Within the
budget a comparison takes at most tens of milliseconds; beyond it the changed run is shown removed and added whole.
"""
PAGE_DIFF_BUDGET = 2_000_000
"""Word pairs for all the claims of one page together, so 500 long claims cannot add up to seconds either."""


def _common_ends(old: list[str], new: list[str]) -> tuple[int, int]:
    """Lengths of the shared leading and trailing runs of words (linear, so long claims cost little)."""
    shortest = min(len(old), len(new))
    head = 0
    while head < shortest and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < shortest - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return head, tail


def compare_words(before: str, after: str, *, budget: int = DIFF_BUDGET) -> list[Segment]:
    """A word-level comparison of two versions of a claim, for showing amendments; bounded work at any size.

    Shared leading and trailing words are found in linear time; the changed run between them is compared word by
    word only when its size is within ``budget`` (else it is shown as removed and added whole).
    """
    return _compare(before, after, budget)[0]


def _compare(before: str, after: str, budget: int) -> tuple[list[Segment], int]:
    """:func:`compare_words` and the word pairs it weighed."""
    old, new = before.split(), after.split()
    head, tail = _common_ends(old, new)
    old_mid, new_mid = old[head : len(old) - tail], new[head : len(new) - tail]
    segments: list[Segment] = []
    if head:
        segments.append(Segment("same", " ".join(old[:head])))
    cost = len(old_mid) * len(new_mid)
    if cost <= budget:
        matcher = difflib.SequenceMatcher(a=old_mid, b=new_mid, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                segments.append(Segment("same", " ".join(old_mid[i1:i2])))
                continue
            if op in {"delete", "replace"}:
                segments.append(Segment("removed", " ".join(old_mid[i1:i2])))
            if op in {"insert", "replace"}:
                segments.append(Segment("added", " ".join(new_mid[j1:j2])))
    else:
        cost = 0
        if old_mid:
            segments.append(Segment("removed", " ".join(old_mid)))
        if new_mid:
            segments.append(Segment("added", " ".join(new_mid)))
    if tail:
        segments.append(Segment("same", " ".join(old[len(old) - tail :])))
    return segments, cost


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """One claim of the current set, with how it changed since the previous set (if there was one)."""

    number: int
    text: str
    changes: list[Segment] | None
    """``None`` in the first claim set; otherwise the comparison with the same claim of the previous set."""


@dataclass(frozen=True, slots=True)
class ClaimVersions:
    """The current claims, and which set they are (1 = as filed)."""

    version: int
    claims: list[ClaimRow]
    earlier: dict[int, list[str]]
    """Every earlier set, by version, as filed or amended."""


def claim_versions(claim_sets: dict[int, list[str]], current: int) -> ClaimVersions:
    """The current claim set compared, claim by claim, with the one before it."""
    now = claim_sets.get(current, [])
    previous = claim_sets.get(current - 1)
    rows = []
    budget = PAGE_DIFF_BUDGET
    for index, text in enumerate(now):
        changes = None
        if previous is not None:
            changes, cost = _compare(previous[index] if index < len(previous) else "", text, min(budget, DIFF_BUDGET))
            budget -= cost
        rows.append(ClaimRow(index + 1, text, changes))
    earlier = {v: texts for v, texts in sorted(claim_sets.items()) if v < current}
    return ClaimVersions(current, rows, earlier)


@dataclass(frozen=True, slots=True)
class Button:
    """A transition the examiner may take now, and what its form needs."""

    action: str
    form: FormKind
    """The form the transition declares (``Transition.form``)."""


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of the office queue."""

    number: str
    office: str
    """The file's office: another office's for a file assigned to the examiner across offices."""
    title: str
    language: str
    state: str
    filing_date: date
    ipc: list[str]
    holder: str | None
    """The examiner holding the file (``None``: nobody)."""
    held_by_me: bool
    next_deadline: date | None
    next_deadline_kind: str | None
    days_left: int | None
    actions: list[Action]
    """``claim`` and/or ``release``, when the workflow allows them to this user now."""


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """The filters of the queue page, as given (empty: no filter)."""

    state: str = ""
    ipc: str = ""
    language: str = ""

    def query(self, page: int | None = None) -> str:
        """The URL query string for these filters (and a page)."""
        pairs = [(k, v) for k, v in (("state", self.state), ("ipc", self.ipc), ("language", self.language)) if v]
        if page is not None and page > 1:
            pairs.append(("page", str(page)))
        return urlencode(pairs)


@dataclass(frozen=True, slots=True)
class QueuePage:
    """One page of an office's queue."""

    office: str
    filters: QueueFilters
    page: int
    page_size: int
    rows: list[QueueRow]
    has_next: bool
    states: Sequence[str]
    languages: Sequence[str]


@dataclass(frozen=True, slots=True)
class Party:
    """An applicant or inventor."""

    name: str
    country: str
    address: str


@dataclass(frozen=True, slots=True)
class FiledDocument:
    """A document filed with the application."""

    filename: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Bibliography:
    """The bibliographic data of an application."""

    number: str
    office: str
    filing_date: date
    received_at: datetime
    language: str
    title: str
    abstract: str
    applicants: list[Party]
    inventors: list[Party]
    priorities: list[tuple[str, str, date]]
    ipc: list[str]
    reference_date: date
    """The earliest priority date, or the filing date: what prior art must predate."""
    publication_date: date | None
    applicant_reference: str | None
    content_digest: str


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One history entry."""

    seq: int
    action: str
    from_state: str | None
    to_state: str
    actor: str
    role: str
    at: datetime
    reason: str | None


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    """An open deadline, with days left and its explanation."""

    kind: str
    due_date: date
    days_left: int
    on_expiry: str
    explanation: list[tuple[str, str, str]]


@dataclass(frozen=True, slots=True)
class ProceduralDoc:
    """An office action, response, search report… as issued."""

    kind: str
    action: str
    seq: int
    author: str
    created_at: datetime
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Hit:
    """One prior-art hit as the desk shows it."""

    index: int
    document_id: str
    title: str
    language: str
    found_by: list[str]
    passage: Markup
    passage_section: str
    passage_id: str
    publication_date: date | None
    days_before_reference: int | None
    """Days from publication to the application's reference date (positive: published before it)."""
    flag: str | None
    score: float


@dataclass(frozen=True, slots=True)
class PriorArt:
    """The prior-art panel: hits, or why there are none."""

    ran: bool
    """Whether a search was run for this page (it is run on request, not on every page load)."""
    available: bool
    hits: list[Hit]
    reference_date: date
    message: str | None = None
    stored_at: datetime | None = None
    """When the hits come from the search run in the background after formalities rather than from a search now."""


@dataclass(frozen=True, slots=True)
class ApplicationPage:
    """Everything the application view shows."""

    bibliography: Bibliography
    state: str
    version: int
    holder: str | None
    held_by_me: bool
    published: bool
    claims: ClaimVersions
    documents: list[FiledDocument]
    procedural: list[ProceduralDoc]
    timeline: list[TimelineEntry]
    deadlines: list[DeadlineRow]
    buttons: list[Button]
    prior_art: PriorArt
    examiners: list[tuple[str, str]] = field(default_factory=list)
    """(id, label) of the examiners of any office who read the file's language, best IPC match first, for an
    administrator's ``assign`` form; the label names the examiner, their office and the matching IPC symbols."""
    international: Any = None
    """The international search report and facts of a PCT entry (``InternationalOut``), shown next to our prior art."""
    observations: list[Any] = field(default_factory=list)
    """Third-party observations (``ObservationOut``), each with what was done with it."""
    people: dict[str, str] = field(default_factory=dict)
    """Names of the accounts the page mentions by id (actors, authors, an assignment's examiner)."""

    def can(self, action: str) -> bool:
        """Whether ``action`` is among the transitions allowed now."""
        return any(b.action == action for b in self.buttons)


@dataclass(frozen=True, slots=True)
class ErrorNotice:
    """A refusal as the page shows it: translated headline and fields, the service's English detail below."""

    headline: str
    explanation: str
    """What was refused and what is allowed instead, translated; empty when the fields say it all."""
    problems: list[tuple[str, str]]
    """(field as the page names it, what is wrong with it), translated."""
    detail: str
    """The service's own words (English), as the API answers them."""


@dataclass(frozen=True, slots=True)
class Submitted:
    """The values of a refused form, put back into it: the examiner's input survives the refusal."""

    action: str
    form: Mapping[str, Sequence[str]]

    def of(self, action: str) -> bool:
        """Whether the form of ``action`` is the one refused."""
        return bool(self.action) and self.action == action

    def value(self, name: str, default: str = "") -> str:
        """The first value of a field as typed, or ``default``."""
        values = self.form.get(name) or ()
        return values[0] if values else default

    def has(self, name: str, value: object) -> bool:
        """Whether a checkbox, radio button or option with this value was chosen."""
        return str(value) in (self.form.get(name) or ())

    def hit_field(self, document_id: str, suffix: str) -> str | None:
        """The refused search report's ``hit-N-<suffix>`` name for a hit, found by its document (hits may move)."""
        for name, values in self.form.items():
            if name.startswith("hit-") and name.endswith("-document") and document_id in values:
                return name.removesuffix("document") + suffix
        return None


NOTHING_SUBMITTED = Submitted("", {})
"""A page shown without a refused form."""


@dataclass(frozen=True, slots=True)
class SharingPage:
    """Work sharing on the desk: an examiner's own profile, an administrator's files lent and borrowed."""

    profile: ExaminerProfileOut | None
    """The examiner's languages and IPC fields (``None`` for an administrator)."""
    shared: SharedFilesOut | None
    """The office's files held across offices (``None`` for an examiner)."""
    languages: Sequence[str]
    """The working languages an examiner may tick."""
    examiners: Sequence[ExaminerProfileOut] = ()
    """The office's examiners, whose profiles an administrator maintains."""
