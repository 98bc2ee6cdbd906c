"""Claiming: priority then arrival, only due jobs, and never one job by two workers."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from jobs.models import ProgressEvent
from jobs.services import job_claim, job_fail
from profiles.models import ProfileJob
from profiles.providers.base import RateLimited

pytestmark = pytest.mark.django_db


def make_job(username, priority="HIGH", *, age_seconds=0, **fields):
    return ProfileJob.objects.create(
        username=username,
        source="frontend",
        priority=priority,
        timestamp=timezone.now() - timedelta(seconds=age_seconds),
        next_attempt_at=timezone.now() - timedelta(seconds=age_seconds),
        **fields,
    )


def test_claims_follow_priority_then_arrival():
    low_first = make_job("low_first", "LOW", age_seconds=300)
    medium = make_job("medium", "MEDIUM", age_seconds=200)
    high_earlier = make_job("high_earlier", "HIGH", age_seconds=100)
    high_later = make_job("high_later", "HIGH", age_seconds=10)

    order = [job_claim(ProfileJob).pk for _ in range(4)]

    assert order == [high_earlier.pk, high_later.pk, medium.pk, low_first.pk]
    assert job_claim(ProfileJob) is None


def test_a_retried_job_keeps_its_place_in_line():
    first = make_job("first_in_line", "LOW")
    second = make_job("second_in_line", "LOW")
    claimed = job_claim(ProfileJob)
    assert claimed.pk == first.pk

    job_fail(claimed, error=RateLimited("slow down"))
    ProfileJob.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    assert job_claim(ProfileJob).pk == first.pk
    assert job_claim(ProfileJob).pk == second.pk


def test_a_job_waiting_for_its_retry_time_is_not_claimed_until_due():
    waiting = make_job("waiting")
    ProfileJob.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=2))

    assert job_claim(ProfileJob) is None

    ProfileJob.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert job_claim(ProfileJob).pk == waiting.pk


def test_claiming_a_named_job_takes_it_even_before_its_retry_time():
    waiting = make_job("process_now")
    ProfileJob.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=8))

    claimed = job_claim(ProfileJob, job_id=waiting.pk)

    assert claimed.pk == waiting.pk
    assert claimed.status == "PROCESSING"


def test_a_claim_starts_an_attempt_and_records_it():
    job = make_job("someone")

    claimed = job_claim(ProfileJob, worker_name="host-a:123")

    assert claimed.attempts == 1
    assert claimed.status == "PROCESSING"
    assert claimed.stage == "starting"
    assert claimed.claim_token is not None
    assert claimed.worker_name == "host-a:123"
    assert claimed.last_attempt is not None and claimed.heartbeat_at is not None
    event = ProgressEvent.objects.filter(job_id=job.pk).last()
    assert event.status == "PROCESSING" and event.message.startswith("Attempt 1 started on host-a:123")


def test_finished_and_running_jobs_are_never_claimed():
    for status in ("PROCESSING", "COMPLETED", "FAILED", "CANCELLED"):
        make_job(f"job_{status.lower()}", status=status)

    assert job_claim(ProfileJob) is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_claim_the_same_job(settings):
    settings.QUEUE_MAX_RUNNING_HIGH = 0  # every job claimable at once (caps: test_scheduling.py)
    jobs = [make_job(f"user{index:02d}", age_seconds=index) for index in range(30)]
    claims: list = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker(name):
        start.wait()
        try:
            while True:
                job = job_claim(ProfileJob, worker_name=name)
                if job is None:
                    return
                with lock:
                    claims.append((job.pk, name))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    claimed_ids = [pk for pk, _ in claims]
    assert sorted(claimed_ids, key=str) == sorted((job.pk for job in jobs), key=str)
    assert len(claimed_ids) == len(set(claimed_ids))
    assert set(ProfileJob.objects.values_list("attempts", flat=True)) == {1}
