"""GET /api/profile/{username}/status in every state of profile-status.md.

Queue states are arranged through the job services (claim, progress, fail, cancel) or the real
worker loop; ETAs are checked against measured durations; the ERROR state comes from a real
lock timeout in PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from jobs import services as job_services
from jobs.runner import run_jobs
from profiles.models import PrimaryProfile, ProfileJob
from profiles.providers.base import ProfileNotFound, ProviderUnavailable, RateLimited
from profiles.services import profile_request

Status = ProfileJob.Status


def status_of(client, username: str):
    return client.get(f"/api/profile/{username}/status")


def status_data(client, username: str) -> dict:
    response = status_of(client, username)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    return body["data"]


def queue(username: str, source: str = "frontend") -> ProfileJob:
    answer = profile_request(username=username, source=source)
    return ProfileJob.objects.get(request_id=answer["request_id"])


def claim(job: ProfileJob) -> ProfileJob:
    claimed = job_services.job_claim(ProfileJob, job_id=job.pk)
    assert claimed is not None
    return claimed


def completed_job(username: str, duration_seconds: float, finished_minutes_ago: float = 1) -> ProfileJob:
    finished = timezone.now() - timedelta(minutes=finished_minutes_ago)
    return ProfileJob.objects.create(
        username=username, source="frontend", priority="HIGH", status=Status.COMPLETED,
        timestamp=finished - timedelta(seconds=duration_seconds), finished_at=finished,
        duration_seconds=duration_seconds, attempts=1,
    )


# --- exists -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_fetched_profile_reports_exists_with_every_field(anonymous):
    now = timezone.now()
    profile = PrimaryProfile.objects.create(
        username="done.profile", followers_count=125_000, posts_count=847,
        created_at=now - timedelta(hours=2, minutes=30), last_scraped_at=now - timedelta(hours=1),
    )

    data = status_data(anonymous, "done.profile")

    assert data["completed"] is True
    assert data["status"] == "exists"
    assert data["message"] == "Profile processing completed"
    assert parse_datetime(data["created_at"]) == profile.created_at
    assert parse_datetime(data["last_scraped_at"]) == profile.last_scraped_at
    assert data["followers_count"] == 125_000
    assert data["posts_count"] == 847
    assert data["profile_age_hours"] == pytest.approx(2.5, abs=0.02)
    assert data["data_freshness"] == "fresh"
    assert data["availability"] == "ready"
    assert data["next_action"] == "view_profile"
    assert data["profile_url"] == "/api/profile/done.profile"
    assert data["content_url"] == "/api/profile/done.profile/posts"


@pytest.mark.django_db
def test_profile_whose_data_is_older_than_a_day_is_standard_freshness(anonymous):
    long_ago = timezone.now() - timedelta(hours=30)
    PrimaryProfile.objects.create(username="stale.profile", created_at=long_ago, last_scraped_at=long_ago)

    data = status_data(anonymous, "stale.profile")

    assert data["data_freshness"] == "standard"
    assert data["profile_age_hours"] == pytest.approx(30, abs=0.02)


@pytest.mark.django_db
def test_status_lookup_normalizes_the_username(anonymous):
    PrimaryProfile.objects.create(username="mixed.case")

    data = status_data(anonymous, "@Mixed.Case")

    assert data["status"] == "exists"
    assert data["profile_url"] == "/api/profile/mixed.case"


# --- PENDING ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pending_job_reports_queued_stage_and_wait_fields(anonymous):
    job = queue("waiting.user")

    data = status_data(anonymous, "waiting.user")

    assert data["completed"] is False
    assert data["status"] == "PENDING"
    assert data["processing_stage"] == "queued"
    assert data["attempts"] == 0
    assert data["priority"] == "HIGH"
    assert data["request_id"] == job.request_id
    assert parse_datetime(data["timestamp"]) == job.timestamp
    assert data["last_attempt"] is None
    assert data["error_message"] is None
    assert data["processing_duration_seconds"] is None
    assert data["queue_position"] == 1
    assert isinstance(data["estimated_time_remaining"], str)
    assert data["is_retry_eligible"] is False
    assert data["next_retry_time"] is None
    assert data["recommended_polling_interval"].endswith("seconds")
    assert data["can_be_cancelled"] is True
    assert data["next_action"] == "wait_for_processing"


def _age(jobs_and_ages: list[tuple[ProfileJob, int]]) -> None:
    """Set each job's submission time `age` seconds in the past, so the order is unambiguous."""
    now = timezone.now()
    for job, age in jobs_and_ages:
        ProfileJob.objects.filter(pk=job.pk).update(timestamp=now - timedelta(seconds=age))


@pytest.mark.django_db
def test_pending_queue_position_counts_only_the_jobs_really_ahead(anonymous):
    high_1 = queue("high.one", "frontend")
    high_2 = queue("high.two", "admin")
    older_low = queue("older.low", "crawler")
    target = queue("target.low", "crawler")
    newer_low = queue("newer.low", "crawler")
    running = queue("running.high", "frontend")
    done = queue("done.high", "frontend")
    _age([(high_1, 50), (high_2, 10), (older_low, 300), (target, 200), (newer_low, 100),
          (running, 400), (done, 500)])
    claim(running)  # running: not ahead of anyone still waiting
    job_services.job_cancel(done)  # finished: not in the queue at all

    data = status_data(anonymous, "target.low")

    assert data["status"] == "PENDING"
    assert data["priority"] == "LOW"
    # two HIGH and one older LOW are ahead; the newer LOW, the running and the cancelled job are not
    assert data["queue_position"] == 4
    # the newer LOW job is behind the target
    assert status_data(anonymous, "newer.low")["queue_position"] == 5


@pytest.mark.django_db
def test_medium_job_waits_only_behind_high_jobs_whatever_their_age(anonymous):
    high_1 = queue("high.one", "frontend")
    high_2 = queue("high.two", "frontend")
    older_low = queue("older.low", "crawler")
    medium = queue("medium.api", "api")
    _age([(older_low, 900), (high_1, 20), (high_2, 10), (medium, 600)])

    data = status_data(anonymous, "medium.api")

    assert data["priority"] == "MEDIUM"
    assert data["queue_position"] == 3


@pytest.mark.django_db
def test_job_not_yet_due_for_retry_is_not_counted_as_ahead(anonymous):
    backing_off = queue("backing.off", "frontend")
    target = queue("target.high", "frontend")
    _age([(backing_off, 100), (target, 10)])
    job_services.job_fail(claim(backing_off), error=RateLimited("Too many requests"))
    backing_off.refresh_from_db()
    assert backing_off.status == Status.PENDING and backing_off.next_attempt_at > timezone.now()

    data = status_data(anonymous, "target.high")

    assert data["queue_position"] == 1


# --- PROCESSING ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_processing_job_reports_the_stage_the_worker_reported(anonymous):
    job = claim(queue("working.user"))
    job_services.job_report_progress(job, stage="analyzing_content", percentage=40, message="Scoring reels")

    data = status_data(anonymous, "working.user")

    assert data["completed"] is False
    assert data["status"] == "PROCESSING"
    assert data["processing_stage"] == "analyzing_content"
    assert data["progress_percentage"] == 40
    assert data["progress_message"] == "Scoring reels"
    assert data["attempts"] == 1
    assert parse_datetime(data["last_attempt"]) == job.last_attempt
    assert isinstance(data["processing_duration_seconds"], (int, float))
    assert data["processing_duration_seconds"] >= 0
    assert data["queue_position"] == 1
    assert data["can_be_cancelled"] is True
    assert data["is_retry_eligible"] is False
    assert data["next_action"] == "monitor_progress"


@pytest.mark.django_db
def test_processing_duration_is_measured_from_the_start_of_the_attempt(anonymous):
    job = claim(queue("long.runner"))
    ProfileJob.objects.filter(pk=job.pk).update(last_attempt=timezone.now() - timedelta(seconds=125))

    data = status_data(anonymous, "long.runner")

    # at least the 125 s arranged; the request itself adds only a moment
    assert 125 <= data["processing_duration_seconds"] < 185


# --- pending retry, FAILED, CANCELLED -----------------------------------------------------------


@pytest.mark.django_db
def test_job_waiting_to_retry_after_a_retryable_failure_is_retry_eligible(anonymous):
    job = claim(queue("flaky.user"))
    new_status = job_services.job_fail(job, error=ProviderUnavailable("Instagram did not answer"))
    assert new_status == Status.PENDING
    job.refresh_from_db()

    data = status_data(anonymous, "flaky.user")

    assert data["status"] == "PENDING"
    assert data["attempts"] == 1
    assert data["is_retry_eligible"] is True
    assert parse_datetime(data["next_retry_time"]) == job.next_attempt_at
    assert job.next_attempt_at > timezone.now()
    assert data["error_message"] == "Instagram did not answer"
    assert data["error_code"] == "PROVIDER_UNAVAILABLE"
    assert data["processing_stage"] == "queued"
    assert data["next_action"] == "wait_for_processing"


@pytest.mark.django_db(transaction=True)
def test_job_failed_for_good_on_an_unknown_account_is_not_retry_eligible(anonymous, instagram_dir):
    # No file for this account in the offline data: the provider says it does not exist.
    queue("no.such.account")
    run_jobs("profile", time_budget_seconds=30)

    data = status_data(anonymous, "no.such.account")

    assert data["status"] == "FAILED"
    assert data["error_code"] == "PROFILE_NOT_FOUND"
    assert data["error_message"]
    assert data["attempts"] == 1
    assert data["is_retry_eligible"] is False
    assert data["next_retry_time"] is None
    assert data["recommended_polling_interval"] == "stop"
    assert data["processing_stage"] == "failed"
    assert data["queue_position"] is None
    assert data["can_be_cancelled"] is False
    assert data["estimated_time_remaining"] == "failed"
    assert data["next_action"] == "contact_support"


@pytest.mark.django_db
def test_job_failed_after_using_up_its_attempts_is_retry_eligible(anonymous):
    job = queue("tired.user")
    for _ in range(job.max_attempts):
        job_services.job_fail(claim(job), error=RateLimited("Too many requests"))
    job.refresh_from_db()
    assert job.status == Status.FAILED

    data = status_data(anonymous, "tired.user")

    assert data["status"] == "FAILED"
    assert data["attempts"] == job.max_attempts
    assert data["error_code"] == "RATE_LIMITED"
    assert data["error_message"] == "Too many requests"
    assert data["is_retry_eligible"] is True
    assert data["estimated_time_remaining"] == "failed - requires retry"
    assert data["recommended_polling_interval"] == "stop"
    assert data["next_action"] == "retry_processing"


@pytest.mark.django_db
def test_job_that_meets_a_permanent_error_on_its_last_attempt_is_not_retry_eligible(anonymous):
    # Two transient failures, then the third attempt learns the account does not exist:
    # the job failed permanently, and retrying it would fail the same way.
    job = queue("gone.on.third")
    for _ in range(job.max_attempts - 1):
        job_services.job_fail(claim(job), error=RateLimited("Too many requests"))
    assert job_services.job_fail(
        claim(job), error=ProfileNotFound("Instagram profile @gone.on.third does not exist")
    ) == Status.FAILED

    data = status_data(anonymous, "gone.on.third")

    assert data["status"] == "FAILED"
    assert data["error_code"] == "PROFILE_NOT_FOUND"
    assert data["attempts"] == job.max_attempts
    assert data["is_retry_eligible"] is False
    assert data["estimated_time_remaining"] == "failed"
    assert data["next_action"] == "contact_support"


@pytest.mark.django_db
def test_cancelled_job_reports_cancelled(anonymous):
    job_services.job_cancel(queue("cancelled.user"), reason="Cancelled by staff")

    data = status_data(anonymous, "cancelled.user")

    assert data["status"] == "CANCELLED"
    assert data["processing_stage"] == "cancelled"
    assert data["estimated_time_remaining"] == "cancelled"
    assert data["recommended_polling_interval"] == "stop"
    assert data["can_be_cancelled"] is False
    assert data["queue_position"] is None
    assert data["next_action"] == "request_processing"


@pytest.mark.django_db
def test_latest_job_decides_the_status(anonymous):
    old = queue("second.try")
    job_services.job_cancel(old)
    ProfileJob.objects.filter(pk=old.pk).update(timestamp=timezone.now() - timedelta(minutes=5))
    new = queue("second.try")

    data = status_data(anonymous, "second.try")

    assert data["status"] == "PENDING"
    assert data["request_id"] == new.request_id


# --- NOT_FOUND and invalid usernames -----------------------------------------------------------


@pytest.mark.django_db
def test_unknown_username_reports_not_found_with_the_request_endpoint(anonymous):
    data = status_data(anonymous, "never.requested")

    assert data == {
        "completed": False,
        "status": "NOT_FOUND",
        "message": "Profile not found in queue or database",
        "recommendation": "Submit processing request first",
        "next_action": "request_processing",
        "suggested_endpoint": "/api/profile/never.requested/request",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("raw_username", ["bad-name", "a" * 31, "", "@", "with%20space"])
def test_invalid_username_status_is_400_in_the_error_shape(anonymous, raw_username):
    response = status_of(anonymous, raw_username)

    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["error_code"] == "INVALID_USERNAME"
    assert body["detail"]
    assert parse_datetime(body["timestamp"]) is not None


# --- ERROR: the check itself fails ----------------------------------------------------------------


def _second_connection() -> psycopg.Connection:
    settings_dict = connection.settings_dict
    params = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict["USER"] or None,
        "password": settings_dict["PASSWORD"] or None,
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None})


@pytest.mark.django_db(transaction=True)
def test_database_failure_during_the_check_answers_503_with_the_error_state(anonymous):
    queue("locked.out")
    blocker = _second_connection()
    try:
        blocker.execute("LOCK TABLE queue IN ACCESS EXCLUSIVE MODE")  # held until rollback
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        response = status_of(anonymous, "locked.out")
    finally:
        blocker.rollback()
        blocker.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    body = response.json()
    assert body["success"] is False
    assert body["error_code"] == "STATUS_CHECK_FAILED"
    assert body["detail"]
    assert parse_datetime(body["timestamp"]) is not None
    data = body["data"]
    assert data["completed"] is False
    assert data["status"] == "ERROR"
    assert data["error_type"] == "system_error"
    assert data["retry_recommended"] is True
    assert data["next_action"] == "retry_status_check"
    assert data["message"].startswith("Error checking status")
    # once the lock is gone the same check answers normally
    assert status_data(anonymous, "locked.out")["status"] == "PENDING"


# --- ETAs from measured durations ------------------------------------------------------------------


@pytest.fixture
def measured_durations(db):
    """Three recent successful jobs that took 10, 20 and 30 s: typical (median) 20 s."""
    for index, seconds in enumerate([10, 20, 30]):
        completed_job(f"measured.{index}", seconds, finished_minutes_ago=index + 1)


@pytest.mark.django_db
def test_pending_eta_is_the_wait_for_the_job_ahead_plus_its_own_typical_duration(
    anonymous, settings, measured_durations
):
    settings.Q_WORKERS = 1
    ahead = queue("ahead.high", "frontend")
    target = queue("eta.high", "frontend")
    _age([(ahead, 20), (target, 10)])

    data = status_data(anonymous, "eta.high")

    assert data["queue_position"] == 2
    # wait: 1 job ahead × 20 s over 1 worker, nothing running; then its own 20 s
    assert data["estimated_seconds_remaining"] == 40
    assert data["estimated_time_remaining"] == "40 seconds"


@pytest.mark.django_db
def test_pending_eta_counts_a_running_job_as_half_done(anonymous, settings, measured_durations):
    settings.Q_WORKERS = 1
    running = queue("running.now", "frontend")
    target = queue("eta.waiting", "frontend")
    _age([(running, 20), (target, 10)])
    claim(running)

    data = status_data(anonymous, "eta.waiting")

    assert data["queue_position"] == 1
    # nothing pending ahead, one running job (half of 20 s left), then its own 20 s
    assert data["estimated_seconds_remaining"] == 30


@pytest.mark.django_db
def test_running_eta_blends_the_jobs_own_pace_with_the_typical_duration(anonymous, measured_durations):
    job = claim(queue("eta.running"))
    job_services.job_report_progress(job, stage="analyzing_content", percentage=50)
    ProfileJob.objects.filter(pk=job.pk).update(last_attempt=timezone.now() - timedelta(seconds=15))

    data = status_data(anonymous, "eta.running")

    # own pace: 15 s for 50 % → 30 s in all; blended 0.5·30 + 0.5·20 = 25; 25 − 15 elapsed = 10
    assert data["estimated_seconds_remaining"] == pytest.approx(10, abs=1)


@pytest.mark.django_db
def test_without_measured_durations_the_pending_eta_is_unknown(anonymous):
    queue("first.ever")

    data = status_data(anonymous, "first.ever")

    assert data["estimated_seconds_remaining"] is None
    assert data["estimated_time_remaining"] == "unknown"


# --- Query budget ------------------------------------------------------------------------------------


@pytest.fixture
def every_state(db, measured_durations):
    PrimaryProfile.objects.create(username="budget.exists", followers_count=1)
    for index in range(5):
        queue(f"budget.other{index}", "frontend")
    queue("budget.pending", "crawler")
    job = claim(queue("budget.processing", "frontend"))
    job_services.job_report_progress(job, stage="analyzing_content", percentage=40)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "expected_status"),
    [
        ("budget.exists", "exists"),
        ("budget.pending", "PENDING"),
        ("budget.processing", "PROCESSING"),
        ("budget.nobody", "NOT_FOUND"),
    ],
)
def test_status_check_takes_at_most_three_queries(
    anonymous, every_state, django_assert_max_num_queries, username, expected_status
):
    with django_assert_max_num_queries(3):
        response = status_of(anonymous, username)

    assert response.status_code == 200
    assert response.json()["data"]["status"] == expected_status
