"""End to end: real django-q2 clusters run profile jobs from the real queue on PostgreSQL.

Only Instagram is fake (JSON files written by `write_account`); the database, the broker, the
worker processes and the sweeper are the real ones.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_q.models import OrmQ, Task

from jobs.models import ProgressEvent
from profiles.models import Content, PrimaryProfile, ProfileJob
from profiles.services import profile_request
from support.redis_test_db import REDIS_TEST_URL, redis_client_or_skip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

Status = ProfileJob.Status
STAGES = ["initializing", "fetching_profile_data", "analyzing_content", "processing_insights", "finalizing"]


def pid_of(worker_name: str) -> int:
    return int(worker_name.rsplit(":", 1)[1])


def events_of(job_id) -> list[ProgressEvent]:
    return list(ProgressEvent.objects.filter(job_kind="profile", job_id=job_id).order_by("id"))


def describe(job_id) -> str:
    return "\n".join(f"  {e.id} {e.status} {e.stage} {e.percentage:.0f}% a{e.attempt} {e.message!r} {e.data}"
                     for e in events_of(job_id))


def wait_finished(wait_until, job_id, timeout: float = 30) -> ProfileJob:
    def finished():
        job = ProfileJob.objects.get(pk=job_id)
        return job if job.status in (Status.COMPLETED, Status.FAILED, Status.CANCELLED) else None

    return wait_until(finished, timeout, f"profile job {job_id} to finish")


def assert_completed_with_stages(job: ProfileJob, *, attempt: int = 1) -> None:
    """The attempt's events: claim, the five stages in order, then exactly one COMPLETED (last)."""
    events = events_of(job.pk)
    history = describe(job.pk)
    assert job.status == Status.COMPLETED, f"{job} ended {job.status} ({job.error_code}):\n{history}"
    attempt_events = [e for e in events if e.attempt == attempt]
    assert attempt_events[0].message.startswith(f"Attempt {attempt} started"), history
    stages = []
    for event in attempt_events[1:]:
        if event.status == Status.PROCESSING and (not stages or stages[-1] != event.stage):
            stages.append(event.stage)
    assert stages == STAGES, history
    completed = [e for e in events if e.status == Status.COMPLETED]
    assert len(completed) == 1, history
    assert events[-1] == completed[0], history
    assert completed[0].stage == "completed" and completed[0].percentage == 100, history


def test_requested_profile_is_picked_up_at_once_and_completed(start_cluster, write_account, wait_until):
    views = [12_000, 3_400, 5_100, 90_000, 4_800, 6_200, 2_900]
    write_account("wake.up", views, followers=54_321)
    cluster = start_cluster()

    answer = profile_request(username="wake.up", source="frontend")
    assert answer["profile_type"] == "new"
    # No sweeper runs in this test (schedules are paused, the test never calls it): only the
    # wake-up enqueued on commit can bring a worker to the job.
    job = wait_finished(wait_until, answer["job_id"])

    assert_completed_with_stages(job)
    assert job.attempts == 1 and job.error_code == ""
    assert cluster.owns(pid_of(job.worker_name)), f"{job.worker_name} is not one of the cluster's processes"

    profile = PrimaryProfile.objects.get(username="wake.up")
    assert profile.followers_count == 54_321
    assert profile.total_reels == len(views)
    assert profile.scraping_status == "completed"
    reels = Content.objects.filter(username="wake.up", profile=profile)
    assert reels.count() == len(views)
    assert sorted(reels.values_list("view_count", flat=True)) == sorted(views)

    # The job ran inside the django-q2 task that the commit enqueued, and that task succeeded.
    assert job.q_task_id
    task = wait_until(lambda: Task.objects.filter(id=job.q_task_id).first(), 30, "django-q2 to save the wake-up task")
    assert task.func == "jobs.tasks.run_jobs" and task.args == ("profile",) and task.success, task.result
    assert not Task.objects.filter(func="jobs.tasks.sweep").exists()


def test_unknown_account_fails_once_for_good_and_the_cluster_keeps_working(start_cluster, write_account, wait_until):
    write_account("still.here", [1_000, 2_000, 3_000])
    cluster = start_cluster()

    answer = profile_request(username="no.such.account", source="frontend")
    job = wait_finished(wait_until, answer["job_id"])
    history = describe(job.pk)

    assert job.status == Status.FAILED, history
    assert job.error_code == "PROFILE_NOT_FOUND", history
    assert job.error_stage == "fetching_profile_data", history
    assert job.attempts == 1, history
    assert job.finished_at is not None
    messages = [e.message for e in events_of(job.pk)]
    assert sum(m.startswith("Attempt 1 started") for m in messages) == 1, history
    assert not any(m.startswith("Attempt 2") for m in messages), history
    failure = events_of(job.pk)[-1]
    assert failure.status == Status.FAILED and failure.data["error_code"] == "PROFILE_NOT_FOUND", history
    assert failure.data["retryable"] is False, history
    assert not PrimaryProfile.objects.filter(username="no.such.account").exists()

    # The cluster and the very worker that ran the failed job are still alive and still work.
    assert cluster.is_running()
    assert cluster.owns(pid_of(job.worker_name))
    second = profile_request(username="still.here", source="frontend")
    done = wait_finished(wait_until, second["job_id"])
    assert_completed_with_stages(done)
    assert Content.objects.filter(username="still.here").count() == 3

    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.FAILED, 1)


def test_killed_worker_job_is_recovered_by_its_replacement_and_completed_once(start_cluster, write_account, wait_until):
    views = [4_000, 8_000, 16_000, 2_000, 1_000, 32_000, 500, 64_000, 7_000]
    write_account("kill.me", views)
    # The job's own timeout is far away: what recovers it is the replacement worker, which finds
    # at its start a job of this host whose process is gone (no sweeper is called here).
    cluster = start_cluster(OFFLINE_PROVIDER_DELAY_SECONDS="2", PROFILE_JOB_TIMEOUT_SECONDS="300")
    workers_before = cluster.worker_pids()

    job_id = profile_request(username="kill.me", source="frontend")["job_id"]

    def mid_run():
        job = ProfileJob.objects.get(pk=job_id)
        assert job.status in (Status.PENDING, Status.PROCESSING), f"ended before it could be killed: {job.status}"
        # Both stages wait in the provider's simulated latency, so the worker is mid-fetch.
        return job if job.status == Status.PROCESSING and job.stage in STAGES[1:3] else None

    job = wait_until(mid_run, 30, "the job to be mid-run")
    victim = pid_of(job.worker_name)
    assert cluster.owns(victim), f"{job.worker_name} is not a process of the cluster we started"
    os.kill(victim, signal.SIGKILL)

    # The sentinel notices and spawns a replacement worker.
    wait_until(lambda: cluster.worker_pids() - workers_before, 30, "the sentinel to respawn a worker")
    assert cluster.is_running()

    job = wait_finished(wait_until, job_id, 60)
    history = describe(job_id)
    assert job.status == Status.COMPLETED, history
    assert job.attempts == 2, history
    assert pid_of(job.worker_name) != victim
    assert_completed_with_stages(job, attempt=2)

    assert PrimaryProfile.objects.filter(username="kill.me").count() == 1
    assert Content.objects.filter(username="kill.me").count() == len(views)
    assert Content.objects.count() == len(views)
    events = events_of(job_id)
    assert sum(e.status == Status.COMPLETED for e in events) == 1, history
    lost = [e for e in events if e.data.get("error_code") == "WORKER_LOST"]
    assert len(lost) == 1, history
    assert lost[0].status == Status.PENDING and lost[0].attempt == 1, history
    assert str(victim) in lost[0].message, history
    assert sum(e.message.startswith("Attempt 1 started") for e in events) == 1, history
    assert sum(e.message.startswith("Attempt 2 started") for e in events) == 1, history


def test_two_clusters_never_run_the_same_job(start_cluster, write_account, wait_until):
    usernames = [f"pair.{n:02d}" for n in range(16)]
    for n, username in enumerate(usernames):
        write_account(username, [1_000 + n, 2_000 + n, 3_000 + n])
    # Each job waits 2 × 0.5 s in the provider, so one worker cannot drain the queue alone
    # before the other cluster's wake-ups arrive.
    first = start_cluster(Q_WORKERS=2, OFFLINE_PROVIDER_DELAY_SECONDS="0.5")
    second = start_cluster(Q_WORKERS=2, OFFLINE_PROVIDER_DELAY_SECONDS="0.5")

    job_ids = [profile_request(username=u, source="api")["job_id"] for u in usernames]

    def all_done():
        statuses = Counter(ProfileJob.objects.filter(pk__in=job_ids).values_list("status", flat=True))
        assert not statuses[Status.FAILED] and not statuses[Status.CANCELLED], statuses
        return statuses[Status.COMPLETED] == len(job_ids)

    wait_until(all_done, 90, "all 16 jobs to complete")

    jobs = list(ProfileJob.objects.filter(pk__in=job_ids))
    for job in jobs:
        history = describe(job.pk)
        messages = [e.message for e in events_of(job.pk)]
        assert job.attempts == 1, f"{job}:\n{history}"
        assert sum(m.startswith("Attempt 1 started") for m in messages) == 1, f"{job}:\n{history}"
        assert not any(m.startswith("Attempt 2") for m in messages), f"{job}:\n{history}"
        assert_completed_with_stages(job)
    assert PrimaryProfile.objects.count() == len(usernames)
    assert Content.objects.count() == 3 * len(usernames)

    pids = {pid_of(job.worker_name) for job in jobs}
    assert len(pids) >= 2, pids
    clusters_that_worked = {c.number for c in (first, second) for pid in pids if c.owns(pid)}
    assert clusters_that_worked == {1, 2}, f"worker pids {pids}; first {first.worker_pids()}, second {second.worker_pids()}"




def test_coalesced_wake_ups_start_a_second_worker_and_drain_a_burst(start_cluster, write_account, wait_until, settings):
    """Requests a window apart share a wake-up; the one owed still brings the idle worker."""
    settings.WAKE_UP_COALESCE_SECONDS = 0.3
    usernames = [f"co{n:02d}.coalesced" for n in range(12)]  # shortcodes come from the first letters
    for n, username in enumerate(usernames):
        write_account(username, [1_000 + n, 2_000 + n, 3_000 + n])
    # Each job waits 2 × 1 s in the provider: the first worker is busy when the second job comes.
    start_cluster(Q_WORKERS=2, OFFLINE_PROVIDER_DELAY_SECONDS="1")
    time.sleep(0.3)  # a quiet window: the first request wakes a worker at once
    wake_ups_before = Task.objects.filter(func="jobs.tasks.run_jobs").count() + OrmQ.objects.count()

    job_ids = [profile_request(username=u, source="api")["job_id"] for u in usernames]

    first, second = (wait_until(lambda pk=pk: ProfileJob.objects.filter(pk=pk, last_attempt__isnull=False).first(),
                                30, f"job {pk} to start") for pk in job_ids[:2])
    # The second job did not wait for the first to finish: the owed wake-up reached the other worker.
    assert second.last_attempt - first.last_attempt < timedelta(seconds=1.5), (first.last_attempt, second.last_attempt)

    def all_done():
        statuses = Counter(ProfileJob.objects.filter(pk__in=job_ids).values_list("status", flat=True))
        assert not statuses[Status.FAILED] and not statuses[Status.CANCELLED], statuses
        return statuses[Status.COMPLETED] == len(job_ids)

    wait_until(all_done, 90, "all 12 jobs to complete (no sweeper runs: only wake-ups bring workers)")
    assert all(job.attempts == 1 for job in ProfileJob.objects.filter(pk__in=job_ids))
    wake_ups = Task.objects.filter(func="jobs.tasks.run_jobs").count() + OrmQ.objects.count() - wake_ups_before
    assert 1 <= wake_ups < len(job_ids), wake_ups


@pytest.fixture
def redis_queue():
    """(client of Redis db 15, a queue name of this test's own); its keys are deleted afterwards.

    Only this test's keys are removed, not the whole db: another test session may share it.
    """
    client = redis_client_or_skip()
    name = f"viralspot-e2e-{uuid.uuid4().hex[:8]}"
    yield client, name
    keys = list(client.scan_iter(match=f"django_q:{name}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def request_from_web_process(env: dict, username: str) -> dict:
    """profile_request() in a separate app process configured by `env` (as a web process would be)."""
    code = (
        "import json; from profiles.services import profile_request; "
        f"print(json.dumps(profile_request(username={username!r}, source='frontend'), default=str))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_redis_broker_delivers_wake_ups(redis_queue, start_cluster, cluster_env, write_account, wait_until):
    # redis_queue comes first so its keys are deleted after the cluster is gone.
    redis, name = redis_queue
    write_account("before.start", [1_000, 2_000, 3_000, 4_000])
    write_account("while.running", [5_000, 6_000])
    # Every enqueuer here is a subprocess, so the queue can have a name of its own: a cluster of
    # another test session sharing this Redis db cannot take our wake-ups.
    env = dict(cluster_env, REDIS_URL=REDIS_TEST_URL, Q_CLUSTER_NAME=name)
    queue_key = f"django_q:{name}:q"

    # With REDIS_URL the wake-up goes to Redis, not to the ORM queue table.
    early = request_from_web_process(env, "before.start")
    assert early["profile_type"] == "new"
    assert redis.llen(queue_key) == 1
    assert OrmQ.objects.count() == 0

    start_cluster(REDIS_URL=REDIS_TEST_URL, Q_CLUSTER_NAME=name)
    job = wait_finished(wait_until, early["job_id"])
    assert_completed_with_stages(job)
    assert redis.llen(queue_key) == 0

    # And a running cluster picks a new request up from its wake-up alone.
    late = request_from_web_process(env, "while.running")
    job = wait_finished(wait_until, late["job_id"])
    assert_completed_with_stages(job)
    assert job.attempts == 1
    assert Content.objects.filter(username="while.running").count() == 2
    assert OrmQ.objects.count() == 0
    assert not Task.objects.filter(func="jobs.tasks.sweep").exists()
