"""django-q2 entry points of the job core."""

from jobs import runner, services
from jobs.registry import job_model


def run_jobs(kind: str) -> int:
    """Wake-up: run due jobs of `kind`."""
    return runner.run_jobs(kind)


def run_job(kind: str, job_id: str) -> str | None:
    """"Process now": claim this one job (if still pending) and run it."""
    job = services.job_claim(job_model(kind), job_id=job_id, q_task_id=runner.current_q_task_id)
    return runner.run_claimed_job(job, pausable=False) if job else None


def sweep() -> dict:
    """Scheduled every JOB_SWEEP_INTERVAL_MINUTES: wake due retries, and recover lost jobs as
    every worker's liveness thread also does every JOB_LOST_SWEEP_SECONDS."""
    return services.sweep_stale_jobs()
