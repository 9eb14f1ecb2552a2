"""Running jobs: one attempt of one job (:meth:`JobRunner.run`), the in-process loop, and the broker relay.

The same ``run`` serves both backends. In-process, the API process calls :meth:`JobRunner.run_due`; with Celery,
beat calls :meth:`JobRunner.relay`, which hands due jobs to the broker, and a worker calls ``run`` per message.
A job body must be idempotent: a worker killed after the body's commit but before ``succeed`` runs it again.
"""

from __future__ import annotations

import logging
import threading
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ctpo.db.models import utcnow
from ctpo.domain.jobs import records

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger("ctpo.jobs")


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one call of :meth:`JobRunner.run` did: ``skipped`` (nothing to do), ``succeeded``, ``retry``, ``dead``."""

    key: str
    status: str
    attempt: int = 0
    error: str | None = None


@dataclass(slots=True)
class JobRunner:
    """Runs job bodies by name against the job table.

    Args:
        sessions: sync sessions on the service's database.
        bodies: the body of each job name; each takes the job's key and ``args``.
        lease_seconds: how long a handed-out or started job is left alone before it is handed out again.
        retry_base_seconds: the first retry delay (doubling per attempt).
    """

    sessions: sessionmaker[Session]
    bodies: Mapping[str, Callable[[str, dict[str, Any]], None]]
    lease_seconds: float = 300.0
    retry_base_seconds: float = 10.0

    def run(self, key: str) -> RunOutcome:
        """One attempt of the job ``key``; failures are recorded on the job, never raised."""
        with self.sessions() as session, session.begin():
            job = records.start(session, key, utcnow(), self.lease_seconds)
            if job is None:
                return RunOutcome(key, "skipped")
            job_id, attempt, name, args = job.id, job.attempts, job.name, dict(job.args)
        try:
            with self._lease_kept(job_id, attempt):
                self._body(name)(key, args)
        except Exception as exc:  # noqa: BLE001 - any failure of a body is recorded and retried, never lost
            error = "".join(traceback.format_exception_only(exc)).strip()
            detail = "".join(traceback.format_exception(exc))
            with self.sessions() as session, session.begin():
                status = records.fail(session, job_id, attempt, utcnow(), detail, retry_base=self.retry_base_seconds)
            log = logger.error if status == records.DEAD else logger.warning
            log("job %s attempt %d failed (%s): %s", key, attempt, status, error)
            return RunOutcome(key, status, attempt, error)
        with self.sessions() as session, session.begin():
            records.succeed(session, job_id, attempt, utcnow())
        logger.info("job %s succeeded at attempt %d", key, attempt)
        return RunOutcome(key, records.SUCCEEDED, attempt)

    @contextmanager
    def _lease_kept(self, job_id: int, attempt: int) -> Iterator[None]:
        """While the body runs, extend the job's lease every third of it, so a long job is not handed out twice.

        A runner that dies stops extending, and the job is handed out again once its last lease runs out.
        """
        stop = threading.Event()

        def heartbeat() -> None:
            while not stop.wait(self.lease_seconds / 3):
                try:
                    with self.sessions() as session, session.begin():
                        records.extend_lease(session, job_id, attempt, utcnow(), self.lease_seconds)
                except Exception:
                    logger.warning("could not extend the lease of job %d", job_id, exc_info=True)

        thread = threading.Thread(target=heartbeat, name=f"job-{job_id}-lease", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _body(self, name: str) -> Callable[[str, dict[str, Any]], None]:
        try:
            return self.bodies[name]
        except KeyError:
            raise LookupError(f"no job body is registered for {name!r}") from None

    def _take_due(self, limit: int) -> list[str]:
        now = utcnow()
        with self.sessions() as session, session.begin():
            return [
                job.key
                for job in records.due(session, now, limit)
                if records.hand_out(session, job, now, self.lease_seconds)
            ]

    def run_due(self, limit: int = 20) -> list[RunOutcome]:
        """In-process backend: run every due job now, oldest first (at most ``limit``)."""
        return [self.run(key) for key in self._take_due(limit)]

    def relay(self, send: Callable[[str], object], limit: int = 200) -> int:
        """Celery backend: hand due jobs to the broker. A send that fails is re-sent when its lease runs out."""
        keys = self._take_due(limit)
        for sent, key in enumerate(keys):
            try:
                send(key)
            except Exception:
                with self.sessions() as session, session.begin():  # due again at the next relay, not at the lease
                    records.unsend(session, keys[sent:], utcnow())
                raise
        return len(keys)
