"""The deadline sweep, publication at 18 months, and the Celery tasks over a WorkflowStore."""

from __future__ import annotations

import contextlib
import importlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from celery import Celery

import workflows.tasks
from tests.unit.workflows.workflow_support import APPLICANT, T0, Flow
from workflows import (
    Action,
    ApplicationSnapshot,
    ApplicationState,
    DeadlineKind,
    Decision,
    HistoryEntry,
    OfficeCalendar,
    OfficeCode,
    StaleSnapshotError,
    decide,
    open_application,
)
from workflows.sweep import SYSTEM_ACTOR, apply_due, publications_due, settle, sweep
from workflows.tasks import register_tasks, run_recompute, run_sweep

S = ApplicationState
K = DeadlineKind


class MemoryStore:
    """What ctpo implements on the database, in memory: one dict of snapshots, an append-only history."""

    def __init__(self) -> None:
        self.snapshots: dict[str, ApplicationSnapshot] = {}
        self.history: list[HistoryEntry] = []
        self.calendars: dict[OfficeCode, OfficeCalendar] = {}

    def add(self, decision: Decision) -> None:
        self.snapshots[decision.snapshot.application_id] = decision.snapshot
        self.history.append(decision.history)

    def load(self, application_id: str) -> ApplicationSnapshot:
        return self.snapshots[application_id]

    def calendar(self, office: OfficeCode) -> OfficeCalendar:
        return self.calendars.get(office, OfficeCalendar(office))

    def due_deadlines(self, now: datetime):
        return [d for s in self.snapshots.values() for d in s.deadlines if d.expires_at <= now]

    def open_deadlines(self, office: OfficeCode):
        return [d for s in self.snapshots.values() if s.office is office for d in s.deadlines]

    def apply(self, decision: Decision, *, expected_version: int) -> None:
        current = self.snapshots[decision.snapshot.application_id]
        if current.version != expected_version:
            raise StaleSnapshotError(current.application_id)
        self.add(decision)


def filed(store: MemoryStore, app_id: str, priority: date, office: OfficeCode = OfficeCode.TR) -> None:
    """A filing whose filing and search fees are paid at once (unpaid, it would be deemed withdrawn in a month)."""
    snapshot = open_application(app_id, office, APPLICANT, T0, priority_date=priority).snapshot
    store.add(decide(snapshot, Action.PAY_FILING_FEES, SYSTEM_ACTOR, T0))


class TestSweep:
    def test_publication_at_18_months_from_earliest_priority(self):
        flow = Flow(priority_date=date(2026, 1, 31)).to(S.EXAMINATION)
        publication = flow.snapshot.deadline(K.PUBLICATION)
        assert publication.due_date == date(2027, 7, 31)  # a Saturday: publication dates do not move
        flow.at(datetime(2027, 7, 30, 20, 59, tzinfo=UTC))
        assert sweep(flow.snapshot.deadlines, flow.now) == ()
        flow.at(datetime(2027, 7, 30, 21, 0, tzinfo=UTC))  # 00:00 on 31 July in Istanbul
        due = sweep(flow.snapshot.deadlines, flow.now)
        assert publications_due(due) == ("APP-1",)
        (decision,) = flow.sweep()
        assert decision.action == "publish"
        assert decision.history.reason == "publication due on 2027-07-31"
        assert flow.snapshot.publication_date == date(2027, 7, 31)  # Istanbul date at 21:00 UTC
        assert flow.snapshot.state is S.EXAMINATION

    def test_naive_now_is_refused(self):
        with pytest.raises(ValueError, match="aware"):
            sweep(Flow().snapshot.deadlines, datetime(2027, 1, 1))  # noqa: DTZ001

    def test_early_publication_is_due_at_once(self):
        flow = Flow().to(S.SEARCH)
        flow.do("request_early_publication")
        assert publications_due(sweep(flow.snapshot.deadlines, flow.now)) == ("APP-1",)

    def test_sweep_orders_oldest_first_and_ignores_running_deadlines(self):
        a = Flow(priority_date=date(2026, 1, 10)).snapshot.deadlines
        b = Flow(priority_date=date(2026, 1, 5)).snapshot.deadlines
        c = Flow().snapshot.deadlines
        now = datetime(2027, 8, 1, tzinfo=UTC)
        assert [d.expires_at.date() for d in sweep(a + b + c, now)] == [date(2027, 7, 4), date(2027, 7, 9)]

    def test_settle_follows_consequences_that_are_already_due(self):
        flow = Flow().to(S.OFFICE_ACTION)
        much_later = flow.snapshot.deadline(K.RESPOND_TO_OFFICE_ACTION).expires_at + timedelta(days=400)
        decisions = settle(flow.snapshot, much_later)
        assert [d.action for d in decisions] == ["deem_withdrawn", "close_re_establishment_window"]
        assert [d.history.seq for d in decisions] == [flow.snapshot.version + 1, flow.snapshot.version + 2]
        assert settle(decisions[-1].snapshot, much_later) == ()

    def test_apply_due_is_a_no_op_once_the_deadline_is_satisfied(self):
        flow = Flow().to(S.OFFICE_ACTION)
        late = flow.snapshot.deadline(K.RESPOND_TO_OFFICE_ACTION).expires_at
        (due,) = [d for d in sweep(flow.snapshot.deadlines, late) if d.kind is K.RESPOND_TO_OFFICE_ACTION]
        flow.do("respond_to_office_action")  # answered in time, the sweep listed it from stale data
        assert apply_due(flow.snapshot, due, late) is None


class TestTasks:
    def test_run_sweep_applies_each_consequence_once(self):
        store = MemoryStore()
        filed(store, "A", date(2026, 1, 10))
        filed(store, "B", date(2026, 10, 1))
        now = datetime(2027, 7, 10, tzinfo=UTC)
        report = run_sweep(store, now)
        assert [(e.application_id, e.action) for e in report.applied] == [("A", "publish")]
        assert store.load("A").published
        assert not store.load("B").published
        assert run_sweep(store, now).applied == []

    def test_concurrent_change_is_skipped_not_overwritten(self):
        store = MemoryStore()
        filed(store, "A", date(2026, 1, 10))

        class Racing(MemoryStore):
            def apply(self, decision, *, expected_version):
                raise StaleSnapshotError("A")

        racing = Racing()
        racing.snapshots = store.snapshots
        report = run_sweep(racing, datetime(2027, 7, 10, tzinfo=UTC))
        assert report.applied == []
        assert report.skipped == ["A"]

    def test_run_recompute_moves_deadlines_of_the_changed_office_only(self):
        store = MemoryStore()
        flow = Flow().to(S.OFFICE_ACTION)
        store.snapshots["APP-1"] = flow.snapshot
        filed(store, "AZ-1", date(2026, 5, 1), OfficeCode.AZ)
        store.calendars[OfficeCode.TR] = OfficeCalendar(OfficeCode.TR).with_closure(date(2027, 3, 23), "strike")
        report = run_recompute(store, OfficeCode.TR, flow.now)
        assert [e.application_id for e in report.applied] == ["APP-1"]
        assert store.load("APP-1").deadline(K.RESPOND_TO_OFFICE_ACTION).due_date == date(2027, 3, 24)
        assert run_recompute(store, OfficeCode.TR, flow.now).applied == []

    def test_register_tasks_on_an_eager_celery_app(self):
        store = MemoryStore()
        filed(store, "A", date(2026, 1, 10))
        filed(store, "B", date(2026, 1, 11))
        app = Celery("test", set_as_current=False)
        app.conf.task_always_eager = True
        now = datetime(2027, 7, 20, tzinfo=UTC)

        @contextlib.contextmanager
        def factory():
            yield store

        tasks = register_tasks(app, factory, clock=lambda: now)
        assert set(tasks) == {"sweep_deadlines", "sweep_application", "recompute_office_deadlines"}
        assert "workflows.sweep_deadlines" in app.tasks
        assert tasks["sweep_application"].delay("B").get() == 1
        assert (store.load("A").published, store.load("B").published) == (False, True)
        assert tasks["sweep_deadlines"].delay().get() == 1
        assert tasks["sweep_deadlines"].delay().get() == 0
        store.calendars[OfficeCode.TR] = OfficeCalendar(OfficeCode.TR)
        assert tasks["recompute_office_deadlines"].delay("TR").get() == 0


def test_tasks_module_imports_without_a_broker():
    assert importlib.reload(workflows.tasks).register_tasks is not None


def test_history_written_by_the_store_stays_gap_free():
    store = MemoryStore()
    flow = Flow().to(S.OFFICE_ACTION)
    store.snapshots["APP-1"] = flow.snapshot
    store.history = list(flow.history)
    much_later = flow.snapshot.deadline(K.RESPOND_TO_OFFICE_ACTION).expires_at + timedelta(days=400)
    # The lapse opens a re-establishment window that is already shut: one run settles both.
    assert len(run_sweep(store, much_later).applied) == 2
    assert run_sweep(store, much_later).applied == []
    assert [e.seq for e in store.history] == list(range(1, len(store.history) + 1))
    assert [e.action for e in store.history[-2:]] == ["deem_withdrawn", "close_re_establishment_window"]
    assert replace(store.load("APP-1"), deadlines=()) == store.load("APP-1")
