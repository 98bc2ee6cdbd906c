"""Write side of viral ideas: entries, competitors, processing on demand, cancel and reruns."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from jobs import services as job_services
from jobs.services import JobStateError
from profiles.services import normalize_username
from viral_ideas.models import ViralIdeasCompetitor, ViralIdeasQueue

logger = logging.getLogger(__name__)
Status = ViralIdeasQueue.Status


class SessionAlreadyUsed(Exception):
    """The session_id belongs to an existing entry (API answers 409 with that entry's id)."""

    def __init__(self, entry: ViralIdeasQueue):
        super().__init__(f"session_id {entry.session_id!r} already has an entry")
        self.entry = entry


def session_id_problem(raw: str) -> str | None:
    """Why a session id can never name an entry (blank, too long, control characters), or None."""
    session_id = (raw or "").strip()
    if not session_id:
        return "Session ID is required"
    if len(session_id) > 255:
        return "Session ID is too long (max 255 characters)"
    if any(ord(char) < 32 or ord(char) == 127 for char in session_id):
        return "Session ID must not contain control characters"
    return None


def viral_entry_create(
    *,
    session_id: str,
    primary_username: str,
    competitors: list[str],
    content_strategy: dict,
    analysis_settings: dict | None = None,
    priority: int = 5,
    auto_rerun_enabled: bool = False,
    rerun_frequency_hours: int = 24,
    selection_method: str = ViralIdeasCompetitor.SelectionMethod.MANUAL,
) -> ViralIdeasQueue:
    """Queue an analysis of a creator against competitors; workers pick it up by priority."""
    primary = normalize_username(primary_username)
    names = []
    for raw in competitors:
        name = normalize_username(raw)
        if name != primary and name not in names:
            names.append(name)
    try:
        with transaction.atomic():
            entry = ViralIdeasQueue.objects.create(
                session_id=session_id,
                primary_username=primary,
                content_strategy=content_strategy,
                analysis_settings=analysis_settings or {},
                priority=priority,
                auto_rerun_enabled=auto_rerun_enabled,
                rerun_frequency_hours=rerun_frequency_hours,
                stage="queued",
            )
            ViralIdeasCompetitor.objects.bulk_create(
                ViralIdeasCompetitor(queue=entry, competitor_username=name, selection_method=selection_method)
                for name in names
            )
            job_services.job_created(entry, message=f"Viral ideas analysis queued for @{primary} ({len(names)} competitors)")
    except IntegrityError:
        existing = ViralIdeasQueue.objects.filter(session_id=session_id).first()
        if existing is None:
            raise
        raise SessionAlreadyUsed(existing) from None
    return entry


def viral_entry_process_now(*, entry: ViralIdeasQueue, by: str = "staff") -> str:
    """Staff's "process now" (409 while processing; a finished entry starts a new run)."""
    return job_services.job_process_now(entry, by=by)


def viral_entry_cancel(*, entry: ViralIdeasQueue, by: str = "user") -> ViralIdeasQueue:
    return job_services.job_cancel(entry, reason=f"Cancelled by {by}")


def viral_entry_rerun(*, entry: ViralIdeasQueue, by: str = "user") -> ViralIdeasQueue:
    """Queue a new run of a finished entry; earlier runs' results are kept."""
    return job_services.job_retry(entry, reason=f"Rerun requested by {by}", include_completed=True)


def viral_competitor_add(*, entry: ViralIdeasQueue, username: str, selection_method: str = "manual") -> ViralIdeasCompetitor:
    """Add a competitor, or bring back one that was removed."""
    name = normalize_username(username)
    if name == entry.primary_username:
        raise ValueError("the creator cannot be their own competitor")
    competitor, created = ViralIdeasCompetitor.objects.get_or_create(
        queue=entry, competitor_username=name, defaults={"selection_method": selection_method}
    )
    if not created and not competitor.is_active:
        competitor.is_active, competitor.removed_at = True, None
        competitor.processing_status = ViralIdeasCompetitor.ProcessingStatus.PENDING
        competitor.save(update_fields=["is_active", "removed_at", "processing_status"])
    return competitor


def viral_competitor_remove(*, entry: ViralIdeasQueue, username: str) -> ViralIdeasCompetitor | None:
    """Deactivate a competitor (the row stays, with removed_at)."""
    name = normalize_username(username)
    competitor = ViralIdeasCompetitor.objects.filter(queue=entry, competitor_username=name, is_active=True).first()
    if competitor is not None:
        competitor.is_active, competitor.removed_at = False, timezone.now()
        competitor.save(update_fields=["is_active", "removed_at"])
    return competitor


def viral_process_pending() -> dict:
    """Recover stuck entries and wake workers for every pending one."""
    swept = job_services.sweep_stale_jobs()
    pending = ViralIdeasQueue.objects.filter(status=Status.PENDING).count()
    if pending:
        with transaction.atomic():
            job_services.job_wake_workers("viral_ideas", count=min(pending, settings.Q_WORKERS))
    return {"pending": pending, "recovered": swept["recovered"]}


def viral_start_due_reruns(*, now=None) -> list[str]:
    """Start the scheduled reruns that have come (auto_rerun_enabled and next_scheduled_run ≤ now)."""
    now = now or timezone.now()
    started = []
    for entry in ViralIdeasQueue.objects.due_for_rerun(now):
        try:
            job_services.job_retry(entry, reason="Scheduled rerun", include_completed=True)
        except JobStateError:
            continue
        # The next period counts from this start, so a run that fails is not restarted at every
        # check; a successful run sets it again from its completion.
        ViralIdeasQueue.objects.filter(pk=entry.pk).update(
            next_scheduled_run=now + timedelta(hours=entry.rerun_frequency_hours)
        )
        started.append(str(entry.pk))
    return started


def next_run_after(entry: ViralIdeasQueue, finished_at):
    """When a finished run schedules the next one (None unless reruns are enabled)."""
    if not entry.auto_rerun_enabled:
        return None
    return finished_at + timedelta(hours=entry.rerun_frequency_hours)
