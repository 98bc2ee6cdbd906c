"""Viral-ideas analyses: queue entries (a job kind), their competitors, and one result per run."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from jobs.models import JobStatuses, TrackedJob
from viral_ideas.querysets import ViralIdeasQueueQuerySet


class ViralIdeasQueue(TrackedJob):
    """One creator's analysis request (`viral_ideas_queue`), run and re-run by the job core."""

    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        COMPLETED = "completed"
        FAILED = "failed"
        PAUSED = "paused"
        CANCELLED = "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session_id = models.CharField(max_length=255, unique=True)
    primary_username = models.CharField(max_length=255)
    content_strategy = models.JSONField(default=dict)
    analysis_settings = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # 1 is the highest priority, 10 the lowest (the spec's convention).
    priority = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1), MaxValueValidator(10)])
    # The human-readable step ("Analyzing competitor hooks") is the job core's progress message.
    progress_message = models.CharField(max_length=500, blank=True, default="", db_column="current_step")
    error_message = models.TextField(null=True, blank=True)
    auto_rerun_enabled = models.BooleanField(default=False)
    rerun_frequency_hours = models.PositiveIntegerField(default=24, validators=[MinValueValidator(1)])
    last_analysis_at = models.DateTimeField(null=True, blank=True)
    next_scheduled_run = models.DateTimeField(null=True, blank=True)
    total_runs = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(default=timezone.now)
    started_processing_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_column="completed_at")
    estimated_completion = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Who may change the entry besides staff (viral_ideas.services.viral_entry_may_write): the
    # account that created it, or else whoever holds the owner token answered once at creation.
    # Only the token's SHA-256 is kept, so the table never holds a usable token. Neither is set
    # on entries older than ownership: those are staff's alone.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="viral_entries"
    )
    # Nullable rather than blank: adding it is then a plain ADD COLUMN on SQLite too, where a
    # table rebuild would trip over the viral_queue_summary view that reads the table.
    owner_token_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)

    objects = ViralIdeasQueueQuerySet.as_manager()

    job_kind = "viral_ideas"
    job_statuses = JobStatuses(
        pending=Status.PENDING,
        processing=Status.PROCESSING,
        completed=Status.COMPLETED,
        failed=Status.FAILED,
        cancelled=Status.CANCELLED,
    )
    job_handler = "viral_ideas.pipeline.analyse_entry"
    job_claim_order = ("priority", "submitted_at")
    job_timeout_setting = "VIRAL_JOB_TIMEOUT_SECONDS"
    job_started_field = "started_processing_at"
    job_queued_field = "submitted_at"
    job_attempt_fields = ("estimated_completion",)

    class Meta:
        db_table = "viral_ideas_queue"
        verbose_name = "viral ideas entry"
        verbose_name_plural = "viral ideas entries"
        indexes = [
            models.Index(fields=["status", "progress_percentage"], name="idx_viral_queue_status_prog"),
            models.Index(fields=["status", "priority", "submitted_at"], name="idx_viral_queue_claim"),
            models.Index(fields=["primary_username", "status"], name="idx_viral_queue_primary"),
            models.Index(fields=["auto_rerun_enabled", "next_scheduled_run"], name="idx_viral_queue_rerun"),
        ]

    def __str__(self) -> str:
        return f"@{self.primary_username} ({self.session_id}) {self.status}"

    @property
    def completed_at(self):
        return self.finished_at

    @property
    def can_be_rerun(self) -> bool:
        return self.status in (self.Status.COMPLETED, self.Status.FAILED, self.Status.CANCELLED)


class ViralIdeasCompetitor(models.Model):
    class SelectionMethod(models.TextChoices):
        MANUAL = "manual"
        SUGGESTED = "suggested"
        API = "api"

    class ProcessingStatus(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        COMPLETED = "completed"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    queue = models.ForeignKey(ViralIdeasQueue, on_delete=models.CASCADE, related_name="competitors")
    competitor_username = models.CharField(max_length=255)
    selection_method = models.CharField(max_length=20, choices=SelectionMethod.choices, default=SelectionMethod.MANUAL)
    is_active = models.BooleanField(default=True)
    processing_status = models.CharField(max_length=20, choices=ProcessingStatus.choices, default=ProcessingStatus.PENDING)
    error_message = models.TextField(null=True, blank=True)
    reels_analyzed = models.PositiveIntegerField(default=0)
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "viral_ideas_competitors"
        ordering = ["added_at"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "competitor_username"], name="viral_competitor_unique_per_queue"),
        ]
        indexes = [
            models.Index(fields=["queue", "is_active"], name="idx_viral_competitors_active", condition=Q(is_active=True)),
        ]

    def __str__(self) -> str:
        return f"@{self.competitor_username} for {self.queue_id}"


class ViralAnalysisResult(models.Model):
    """One analysis run of an entry; runs are kept, numbered 1, 2, …"""

    class AnalysisType(models.TextChoices):
        INITIAL = "initial"
        RECURRING = "recurring"

    class Status(models.TextChoices):
        COMPLETED = "completed"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    queue = models.ForeignKey(ViralIdeasQueue, on_delete=models.CASCADE, related_name="results")
    analysis_run = models.PositiveIntegerField()
    analysis_type = models.CharField(max_length=20, choices=AnalysisType.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.COMPLETED)
    total_reels_analyzed = models.PositiveIntegerField(default=0)
    primary_reels_count = models.PositiveIntegerField(default=0)
    competitor_reels_count = models.PositiveIntegerField(default=0)
    outliers_count = models.PositiveIntegerField(default=0)
    hooks_count = models.PositiveIntegerField(default=0)
    ideas_count = models.PositiveIntegerField(default=0)
    analysis_data = models.JSONField(default=dict)
    workflow_version = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    analysis_completed_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    error_message = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "viral_analysis_results"
        ordering = ["queue", "-analysis_run"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "analysis_run"], name="viral_result_unique_run"),
        ]
        indexes = [models.Index(fields=["queue", "-analysis_run"], name="idx_viral_results_latest")]

    def __str__(self) -> str:
        return f"run {self.analysis_run} of {self.queue_id}"


class ViralQueueSummary(models.Model):
    """Read-only model over the `viral_queue_summary` view (created by a migration)."""

    id = models.UUIDField(primary_key=True)
    session_id = models.CharField(max_length=255)
    primary_username = models.CharField(max_length=255)
    status = models.CharField(max_length=20)
    priority = models.PositiveSmallIntegerField()
    progress_percentage = models.FloatField()
    current_step = models.CharField(max_length=500)
    error_message = models.TextField(null=True)
    submitted_at = models.DateTimeField()
    started_processing_at = models.DateTimeField(null=True)
    completed_at = models.DateTimeField(null=True)
    auto_rerun_enabled = models.BooleanField()
    rerun_frequency_hours = models.PositiveIntegerField()
    total_runs = models.PositiveIntegerField()
    last_analysis_at = models.DateTimeField(null=True)
    next_scheduled_run = models.DateTimeField(null=True)
    estimated_completion = models.DateTimeField(null=True)
    content_type = models.TextField(null=True)
    target_audience = models.TextField(null=True)
    main_goals = models.TextField(null=True)
    full_content_strategy = models.JSONField()
    analysis_settings = models.JSONField()
    active_competitors_count = models.IntegerField()
    total_competitors_count = models.IntegerField()

    class Meta:
        managed = False
        db_table = "viral_queue_summary"

    def __str__(self) -> str:
        return f"summary of {self.session_id}"
