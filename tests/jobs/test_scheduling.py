"""Scheduling at claim time: per-level and per-kind caps, aging, fair shares between owners, and
cooperative preemption of LOW work. All against the real database, with real claims."""

import contextlib
import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from jobs.models import GenerationJob, ProgressEvent, WorkerHeartbeat
from jobs.runner import run_claimed_job
from jobs.scheduling import promote_aged_jobs, take_claim_lock
from jobs.services import job_cancel, job_claim, job_complete, job_yield_to_waiting, sweep_stale_jobs
from profiles.models import ProfileJob

pytestmark = pytest.mark.django_db

Status = ProfileJob.Status


def queue(username, priority="HIGH", *, age_seconds=0.0, **fields):
    at = timezone.now() - timedelta(seconds=age_seconds)
    return ProfileJob.objects.create(username=username, source="frontend", priority=priority, timestamp=at,
                                     next_attempt_at=at, **fields)


def claimed_priorities(count):
    jobs = [job_claim(ProfileJob) for _ in range(count)]
    return [job.priority if job else None for job in jobs]


def running(priority=None):
    jobs = ProfileJob.objects.filter(status=Status.PROCESSING)
    return jobs.filter(priority=priority).count() if priority else jobs.count()


# --- caps ---------------------------------------------------------------------------------------

def test_high_jobs_stop_at_their_cap_and_the_next_claim_takes_lower_work(settings):
    settings.QUEUE_MAX_RUNNING_HIGH = 3
    for n in range(5):
        queue(f"high{n}", "HIGH", age_seconds=50 - n)
    queue("low0", "LOW", age_seconds=100)

    assert claimed_priorities(5) == ["HIGH", "HIGH", "HIGH", "LOW", None]
    assert running("HIGH") == 3


def test_a_finished_high_job_frees_its_place_for_the_next_one(settings):
    settings.QUEUE_MAX_RUNNING_HIGH = 1
    first, second = queue("first", age_seconds=10), queue("second", age_seconds=5)

    taken = job_claim(ProfileJob)
    assert taken.pk == first.pk
    assert job_claim(ProfileJob) is None

    job_complete(taken)
    assert job_claim(ProfileJob).pk == second.pk


def test_a_cancelled_running_job_frees_its_place(settings):
    settings.QUEUE_MAX_RUNNING_HIGH = 1
    queue("first", age_seconds=10)
    queue("second", age_seconds=5)
    taken = job_claim(ProfileJob)

    job_cancel(taken)

    assert job_claim(ProfileJob).username == "second"


def test_six_workers_with_eight_high_and_eight_low_run_three_of_each(settings):
    """The issue's example: a cap never leaves a worker idle while other work is claimable."""
    settings.QUEUE_MAX_RUNNING_HIGH = 3
    for n in range(8):
        queue(f"high{n}", "HIGH", age_seconds=20 - n)
        queue(f"low{n}", "LOW", age_seconds=40 - n)

    assert sorted(claimed_priorities(6)) == ["HIGH"] * 3 + ["LOW"] * 3


def test_zero_means_no_cap(settings):
    settings.QUEUE_MAX_RUNNING_HIGH = 0
    for n in range(6):
        queue(f"high{n}", "HIGH", age_seconds=10 - n)

    assert claimed_priorities(6) == ["HIGH"] * 6


def test_caps_on_other_levels_and_on_a_whole_kind(settings):
    settings.QUEUE_MAX_RUNNING_HIGH = 0
    settings.QUEUE_MAX_RUNNING_LOW = 1
    settings.QUEUE_MAX_RUNNING_BY_KIND = {**settings.QUEUE_MAX_RUNNING_BY_KIND, "profile": 3}
    for n in range(3):
        queue(f"low{n}", "LOW", age_seconds=30 - n)
        queue(f"medium{n}", "MEDIUM", age_seconds=10 - n)

    # MEDIUM before LOW; then the kind's cap of 3 stops everything.
    assert claimed_priorities(4) == ["MEDIUM", "MEDIUM", "MEDIUM", None]
    settings.QUEUE_MAX_RUNNING_BY_KIND = {**settings.QUEUE_MAX_RUNNING_BY_KIND, "profile": 0}
    assert claimed_priorities(2) == ["LOW", None]  # LOW's own cap of 1


def test_a_whole_kind_cap_holds_for_generation_jobs(settings, alice):
    settings.QUEUE_MAX_RUNNING_BY_KIND = {**settings.QUEUE_MAX_RUNNING_BY_KIND, "generation": 2}
    for n in range(4):
        GenerationJob.objects.create(owner=alice, mode="topic", topic=f"topic {n}")

    taken = [job_claim(GenerationJob) for _ in range(3)]

    assert [job is not None for job in taken] == [True, True, False]


def test_the_cap_holds_when_many_workers_claim_at_the_same_moment(settings, transactional_db):
    """Twelve claimers released together against eight HIGH jobs: exactly three get one. Each
    thread has its own database connection, as each worker process does."""
    settings.QUEUE_MAX_RUNNING_HIGH = 3
    for n in range(8):
        queue(f"racing{n}", "HIGH", age_seconds=10 - n)
    start = threading.Barrier(12)
    results = []

    def claim():
        try:
            start.wait()
            job = job_claim(ProfileJob)
            results.append(job.pk if job else None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    taken = [pk for pk in results if pk is not None]
    assert len(results) == 12
    assert len(taken) == 3 == len(set(taken))
    assert running("HIGH") == 3


def test_staff_process_now_takes_the_named_job_even_at_the_cap(settings):
    settings.QUEUE_MAX_RUNNING_HIGH = 1
    queue("running", age_seconds=10)
    named = queue("named", age_seconds=5)
    job_claim(ProfileJob)

    assert job_claim(ProfileJob) is None
    assert job_claim(ProfileJob, job_id=named.pk).pk == named.pk


@contextlib.contextmanager
def claim_lock_held_elsewhere(model):
    """The kind's claim lock held by another connection (a claim under way on another worker)."""
    taken, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                take_claim_lock(model)
                taken.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(30)
        with connection.cursor() as cursor:
            # A claim that waits for the lock fails the test instead of hanging it.
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        yield
    finally:
        release.set()
        holder.join()


def test_a_low_claim_under_the_high_cap_goes_without_the_claim_lock(settings):
    """Taking LOW work while no HIGH job is due changes no count the HIGH cap is checked against."""
    settings.QUEUE_MAX_RUNNING_HIGH = 3
    queue("crawled", "LOW", age_seconds=10)

    with claim_lock_held_elsewhere(ProfileJob):
        job = job_claim(ProfileJob)

    assert job.username == "crawled" and job.status == Status.PROCESSING


def test_a_due_high_job_sends_every_claim_through_the_claim_lock(settings):
    """Even one that would take LOW work: only under the lock is the HIGH count known."""
    settings.QUEUE_MAX_RUNNING_HIGH = 3
    queue("crawled", "LOW", age_seconds=10)
    queue("user_asked", "HIGH", age_seconds=1)

    with claim_lock_held_elsewhere(ProfileJob), pytest.raises(OperationalError, match="lock timeout"):
        job_claim(ProfileJob)


# --- aging ---------------------------------------------------------------------------------------

def test_the_sweep_moves_low_jobs_older_than_the_aging_time_up_to_medium(settings):
    settings.QUEUE_AGING_MINUTES = 30
    aged = queue("aged_low", "LOW", age_seconds=31 * 60)
    young = queue("young_low", "LOW", age_seconds=29 * 60)

    summary = sweep_stale_jobs()

    aged.refresh_from_db()
    young.refresh_from_db()
    assert summary["promoted"] == 1
    assert (aged.priority, aged.priority_rank, young.priority) == ("MEDIUM", 2, "LOW")
    event = ProgressEvent.objects.filter(job_kind="profile", job_id=aged.pk).latest("id")
    assert event.message == "Waited over 30 minutes: moved up to MEDIUM priority"
    assert sweep_stale_jobs()["promoted"] == 0  # once


def test_a_promoted_job_goes_by_arrival_among_medium_jobs_and_its_position_says_so(settings, anonymous):
    """Arrival order: older MEDIUM, the LOW that ages, newer MEDIUM. After the sweep the aged job
    is claimed second (not last), and the status page's position said so beforehand."""
    settings.QUEUE_AGING_MINUTES = 30
    queue("older_medium", "MEDIUM", age_seconds=40 * 60)
    queue("aged_low", "LOW", age_seconds=31 * 60)
    queue("newer_medium", "MEDIUM", age_seconds=60)
    queue("new_high", "HIGH", age_seconds=1)
    sweep_stale_jobs()

    position = anonymous.get("/api/profile/aged_low/status").json()["data"]["queue_position"]
    order = [job_claim(ProfileJob).username for _ in range(4)]

    assert order == ["new_high", "older_medium", "aged_low", "newer_medium"]
    assert position == 3


def test_aging_off_keeps_low_jobs_low(settings):
    settings.QUEUE_AGING_MINUTES = 0
    aged = queue("aged_low", "LOW", age_seconds=10 * 3600)

    assert sweep_stale_jobs()["promoted"] == 0
    aged.refresh_from_db()
    assert aged.priority == "LOW"


def test_running_and_retry_waiting_low_jobs_are_not_promoted_but_due_ones_are_oldest_first(settings):
    settings.QUEUE_AGING_MINUTES = 30
    queue("running_low", "LOW", age_seconds=50 * 60)
    job_claim(ProfileJob)
    oldest = queue("oldest", "LOW", age_seconds=45 * 60)
    older = queue("older", "LOW", age_seconds=40 * 60)

    promoted = promote_aged_jobs(ProfileJob, batch_size=1, most=1)

    assert promoted == 1
    assert ProfileJob.objects.get(pk=oldest.pk).priority == "MEDIUM"
    assert ProfileJob.objects.get(pk=older.pk).priority == "LOW"
    assert ProfileJob.objects.get(username="running_low").priority == "LOW"


# --- fair shares --------------------------------------------------------------------------------

def _articles(owner, count, *, age_seconds):
    at = timezone.now() - timedelta(seconds=age_seconds)
    return [GenerationJob.objects.create(owner=owner, mode="topic", topic=f"{owner.username} {n}",
                                         created_at=at + timedelta(milliseconds=n), next_attempt_at=at)
            for n in range(count)]


def test_one_users_bulk_does_not_hold_back_another_users_single_article(alice, bob):
    """One worker, taking jobs one after another: Bob's article, queued after all fifty of
    Alice's, is the second one run, not the fifty-first."""
    _articles(alice, 50, age_seconds=60)
    (bobs,) = _articles(bob, 1, age_seconds=10)

    order = []
    for _ in range(4):
        job = job_claim(GenerationJob)
        order.append(job.owner_id)
        job_complete(job)

    assert order == [alice.pk, bob.pk, alice.pk, alice.pk]
    assert GenerationJob.objects.get(pk=bobs.pk).status == "completed"


def test_two_workers_serve_two_owners_at_once(alice, bob):
    _articles(alice, 10, age_seconds=60)
    _articles(bob, 3, age_seconds=10)

    first, second = job_claim(GenerationJob), job_claim(GenerationJob)

    assert {first.owner_id, second.owner_id} == {alice.pk, bob.pk}


def test_owners_take_turns_round_robin(alice, bob, staff):
    _articles(alice, 3, age_seconds=60)
    _articles(bob, 3, age_seconds=50)
    _articles(staff, 3, age_seconds=40)

    order = []
    for _ in range(6):
        job = job_claim(GenerationJob)
        order.append(job.owner.username)
        job_complete(job)

    assert order == [alice.username, bob.username, staff.username] * 2


def test_within_one_owner_articles_run_in_the_order_queued(alice):
    jobs = _articles(alice, 3, age_seconds=60)

    assert [job_claim(GenerationJob).pk for _ in range(3)] == [job.pk for job in jobs]


# --- cooperative preemption -----------------------------------------------------------------------

@pytest.fixture
def preemption(settings, monkeypatch):
    monkeypatch.setattr("jobs.progress.PREEMPTION_ASK_INTERVAL", 0)  # asked at every report
    settings.QUEUE_PREEMPTION = True
    settings.QUEUE_PREEMPT_AFTER_SECONDS = 0.5
    settings.QUEUE_MAX_RUNNING_HIGH = 3
    settings.QUEUE_AGING_MINUTES = 30
    return settings


def running_low(username="crawled", **fields):
    queue(username, "LOW", age_seconds=60, **fields)
    job = job_claim(ProfileJob)
    assert job.priority == "LOW"
    return job


def test_a_low_job_yields_to_a_high_job_no_worker_took(preemption):
    low = running_low()
    high = queue("user_asked", "HIGH", age_seconds=1)

    taken = job_yield_to_waiting(low)

    assert taken.pk == high.pk and taken.status == Status.PROCESSING
    low.refresh_from_db()
    assert low.status == Status.PENDING
    assert low.attempts == 0  # the paused attempt is not counted
    assert low.worker_name == taken.worker_name
    last = ProgressEvent.objects.filter(job_kind="profile", job_id=low.pk).latest("id")
    assert last.message.startswith("Paused for higher-priority work")
    assert last.status == Status.PENDING
    assert last.data["paused_for"] == str(high.pk)


def test_a_paused_low_job_keeps_its_place_among_low_jobs(preemption):
    low = running_low("first_low")
    queue("second_low", "LOW", age_seconds=30)
    queue("user_asked", "HIGH", age_seconds=1)
    job_yield_to_waiting(low)

    assert job_claim(ProfileJob).username == "first_low"


def beating(worker_name):
    WorkerHeartbeat.objects.update_or_create(worker_name=worker_name, defaults={"beat_at": timezone.now()})


def test_with_every_worker_busy_a_high_job_pauses_low_work_at_once(preemption):
    low = running_low()
    beating(low.worker_name)  # the only live worker, and it runs the LOW job
    high = queue("just_now", "HIGH", age_seconds=0)

    assert job_yield_to_waiting(low).pk == high.pk


def test_a_high_job_is_left_a_moment_for_a_free_worker(preemption):
    low = running_low()
    beating(low.worker_name)
    beating("idle-host:4242")  # alive, running nothing: it takes the HIGH job when woken
    queue("just_now", "HIGH", age_seconds=0.1)

    assert job_yield_to_waiting(low) is None
    low.refresh_from_db()
    assert low.status == Status.PROCESSING


def test_a_worker_that_looks_free_but_leaves_the_high_job_waiting_is_not_waited_for(preemption):
    """Its wake-up may sit with another cluster: after QUEUE_PREEMPT_AFTER_SECONDS, pause anyway."""
    low = running_low()
    beating(low.worker_name)
    beating("idle-host:4242")
    high = queue("waited", "HIGH", age_seconds=1)

    assert job_yield_to_waiting(low).pk == high.pk


def test_a_worker_that_just_finished_a_job_is_left_to_take_the_next_one(preemption):
    """A HIGH job queued long ago, waiting for its cap: when a running HIGH job ends, its worker
    (free for a moment) claims it; a LOW job reporting meanwhile must not pause for it."""
    preemption.QUEUE_MAX_RUNNING_HIGH = 1
    queue("running_high", "HIGH", age_seconds=100)
    finishing = job_claim(ProfileJob)
    low = running_low()
    queue("waiting_for_the_cap", "HIGH", age_seconds=50)
    beating(low.worker_name)
    beating(finishing.worker_name + "-finisher")  # the worker that is about to be free
    job_complete(finishing)

    assert job_yield_to_waiting(low) is None
    assert job_claim(ProfileJob).username == "waiting_for_the_cap"


def test_a_profile_job_past_both_provider_calls_finishes_instead_of_pausing(preemption):
    from jobs.progress import JobProgress

    low = running_low()
    queue("user_asked", "HIGH", age_seconds=1)

    JobProgress(low).report("analyzing_content", 55, "both calls made")

    assert ProfileJob.objects.get(pk=low.pk).status == Status.PROCESSING


def test_a_silent_worker_is_not_counted_as_free(preemption):
    low = running_low()
    beating(low.worker_name)
    WorkerHeartbeat.objects.create(worker_name="dead-host:1", beat_at=timezone.now() - timedelta(minutes=5))
    high = queue("just_now", "HIGH", age_seconds=0)

    assert job_yield_to_waiting(low).pk == high.pk


def test_of_two_low_jobs_only_one_yields_to_one_high_job(preemption):
    first, second = running_low("low_a"), running_low("low_b")
    queue("user_asked", "HIGH", age_seconds=1)

    results = [job_yield_to_waiting(first), job_yield_to_waiting(second)]

    assert [r is not None for r in results] == [True, False]
    assert running("LOW") == 1 and running("HIGH") == 1


def test_nothing_yields_for_a_high_job_that_waits_for_its_cap(preemption):
    preemption.QUEUE_MAX_RUNNING_HIGH = 1
    queue("running_high", "HIGH", age_seconds=100)
    job_claim(ProfileJob)
    low = running_low()
    queue("capped_high", "HIGH", age_seconds=5)

    assert job_yield_to_waiting(low) is None
    assert running("LOW") == 1


def test_a_low_job_that_waited_past_the_aging_time_is_not_paused(preemption):
    queue("patient", "LOW", age_seconds=31 * 60)
    low = job_claim(ProfileJob)
    queue("user_asked", "HIGH", age_seconds=1)

    assert job_yield_to_waiting(low) is None


def test_medium_and_high_jobs_are_never_paused(preemption):
    queue("api_job", "MEDIUM", age_seconds=60)
    medium = job_claim(ProfileJob)
    queue("user_asked", "HIGH", age_seconds=1)

    assert job_yield_to_waiting(medium) is None


def test_preemption_off(preemption):
    preemption.QUEUE_PREEMPTION = False
    low = running_low()
    queue("user_asked", "HIGH", age_seconds=1)

    assert job_yield_to_waiting(low) is None


def test_the_worker_runs_the_high_job_at_the_low_jobs_next_report_and_the_low_job_resumes_later(
    preemption, write_account
):
    """Through the real profile pipeline: the LOW job's first progress report hands its worker to
    the waiting HIGH job, which runs to the end; the LOW job runs later, from the start, and
    completes on its first counted attempt."""
    preemption.QUEUE_PREEMPT_AFTER_SECONDS = 0
    write_account("crawled", [1_000, 2_000, 3_000])
    write_account("user_asked", [5_000, 6_000])
    low = running_low()
    high = queue("user_asked", "HIGH")

    final = run_claimed_job(low)

    high.refresh_from_db()
    low.refresh_from_db()
    assert final == Status.COMPLETED and high.status == Status.COMPLETED
    assert low.status == Status.PENDING and low.attempts == 0

    resumed = job_claim(ProfileJob)
    assert resumed.pk == low.pk
    assert run_claimed_job(resumed) == Status.COMPLETED
    low.refresh_from_db()
    assert low.attempts == 1
    events = list(ProgressEvent.objects.filter(job_kind="profile", job_id=low.pk).values_list("status", "message"))
    assert sum(message.startswith("Paused for higher-priority work") for _, message in events) == 1
    assert events[-1][0] == Status.COMPLETED
    assert [status for status, _ in events].count(Status.COMPLETED) == 1


def test_the_defaults_are_the_documented_ones(tmp_path):
    """Read in a fresh process (the test run turns the HIGH cap off, see tests/conftest.py)."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings as live

    names = ("QUEUE_MAX_RUNNING_HIGH", "QUEUE_MAX_RUNNING_MEDIUM", "QUEUE_MAX_RUNNING_LOW", "QUEUE_MAX_RUNNING_BY_KIND",
             "QUEUE_AGING_MINUTES", "QUEUE_PREEMPTION", "QUEUE_PREEMPT_AFTER_SECONDS")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUEUE_")}
    env.update(DEBUG="true", VAR_DIR=str(tmp_path))
    script = ("import json, django; django.setup(); from django.conf import settings as s; "
              f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))")
    result = subprocess.run([sys.executable, "-c", script], cwd=live.BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr

    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "QUEUE_MAX_RUNNING_HIGH": 3, "QUEUE_MAX_RUNNING_MEDIUM": 0, "QUEUE_MAX_RUNNING_LOW": 0,
        "QUEUE_MAX_RUNNING_BY_KIND": {"profile": 0, "viral_ideas": 0, "generation": 0},
        "QUEUE_AGING_MINUTES": 30, "QUEUE_PREEMPTION": True, "QUEUE_PREEMPT_AFTER_SECONDS": 0.5,
    }


def test_a_report_from_inside_the_handlers_own_transaction_never_pauses(preemption):
    """The pause would be rolled back with the handler's transaction, and the claim lock held
    until it commits; the next report outside it pauses."""
    from django.db import transaction

    from jobs.errors import JobPaused
    from jobs.progress import JobProgress

    preemption.QUEUE_PREEMPT_AFTER_SECONDS = 0
    low = running_low()
    high = queue("user_asked", "HIGH")
    progress = JobProgress(low)

    with transaction.atomic():
        progress.report("fetching_profile_data", 20, "saving inside the handler's transaction")
    assert ProfileJob.objects.get(pk=low.pk).status == Status.PROCESSING

    with pytest.raises(JobPaused) as paused:
        progress.report("fetching_profile_data", 30, "next step")
    assert paused.value.next_job.pk == high.pk


def test_a_job_nearly_done_finishes_instead_of_pausing(preemption):
    from jobs.progress import JobProgress

    preemption.QUEUE_PREEMPT_AFTER_SECONDS = 0
    low = running_low()
    queue("user_asked", "HIGH")

    JobProgress(low).report("finalizing", 92, "saving")

    assert ProfileJob.objects.get(pk=low.pk).status == Status.PROCESSING


def test_a_low_job_staff_asked_to_run_now_is_not_paused(preemption, write_account):
    """Staff's "process now" (jobs.tasks.run_job) runs the named job to its end."""
    from jobs.tasks import run_job

    preemption.QUEUE_PREEMPT_AFTER_SECONDS = 0
    write_account("crawled", [1_000, 2_000])
    low = queue("crawled", "LOW", age_seconds=60)
    high = queue("user_asked", "HIGH", age_seconds=5)

    assert run_job("profile", str(low.pk)) == Status.COMPLETED

    assert ProfileJob.objects.get(pk=high.pk).status == Status.PENDING
    assert not ProgressEvent.objects.filter(message__startswith="Paused").exists()


def test_a_running_job_asks_at_most_every_interval_starting_one_interval_after_its_claim(preemption, monkeypatch):
    import time

    from jobs.errors import JobPaused
    from jobs.progress import JobProgress

    monkeypatch.setattr("jobs.progress.PREEMPTION_ASK_INTERVAL", 0.2)
    preemption.QUEUE_PREEMPT_AFTER_SECONDS = 0
    low = running_low()
    queue("user_asked", "HIGH")
    progress = JobProgress(low)

    progress.report("initializing", 5, "right after the claim: not asked")
    assert ProfileJob.objects.get(pk=low.pk).status == Status.PROCESSING
    time.sleep(0.25)
    with pytest.raises(JobPaused):
        progress.report("fetching_profile_data", 10, "an interval later: asked")
