"""Read side of the job tables, named for the pages and endpoints that read them."""

from __future__ import annotations

from django.db.models import QuerySet


class GenerationJobQuerySet(QuerySet):
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


class ProgressEventQuerySet(QuerySet):
    def for_job(self, job_kind: str, job_ids, *, after_id: int = 0) -> QuerySet:
        """A job's (or several jobs') history after a given event id, oldest first."""
        job_ids = [job_ids] if not isinstance(job_ids, (list, tuple, set)) else list(job_ids)
        return self.filter(job_kind=job_kind, job_id__in=job_ids, id__gt=after_id).order_by("id")
