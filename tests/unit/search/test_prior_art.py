from __future__ import annotations

from datetime import date, timedelta

from search.prior_art import ApplicationDates, CitationFlag, assess, published_before

PRIORITY = date(2025, 3, 10)
FILING = date(2026, 3, 9)
APP = ApplicationDates(filing_date=FILING, priority_date=PRIORITY)
DAY = timedelta(days=1)


def test_published_the_day_before_priority_is_prior_art() -> None:
    verdict = assess(APP, publication_date=PRIORITY - DAY)
    assert verdict.returned
    assert verdict.prior_art
    assert verdict.flag is None


def test_published_on_the_priority_date_is_not_prior_art_but_p() -> None:
    verdict = assess(APP, publication_date=PRIORITY)
    assert not verdict.prior_art
    assert verdict.flag is CitationFlag.P


def test_published_one_day_after_priority_is_p_when_before_filing() -> None:
    verdict = assess(APP, publication_date=PRIORITY + DAY)
    assert verdict.returned
    assert not verdict.prior_art
    assert verdict.flag is CitationFlag.P


def test_published_the_day_before_filing_is_still_p() -> None:
    assert assess(APP, publication_date=FILING - DAY).flag is CitationFlag.P


def test_without_priority_the_filing_date_is_the_reference() -> None:
    app = ApplicationDates(filing_date=FILING)
    assert assess(app, publication_date=FILING - DAY).prior_art
    after = assess(app, publication_date=FILING + DAY)
    assert not after.returned
    assert not after.prior_art


def test_published_after_priority_without_p_window_is_hidden() -> None:
    app = ApplicationDates(filing_date=PRIORITY, priority_date=PRIORITY)
    verdict = assess(app, publication_date=PRIORITY + DAY)
    assert not verdict.returned


def test_earlier_filed_later_published_application_is_e() -> None:
    verdict = assess(APP, publication_date=FILING + 30 * DAY, filing_date=PRIORITY - DAY)
    assert verdict.returned
    assert not verdict.prior_art
    assert verdict.flag is CitationFlag.E


def test_e_uses_the_candidates_own_priority_date() -> None:
    verdict = assess(
        APP, publication_date=FILING + DAY, filing_date=PRIORITY + 10 * DAY, priority_date=PRIORITY - 10 * DAY
    )
    assert verdict.flag is CitationFlag.E


def test_filed_after_our_priority_and_published_later_is_hidden() -> None:
    assert not assess(APP, publication_date=FILING + DAY, filing_date=PRIORITY + DAY).returned
    assert not assess(APP, publication_date=FILING + DAY, filing_date=PRIORITY).returned


def test_unpublished_documents_are_never_returned() -> None:
    for filing in (None, PRIORITY - 400 * DAY, FILING + DAY):
        verdict = assess(APP, publication_date=None, filing_date=filing)
        assert not verdict.returned


def test_priority_later_than_filing_is_ignored_for_the_reference() -> None:
    assert ApplicationDates(filing_date=FILING, priority_date=FILING + DAY).reference_date == FILING


def test_published_before_is_strict() -> None:
    assert published_before(PRIORITY, PRIORITY - DAY).returned
    assert not published_before(PRIORITY, PRIORITY).returned
    assert not published_before(PRIORITY, None).returned
