"""Read side of the profile tables, one method per page or endpoint that reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Count, F, Func, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone

from jobs.eta import RECENT_JOBS_FOR_ETA
from jobs.read_cache import ReadScope

ACTIVE_STATUSES = ("PENDING", "PROCESSING")


def _count(queryset: QuerySet) -> Subquery:
    """COUNT(*) of a queryset as a scalar subquery (no GROUP BY)."""
    return Subquery(
        queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"), output_field=IntegerField()
    )


class JobsAhead(Func):
    """PostgreSQL's queue_jobs_ahead(rank, ticket, now): the pending, due jobs claimed before this one,
    from per-block counts (migration 0003), so its cost does not grow with the queue."""

    function = "queue_jobs_ahead"
    output_field = IntegerField()


class ProfileJobQuerySet(QuerySet):
    def active(self) -> QuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def ahead_of(self, *, priority_rank, queue_ticket) -> QuerySet:
        """Pending, due jobs a worker will claim before a job of this rank and ticket.

        Written as one range per priority so the claim-order index serves it.
        """
        return self.filter(status="PENDING", next_attempt_at__lte=timezone.now()).filter(
            Q(priority_rank__lt=priority_rank) | Q(priority_rank=priority_rank, queue_ticket__lt=queue_ticket)
        )

    def with_queue_counts(self) -> QuerySet:
        """Annotate jobs_ahead and jobs_running in the same query as the job itself."""
        model = self.model
        if connection.vendor == "postgresql":
            jobs_ahead = JobsAhead(F("priority_rank"), F("queue_ticket"), Value(timezone.now()))
        else:  # the embedded default counts the pending rows themselves
            jobs_ahead = _count(
                model.objects.ahead_of(priority_rank=OuterRef("priority_rank"), queue_ticket=OuterRef("queue_ticket"))
            )
        return self.annotate(jobs_ahead=jobs_ahead, jobs_running=_count(model.objects.filter(status="PROCESSING")))

    def by_priority_for_dashboard(self, now) -> QuerySet:
        """Per priority: jobs waiting (pending and due), waiting for their retry time, running, and
        when the longest-waiting one was queued (what aging measures). One grouped count over the
        active jobs, on the status-led claim index, like /metrics' queue depth."""
        due = Q(status="PENDING", next_attempt_at__lte=now)
        return (
            self.active()
            .order_by()
            .values("priority")
            .annotate(
                waiting=Count("pk", filter=due),
                waiting_to_retry=Count("pk", filter=Q(status="PENDING", next_attempt_at__gt=now)),
                running=Count("pk", filter=Q(status="PROCESSING")),
                longest_waiting_since=Min(self.model.job_queued_field, filter=due),
            )
        )

    def for_status_page(self, username: str):
        """The username's latest job with its queue counts: one query."""
        return self.filter(username=username).with_queue_counts().order_by("-timestamp").first()

    def completed_since(self, username: str, since) -> QuerySet:
        return self.filter(username=username, status="COMPLETED", finished_at__gte=since)


@dataclass
class StatusPageRead:
    """Everything the status and request endpoints need: the fetched profile (if any), the
    latest job with its queue counts, and the durations of recent successful jobs (for the ETA)."""

    profile: object | None = None
    job: object | None = None
    durations: list[float] = field(default_factory=list)
    # When a job ahead in line becomes due for its retry (the position changes then, unannounced).
    next_retry_ahead_at: datetime | None = None
    # The job's (priority rank, queue ticket): what the jobs it waits behind are ordered by.
    place_in_line: tuple[int, int] | None = None

    def changes_by_itself_at(self) -> datetime | None:
        return self.next_retry_ahead_at

    def cache_scope(self) -> ReadScope:
        """What this read shows, for the read cache (jobs.read_cache): the job's progress while
        it is active, its place while it waits; a read showing no active job may be changed by
        any new one."""
        job = self.job
        if job is None or not job.is_active:
            return ReadScope(kind="profile")
        waiting = job.status == "PENDING" and self.place_in_line is not None and None not in self.place_in_line
        return ReadScope(kind="profile", job_id=str(job.pk), waiting_at=self.place_in_line if waiting else None)


# The fields of a job the status answer reads (ProfileJob.from_db defers the rest).
STATUS_JOB_FIELDS = (
    "id", "username", "status", "priority", "timestamp", "next_attempt_at", "attempts", "max_attempts",
    "request_id", "last_attempt", "error_message", "error_code", "error_retryable", "stage",
    "progress_percentage", "progress_message", "finished_at",
)
STATUS_PROFILE_FIELDS = ("id", "username", "created_at", "last_scraped_at", "followers_count", "posts_count")

STATUS_PAGE_COLUMNS = (
    *(f"profile_{name}" for name in STATUS_PROFILE_FIELDS),
    *(f"job_{name}" for name in STATUS_JOB_FIELDS),
    "job_priority_rank", "job_queue_ticket",
    "jobs_ahead", "next_retry_ahead_at", "jobs_running", "durations",
)

# The pieces of the status read, shared with the request endpoint's statement (profiles.services).
STATUS_PROFILE_SQL = f"SELECT {', '.join(STATUS_PROFILE_FIELDS)} FROM primary_profiles WHERE username = %(username)s"
# Every column (`*`): shorter than naming them, which keeps the request statement within what
# psycopg caches the parse of (jobs.sql.PSYCOPG_CACHED_STATEMENT_LENGTH).
STATUS_LATEST_JOB_SQL = 'SELECT * FROM queue WHERE username = %(username)s ORDER BY "timestamp" DESC LIMIT 1'



def status_page_select(*extra_columns: str) -> str:
    """The status read's SELECT over the CTEs `profile` and `job` (at most one row each): the
    STATUS_PAGE_COLUMNS in that order, then `extra_columns`."""
    extra = "".join(f", {column}" for column in extra_columns)
    return f"""
SELECT {", ".join(f"profile.{name}" for name in STATUS_PROFILE_FIELDS)},
       {", ".join(f"job.{name}" for name in STATUS_JOB_FIELDS)}, job.priority_rank, job.queue_ticket,
       -- queue_jobs_ahead(), written out: inside one prepared plan it costs no function call.
       CASE WHEN job.status = 'PENDING' THEN
            coalesce((SELECT sum(b.pending) FROM queue_pending_blocks b
                      WHERE (b.priority_rank, b.block) < (job.priority_rank, queue_ticket_block(job.queue_ticket))), 0)
          + (SELECT count(*) FROM queue q
             WHERE q.status = 'PENDING' AND q.priority_rank = job.priority_rank
               AND q.queue_ticket >= queue_ticket_block(job.queue_ticket) * queue_block_size()
               AND q.queue_ticket < job.queue_ticket)
          - (SELECT count(*) FROM queue q
             WHERE q.status = 'PENDING' AND q.attempts > 0 AND q.next_attempt_at > %(now)s
               AND (q.priority_rank, q.queue_ticket) < (job.priority_rank, job.queue_ticket))
       END AS jobs_ahead,
       -- The position also changes, unannounced, when a job ahead becomes due for its retry.
       CASE WHEN job.status = 'PENDING' THEN (
            SELECT min(q.next_attempt_at) FROM queue q
            WHERE q.status = 'PENDING' AND q.attempts > 0 AND q.next_attempt_at > %(now)s
              AND (q.priority_rank, q.queue_ticket) < (job.priority_rank, job.queue_ticket))
       END AS next_retry_ahead_at,
       CASE WHEN job.status IN ('PENDING', 'PROCESSING')
            THEN (SELECT count(*) FROM queue WHERE status = 'PROCESSING') END AS jobs_running,
       CASE WHEN job.status IN ('PENDING', 'PROCESSING') THEN ARRAY(
            SELECT duration_seconds FROM queue WHERE status = 'COMPLETED' AND duration_seconds IS NOT NULL
            ORDER BY finished_at DESC LIMIT {RECENT_JOBS_FOR_ETA}) END AS durations{extra}
FROM (SELECT 1) AS one LEFT JOIN profile ON true LEFT JOIN job ON true
"""


# One round trip on PostgreSQL for the busiest endpoint (pollers call it every few seconds).
STATUS_PAGE_SQL = f"WITH profile AS ({STATUS_PROFILE_SQL}), job AS ({STATUS_LATEST_JOB_SQL}) {status_page_select()}"


def _from_row(model, row: dict, prefix: str, names: tuple[str, ...]):
    """A model instance with only `names` loaded (Model.from_db wants them in field order)."""
    from jobs.sql import instance_from_row

    loaded = [f.attname for f in model._meta.concrete_fields if f.attname in names]
    return instance_from_row(model, loaded, [row[prefix + name] for name in loaded])


def status_page_read_from_row(values) -> StatusPageRead:
    """The StatusPageRead of a row of status_page_select() (its STATUS_PAGE_COLUMNS first)."""
    from profiles.models import PrimaryProfile, ProfileJob

    row = dict(zip(STATUS_PAGE_COLUMNS, values))
    profile = _from_row(PrimaryProfile, row, "profile_", STATUS_PROFILE_FIELDS) if row["profile_id"] else None
    if row["job_id"] is None:
        return StatusPageRead(profile=profile)
    job = _from_row(ProfileJob, row, "job_", STATUS_JOB_FIELDS)
    job.jobs_ahead, job.jobs_running = row["jobs_ahead"] or 0, row["jobs_running"] or 0
    return StatusPageRead(profile=profile, job=job, durations=list(row["durations"] or []),
                          next_retry_ahead_at=row["next_retry_ahead_at"],
                          place_in_line=(row["job_priority_rank"], row["job_queue_ticket"]))


def status_page_read(username: str) -> StatusPageRead:
    """The status page's read: one prepared statement on PostgreSQL, three ORM queries elsewhere."""
    from jobs.eta import recent_durations
    from profiles.models import PrimaryProfile, ProfileJob

    if connection.vendor != "postgresql":
        profile = PrimaryProfile.objects.for_status_page(username)
        job = ProfileJob.objects.for_status_page(username)
        durations = recent_durations(ProfileJob) if job is not None and job.is_active else []
        return StatusPageRead(profile=profile, job=job, durations=durations)

    from jobs.sql import fetch_one_prepared

    return status_page_read_from_row(fetch_one_prepared(STATUS_PAGE_SQL, {"username": username, "now": timezone.now()}))


class PrimaryProfileQuerySet(QuerySet):
    def for_status_page(self, username: str):
        return (
            self.filter(username=username)
            .only("username", "created_at", "last_scraped_at", "followers_count", "posts_count")
            .first()
        )

    def for_profiles_page(self, limit: int = 12) -> QuerySet:
        """The most recently fetched profiles, for the profiles page's list."""
        return self.only(
            "username", "full_name", "followers_count", "total_reels", "median_views", "last_scraped_at", "created_at",
        ).order_by("-last_scraped_at", "-created_at")[:limit]

    def for_similarity(self) -> QuerySet:
        return self.only(
            "id", "username", "full_name", "followers_count", "profile_pic_url", "primary_category",
            "content_stats", "is_verified",
        )


class ContentQuerySet(QuerySet):
    SORTS = {
        "popular": ("-view_count", "-date_posted"),
        "recent": ("-date_posted", "-id"),
        "oldest": ("date_posted", "id"),
    }

    def for_reels_page(self, username: str, *, sort_by: str = "popular") -> QuerySet:
        return self.filter(username=username).order_by(*self.SORTS[sort_by])

    def for_profile_chart(self, username: str, *, limit: int) -> QuerySet:
        """The profile page's views-over-time chart: the `limit` latest reels (undated ones last),
        only the columns a point needs."""
        return (
            self.filter(username=username)
            .order_by(F("date_posted").desc(nulls_last=True), "-id")
            .values_list("shortcode", "date_posted", "view_count", "outlier_score")[:limit]
        )


def status_page_cache_key(username: str) -> tuple[str, str]:
    return ("profile-status", username)


def status_page_read_cached(username: str) -> StatusPageRead:
    """status_page_read(), kept until the next job change is announced (jobs.read_cache)."""
    from jobs.read_cache import reads

    return reads.get_or_read(status_page_cache_key(username), lambda: status_page_read(username))


def status_page_read_if_cached(username: str) -> StatusPageRead | None:
    """The kept status_page_read() of `username`, or None (nothing is read)."""
    from jobs.read_cache import reads

    return reads.peek(status_page_cache_key(username))
