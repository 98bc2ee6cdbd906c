"""Read side of the viral-ideas tables, named for the pages and endpoints that read them."""

from __future__ import annotations

from django.db.models import QuerySet

from jobs.querysets import TrackedJobQuerySet


class ViralIdeasQueueQuerySet(TrackedJobQuerySet):
    def due_for_rerun(self, now) -> QuerySet:
        """Finished entries whose scheduled rerun has come and that asked for reruns."""
        return self.filter(
            auto_rerun_enabled=True, next_scheduled_run__lte=now, status__in=["completed", "failed"]
        )

    def for_ownership_check(self) -> QuerySet:
        """Only what viral_entry_may_write reads (the pages ask it beside the status read)."""
        return self.only("id", "owner_id", "owner_token_hash")
