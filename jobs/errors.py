"""Typed failures a job can end with.

The job core decides between "back to the queue with backoff" and "fail now" by type alone,
so every outside provider raises one of these instead of its library's own exceptions.
"""


class JobError(Exception):
    """A failure the job core knows how to treat."""

    retryable = False
    error_code = "JOB_ERROR"

    def __init__(self, message: str, *, error_code: str | None = None):
        super().__init__(message)
        self.message = message
        if error_code:
            self.error_code = error_code


class RetryableJobError(JobError):
    """Worth another attempt later (rate limits, timeouts, a provider that is down)."""

    retryable = True
    error_code = "RETRYABLE_ERROR"


class PermanentJobError(JobError):
    """Another attempt would fail the same way (unknown account, private account, bad input)."""

    retryable = False
    error_code = "PERMANENT_ERROR"


class JobInterrupted(Exception):
    """The worker no longer owns the job: it was cancelled, or recovered and handed to another worker.

    Raised from a progress report so the handler stops at once; the runner swallows it.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class JobPaused(JobInterrupted):
    """The job went back to the queue for higher-priority work (jobs.services.job_yield_to_waiting);
    `next_job` is the job this worker claimed in its place and runs next."""

    def __init__(self, next_job):
        super().__init__("paused for higher-priority work")
        self.next_job = next_job
