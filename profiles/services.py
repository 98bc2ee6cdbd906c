"""Write side of profiles: requesting, cancelling and retrying profile jobs."""

from __future__ import annotations

import functools
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from jobs import services as job_services
from profiles.models import PRIORITY_BY_SOURCE, RANK_BY_PRIORITY, PrimaryProfile, ProfileJob, Source
from profiles.querysets import (
    STATUS_LATEST_JOB_SQL,
    STATUS_PROFILE_SQL,
    StatusPageRead,
    status_page_cache_key,
    status_page_read,
    status_page_read_from_row,
    status_page_read_if_cached,
    status_page_select,
)
from profiles.selectors import profile_job_timing

logger = logging.getLogger(__name__)

USERNAME_RE = re.compile(r"^[A-Za-z0-9._]{1,30}$")


class InvalidUsername(ValueError):
    pass


class QueueUnavailable(Exception):
    """The queue row could not be written; nothing was queued."""


def normalize_username(raw: str) -> str:
    """'@Some.User ' → 'some.user'; Instagram usernames are case-insensitive."""
    username = (raw or "").strip().lstrip("@")
    if not username:
        raise InvalidUsername("Username is required")
    if len(username) > 30:
        raise InvalidUsername("Username too long (max 30 characters)")
    if not USERNAME_RE.match(username):
        raise InvalidUsername("Username may contain only letters, digits, '.' and '_'")
    return username.lower()


def _exists_answer(username: str, created_at, *, recently: bool) -> dict:
    if recently:
        message, reason = f"Profile {username} was recently processed and is now available", "recently_completed"
    else:
        message, reason = f"Profile {username} is already fully processed", "already_processed"
    return {
        "queued": False,
        "message": message,
        "estimated_time": "complete",
        "profile_type": "primary",
        "status": "exists",
        "created_at": created_at,
        "skip_reason": reason,
    }


def _queued_answer(job: ProfileJob, *, is_new: bool, durations: list[float]) -> dict:
    timing = profile_job_timing(job, durations=durations)
    answer = {
        "queued": True,
        "estimated_time": timing.estimated_time,
        "priority": str(job.priority),
        "request_id": job.request_id,
        "queue_position": timing.queue_position,
        "next_check_recommended": timing.polling_interval,
        "job_id": str(job.pk),
    }
    if is_new:
        answer.update(
            message=f"Profile {job.username} added to {job.priority.lower()} priority processing queue",
            profile_type="new",
            status="pending",
        )
    else:
        answer.update(
            message=f"Profile {job.username} is already in queue (status: {job.status})",
            profile_type="queued",
            status=job.status.lower(),
            skip_reason="already_in_queue",
        )
    return answer


def profile_request(*, username: str, source: str = Source.FRONTEND) -> dict:
    """Queue a profile unless it is fetched or queued already; the spec's four answers.

    1. a status read still cached (jobs.read_cache: kept until a change it shows) answers
       "exists" and "already queued" with no database work: a client asking again;
    2. otherwise one statement on PostgreSQL reads the profile and the latest job, inserts the
       job if neither answers, and returns its place in line (queue_or_read). A name nobody
       asked for costs that one round trip, not a read first and then the statement: a storm
       of new names waits on every statement. The partial unique index on active rows decides
       races: of N simultaneous requests exactly one INSERT goes in ("new"); the others insert
       nothing and read again, finding the winner's job ("already_in_queue").
    """
    username = normalize_username(username)
    priority = PRIORITY_BY_SOURCE[Source(source)]
    for attempt in range(3):
        # After a lost race, not the cache: the cached answer is what the race was about.
        known = status_page_read_if_cached(username) if attempt == 0 else None
        if known is not None:
            known = _moved_up_if_waiting_lower(known, priority=priority, source=source)
            if (answer := _answer_unless_missing(username, known)) is not None:
                return answer
        job = ProfileJob(username=username, source=source, priority=priority, stage="queued")
        try:
            read, queued = queue_or_read(job, message=f"Requested by {source} ({priority})")
        except DatabaseError as error:
            logger.error("could not queue @%s: %s", username, error)
            raise QueueUnavailable(f"Could not queue @{username}: the queue is not available right now") from error
        if queued:
            return _queued_answer(read.job, is_new=True, durations=read.durations)
        read = _moved_up_if_waiting_lower(read, priority=priority, source=source)
        if (answer := _answer_unless_missing(username, read)) is not None:
            return answer
        # Another request queued it first, and committed after this statement began: look again.
    raise QueueUnavailable(f"Could not queue @{username}: it kept changing state; please retry")


def _moved_up_if_waiting_lower(read: StatusPageRead, *, priority: str, source: str) -> StatusPageRead:
    """The read as it stands after a request of `priority` for a job still waiting at a lower one:
    the job moves up (profile_job_move_up). A user asking for a name the crawler queued must not
    wait behind the crawler's backlog. Nothing changes for a job running, or at its level or higher."""
    job = read.job
    if job is None or job.status != ProfileJob.Status.PENDING or RANK_BY_PRIORITY[job.priority] <= RANK_BY_PRIORITY[priority]:
        return read
    profile_job_move_up(job=job, priority=priority, by=source)
    return status_page_read(job.username)


def profile_job_move_up(*, job: ProfileJob, priority: str, by: str) -> bool:
    """Raise a waiting job to `priority`, keeping its arrival ticket (so it goes by when it first
    arrived among the jobs of its new level); never lowers one. True when it moved."""
    rank = RANK_BY_PRIORITY[priority]
    with transaction.atomic():
        moved = ProfileJob.objects.filter(pk=job.pk, status=ProfileJob.Status.PENDING, priority_rank__gt=rank).update(
            priority=priority, updated_at=timezone.now())
        if moved:
            previous, job.priority = job.priority, priority
            job_services.record_event(job, status=job.status, stage="queued",
                                      message=f"Moved up from {previous} to {priority} priority: requested by {by}",
                                      data={"raised_to": priority})
    return bool(moved)


def _answer_unless_missing(username: str, read: StatusPageRead) -> dict | None:
    """The "exists" or "already queued" answer the read gives, or None if the profile is neither
    fetched nor queued."""
    if read.profile is not None:
        since = timezone.now() - timedelta(minutes=settings.PROFILE_RECENT_WINDOW_MINUTES)
        job = read.job
        recently = job is not None and job.status == ProfileJob.Status.COMPLETED and job.finished_at >= since
        return _exists_answer(username, read.profile.created_at, recently=recently)
    if read.job is not None and read.job.is_active:
        return _queued_answer(read.job, is_new=False, durations=read.durations)
    return None


# Insert only when the status read would answer neither "exists" nor "already queued".
_QUEUE_OR_READ_CONDITION = (
    "NOT EXISTS (SELECT FROM profile) AND NOT EXISTS (SELECT FROM latest WHERE status IN ('PENDING', 'PROCESSING'))"
)


def queue_or_read(job: ProfileJob, *, message: str) -> tuple[StatusPageRead, bool]:
    """Insert `job` unless its profile is fetched or a job for it is active, and read its status
    page as it stands after: (the read, whether `job` was inserted).

    PostgreSQL: one prepared statement (read, insert, first event, NOTIFY and the queue
    position), instead of a read, an insert and a read again: a request for a new name costs
    one round trip, which is what a storm of new names waits on. Elsewhere: the ORM, in turns.
    """
    from jobs.read_cache import reads

    username = job.username
    ctes = job_services.job_insert_ctes(job, message=message, only_if=_QUEUE_OR_READ_CONDITION,
                                        returning="*") if connection.vendor == "postgresql" else None
    if ctes is None:
        return _queue_or_read_in_turns(job, message=message)
    from jobs.sql import fetch_one_prepared

    inserts, params = ctes
    since = reads.generation
    row = fetch_one_prepared(_queue_or_read_sql(inserts), {**params, "username": username, "now": timezone.now()})
    read = status_page_read_from_row(row)
    # Kept for the status endpoint and the next request alike; put before job_inserted()
    # announces the insert, which does not end it (a job does not wait behind itself).
    reads.put(status_page_cache_key(username), read, since=since)
    if row[-1]:  # the job went in
        job_services.job_inserted(job, waiting_at=read.place_in_line)
        return read, True
    return read, False


# The notification says where the new job waits, so that web processes keep the cached status
# reads it does not change (those of jobs ahead of it: jobs.read_cache).
_NOTIFY_INSERT = job_services.notify_event_sql(
    "%(channel)s", change="'change', 'insert', 'rank', inserted.priority_rank, 'ticket', inserted.queue_ticket"
)


@functools.lru_cache(maxsize=4)
def _queue_or_read_sql(inserts: str) -> str:
    return (
        f"WITH profile AS ({STATUS_PROFILE_SQL}), latest AS ({STATUS_LATEST_JOB_SQL}), {inserts}, "
        "job AS (SELECT * FROM inserted UNION ALL SELECT * FROM latest WHERE NOT EXISTS (SELECT FROM inserted)) "
        + status_page_select(f"(SELECT count({_NOTIFY_INSERT}) FROM event, inserted) AS queued")
    )


def _queue_or_read_in_turns(job: ProfileJob, *, message: str) -> tuple[StatusPageRead, bool]:
    read = status_page_read(job.username)
    if read.profile is not None or (read.job is not None and read.job.is_active):
        return read, False
    try:
        job_services.job_insert(job, message=message)
    except IntegrityError:
        # Another request queued it first (or a request_id collided): the caller looks again.
        return status_page_read(job.username), False
    queued = status_page_read(job.username)  # its place in line, as the status endpoint reports it
    if queued.job is None or queued.job.pk != job.pk:  # already claimed, or replaced
        queued.job = ProfileJob.objects.with_queue_counts().get(pk=job.pk)
    return queued, True


def profile_bulk_request(*, usernames: list[str], source: str = Source.BULK) -> list[dict]:
    """Request each username in turn; one bad username does not stop the others."""
    results = []
    for raw in usernames:
        try:
            results.append({"username": normalize_username(raw), "success": True,
                            "data": profile_request(username=raw, source=source), "error": None})
        except (InvalidUsername, QueueUnavailable) as error:
            results.append({"username": raw, "success": False, "data": None, "error": str(error)})
    return results


def latest_profile_job(username: str) -> ProfileJob | None:
    return ProfileJob.objects.filter(username=normalize_username(username)).order_by("-timestamp").first()


def profile_job_cancel(*, job: ProfileJob, by: str = "staff") -> ProfileJob:
    return job_services.job_cancel(job, reason=f"Cancelled by {by}")


def profile_job_retry(*, job: ProfileJob, by: str = "staff") -> ProfileJob:
    return job_services.job_retry(job, reason=f"Retry requested by {by}")
