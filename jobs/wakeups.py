"""Wake-ups of the workers: at most one per kind per WAKE_UP_COALESCE_SECONDS from a process.

A wake-up is a django-q2 task that says "there is work of this kind"; the worker it reaches
claims and runs due jobs until none is left (jobs.runner.run_jobs). So a storm of requests that
queue 200 jobs in a second needs a few wake-ups, not 200: each is a task enqueued (with the ORM
broker an INSERT and a commit of its own) on the request's thread, a fifth of a new request's
cost, measured in `make bench`'s request storm.

The promise every caller relies on: after each commit that queued work, some wake-up is sent
that starts after that commit, so the job is seen by a worker that looks after it was committed.
The first commit in a quiet window is woken at once, on the committing thread; later ones in the
same window are owed, and one thread per process sends what is owed when the window ends (at most
WAKE_UP_COALESCE_SECONDS late, and by then the first wake-up's worker has usually taken them).
0 sends every wake-up at once, as the tests do by default. What a process owes when it exits (a
worker process recycled by django-q2) is not sent; the sweeper wakes those jobs within
JOB_SWEEP_INTERVAL_MINUTES, as it does for any lost wake-up.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


def enqueue_wake_ups(kind: str, count: int) -> None:
    from django_q.tasks import async_task

    for _ in range(count):
        try:
            async_task("jobs.tasks.run_jobs", kind, task_name=f"run {kind} jobs", group=f"jobs.{kind}")
        except Exception:  # the broker is down: the sweeper wakes the job up later
            logger.warning("could not enqueue a wake-up for %s jobs", kind, exc_info=True)
            return


class CoalescedWakeUps:
    """Per process: when each kind was last woken, and how many wake-ups each kind is owed."""

    def __init__(self):
        self._changed = threading.Condition()
        self._last_sent: dict[str, float] = {}
        self._owed: dict[str, int] = {}
        self._thread: threading.Thread | None = None

    def committed(self, kind: str, count: int = 1) -> None:
        """Work of `kind` was just committed: wake `count` workers now, or owe it."""
        window = settings.WAKE_UP_COALESCE_SECONDS
        now = time.monotonic()
        with self._changed:
            send_now = window <= 0 or (kind not in self._owed and now - self._last_sent.get(kind, -window) >= window)
            if send_now:
                self._last_sent[kind] = now
            else:
                self._owed[kind] = max(self._owed.get(kind, 0), count)
                # Started on first need: in a process forked by django-q2 the parent's thread is gone.
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._send_owed, name="wake-ups", daemon=True)
                    self._thread.start()
                self._changed.notify()
        if send_now:
            enqueue_wake_ups(kind, count)

    def _send_owed(self) -> None:
        while True:
            with self._changed:
                while not self._owed:
                    connections.close_all()  # this thread's connection (ORM broker), while idle
                    self._changed.wait()
                window = settings.WAKE_UP_COALESCE_SECONDS
                due_at, kind = min((self._last_sent.get(k, 0.0) + window, k) for k in self._owed)
                delay = due_at - time.monotonic()
                if delay > 0:
                    self._changed.wait(delay)
                    continue
                # Taken before sending: a commit from now on is owed again, and woken by a later send.
                count = self._owed.pop(kind)
                self._last_sent[kind] = time.monotonic()
            try:
                enqueue_wake_ups(kind, count)
            except Exception:  # never a dead sender; the sweeper catches what was not woken
                logger.exception("could not send the owed wake-ups of %s jobs", kind)
                connections.close_all()


wake_ups = CoalescedWakeUps()
# A process forked by django-q2 starts afresh: its parent's lock may be held by a thread that
# does not exist in the child, and what the parent owes, the parent sends.
os.register_at_fork(after_in_child=wake_ups.__init__)
