"""Write side of viral ideas: entries, competitors, processing on demand, cancel and reruns.

Who may call the entry services is decided in one place, viral_entry_may_write: every entry
point (API, pages, admin) asks it before writing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from jobs import services as job_services
from jobs.permissions import CHANGE_VIRAL_ENTRIES, is_staff_with
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


class NotEntryOwner(Exception):
    """The caller is neither the entry's owner nor staff allowed to change entries (API: 403)."""


# The HTTP header that carries an anonymous creator's owner token (API and OpenAPI schema).
OWNER_TOKEN_HEADER = "X-Owner-Token"


def hash_owner_token(token: str) -> str:
    """What is stored of an owner token. A plain SHA-256 suffices: the token is 256 random
    bits, so there is nothing to guess that a slow, salted hash would protect."""
    return hashlib.sha256(token.encode()).hexdigest()


def viral_entry_may_write(*, entry: ViralIdeasQueue, user=None, owner_token: str | None = None) -> bool:
    """Whether this caller may cancel, rerun, process or edit the competitors of `entry`.

    Staff who may change entries in the admin may change any entry; otherwise only the owner:
    the account that created it, or (for an entry created without an account) whoever presents
    its owner token. An entry from before ownership (neither set) is staff's alone.
    """
    if is_staff_with(user, CHANGE_VIRAL_ENTRIES):
        return True
    if entry.owner_id is not None:
        return bool(user is not None and user.is_authenticated and user.pk == entry.owner_id)
    if entry.owner_token_hash and owner_token:
        # Constant time, so the answer's timing says nothing about how much of a guess was right.
        return hmac.compare_digest(entry.owner_token_hash, hash_owner_token(owner_token))
    return False


def viral_entry_check_write(*, entry: ViralIdeasQueue, user=None, owner_token: str | None = None) -> None:
    """Raise NotEntryOwner unless viral_entry_may_write allows the caller."""
    if not viral_entry_may_write(entry=entry, user=user, owner_token=owner_token):
        raise NotEntryOwner(f"Only the creator of entry {entry.pk} or staff may change it")


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
    owner=None,
) -> ViralIdeasQueue:
    """Queue an analysis of a creator against competitors; workers pick it up by priority.

    `owner` is the signed-in account that asks, if any. Without one the entry gets an owner
    token instead: the returned instance carries it as `owner_token`, the only time it exists
    in the clear (the row keeps its hash), so the caller must hand it to the client now.
    """
    if owner is not None and not owner.is_authenticated:
        owner = None
    owner_token = None if owner is not None else secrets.token_urlsafe(32)
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
                owner=owner,
                owner_token_hash=hash_owner_token(owner_token) if owner_token else None,
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
    entry.owner_token = owner_token
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
