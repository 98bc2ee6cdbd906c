"""Failures: retryable errors back off 2^attempts minutes up to max attempts; permanent ones fail."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from jobs.errors import PermanentJobError
from jobs.services import backoff_delay, job_claim, job_fail, sweep_stale_jobs
from profiles.models import ProfileJob
from profiles.providers.base import ProfileNotFound, RateLimited

pytestmark = pytest.mark.django_db


def claimed_job(username="retry_me"):
    ProfileJob.objects.create(username=username, source="api", priority="MEDIUM")
    return job_claim(ProfileJob)


def make_due(job):
    ProfileJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_backoff_doubles_per_attempt_and_is_capped_at_thirty_minutes():
    assert [backoff_delay(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (2, 4, 8, 16)]
    assert backoff_delay(5) == timedelta(minutes=30)
    assert backoff_delay(12) == timedelta(minutes=30)


def test_a_retryable_error_puts_the_job_back_with_backoff_until_the_last_attempt():
    job = claimed_job()
    before = timezone.now()

    assert job_fail(job, error=RateLimited("429 from Instagram")) == "PENDING"
    job.refresh_from_db()
    assert job.attempts == 1
    assert job.error_code == "RATE_LIMITED" and job.error_message == "429 from Instagram"
    assert job.error_stage == "starting"
    assert timedelta(minutes=2) <= job.next_attempt_at - before < timedelta(minutes=2, seconds=5)
    assert job_claim(ProfileJob) is None  # not due yet

    make_due(job)
    job = job_claim(ProfileJob)
    assert job.attempts == 2
    second_failure = timezone.now()
    assert job_fail(job, error=RateLimited("429 again")) == "PENDING"
    job.refresh_from_db()
    assert timedelta(minutes=4) <= job.next_attempt_at - second_failure < timedelta(minutes=4, seconds=5)

    make_due(job)
    job = job_claim(ProfileJob)
    assert job.attempts == 3
    assert job_fail(job, error=RateLimited("still 429")) == "FAILED"
    job.refresh_from_db()
    assert job.status == "FAILED"
    assert job.finished_at is not None
    assert job.error_code == "RATE_LIMITED"


def test_a_permanent_error_fails_at_once_without_retries():
    job = claimed_job("ghost")

    assert job_fail(job, error=ProfileNotFound("Instagram profile @ghost does not exist")) == "FAILED"

    job.refresh_from_db()
    assert job.attempts == 1
    assert job.error_code == "PROFILE_NOT_FOUND"
    assert job.status == "FAILED"


def test_an_unexpected_exception_is_treated_as_transient():
    job = claimed_job()

    assert job_fail(job, error=KeyError("surprise")) == "PENDING"

    job.refresh_from_db()
    assert job.error_code == "INTERNAL_ERROR"
    assert "surprise" in job.error_message


def test_max_attempts_comes_from_settings(settings):
    settings.JOB_MAX_ATTEMPTS = 1
    job = claimed_job("single_shot")

    assert job.max_attempts == 1
    assert job_fail(job, error=RateLimited("429")) == "FAILED"


def test_a_permanent_error_subclass_keeps_its_own_code():
    job = claimed_job("bad_data")

    job_fail(job, error=PermanentJobError("unreadable file", error_code="SAMPLE_DATA_INVALID"))

    job.refresh_from_db()
    assert (job.status, job.error_code) == ("FAILED", "SAMPLE_DATA_INVALID")


def test_the_sweeper_wakes_workers_for_retries_that_have_come_due(django_capture_on_commit_callbacks):
    job = claimed_job()
    job_fail(job, error=RateLimited("429"))
    make_due(job)
    queued_before = OrmQ.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        summary = sweep_stale_jobs()

    assert summary["woken"] == 1
    assert OrmQ.objects.count() == queued_before + 1
