"""What the ``app`` test fixture costs per test: a new app per test (as before) against the worker's app reset.

Both modes run in this process, interleaved, on copies of one migrated SQLite file, with the suite's settings; each
"test" starts a client (the lifespan) and makes one request. Prints wall and CPU milliseconds per test and the ratio.

    nice -n 10 .venv/bin/python benchmarks/app_fixture.py --tests 10 --rounds 2
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from litestar.testing import TestClient

import tests.conftest as fixtures
from ctpo.db.migrate import upgrade
from ctpo.lib.settings import (
    AuthSettings,
    MailSettings,
    RateLimitSettings,
    SearchSettings,
    Settings,
    TaskSettings,
)
from ctpo.server.app import create_app


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=10, help="tests per mode and round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ctpo-fixtures-"))
    template = root / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{template}")
    made = 0

    def settings() -> Settings:  # what tests/conftest.py's settings fixture gives a test
        nonlocal made
        made += 1
        folder = root / f"test{made}"
        folder.mkdir()
        shutil.copyfile(template, folder / "ctpo.sqlite3")
        return Settings(
            data_dir=folder,
            database_url=f"sqlite+aiosqlite:///{folder / 'ctpo.sqlite3'}",
            storage_dir=folder / "documents",
            auth=AuthSettings(secret_key="test-secret-key-with-enough-entropy-0123456789"),
            tasks=TaskSettings(sweep_interval_seconds=0, job_poll_seconds=0),
            search=SearchSettings(search_autostart=False),
            mail=MailSettings(outbox_dir=folder / "outbox"),
            rate_limits=RateLimitSettings(register_requests_per_minute=100_000, observations_per_minute=100_000),
        )

    worker_apps: dict[object, object] = {}
    reset = fixtures.app.__wrapped__  # type: ignore[attr-defined]
    modes = {
        "new app per test": create_app,
        "worker's app, reset": lambda s: reset(s, worker_apps),
    }
    print(f"load average before: {os.getloadavg()}")
    results: dict[str, list[float]] = {mode: [] for mode in modes}
    for round_ in range(args.rounds):
        for mode, make in modes.items():
            wall, cpu = time.perf_counter(), _cpu()
            for _ in range(args.tests):
                with TestClient(make(settings())) as client:
                    assert client.get("/offices").status_code == 200
            per_wall = (time.perf_counter() - wall) / args.tests * 1000
            per_cpu = (_cpu() - cpu) / args.tests * 1000
            results[mode].append(per_cpu)
            print(f"round {round_}: {mode:22} {per_wall:7.0f} ms wall {per_cpu:6.0f} ms CPU per test")
    new, shared = (min(v) for v in results.values())
    print(f"CPU per test, best round: {new:.0f} ms -> {shared:.0f} ms ({new / shared:.1f}x less)")
    print(f"load average after: {os.getloadavg()}")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
