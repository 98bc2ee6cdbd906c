"""End to end: a generation job whose worker is SIGKILLed mid-run is recovered and done once.

Real django-q2 clusters (`manage.py qcluster` subprocesses) run the job from the real queue on
PostgreSQL; the offline writer's per-step delay keeps the job in its writing stage long enough
to kill the worker there. No sweeper is called: the worker that replaces the killed one recovers it.
"""

from __future__ import annotations

import os
import signal

import pytest

from jobs.models import GenerationJob, ProgressEvent
from jobs.services import generation_job_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

Status = GenerationJob.Status
FINISHED = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)


def pid_of(worker_name: str) -> int:
    return int(worker_name.rsplit(":", 1)[1])


def events_of(job_id) -> list[ProgressEvent]:
    return list(ProgressEvent.objects.filter(job_kind="generation", job_id=job_id).order_by("id"))


def describe(job_id) -> str:
    return "\n".join(f"  {e.id} {e.status} {e.stage} {e.percentage:.0f}% a{e.attempt} {e.message!r} {e.data}"
                     for e in events_of(job_id))


def test_a_generation_job_whose_worker_is_killed_is_recovered_and_completed_once(start_cluster, wait_until, alice):
    # The job's own timeout is far away: the replacement worker recovers it at its start.
    cluster = start_cluster(GENERATION_STEP_DELAY_SECONDS="1", GENERATION_JOB_TIMEOUT_SECONDS="300")
    workers_before = cluster.worker_pids()

    job = generation_job_create(owner=alice, mode="topic", topic="Sourdough starter tips", word_count=400,
                                tone="informative")
    job_id = job.pk

    def mid_run():
        current = GenerationJob.objects.get(pk=job_id)
        assert current.status in (Status.QUEUED, Status.PROCESSING), f"ended before it could be killed: {current.status}"
        # Every writing step waits a second in the offline writer: the worker is mid-article.
        return current if current.status == Status.PROCESSING and current.stage == "writing" else None

    running = wait_until(mid_run, 60, "the job to be in its writing stage")
    victim = pid_of(running.worker_name)
    assert cluster.owns(victim), f"{running.worker_name} is not a process of the cluster we started"
    os.kill(victim, signal.SIGKILL)

    wait_until(lambda: cluster.worker_pids() - workers_before, 30, "the sentinel to respawn a worker")
    assert cluster.is_running()

    def finished():
        current = GenerationJob.objects.get(pk=job_id)
        return current if current.status in FINISHED else None

    job = wait_until(finished, 90, "the recovered job to finish")
    history = describe(job_id)
    assert job.status == Status.COMPLETED, history
    assert job.attempts == 2, history
    assert pid_of(job.worker_name) != victim, history
    assert job.result_content.startswith("# "), history
    assert job.seo_score is not None and job.meta_title, history
    assert job.finished_at is not None and job.duration_seconds is not None

    events = events_of(job_id)
    assert sum(e.status == Status.COMPLETED for e in events) == 1, history
    assert events[-1].status == Status.COMPLETED, history
    lost = [e for e in events if e.data.get("error_code") == "WORKER_LOST"]
    assert len(lost) == 1, history
    assert lost[0].status == Status.QUEUED and lost[0].attempt == 1, history
    assert str(victim) in lost[0].message, history
    assert sum(e.message.startswith("Attempt 1 started") for e in events) == 1, history
    assert sum(e.message.startswith("Attempt 2 started") for e in events) == 1, history
    # The second attempt ran the whole pipeline again, from research to SEO.
    second = [e.stage for e in events if e.attempt == 2 and e.status == Status.PROCESSING]
    assert [s for s in dict.fromkeys(second) if s != "starting"] == ["research", "writing", "seo"], history
