"""Runs claimed jobs: the loop a django-q2 wake-up executes in a worker process."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string

from jobs import services
from jobs.errors import JobInterrupted
from jobs.models import TrackedJob
from jobs.progress import JobProgress
from jobs.registry import job_model

logger = logging.getLogger(__name__)

# Set by the django-q2 pre_execute signal in worker processes, so a claim can record which
# django-q2 task ran it.
current_q_task_id = ""


def run_claimed_job(job: TrackedJob) -> str:
    """Run one claimed job to its end: completed, failed/retry scheduled, or interrupted."""
    handler = import_string(job.job_handler)
    progress = JobProgress(job)
    try:
        handler(job, progress)
        if not progress.completed:
            progress.complete()
        return job.status
    except JobInterrupted as interruption:
        logger.info("%s job %s stopped: %s", job.job_kind, job.pk, interruption.reason)
        job.refresh_from_db(fields=["status"])  # cancelled, or someone else's now
        return job.status
    except Exception as error:  # every failure is recorded on the job, never lost in a log
        logger.warning("%s job %s attempt %s failed: %s", job.job_kind, job.pk, job.attempts, error,
                       exc_info=not getattr(error, "error_code", None))
        return services.job_fail(job, error=error)


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
        run_claimed_job(job)
        ran += 1
    return ran


def run_job_now(job: TrackedJob) -> str | None:
    """Claim this particular pending job and run it in the current process."""
    claimed = services.job_claim(type(job), job_id=job.pk)
    if claimed is None:
        return None
    return run_claimed_job(claimed)
