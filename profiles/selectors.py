"""Read side of profiles composed into answers: job timing and the status endpoint's states."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from jobs.eta import describe_seconds, recent_durations, remaining_while_running, typical_duration, wait_in_queue
from profiles.models import PrimaryProfile, ProfileJob
from profiles.querysets import status_page_read_cached

Status = ProfileJob.Status


@dataclass(frozen=True)
class JobTiming:
    queue_position: int | None
    seconds_remaining: float | None
    estimated_time: str
    polling_interval: str


def _polling_interval(seconds_remaining: float | None) -> str:
    """Poll about four times over what is left, between every 5 and every 30 seconds."""
    if seconds_remaining is None:
        return "30 seconds"
    interval = min(30, max(5, 5 * math.ceil(seconds_remaining / 4 / 5)))
    return f"{interval} seconds"


def profile_job_timing(job: ProfileJob, *, durations: list[float] | None = None) -> JobTiming:
    """Queue position and time left, from the jobs really ahead and measured recent durations."""
    if job.status not in (Status.PENDING, Status.PROCESSING):
        return JobTiming(None, None, "complete" if job.status == Status.COMPLETED else "not scheduled", "stop")
    if not hasattr(job, "jobs_ahead"):
        counts = ProfileJob.objects.filter(pk=job.pk).with_queue_counts().values("jobs_ahead", "jobs_running").get()
        job.jobs_ahead, job.jobs_running = counts["jobs_ahead"], counts["jobs_running"]
    typical = typical_duration(durations if durations is not None else recent_durations(ProfileJob))
    now = timezone.now()
    if job.status == Status.PROCESSING:
        position = 1  # nothing is ahead of a running job
        remaining = remaining_while_running(
            percentage=job.progress_percentage, elapsed=job.elapsed_seconds or 0.0, typical=typical
        )
    else:
        position = job.jobs_ahead + 1
        wait = wait_in_queue(
            jobs_ahead=job.jobs_ahead, jobs_running=job.jobs_running, workers=settings.Q_WORKERS, typical=typical
        )
        backoff = max(0.0, (job.next_attempt_at - now).total_seconds())
        remaining = None if wait is None else max(wait, backoff) + typical
    return JobTiming(position, remaining, describe_seconds(remaining), _polling_interval(remaining))


def _exists_state(profile: PrimaryProfile) -> dict:
    now = timezone.now()
    age_hours = (now - profile.created_at).total_seconds() / 3600
    scraped = profile.last_scraped_at or profile.created_at
    data_age_hours = (now - scraped).total_seconds() / 3600
    return {
        "completed": True,
        "message": "Profile processing completed",
        "created_at": profile.created_at,
        "last_scraped_at": profile.last_scraped_at,
        "followers_count": profile.followers_count,
        "posts_count": profile.posts_count,
        "profile_age_hours": round(age_hours, 2),
        # Freshness is about the data, so it follows the last fetch, not the first.
        "data_freshness": "fresh" if data_age_hours < 24 else "standard",
        "status": "exists",
        "availability": "ready",
        "next_action": "view_profile",
        "profile_url": f"/api/profile/{profile.username}",
        "content_url": f"/api/profile/{profile.username}/posts",
    }


def _not_found_state(username: str) -> dict:
    return {
        "completed": False,
        "status": "NOT_FOUND",
        "message": "Profile not found in queue or database",
        "recommendation": "Submit processing request first",
        "next_action": "request_processing",
        "suggested_endpoint": f"/api/profile/{username}/request",
    }


def _next_action(job: ProfileJob, retry_eligible: bool) -> str:
    if job.status == Status.PENDING:
        return "wait_for_processing"
    if job.status == Status.PROCESSING:
        return "monitor_progress"
    if job.status == Status.FAILED:
        return "retry_processing" if retry_eligible else "contact_support"
    return "request_processing"  # cancelled, or completed but the profile was removed since


def _job_state(job: ProfileJob, durations: list[float]) -> dict:
    timing = profile_job_timing(job, durations=durations)
    now = timezone.now()
    waiting_to_retry = job.is_waiting_to_retry
    if job.status == Status.FAILED:
        # Only a job that ran out of attempts on transient errors may get past them on a
        # manual retry; a permanent error (unknown or private account) would fail the same way.
        retry_eligible = job.error_retryable
    else:
        retry_eligible = waiting_to_retry
    processing_stage = {
        Status.PENDING: "queued",
        Status.FAILED: "failed",
        Status.CANCELLED: "cancelled",
        Status.COMPLETED: "completed",
    }.get(job.status, job.stage or "starting")
    if job.status == Status.PROCESSING and job.last_attempt:
        processing_duration = round((now - job.last_attempt).total_seconds(), 2)
    else:
        processing_duration = None
    if job.status == Status.FAILED:
        estimated = "failed - requires retry" if retry_eligible else "failed"
    elif job.status == Status.CANCELLED:
        estimated = "cancelled"
    else:
        estimated = timing.estimated_time
    return {
        "completed": False,
        "status": job.status,
        "message": f"Profile is {job.status.lower()}"
        + (f" (retry {job.attempts + 1} of {job.max_attempts} scheduled)" if waiting_to_retry else ""),
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "priority": job.priority,
        "request_id": job.request_id,
        "job_id": str(job.pk),
        "timestamp": job.timestamp,
        "last_attempt": job.last_attempt,
        "error_message": job.error_message,
        "error_code": job.error_code or None,
        "processing_duration_seconds": processing_duration,
        "processing_stage": processing_stage,
        "progress_percentage": round(job.progress_percentage, 1),
        "progress_message": job.progress_message,
        "queue_position": timing.queue_position,
        "estimated_time_remaining": estimated,
        "estimated_seconds_remaining": None if timing.seconds_remaining is None else round(timing.seconds_remaining),
        "is_retry_eligible": retry_eligible,
        "next_retry_time": job.next_attempt_at if waiting_to_retry else None,
        "recommended_polling_interval": timing.polling_interval,
        "can_be_cancelled": job.can_be_cancelled,
        "next_action": _next_action(job, retry_eligible),
    }


def profile_status(username: str) -> dict:
    """The status endpoint's answer, from one read (one prepared statement on PostgreSQL, or none
    when nothing changed since the last one: jobs.read_cache)."""
    read = status_page_read_cached(username)
    if read.profile is not None:
        return _exists_state(read.profile)
    if read.job is None:
        return _not_found_state(username)
    return _job_state(read.job, read.durations)


def profile_stream(job: ProfileJob):
    """Stream source of one profile job (the status endpoint, pushed)."""
    from jobs.selectors import latest_event_id
    from jobs.streams import Snapshot, StreamSource

    def snapshot() -> Snapshot:
        current = ProfileJob.objects.get(pk=job.pk)
        finished = current.is_finished
        state = _job_state(current, recent_durations(ProfileJob) if current.is_active else [])
        complete = None
        if finished:
            complete = {"job_id": str(current.pk), "username": current.username, "status": current.status,
                        "error": {"message": current.error_message, "code": current.error_code} if current.error_message
                        and current.status != Status.COMPLETED else None}
            profile = PrimaryProfile.objects.filter(username=current.username).first()
            if current.status == Status.COMPLETED and profile is not None:
                complete["profile"] = _exists_state(profile)
        return Snapshot(
            progress={"job_id": str(current.pk), "username": current.username, "status": current.status,
                      "progress": {"percentage": state["progress_percentage"], "stage": state["processing_stage"],
                                   "message": state["progress_message"], "queue_position": state["queue_position"],
                                   "estimated_time_remaining": state["estimated_time_remaining"]},
                      "timestamp": timezone.now()},
            finished=finished,
            complete=complete,
            last_event_id=latest_event_id("profile", [current.pk]),
        )

    def event_payload(event) -> dict:
        return {"job_id": str(job.pk), "username": job.username, "status": event.status,
                "progress": {"percentage": round(event.percentage, 1), "stage": event.stage, "message": event.message},
                "timestamp": event.created_at}

    return StreamSource(
        kind="profile", job_ids=[job.pk], snapshot=snapshot, event_payload=event_payload, payload_reads_db=False
    )
