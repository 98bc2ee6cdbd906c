"""The one progress API every job handler uses, whatever its kind."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from jobs import services
from jobs.eta import remaining_while_running
from jobs.models import TrackedJob


class JobProgress:
    """Handed to a job handler with its claimed job; every call also checks for cancellation."""

    def __init__(self, job: TrackedJob):
        self.job = job
        self.completed = False
        self._stage_written: str | None = None
        self._written_at = float("-inf")
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
        # Within an attempt progress only moves forward, whatever order nested steps report in.
        percentage = max(float(percentage), self.job.progress_percentage)
        now = time.monotonic()
        if stage == self._stage_written and now - self._written_at < settings.PROGRESS_MIN_INTERVAL_SECONDS:
            # A step of the same stage right after the last write: the next report (or the end)
            # says more. A new stage is always written, so a long step is never shown as the
            # one before it. (Each write is a database commit: a job of ten quick steps would
            # otherwise spend most of its time reporting.)
            self.job.progress_percentage = percentage
            return
        self._stage_written, self._written_at = stage, now
        fields, data = dict(fields or {}), dict(data or {})
        model_fields = {f.name for f in type(self.job)._meta.concrete_fields}
        eta = self.estimated_completion(percentage)
        data["estimated_completion"] = eta.isoformat() if eta else None
        if "estimated_completion" in model_fields:
            fields["estimated_completion"] = eta
        if stage_progress is not None and "stage_progress" in model_fields:
            fields["stage_progress"] = stage_progress
        services.job_report_progress(
            self.job,
            stage=stage,
            percentage=percentage,
            message=message,
            stage_progress=stage_progress,
            fields=fields,
            data=data,
        )

    def heartbeat(self) -> None:
        services.job_heartbeat(self.job)

    def complete(self, message: str = "Completed", *, fields: dict | None = None) -> None:
        services.job_complete(self.job, message=message, fields=fields)
        self.completed = True
