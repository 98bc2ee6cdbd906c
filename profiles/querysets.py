"""Read side of the profile tables, one method per page or endpoint that reads it."""

from __future__ import annotations

from django.db.models import F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

ACTIVE_STATUSES = ("PENDING", "PROCESSING")


def _count(queryset: QuerySet) -> Subquery:
    """COUNT(*) of a queryset as a scalar subquery (no GROUP BY)."""
    return Subquery(
        queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"), output_field=IntegerField()
    )


class ProfileJobQuerySet(QuerySet):
    def active(self) -> QuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def ahead_of(self, *, priority_rank, timestamp) -> QuerySet:
        """Pending, due jobs a worker will claim before a job of this rank and age."""
        return self.filter(status="PENDING", next_attempt_at__lte=timezone.now()).filter(
            Q(priority_rank__lt=priority_rank) | Q(priority_rank=priority_rank, timestamp__lt=timestamp)
        )

    def with_queue_counts(self) -> QuerySet:
        """Annotate jobs_ahead and jobs_running in the same query as the job itself."""
        model = self.model
        return self.annotate(
            jobs_ahead=_count(
                model.objects.ahead_of(priority_rank=OuterRef("priority_rank"), timestamp=OuterRef("timestamp"))
            ),
            jobs_running=_count(model.objects.filter(status="PROCESSING")),
        )

    def for_status_page(self, username: str):
        """The username's latest job with its queue counts: one query."""
        return self.filter(username=username).with_queue_counts().order_by("-timestamp").first()

    def completed_since(self, username: str, since) -> QuerySet:
        return self.filter(username=username, status="COMPLETED", finished_at__gte=since)


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
