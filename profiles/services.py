"""Write side of profiles: requesting, cancelling and retrying profile jobs."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from jobs import services as job_services
from profiles.models import PRIORITY_BY_SOURCE, PrimaryProfile, ProfileJob, Source
from profiles.querysets import status_page_read, status_page_read_cached
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

    1. one read (status_page_read: the profile, the latest job with its queue counts; cached
       until the next job change, jobs.read_cache) answers "exists" and "already queued", the
       common case of a client asking again;
    2. otherwise INSERT. The partial unique index on active rows decides races: of N
       simultaneous requests exactly one INSERT succeeds ("new"); the others get an
       IntegrityError and read again, finding the winner's job ("already_in_queue").
    """
    username = normalize_username(username)
    priority = PRIORITY_BY_SOURCE[Source(source)]
    for attempt in range(3):
        try:
            # After a lost race, read afresh: the cached answer is what the race was about.
            read = status_page_read_cached(username) if attempt == 0 else status_page_read(username)
        except DatabaseError as error:
            logger.error("could not read the queue for @%s: %s", username, error)
            raise QueueUnavailable(f"Could not queue @{username}: the queue is not readable right now") from error
        if read.profile is not None:
            since = timezone.now() - timedelta(minutes=settings.PROFILE_RECENT_WINDOW_MINUTES)
            job = read.job
            recently = job is not None and job.status == ProfileJob.Status.COMPLETED and job.finished_at >= since
            return _exists_answer(username, read.profile.created_at, recently=recently)
        if read.job is not None and read.job.is_active:
            return _queued_answer(read.job, is_new=False, durations=read.durations)
        job = ProfileJob(username=username, source=source, priority=priority, stage="queued")
        try:
            job_services.job_insert(job, message=f"Requested by {source} ({priority})")
        except IntegrityError:
            # Another request queued it first (or a request_id collided): look again.
            continue
        except DatabaseError as error:
            logger.error("could not queue @%s: %s", username, error)
            raise QueueUnavailable(f"Could not queue @{username}: the queue is not writable right now") from error
        queued = status_page_read(username)  # its place in line, as the status endpoint reports it
        if queued.job is not None and queued.job.pk == job.pk:
            return _queued_answer(queued.job, is_new=True, durations=queued.durations)
        return _queued_answer(_with_counts(job), is_new=True, durations=queued.durations)
    raise QueueUnavailable(f"Could not queue @{username}: it kept changing state; please retry")


def _with_counts(job: ProfileJob) -> ProfileJob:
    """The job with jobs_ahead/jobs_running, if it was already claimed or replaced when re-read."""
    return ProfileJob.objects.with_queue_counts().get(pk=job.pk)


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
