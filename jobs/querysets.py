"""Read side of the job tables, named for the pages and endpoints that read them."""

from __future__ import annotations

from django.db.models import Case, Count, F, FloatField, Q, QuerySet, Sum, Value, When
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
