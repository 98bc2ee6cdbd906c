"""Honest ETAs: from measured durations of recent jobs and the measured pace of this one."""

from __future__ import annotations

import statistics

from jobs.models import TrackedJob

RECENT_JOBS_FOR_ETA = 20


def recent_durations(model: type[TrackedJob], **filters) -> list[float]:
    """Durations (seconds) of the latest successful attempts of a job kind."""
    return list(
        model.objects.filter(status=model.job_statuses.completed, duration_seconds__isnull=False, **filters)
        .order_by("-finished_at")
        .values_list("duration_seconds", flat=True)[:RECENT_JOBS_FOR_ETA]
    )


def typical_duration(durations: list[float]) -> float | None:
    """Median, so one stuck or one instant job does not swing every estimate."""
    return statistics.median(durations) if durations else None


def remaining_while_running(*, percentage: float, elapsed: float, typical: float | None) -> float | None:
    """Seconds left for a running job.

    Early on the job's own pace says little (the first report comes after a fixed start-up
    cost), so it is blended with the typical duration, weighted by how far the job has come.
    """
    fraction = max(0.0, min(1.0, percentage / 100))
    pace_total = elapsed / fraction if fraction >= 0.05 else None
    if pace_total is None and typical is None:
        return None
    if pace_total is None:
        total = typical
    elif typical is None:
        total = pace_total
    else:
        total = fraction * pace_total + (1 - fraction) * typical
    return max(0.0, total - elapsed)


def wait_in_queue(*, jobs_ahead: int, jobs_running: int, workers: int, typical: float | None) -> float | None:
    """Seconds until a pending job starts: the work ahead of it spread over the workers."""
    if typical is None:
        return None
    # A running job is on average half done.
    work_ahead = jobs_ahead * typical + jobs_running * typical / 2
    return work_ahead / max(1, workers)


def describe_seconds(seconds: float | None) -> str:
    """The spec's human wording: "45 seconds", "2 minutes", "1 hour"."""
    if seconds is None:
        return "unknown"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(minutes / 60)
    return f"{hours} hour{'s' if hours != 1 else ''}"
