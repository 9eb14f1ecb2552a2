"""A mail worker process for the fault tests: the jobs runner with the mail bodies, polling until killed.

It is the same ``JobRunner`` the in-process runner and the Celery worker run; only the loop around it is here.
Usage: ``python -m tests.mail_worker DATABASE_URL SMTP_PORT``.
"""

from __future__ import annotations

import sys
import time

from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.domain.jobs.runner import JobRunner
from ctpo.lib.settings import MailSecurity, MailSettings
from ctpo.mail import mail_job_bodies

LEASE_SECONDS = 2.0
"""Short, so a killed worker's job is handed out again within the test (production keeps 300 s)."""


def main() -> None:
    database_url, port = sys.argv[1], int(sys.argv[2])
    engine = create_sync_engine(database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    settings = MailSettings(host="127.0.0.1", port=port, security=MailSecurity.NONE, timeout_seconds=5.0)
    runner = JobRunner(
        sessions, mail_job_bodies(sessions, settings), lease_seconds=LEASE_SECONDS, retry_base_seconds=0.2
    )
    while True:
        runner.run_due(limit=1)
        time.sleep(0.05)


if __name__ == "__main__":
    main()
