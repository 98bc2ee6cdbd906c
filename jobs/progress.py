"""The one progress API every job handler uses, whatever its kind."""

from __future__ import annotations

from jobs import services
from jobs.models import TrackedJob


class JobProgress:
    """Handed to a job handler with its claimed job; every call also checks for cancellation."""

    def __init__(self, job: TrackedJob):
        self.job = job
        self.completed = False

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
