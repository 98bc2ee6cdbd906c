"""The one progress API every job handler uses, whatever its kind."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from jobs import services
from jobs.eta import remaining_while_running
from jobs.errors import JobInterrupted, JobPaused
from jobs.models import TrackedJob

logger = logging.getLogger(__name__)


class DeferredReports:
    """One thread per worker process that writes a deferred report when its time comes.

    A report that comes within PROGRESS_MIN_INTERVAL_SECONDS of the job's last write is kept,
    not written: the next report after the interval, the completion, or this thread at
    `last write + interval` writes it, whichever comes first. So a job of many quick steps writes
    a few reports (each is a commit), and a stage is never shown more than the interval late,
    even when the step after it runs for minutes without reporting.

    The thread has its own database connection, opened for a write and closed once nothing is
    waiting (so a worker process holds a second connection only for a moment).
    """

    def __init__(self):
        self._wake = threading.Condition()
        self._due: list = []  # heap of (due, seq, progress)
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def defer(self, progress: "JobProgress", due: float) -> None:
        with self._wake:
            heapq.heappush(self._due, (due, next(self._seq), progress))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="deferred-progress", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._due:
                    connections.close_all()  # this thread's own connection, while idle
                    self._wake.wait()
                due, _, progress = self._due[0]
                delay = due - time.monotonic()
                if delay > 0:
                    self._wake.wait(delay)
                    continue
                heapq.heappop(self._due)
            try:
                progress.write_deferred()
            except Exception:  # a lost report is not worth a dead flusher; the next one says more
                logger.exception("deferred progress report of %s job %s failed", progress.job.job_kind, progress.job.pk)
                connections.close_all()


deferred_reports = DeferredReports()


# Seconds between two asks of a running job whether higher work waits for its worker: what a
# HIGH job may wait beyond the LOW job's next report.
PREEMPTION_ASK_INTERVAL = 0.1


class JobProgress:
    """Handed to a job handler with its claimed job; every call also checks for cancellation."""

    def __init__(self, job: TrackedJob, *, pausable: bool = True):
        self.job = job
        # Whether the job may pause for higher-priority work (not one staff asked to run now).
        self.pausable = pausable
        self.completed = False
        # The claim that handed over this job has just written its row.
        self._written_at = self._preemption_asked_at = time.monotonic()
        # The latest report not written yet (kwargs of job_report_progress), and the lock that
        # keeps the handler's thread and the flusher from writing this job at the same time.
        self._deferred: dict | None = None
        self._lock = threading.Lock()
        self._lost: JobInterrupted | None = None
        # Transactions already open when the handler was given this job (none in a worker): a
        # report inside one more is inside the handler's own.
        self._atomic_depth = len(connection.atomic_blocks)
        # Median duration of recent similar jobs, set by a handler that wants an ETA per report.
        self.typical_duration: float | None = None

    def estimated_completion(self, percentage: float):
        remaining = remaining_while_running(
            percentage=percentage, elapsed=self.job.elapsed_seconds or 0.0, typical=self.typical_duration
        )
        return None if remaining is None else timezone.now() + timedelta(seconds=remaining)

    def report(
        self,
        stage: str,
        percentage: float,
        message: str = "",
        *,
        stage_progress: float | None = None,
        fields: dict | None = None,
        data: dict | None = None,
    ) -> None:
        if self._lost is not None:
            raise self._lost  # a deferred write found the job cancelled or someone else's
        # Never from inside the handler's own transaction: the pause would be undone with it, and
        # the claim lock held until the handler commits.
        if (self.pausable and float(percentage) < self.job.job_pause_until_percentage and self.job.job_level_field
                and len(connection.atomic_blocks) <= self._atomic_depth):
            self._yield_if_higher_work_waits()
        # Within an attempt progress only moves forward, whatever order nested steps report in.
        percentage = max(float(percentage), self.job.progress_percentage)
        eta = self.estimated_completion(percentage)
        data = {**(data or {}), "estimated_completion": eta.isoformat() if eta else None}
        write = {"stage": stage, "percentage": percentage, "message": message, "stage_progress": stage_progress,
                 "fields": {**self._extra_fields(eta, stage_progress), **(fields or {})}, "data": data}
        interval = settings.PROGRESS_MIN_INTERVAL_SECONDS
        with self._lock:
            now = time.monotonic()
            if now - self._written_at < interval and not fields and self._may_defer():
                # Right after the last write: keep this one for later (see DeferredReports).
                first = self._deferred is None
                self._deferred = write
                self.job.progress_percentage = percentage
                if first:
                    deferred_reports.defer(self, self._written_at + interval)
                return
            self._deferred = None
            self._write(write, now)

    def _yield_if_higher_work_waits(self) -> None:
        """Cooperative preemption (jobs.services.job_yield_to_waiting): between two steps, a LOW
        job gives its worker to a higher-priority job that no free worker took."""
        # Asked at most every PREEMPTION_ASK_INTERVAL, the first time that long after the claim:
        # asking is a query, and a quick profile job reports 9 times (asked at each, the fastest
        # jobs ran at 140 jobs/s instead of 220: make bench, worker figure). A higher job due at
        # the claim would have been claimed instead, unless its level was at its cap.
        now = time.monotonic()
        if now - self._preemption_asked_at < PREEMPTION_ASK_INTERVAL:
            return
        self._preemption_asked_at = now
        with self._lock:
            if self.completed:
                return
            next_job = services.job_yield_to_waiting(self.job)
            if next_job is not None:
                self._deferred = None  # the job is back in the queue; its last report is moot
                self._lost = JobPaused(next_job)
        if next_job is not None:
            raise self._lost

    def _extra_fields(self, eta, stage_progress) -> dict:
        model_fields = {f.name for f in type(self.job)._meta.concrete_fields}
        extra = {}
        if "estimated_completion" in model_fields:
            extra["estimated_completion"] = eta
        if stage_progress is not None and "stage_progress" in model_fields:
            extra["stage_progress"] = stage_progress
        return extra

    @staticmethod
    def _may_defer() -> bool:
        # Only on PostgreSQL (the flusher's write would wait for SQLite's single writer), and not
        # inside the handler's own transaction (its writes must stay in it).
        return connection.vendor == "postgresql" and not connection.in_atomic_block

    def _write(self, write: dict, now: float) -> None:
        self._written_at = now
        services.job_report_progress(self.job, **write)

    def write_deferred(self) -> None:
        """On the flusher's thread: the kept report, if the handler has not written past it."""
        with self._lock:
            write, self._deferred = self._deferred, None
            if write is None or self.completed:
                return
            try:
                with connection.cursor() as cursor:
                    # Never wait long for the job's row: a handler's transaction holding it
                    # would otherwise hold this thread (and every job it has yet to write).
                    cursor.execute("SET lock_timeout = '2s'")
                self._write(write, time.monotonic())
            except JobInterrupted as lost:
                self._lost = lost

    def heartbeat(self) -> None:
        services.job_heartbeat(self.job)

    def complete(self, message: str = "Completed", *, fields: dict | None = None) -> None:
        with self._lock:
            self._deferred = None  # the completion says more
            services.job_complete(self.job, message=message, fields=fields)
            self.completed = True
