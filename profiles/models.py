"""Profile jobs (`queue`), fetched profiles (`primary_profiles`) and their reels (`content`)."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from jobs.models import JobStatuses, TrackedJob
from profiles.querysets import ContentQuerySet, PrimaryProfileQuerySet, ProfileJobQuerySet


class Priority(models.TextChoices):
    HIGH = "HIGH", "High (user request)"
    MEDIUM = "MEDIUM", "Medium (API)"
    LOW = "LOW", "Low (crawler)"


class Source(models.TextChoices):
    FRONTEND = "frontend"
    API = "api"
    ADMIN = "admin"
    CRAWLER = "crawler"
    BULK = "bulk"


PRIORITY_BY_SOURCE = {
    Source.FRONTEND: Priority.HIGH,
    Source.ADMIN: Priority.HIGH,
    Source.API: Priority.MEDIUM,
    Source.BULK: Priority.MEDIUM,
    Source.CRAWLER: Priority.LOW,
}


# Claim order of the priorities (the queue's priority_rank column says the same in the database).
RANK_BY_PRIORITY = {Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}


def new_request_id() -> str:
    # 64 random bits: the spec's 8 hex characters (32 bits) collide about once per 100,000 jobs,
    # and the unique index would turn that into a failed request.
    return secrets.token_hex(8)


class ProfileJob(TrackedJob):
    """One request to fetch a profile: the spec's `queue` table plus the job core's columns."""

    class Status(models.TextChoices):
        PENDING = "PENDING"
        PROCESSING = "PROCESSING"
        COMPLETED = "COMPLETED"
        FAILED = "FAILED"
        CANCELLED = "CANCELLED"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(max_length=255)
    source = models.CharField(max_length=50, choices=Source.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices)
    # Claim order; derived from `priority` by the database so the two can never disagree.
    priority_rank = models.GeneratedField(
        expression=Case(
            *(When(priority=priority, then=Value(rank)) for priority, rank in RANK_BY_PRIORITY.items()
              if priority != Priority.LOW),
            default=Value(RANK_BY_PRIORITY[Priority.LOW]),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    timestamp = models.DateTimeField(default=timezone.now)
    # Arrival order, assigned by the database on INSERT (a sequence on PostgreSQL, the rowid on
    # SQLite) and kept for the job's life, so a retried or recovered job keeps its place. Jobs
    # are claimed by (priority_rank, queue_ticket); on PostgreSQL the pending jobs are also
    # counted per (priority, block of tickets) by a trigger, which makes "how many are ahead"
    # cost the same with 10 or 100,000 waiting (see migration 0003 and querysets.py).
    queue_ticket = models.BigIntegerField(null=True, blank=True, editable=False)
    last_attempt = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(null=True, blank=True)
    request_id = models.CharField(max_length=50, unique=True, default=new_request_id)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProfileJobQuerySet.as_manager()

    job_kind = "profile"
    job_statuses = JobStatuses(
        pending=Status.PENDING,
        processing=Status.PROCESSING,
        completed=Status.COMPLETED,
        failed=Status.FAILED,
        cancelled=Status.CANCELLED,
    )
    job_handler = "profiles.pipeline.fetch_profile_job"
    job_claim_order = ("priority_rank", "queue_ticket")
    job_timeout_setting = "PROFILE_JOB_TIMEOUT_SECONDS"
    job_started_field = "last_attempt"
    job_queued_field = "timestamp"
    job_level_field = "priority_rank"
    # priority_rank follows from priority (a generated column).
    job_level_values = {rank: {"priority": priority} for priority, rank in RANK_BY_PRIORITY.items()}
    # Past 50 % both provider calls are made and the rest takes milliseconds (profiles/pipeline.py):
    # a pause there would throw both calls away to save the waiting job nothing.
    job_pause_until_percentage = 50

    class Meta:
        db_table = "queue"
        verbose_name = "profile job"
        constraints = [
            # Two requests for one username can never both be queued: the database says no.
            models.UniqueConstraint(
                fields=["username"],
                condition=Q(status__in=["PENDING", "PROCESSING"]),
                name="queue_one_active_job_per_username",
            ),
        ]
        indexes = [
            # The latest job of a username (status page): ORDER BY timestamp DESC LIMIT 1.
            models.Index(fields=["username", "-timestamp"], name="idx_queue_username_latest"),
            models.Index(fields=["timestamp"], name="idx_queue_timestamp"),
            # What a worker's claim scans (due pending jobs in claim order), and the exact count
            # of the jobs ahead within one block of tickets.
            models.Index(fields=["status", "priority_rank", "queue_ticket"], name="idx_queue_claim_order"),
            # Pending jobs that may be waiting for their retry time (not in line yet, so not
            # "ahead"): only a failed attempt sets next_attempt_at in the future.
            models.Index(
                fields=["priority_rank", "queue_ticket"],
                name="idx_queue_waiting_to_retry",
                condition=Q(status="PENDING", attempts__gt=0),
            ),
            models.Index(fields=["status", "finished_at"], name="idx_queue_recent_finished"),
            # The longest-waiting pending job of a level: what aging looks for on every claim
            # (jobs/scheduling.py), found without walking the younger ones.
            models.Index(fields=["priority_rank", "timestamp"], name="idx_queue_pending_by_age",
                         condition=Q(status="PENDING")),
        ]

    def __str__(self) -> str:
        return f"@{self.username} {self.status} ({self.request_id})"

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            # The ticket is the database's (set on INSERT, never changed): an instance that never
            # read it back (created, then saved again) must not write NULL over it.
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                       if not f.primary_key and not f.generated and f.name != "queue_ticket"]
        super().save(*args, **kwargs)


class PrimaryProfile(models.Model):
    """A fully fetched profile: the spec's 17 columns plus the view metrics of its reels."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(max_length=255, unique=True)
    full_name = models.CharField(max_length=255, blank=True, default="")
    followers_count = models.IntegerField(null=True)
    following_count = models.IntegerField(null=True)
    posts_count = models.IntegerField(null=True)
    bio = models.TextField(blank=True, default="")
    profile_pic_url = models.TextField(blank=True, default="")
    is_verified = models.BooleanField(default=False)
    is_private = models.BooleanField(default=False)
    profile_data = models.JSONField(default=dict, blank=True)
    content_stats = models.JSONField(default=dict, blank=True)
    engagement_metrics = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    last_scraped_at = models.DateTimeField(null=True, blank=True)
    scraping_status = models.CharField(max_length=50, default="pending")
    # Beyond the 17: what the profile endpoints and the viral analysis read.
    is_business_account = models.BooleanField(default=False)
    primary_category = models.CharField(max_length=255, blank=True, default="")
    median_views = models.FloatField(default=0)
    mean_views = models.FloatField(default=0)
    std_views = models.FloatField(default=0)
    total_views = models.BigIntegerField(default=0)
    total_likes = models.BigIntegerField(default=0)
    total_comments = models.BigIntegerField(default=0)
    total_reels = models.IntegerField(default=0)

    objects = PrimaryProfileQuerySet.as_manager()

    class Meta:
        db_table = "primary_profiles"
        indexes = [
            models.Index(fields=["created_at"], name="idx_primary_profiles_created"),
            models.Index(fields=["followers_count"], name="idx_primary_profiles_follow"),
        ]

    def __str__(self) -> str:
        return f"@{self.username}"

    @property
    def instagram_url(self) -> str:
        return f"https://www.instagram.com/{self.username}/"


class Content(models.Model):
    """One reel (or post) of a fetched profile, with its outlier score within that account."""

    class ContentType(models.TextChoices):
        REEL = "reel"
        POST = "post"

    id = models.BigAutoField(primary_key=True)
    content_id = models.CharField(max_length=64, unique=True)
    shortcode = models.CharField(max_length=64, unique=True)
    content_type = models.CharField(max_length=10, choices=ContentType.choices, default=ContentType.REEL)
    url = models.TextField()
    description = models.TextField(blank=True, default="")
    transcript = models.TextField(blank=True, default="")
    hashtags = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    view_count = models.BigIntegerField(default=0)
    like_count = models.BigIntegerField(default=0)
    comment_count = models.BigIntegerField(default=0)
    video_duration = models.FloatField(null=True, blank=True)
    is_pinned = models.BooleanField(default=False)
    date_posted = models.DateTimeField(null=True, blank=True)
    username = models.CharField(max_length=255)
    # views ÷ median views of the account's reels (likes for posts); 1.0 = a typical reel.
    outlier_score = models.FloatField(default=0)
    engagement_rate = models.FloatField(default=0)
    profile = models.ForeignKey(PrimaryProfile, on_delete=models.CASCADE, related_name="content")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContentQuerySet.as_manager()

    class Meta:
        db_table = "content"
        verbose_name_plural = "content"
        indexes = [
            models.Index(fields=["username", "-date_posted"], name="idx_content_username_date"),
            models.Index(fields=["profile", "-outlier_score"], name="idx_content_profile_outlier"),
            models.Index(fields=["profile", "-view_count"], name="idx_content_profile_views"),
        ]

    def __str__(self) -> str:
        return f"{self.username}/{self.shortcode}"
