"""django-q2 entry points of the job core."""

from jobs import runner, services


def run_jobs(kind: str) -> int:
    """Wake-up: run due jobs of `kind`."""
    services.worker_beat()
    return runner.run_jobs(kind)


def sweep() -> dict:
    """Scheduled every JOB_SWEEP_INTERVAL_MINUTES: recover stale jobs, wake due retries."""
    services.worker_beat()
    return services.sweep_stale_jobs()
