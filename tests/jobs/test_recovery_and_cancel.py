"""Recovery of jobs whose worker died, cooperative cancel, retry — and that a job is done once."""

import os
import socket
import subprocess
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ

from jobs.errors import JobInterrupted
from jobs.models import ProgressEvent, WorkerHeartbeat
from jobs.runner import run_claimed_job
from jobs.services import (
    JobStateError,
    job_cancel,
    job_claim,
    job_complete,
    job_hand_back,
    job_recover,
    job_report_progress,
    job_retry,
    process_started_at,
    recover_jobs_of_dead_local_processes,
    sweep_lost_jobs,
    sweep_stale_jobs,
    worker_announce,
    worker_beat,
)
from profiles.models import PrimaryProfile, ProfileJob

pytestmark = pytest.mark.django_db


def running_job(username="runner", *, heartbeat_age_seconds=0, attempts_before=0):
    ProfileJob.objects.create(username=username, source="frontend", priority="HIGH", attempts=attempts_before)
    job = job_claim(ProfileJob, worker_name="dead-host:4242")
    ProfileJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=heartbeat_age_seconds), stage="analyzing_content"
    )
    job.refresh_from_db()
    return job


def test_the_sweeper_requeues_a_job_whose_heartbeat_is_older_than_its_timeout(settings, django_capture_on_commit_callbacks):
    settings.PROFILE_JOB_TIMEOUT_SECONDS = 60
    stale = running_job("stale_one", heartbeat_age_seconds=61)
    fresh = running_job("fresh_one", heartbeat_age_seconds=5)
    wakeups_before = OrmQ.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        summary = sweep_stale_jobs()

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert summary["recovered"] == 1
    assert stale.status == "PENDING"
    assert stale.error_code == "WORKER_LOST"
    assert stale.error_stage == "analyzing_content"
    assert "dead-host:4242" in stale.error_message
    assert stale.next_attempt_at <= timezone.now()
    assert fresh.status == "PROCESSING"
    assert OrmQ.objects.count() > wakeups_before
    assert ProgressEvent.objects.filter(job_id=stale.pk, data__error_code="WORKER_LOST").exists()


def test_a_stale_job_on_its_last_attempt_fails_instead(settings):
    settings.PROFILE_JOB_TIMEOUT_SECONDS = 60
    job = running_job("last_try", heartbeat_age_seconds=120, attempts_before=2)
    assert job.attempts == 3

    sweep_stale_jobs()

    job.refresh_from_db()
    assert (job.status, job.error_code) == ("FAILED", "WORKER_LOST")
    assert job.finished_at is not None


def test_a_worker_presumed_dead_can_no_longer_write_once_its_job_was_handed_on(settings, write_account):
    """The fencing token makes "done once" hold even if the first worker was only slow."""
    settings.PROFILE_JOB_TIMEOUT_SECONDS = 60
    write_account("slowpoke", [100, 200, 300])
    first_attempt = running_job("slowpoke", heartbeat_age_seconds=600)
    sweep_stale_jobs()
    second_attempt = job_claim(ProfileJob, worker_name="healthy-host:1")
    assert second_attempt.attempts == 2

    with pytest.raises(JobInterrupted):
        job_report_progress(first_attempt, stage="finalizing", percentage=95, message="late")
    with pytest.raises(JobInterrupted):
        with transaction.atomic():
            PrimaryProfile.objects.create(username="slowpoke")
            job_complete(first_attempt)
    assert not PrimaryProfile.objects.filter(username="slowpoke").exists()

    assert run_claimed_job(second_attempt) == "COMPLETED"
    assert PrimaryProfile.objects.filter(username="slowpoke").count() == 1
    assert ProgressEvent.objects.filter(job_id=second_attempt.pk, status="COMPLETED").count() == 1


def test_cancelling_a_pending_job_keeps_workers_away_from_it():
    ProfileJob.objects.create(username="never_mind", source="frontend", priority="HIGH")
    job = ProfileJob.objects.get(username="never_mind")

    job_cancel(job, reason="Cancelled by alice")

    job.refresh_from_db()
    assert job.status == "CANCELLED"
    assert job.finished_at is not None
    assert job_claim(ProfileJob) is None


def test_a_running_job_stops_at_its_next_progress_report_after_a_cancel(write_account):
    write_account("stop_me", [10, 20, 30])
    job = running_job("stop_me")

    job_cancel(ProfileJob.objects.get(pk=job.pk), reason="Cancelled by staff")
    final_status = run_claimed_job(job)

    assert final_status == "CANCELLED"
    assert not PrimaryProfile.objects.filter(username="stop_me").exists()
    assert not ProgressEvent.objects.filter(job_id=job.pk, stage="initializing").exists()


@pytest.mark.parametrize("status", ["COMPLETED", "FAILED", "CANCELLED"])
def test_a_finished_job_cannot_be_cancelled(status):
    job = ProfileJob.objects.create(username="done_already", source="api", priority="MEDIUM", status=status)

    with pytest.raises(JobStateError) as refused:
        job_cancel(job)

    assert refused.value.current_status == status


def test_retry_puts_a_failed_job_back_with_a_fresh_attempt_budget(django_capture_on_commit_callbacks):
    job = ProfileJob.objects.create(
        username="try_again", source="api", priority="MEDIUM", status="FAILED", attempts=3,
        error_message="429", error_code="RATE_LIMITED", finished_at=timezone.now(),
    )
    wakeups_before = OrmQ.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        job_retry(job)

    job.refresh_from_db()
    assert (job.status, job.attempts, job.error_code, job.error_message) == ("PENDING", 0, "", None)
    assert job.finished_at is None
    assert OrmQ.objects.count() == wakeups_before + 1


@pytest.mark.parametrize("status", ["PENDING", "PROCESSING", "COMPLETED"])
def test_only_failed_or_cancelled_jobs_can_be_retried(status):
    job = ProfileJob.objects.create(username="not_retryable", source="api", priority="MEDIUM", status=status)

    with pytest.raises(JobStateError):
        job_retry(job)


def test_retrying_an_old_job_while_another_is_active_for_the_username_is_refused():
    old = ProfileJob.objects.create(username="twice", source="api", priority="MEDIUM", status="FAILED")
    ProfileJob.objects.create(username="twice", source="api", priority="MEDIUM")

    with pytest.raises(JobStateError):
        job_retry(old)
    old.refresh_from_db()
    assert old.status == "FAILED"


# --- Lost workers: a heartbeat of each worker process, and recovery at a worker's start -----------


def beat(worker_name, *, seconds_ago):
    WorkerHeartbeat.objects.update_or_create(
        worker_name=worker_name, defaults={"beat_at": timezone.now() - timedelta(seconds=seconds_ago)}
    )


def job_of(worker_name, username, *, claimed_seconds_ago=0):
    ProfileJob.objects.create(username=username, source="frontend", priority="HIGH")
    job = job_claim(ProfileJob, worker_name=worker_name)
    claimed_at = timezone.now() - timedelta(seconds=claimed_seconds_ago)
    ProfileJob.objects.filter(pk=job.pk).update(heartbeat_at=claimed_at, last_attempt=claimed_at, stage="analyzing_content")
    job.refresh_from_db()
    return job


def test_a_job_whose_worker_stopped_beating_is_recovered_long_before_its_progress_timeout(
    settings, django_capture_on_commit_callbacks
):
    settings.PROFILE_JOB_TIMEOUT_SECONDS = 300
    settings.WORKER_HEARTBEAT_TIMEOUT_SECONDS = 15
    beat("silent-host:11", seconds_ago=16)
    beat("beating-host:12", seconds_ago=1)
    orphan = job_of("silent-host:11", "orphan", claimed_seconds_ago=2)
    busy = job_of("beating-host:12", "busy", claimed_seconds_ago=60)
    unknown_owner = job_of("web-host:13", "unknown_owner", claimed_seconds_ago=60)
    wakeups_before = OrmQ.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        recovered = sweep_lost_jobs()

    assert recovered == 1
    orphan.refresh_from_db()
    assert (orphan.status, orphan.error_code, orphan.attempts) == ("PENDING", "WORKER_LOST", 1)
    assert "silent-host:11 stopped beating" in orphan.error_message
    assert OrmQ.objects.count() == wakeups_before + 1
    # A worker that beats keeps its quiet job, and a job whose owner never beat (run outside a
    # worker) is left to its kind's timeout.
    assert ProfileJob.objects.get(pk=busy.pk).status == "PROCESSING"
    assert ProfileJob.objects.get(pk=unknown_owner.pk).status == "PROCESSING"


def test_a_job_stuck_under_a_worker_that_still_beats_is_recovered_after_its_kinds_timeout(settings):
    settings.PROFILE_JOB_TIMEOUT_SECONDS = 60
    beat("beating-host:12", seconds_ago=1)
    stuck = job_of("beating-host:12", "stuck", claimed_seconds_ago=61)

    assert sweep_lost_jobs() == 1

    stuck.refresh_from_db()
    assert (stuck.status, stuck.error_code) == ("PENDING", "WORKER_LOST")
    assert "stopped responding" in stuck.error_message


def test_two_sweepers_that_find_the_same_lost_job_recover_it_once():
    beat("silent-host:11", seconds_ago=60)
    job = job_of("silent-host:11", "found_twice")
    seen_by_first, seen_by_second = ProfileJob.objects.get(pk=job.pk), ProfileJob.objects.get(pk=job.pk)

    assert job_recover(seen_by_first) == "PENDING"
    assert job_recover(seen_by_second) is None

    job.refresh_from_db()
    assert job.attempts == 1
    assert ProgressEvent.objects.filter(job_id=job.pk, data__error_code="WORKER_LOST").count() == 1


def test_a_starting_worker_recovers_the_jobs_of_dead_processes_of_its_host():
    host = socket.gethostname()
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead = job_of(f"{host}:{finished.pid}", "dead_owner")
    # A job claimed before this process started cannot be this process's: its pid was reused.
    my_start = process_started_at(os.getpid())
    reused = job_of(f"{host}:{os.getpid()}", "reused_pid",
                    claimed_seconds_ago=(timezone.now() - my_start).total_seconds() + 60)
    mine = job_of(f"{host}:{os.getpid()}", "live_owner")
    elsewhere = job_of(f"other-{host}:{finished.pid}", "other_host")

    assert recover_jobs_of_dead_local_processes() == 2

    statuses = dict(ProfileJob.objects.values_list("username", "status"))
    assert statuses == {"dead_owner": "PENDING", "reused_pid": "PENDING", "live_owner": "PROCESSING",
                        "other_host": "PROCESSING"}
    assert "died" in ProfileJob.objects.get(pk=dead.pk).error_message
    assert mine.pk and reused.pk and elsewhere.pk


def test_a_job_whose_worker_lost_the_database_is_handed_back_without_spending_its_attempt(
    django_capture_on_commit_callbacks
):
    job = job_of("worker-host:21", "db_gone")
    assert job.attempts == 1
    wakeups_before = OrmQ.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        assert job_hand_back(job, reason="Worker worker-host:21 lost the database") is True

    job.refresh_from_db()
    assert (job.status, job.attempts, job.error_code) == ("PENDING", 0, "DATABASE_LOST")
    assert job.next_attempt_at <= timezone.now()
    assert OrmQ.objects.count() == wakeups_before + 1
    assert ProgressEvent.objects.filter(job_id=job.pk, status="PENDING", data__error_code="DATABASE_LOST").count() == 1
    # Handed back once: the claim token no longer matches.
    assert job_hand_back(job, reason="again") is False


def test_a_worker_that_beats_a_second_time_keeps_its_identity():
    worker_announce()
    first = WorkerHeartbeat.objects.get()
    worker_beat()

    again = WorkerHeartbeat.objects.get()
    assert (again.host, again.pid) == (socket.gethostname(), os.getpid())
    assert again.started_at == first.started_at == process_started_at(os.getpid())
    assert again.beat_at > first.beat_at


@pytest.mark.django_db
def test_the_sweep_forgets_workers_silent_for_a_day_and_keeps_the_others():
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_name="host-a:101", beat_at=now - timedelta(days=1, minutes=1))
    WorkerHeartbeat.objects.create(worker_name="host-a:102", beat_at=now - timedelta(hours=23))
    WorkerHeartbeat.objects.create(worker_name="host-b:201", beat_at=now)

    summary = sweep_stale_jobs()

    assert summary["forgotten_workers"] == 1
    assert set(WorkerHeartbeat.objects.values_list("worker_name", flat=True)) == {"host-a:102", "host-b:201"}
