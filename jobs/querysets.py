"""Read side of the job tables, named for the pages and endpoints that read them."""

from __future__ import annotations

from django.db.models import Case, Count, F, FloatField, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone


class TrackedJobQuerySet(QuerySet):
    """Reads every job kind shares; a kind's queryset extends it."""

    def claimed_before(self, job) -> QuerySet:
        """Pending, due jobs of `job`'s kind that a worker will claim before it (its kind's claim order).

        The claim order is compared field by field (a, then b when a ties, …), the way ORDER BY
        sorts, so the count matches what workers will really do.
        """
        model = type(job)
        statuses = model.job_statuses
        earlier = Q()
        ties: dict = {}
        for field in model.job_claim_order:
            name = field.lstrip("-")
            lookup = "gt" if field.startswith("-") else "lt"
            earlier |= Q(**ties, **{f"{name}__{lookup}": getattr(job, name)})
            ties[name] = getattr(job, name)
        return (
            self.filter(status=statuses.pending, next_attempt_at__lte=timezone.now())
            .filter(earlier)
            .exclude(pk=job.pk)
        )

    def running(self) -> QuerySet:
        return self.filter(status=self.model.job_statuses.processing)


class GenerationJobQuerySet(TrackedJobQuerySet):
    def for_owner(self, user) -> QuerySet:
        """A creator sees only their own jobs (another's answers 404, never 403)."""
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)

    def for_list_page(self, user) -> QuerySet:
        return self.for_owner(user).order_by("-created_at")

    def for_bulk_page(self, bulk) -> QuerySet:
        return self.filter(bulk_job=bulk).order_by("bulk_position")


class BulkJobQuerySet(QuerySet):
    def for_owner(self, user) -> QuerySet:
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)

    def with_article_counts(self) -> QuerySet:
        """Annotate each bulk job with its articles per status and their summed progress (admin list).

        `done_share` counts finished articles as 100 and running ones by their percentage, the
        same rule as jobs.selectors.bulk_job_progress, so list and API agree on the combined %.
        """
        finished = ("completed", "failed", "cancelled")
        counts = {
            f"articles_{status}": Count("jobs", filter=Q(jobs__status=status))
            for status in ("queued", "processing", "completed", "failed", "cancelled")
        }
        return self.annotate(
            **counts,
            done_share=Sum(
                Case(
                    When(jobs__status__in=finished, then=Value(100.0)),
                    default=F("jobs__progress_percentage"),
                    output_field=FloatField(),
                )
            ),
        )


class ProgressEventQuerySet(QuerySet):
    def for_job(self, job_kind: str, job_ids, *, after_id: int = 0) -> QuerySet:
        """A job's (or several jobs') history after a given event id, oldest first."""
        job_ids = [job_ids] if not isinstance(job_ids, (list, tuple, set)) else list(job_ids)
        return self.filter(job_kind=job_kind, job_id__in=job_ids, id__gt=after_id).order_by("id")

    def last_hour_for_dashboard(self, bucket_starts: list) -> QuerySet:
        """Jobs completed and failed, LOW work paused for higher-priority work and LOW jobs promoted
        by aging, per job kind and time bucket (the index of the latest of `bucket_starts` at or
        before the event; the last bucket runs to now): one grouped query over the events since
        the first bucket, which the created_at index finds without reading the older history.

        A failure is an event that left its job failed for good (stage "failed"), whatever the
        error: a job whose lost worker used its last attempt failed too.
        """
        paused = Q(data__has_key="paused_for")
        promoted = Q(data__has_key="promoted_to")
        # Bucket by a CASE over the boundaries, not by the database's date functions: the same SQL
        # on PostgreSQL and SQLite, and buckets that end exactly now (the window /metrics counts).
        bucket = Case(
            *[When(created_at__lt=start, then=Value(index - 1)) for index, start in enumerate(bucket_starts) if index],
            default=Value(len(bucket_starts) - 1),
            output_field=IntegerField(),
        )
        return (
            self.filter(created_at__gte=bucket_starts[0])
            .filter(Q(stage__in=("completed", "failed")) | paused | promoted)
            .order_by()
            .annotate(bucket=bucket)
            .values("job_kind", "bucket")
            .annotate(
                completed=Count("id", filter=Q(stage="completed")),
                failed=Count("id", filter=Q(stage="failed")),
                paused=Count("id", filter=paused),
                promoted=Count("id", filter=promoted),
            )
        )
