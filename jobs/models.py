"""The job core's tables: the columns every job kind shares, and the progress history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

from jobs.querysets import BulkJobQuerySet, GenerationJobQuerySet, ProgressEventQuerySet


def default_max_attempts() -> int:
    return settings.JOB_MAX_ATTEMPTS


@dataclass(frozen=True)
class JobStatuses:
    """A job kind's own words for the five states the core knows (each spec keeps its vocabulary)."""

    pending: str
    processing: str
    completed: str
    failed: str
    cancelled: str

    @property
    def active(self) -> tuple[str, str]:
        return (self.pending, self.processing)

    @property
    def finished(self) -> tuple[str, str, str]:
        return (self.completed, self.failed, self.cancelled)


class TrackedJob(models.Model):
    """Columns the job core reads and writes on every job table.

    A concrete job model adds its spec's columns (status with its own TextChoices, priority,
    submission time) and declares, as class attributes:
      job_kind         short label used in events, wake-ups and URLs ("profile")
      job_statuses     JobStatuses in the spec's vocabulary
      job_handler      dotted path of `handler(job, progress)` that does the work
      job_claim_order  order_by() fields: highest priority first, then oldest
      job_timeout_setting  settings name: seconds without heartbeat before recovery
    """

    stage = models.CharField(max_length=64, blank=True, default="")
    progress_percentage = models.FloatField(default=0)
    progress_message = models.CharField(max_length=500, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=default_max_attempts)
    # Earliest time a worker may claim the job: now for new jobs, later while backing off.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Wall time of the last successful attempt; feeds the ETAs of the jobs behind it.
    duration_seconds = models.FloatField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_stage = models.CharField(max_length=64, blank=True, default="")
    # Whether the last error was of a kind another attempt may get past (rate limit, lost
    # worker) — what a FAILED job's "retry eligible" answer rests on.
    error_retryable = models.BooleanField(default=False)
    # Fencing token of the current attempt: every write by a worker is guarded by it, so a
    # worker that lost the job (cancelled, or presumed dead and recovered) cannot touch it.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    worker_name = models.CharField(max_length=200, blank=True, default="")
    # The django-q2 task that ran the current/last attempt (links the admin to django-q2's pages).
    q_task_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        abstract = True

    # Concrete models override these.
    job_kind: str = ""
    job_statuses: JobStatuses
    job_handler: str = ""
    job_claim_order: tuple[str, ...] = ()
    job_timeout_setting: str = ""
    # Name of the concrete model's "this attempt started at" field (spec-specific column).
    job_started_field: str = "started_at"
    job_error_field: str = "error_message"
    # Kind-specific progress fields that belong to one attempt: reset to their defaults whenever
    # the job goes back to the queue or a new attempt starts.
    job_attempt_fields: tuple[str, ...] = ()
    # Scheduling (jobs/scheduling.py). When the job was queued: what aging measures.
    job_queued_field: str = "created_at"
    # The field holding the job's priority level, 1 (HIGH) to 3 (LOW), if the kind has levels:
    # per-level caps, aging and cooperative preemption apply to it.
    job_level_field: str | None = None
    # With job_level_field: the column values that put a job at each level (what aging writes).
    job_level_values: dict[int, dict] = {}
    # The field naming the job's owner, if its kind shares workers fairly between owners.
    job_fair_share_field: str | None = None
    # A job this far along finishes rather than pausing for higher-priority work: what pausing
    # would save the waiting job is less than what restarting costs this one.
    job_pause_until_percentage: float = 90

    @classmethod
    def attempt_field_defaults(cls) -> dict:
        return {name: cls._meta.get_field(name).get_default() for name in cls.job_attempt_fields}

    @classmethod
    def job_timeout_seconds(cls) -> int:
        return getattr(settings, cls.job_timeout_setting)

    @property
    def is_active(self) -> bool:
        return self.status in self.job_statuses.active

    @property
    def is_finished(self) -> bool:
        return self.status in self.job_statuses.finished

    @property
    def can_be_cancelled(self) -> bool:
        return self.is_active

    @property
    def can_be_retried(self) -> bool:
        return self.status in (self.job_statuses.failed, self.job_statuses.cancelled)

    @property
    def is_waiting_to_retry(self) -> bool:
        return (
            self.status == self.job_statuses.pending
            and self.attempts > 0
            and self.next_attempt_at > timezone.now()
        )

    @property
    def attempt_started_at(self):
        return getattr(self, self.job_started_field)

    @property
    def elapsed_seconds(self) -> float | None:
        started = self.attempt_started_at
        if started is None:
            return None
        end = self.finished_at if self.is_finished and self.finished_at else timezone.now()
        return max(0.0, (end - started).total_seconds())


class ProgressEvent(models.Model):
    """Append-only history of every state change and progress report, for every job kind.

    Its id orders events globally, so a live stream can resume from the last id a client saw.
    """

    job_kind = models.CharField(max_length=32)
    job_id = models.UUIDField()
    status = models.CharField(max_length=20)
    stage = models.CharField(max_length=64, blank=True, default="")
    percentage = models.FloatField(default=0)
    stage_progress = models.FloatField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True, default="")
    attempt = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ProgressEventQuerySet.as_manager()

    class Meta:
        db_table = "progress_events"
        ordering = ["id"]
        indexes = [models.Index(fields=["job_kind", "job_id", "id"], name="progress_event_job_idx")]

    def __str__(self) -> str:
        return f"{self.job_kind} {self.job_id} {self.status} {self.stage} {self.percentage:.0f}%"


class WorkerHeartbeat(models.Model):
    """Last sign of life of each worker process: beaten every few seconds by a thread of its own
    (jobs.runner.WorkerLiveness), whatever its job is doing, so a silent worker means a lost one."""

    # host:pid, as a job's worker_name says which process owns it.
    worker_name = models.CharField(max_length=200, unique=True)
    host = models.CharField(max_length=200, blank=True, default="")
    pid = models.PositiveIntegerField(null=True, blank=True)
    # When the process started: a later process that reuses the pid is another worker.
    started_at = models.DateTimeField(null=True, blank=True)
    beat_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "worker_heartbeats"
        # The sweeper looks for silent workers every few seconds.
        indexes = [models.Index(fields=["beat_at"], name="worker_heartbeat_beat_idx")]

    def __str__(self) -> str:
        return f"{self.worker_name} @ {self.beat_at:%H:%M:%S}"


class BulkJob(models.Model):
    """A batch of generation jobs created together; its progress is computed from them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bulk_jobs")
    total = models.PositiveIntegerField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BulkJobQuerySet.as_manager()

    class Meta:
        db_table = "bulk_jobs"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"bulk {self.id} ({self.total} articles)"


class GenerationJob(TrackedJob):
    """One article to research, write and optimise (story VIP-10211's generation_jobs)."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        PROCESSING = "processing"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Mode(models.TextChoices):
        TOPIC = "topic"
        KEYWORDS = "keywords"
        TRENDS = "trends"
        SPIN = "spin"

    class Tone(models.TextChoices):
        """The tones the offline composer writes (jobs.providers.llm.offline); any other tone is
        accepted and mapped to one of them there."""

        INFORMATIVE = "informative"
        CASUAL = "casual"
        PROFESSIONAL = "professional"
        PERSUASIVE = "persuasive"
        HUMOROUS = "humorous"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generation_jobs")
    bulk_job = models.ForeignKey(BulkJob, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs")
    bulk_position = models.PositiveIntegerField(null=True, blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    topic = models.CharField(max_length=300, blank=True, default="")
    keyphrase = models.CharField(max_length=100, blank=True, default="")
    keywords = models.JSONField(default=list, blank=True)
    source_text = models.TextField(blank=True, default="")
    word_count = models.PositiveIntegerField(default=800)
    # Free text, as the spec has it ("friendly", "formal", "calm but firm"): a model is given it
    # verbatim; the offline composer maps it to the nearest of the known tones (Tone).
    tone = models.CharField(max_length=40, default=Tone.INFORMATIVE)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    stage_progress = models.FloatField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    estimated_completion = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(null=True, blank=True)
    # What the pipeline decided and produced.
    resolved_topic = models.CharField(max_length=300, blank=True, default="")
    research_notes = models.JSONField(default=list, blank=True)
    result_content = models.TextField(blank=True, default="")
    meta_title = models.CharField(max_length=200, blank=True, default="")
    meta_description = models.CharField(max_length=300, blank=True, default="")
    result_word_count = models.PositiveIntegerField(null=True, blank=True)
    seo_score = models.PositiveSmallIntegerField(null=True, blank=True)
    readability_score = models.FloatField(null=True, blank=True)
    seo_checks = models.JSONField(default=list, blank=True)
    writer = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GenerationJobQuerySet.as_manager()

    job_kind = "generation"
    job_statuses = JobStatuses(
        pending=Status.QUEUED,
        processing=Status.PROCESSING,
        completed=Status.COMPLETED,
        failed=Status.FAILED,
        cancelled=Status.CANCELLED,
    )
    job_handler = "jobs.generation.generate_article"
    job_claim_order = ("created_at",)
    job_timeout_setting = "GENERATION_JOB_TIMEOUT_SECONDS"
    job_started_field = "started_at"
    job_attempt_fields = ("stage_progress", "estimated_completion", "started_at")
    job_fair_share_field = "owner"

    class Meta:
        db_table = "generation_jobs"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="generation_owner_created_idx"),
            models.Index(fields=["status", "created_at"], name="generation_claim_idx"),
            models.Index(fields=["mode", "status", "finished_at"], name="generation_mode_recent_idx"),
            models.Index(fields=["bulk_job", "bulk_position"], name="generation_bulk_idx"),
            # When each owner was last served: the fair-share order of claims (jobs/scheduling.py).
            models.Index(fields=["owner", "started_at"], name="generation_owner_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mode} job {self.id} ({self.status})"

