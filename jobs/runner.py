"""Runs claimed jobs: the loop a django-q2 wake-up executes in a worker process."""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections
from django.utils.module_loading import import_string

from jobs import services
from jobs.errors import JobInterrupted, JobPaused
from jobs.models import TrackedJob
from jobs.progress import JobProgress
from jobs.registry import job_model

logger = logging.getLogger(__name__)

# Set by the django-q2 pre_execute signal in worker processes, so a claim can record which
# django-q2 task ran it.
current_q_task_id = ""


def run_claimed_job(job: TrackedJob, *, pausable: bool = True) -> str | None:
    """Run one claimed job to its end: completed, failed/retry scheduled, or interrupted; and if it
    paused for higher-priority work, the job claimed in its place, and so on.

    None when the database went away mid-job: the attempt could not be ended, so the job is
    handed back (attempt not counted) by this process's heartbeat thread once the database
    answers again, instead of staying PROCESSING until a timeout. `pausable=False` for a job staff
    asked to run now: it is not paused for other work.
    """
    while True:
        try:
            return _run_attempt(job, pausable=pausable)
        except JobPaused as paused:
            logger.info("%s job %s paused; running %s instead", job.job_kind, job.pk, paused.next_job.pk)
            job, pausable = paused.next_job, True


def _run_attempt(job: TrackedJob, *, pausable: bool) -> str | None:
    handler = import_string(job.job_handler)
    progress = JobProgress(job, pausable=pausable)
    try:
        handler(job, progress)
        if not progress.completed:
            progress.complete()
        return job.status
    except WorkerStopping:
        _hand_back_now(job, reason=f"Worker {job.worker_name} was stopped during '{job.stage}'")
        raise
    except JobPaused:
        raise
    except JobInterrupted as interruption:
        logger.info("%s job %s stopped: %s", job.job_kind, job.pk, interruption.reason)
        job.refresh_from_db(fields=["status"])  # cancelled, or someone else's now
        return job.status
    except Exception as error:  # every failure is recorded on the job, never lost in a log
        if isinstance(error, DatabaseError) and database_lost():
            return _hand_back_later(job, error)
        logger.warning("%s job %s attempt %s failed: %s", job.job_kind, job.pk, job.attempts, error,
                       exc_info=not getattr(error, "error_code", None))
        try:
            return services.job_fail(job, error=error)
        except DatabaseError as lost:
            if not database_lost():
                raise
            return _hand_back_later(job, lost)


def database_lost() -> bool:
    """Whether this thread's connection to the database is gone (not merely a failed statement:
    a statement refused on a healthy connection is the job's own error, and counts)."""
    try:
        return connection.connection is None or not connection.is_usable()
    except Exception:
        return True


def _hand_back_later(job: TrackedJob, error: BaseException) -> None:
    logger.warning("%s job %s lost the database mid-attempt (%s); handed back when it returns",
                   job.job_kind, job.pk, error)
    liveness.hand_back_later(job, reason=f"Worker {job.worker_name} lost the database during '{job.stage}'")
    connection.close()  # unusable; the next task opens a new one
    return None


class WorkerStopping(SystemExit):
    """SIGTERM in a worker process: stop now (an idle worker exits, a busy one hands its job back)."""


def stop_worker(signum, frame):
    liveness.stop()
    raise WorkerStopping(0)


def _hand_back_now(job: TrackedJob, *, reason: str) -> None:
    """The process is stopping: give the job back rather than leave it to a sweeper."""
    try:
        connection.close()  # the signal may have interrupted a statement on it
        services.job_hand_back(job, reason=reason, error_code="WORKER_STOPPED")
    except Exception:  # the database is away too: the sweeper or the next start recovers it
        logger.warning("%s job %s could not be handed back while stopping", job.job_kind, job.pk, exc_info=True)


class WorkerLiveness:
    """One thread per worker process: beats, hands back jobs, sweeps for lost workers.

    1. beat: this process's WorkerHeartbeat row, every WORKER_HEARTBEAT_INTERVAL_SECONDS,
       whatever the job is doing (a job that reports nothing for minutes still has a live worker);
    2. hand back the jobs this process could not end because the database was gone;
    3. every JOB_LOST_SWEEP_SECONDS, recover the jobs of silent workers (services.sweep_lost_jobs).
       Not within WORKER_HEARTBEAT_TIMEOUT_SECONDS of its own last failed beat: after a database
       outage every worker looks silent until it has beaten again.

    The thread has its own database connection (one more per worker process); after a failure
    it is closed and opened again at the next beat.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._to_hand_back: list[tuple[TrackedJob, str]] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="worker-liveness", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def hand_back_later(self, job: TrackedJob, *, reason: str) -> None:
        with self._lock:
            self._to_hand_back.append((job, reason))
        self.start()

    def _run(self) -> None:
        interval = settings.WORKER_HEARTBEAT_INTERVAL_SECONDS
        last_failure: float | None = None
        next_sweep = time.monotonic()
        while not self._stop.is_set():
            try:
                services.worker_beat()
                self._hand_back_all()
                now = time.monotonic()
                recovered_from_outage = (last_failure is None
                                         or now - last_failure >= settings.WORKER_HEARTBEAT_TIMEOUT_SECONDS)
                if now >= next_sweep and recovered_from_outage:
                    next_sweep = now + settings.JOB_LOST_SWEEP_SECONDS
                    services.sweep_lost_jobs()
            except Exception as error:  # the database is away: beat again at the next interval
                if last_failure is None or time.monotonic() - last_failure > 10 * interval:
                    logger.warning("worker heartbeat failed: %s", error)
                last_failure = time.monotonic()
                connections.close_all()  # this thread's connection
            self._stop.wait(interval)

    def _hand_back_all(self) -> None:
        while True:
            with self._lock:
                if not self._to_hand_back:
                    return
                job, reason = self._to_hand_back[0]
            services.job_hand_back(job, reason=reason)  # raises while the database is away: kept
            with self._lock:
                self._to_hand_back.pop(0)


liveness = WorkerLiveness()
# A forked process starts without its parent's thread, and what it hands back is its own.
os.register_at_fork(after_in_child=liveness.__init__)


def run_jobs(kind: str, *, time_budget_seconds: float | None = None) -> int:
    """Claim and run due jobs of one kind, best first, until none is left or time is up.

    1. claim the best due job (or stop when there is none),
    2. run its handler with a JobProgress,
    3. repeat while the budget lasts; leftovers are picked up by the next wake-up or sweep.
    """
    model = job_model(kind)
    # Stay well inside django-q2's task timeout, which would kill this process mid-job.
    budget = time_budget_seconds if time_budget_seconds is not None else settings.JOB_TASK_TIMEOUT_SECONDS / 2
    deadline = time.monotonic() + budget
    ran = 0
    while time.monotonic() < deadline:
        if not connection.in_atomic_block:
            # A long drain outlives CONN_MAX_AGE; never close a caller's open transaction.
            close_old_connections()
        job = services.job_claim(model, q_task_id=current_q_task_id)
        if job is None:
            break
        ran += 1
        if run_claimed_job(job) is None:
            break  # the database is gone; the next wake-up starts afresh
    return ran


def run_job_now(job: TrackedJob) -> str | None:
    """Claim this particular pending job and run it in the current process."""
    claimed = services.job_claim(type(job), job_id=job.pk)
    if claimed is None:
        return None
    return run_claimed_job(claimed, pausable=False)
