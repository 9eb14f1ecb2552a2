"""The renewal sweep at scale: 200,000 granted patents x 5 states = 1,000,000 renewal rows.

Seeds the patents in bulk (applications, patents, per-state statuses, one open renewal per state), then times
- the sweep when a share of the renewals is past its grace period (it lapses them, with their legal events), against
  a bare ``SELECT count(*)`` of the same rows (open, grace period over);
- the sweep when nothing is due (the steady state, run every few minutes), against the same bare count.
Prints each pair and the ratio (sweep / bare count), measured in the same run on the same database.

    nice -n 10 .venv/bin/python benchmarks/renewals.py --patents 200000 --overdue 0.02 [--postgres]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.orm import sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ctpo.db.engine import create_sync_engine
from ctpo.db.migrate import upgrade
from ctpo.db.models import Application, Patent, PatentState, Renewal
from ctpo.domain.fees.renewals import run_renewal_sweep
from tests.support import create_postgres_database, create_user, drop_postgres_database, unique_name
from workflows import OfficeCode

STATES = [c.value for c in OfficeCode]
NOW = datetime(2031, 6, 15, 12, tzinfo=UTC)
CHUNK = 5000


def seed(database_url: str, patents: int, overdue: float) -> int:
    """Insert the patents; returns how many renewal rows are past their grace period at ``NOW``."""
    owner = create_user(database_url, "applicant")
    engine = create_sync_engine(database_url)
    rng = random.Random(14)
    late = 0
    with engine.begin() as conn:
        for start in range(0, patents, CHUNK):
            apps, pats, states, renewals = [], [], [], []
            for i in range(start, min(start + CHUNK, patents)):
                app_id = uuid.UUID(int=i + 1)
                filed = date(2026, 1, 1) + timedelta(days=i % 700)
                apps.append(
                    {
                        "id": app_id,
                        "number": f"KZ-2026-{i + 1:06d}",
                        "receiving_office": "KZ",
                        "filing_year": 2026,
                        "sequence": i + 1,
                        "filing_date": filed,
                        "received_at": NOW,
                        "owner_id": owner.id,
                        "language": "kk",
                        "title": "t",
                        "abstract": "a",
                        "description": "d",
                        "content_digest": "0" * 64,
                        "state": "granted",
                        "version": 1,
                        "claim_set_version": 1,
                    }
                )
                pats.append(
                    {
                        "application_id": app_id,
                        "number": f"CTPO {i + 1:07d}",
                        "granted_on": date(2028, 1, 1),
                        "expires_on": date(2046, 1, 1) + timedelta(days=i % 700),
                    }
                )
                for state in STATES:
                    states.append(
                        {
                            "application_id": app_id,
                            "state": state,
                            "status": "in_force",
                            "status_date": date(2028, 1, 1),
                        }
                    )
                    is_late = rng.random() < overdue
                    late += is_late
                    due = date(2030, 11, 30) if is_late else date(2031, 11, 30)
                    renewals.append(
                        {
                            "application_id": app_id,
                            "scope": state,
                            "year": 6,
                            "due_date": due,
                            "payable_from": due - timedelta(days=91),
                            "pay_until": due,
                            "grace_end": due + timedelta(days=182),
                            "status": "open",
                        }
                    )
            conn.execute(insert(Application), apps)
            conn.execute(insert(Patent), pats)
            conn.execute(insert(PatentState), states)
            conn.execute(insert(Renewal), renewals)
    with engine.connect() as conn:  # fresh statistics, as after any bulk load
        conn.execute(text("ANALYZE"))
        conn.commit()
    engine.dispose()
    return late


COUNT_SQL = text(
    "SELECT count(*) FROM renewals r JOIN applications a ON a.id = r.application_id "
    "WHERE r.status = 'open' AND r.grace_end < :horizon"
)


def timed_count(database_url: str, repeats: int = 5) -> tuple[float, int]:
    engine = create_sync_engine(database_url)
    best, found = float("inf"), 0
    with engine.connect() as conn:
        for _ in range(repeats):
            began = time.perf_counter()
            found = conn.execute(COUNT_SQL, {"horizon": NOW.date() + timedelta(days=1)}).scalar_one()
            best = min(best, time.perf_counter() - began)
    engine.dispose()
    return best, found


def timed_sweep(database_url: str) -> tuple[float, int]:
    engine = create_sync_engine(database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with engine.connect() as conn:  # a warm connection, as in the long-running sweeper
        conn.execute(text("SELECT 1"))
    began = time.perf_counter()
    report = run_renewal_sweep(sessions, NOW)
    elapsed = time.perf_counter() - began
    engine.dispose()
    return elapsed, len(report.lapsed)


def run(database_url: str, patents: int, overdue: float) -> None:
    upgrade(database_url)
    began = time.perf_counter()
    late = seed(database_url, patents, overdue)
    print(
        f"seeded {patents:,} patents, {patents * len(STATES):,} renewal rows ({late:,} past grace) "
        f"in {time.perf_counter() - began:.0f} s"
    )
    count_s, counted = timed_count(database_url)
    sweep_s, lapsed = timed_sweep(database_url)
    assert counted == late == lapsed, (counted, late, lapsed)
    print(
        f"  sweep with {lapsed:,} lapses: {sweep_s * 1000:.0f} ms; bare count of the same rows: "
        f"{count_s * 1000:.1f} ms; ratio {sweep_s / count_s:.0f}x ({sweep_s / max(lapsed, 1) * 1e6:.0f} us/lapse)"
    )
    count_s, counted = timed_count(database_url)
    idle_s, lapsed = timed_sweep(database_url)
    assert counted == 0 == lapsed
    print(
        f"  sweep with nothing due (run again): {idle_s * 1000:.1f} ms; bare count: {count_s * 1000:.2f} ms; "
        f"ratio {idle_s / count_s:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patents", type=int, default=200_000)
    parser.add_argument("--overdue", type=float, default=0.02, help="share of renewals past their grace period")
    parser.add_argument("--postgres", action="store_true", help="also run on a scratch PostgreSQL database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite:")
        run(f"sqlite+aiosqlite:///{tmp}/renewals.sqlite3", args.patents, args.overdue)
    if args.postgres:
        name = unique_name("ctpo_renewals")
        url = create_postgres_database(name)
        try:
            print("PostgreSQL:")
            run(url, args.patents, args.overdue)
        finally:
            drop_postgres_database(name)


if __name__ == "__main__":
    main()
