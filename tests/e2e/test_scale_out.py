"""Scale-out, run for real: a web process and two worker clusters (standing for two machines) share
one PostgreSQL and the Redis broker, as the README's "Running the worker at scale" describes.

Profiles are requested over HTTP as a client would; both clusters take work; one is killed with
kill -9 halfway; every job still completes exactly once (one COMPLETED event each).
"""

from __future__ import annotations

import os
import signal

import pytest

from jobs.models import ProgressEvent
from profiles.models import ProfileJob
from support.web_process import WebProcess, exchange, web_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Distinct first letters: the test accounts' reel shortcodes are made from them (tests/conftest.py).
NAMES = [f"s{n:02d}.scale" for n in range(24)]
Status = ProfileJob.Status


def pid_of(worker_name: str) -> int:
    return int(worker_name.rsplit(":", 1)[1])


def completed_by(job: ProfileJob) -> int:
    """The pid of the worker whose attempt completed `job` (its last worker)."""
    return pid_of(job.worker_name)


def test_two_clusters_on_redis_share_the_queue_and_a_killed_one_loses_nothing(
    start_cluster, write_account, wait_until, redis_broker, cluster_env, tmp_path
):
    for name in NAMES:
        write_account(name, [3_000, 1_000, 2_000, 9_000])
    shared = {"REDIS_URL": redis_broker, "OFFLINE_PROVIDER_DELAY_SECONDS": "0.3"}
    doomed = start_cluster(**shared)
    survivor = start_cluster(**shared)
    doomed_workers, survivor_workers = doomed.worker_pids(), survivor.worker_pids()
    web_settings = web_env(REDIS_URL=redis_broker, Q_CLUSTER_NAME=cluster_env["Q_CLUSTER_NAME"],
                           OFFLINE_DATA_DIR=cluster_env["OFFLINE_DATA_DIR"], INSTAGRAM_PROVIDER="offline")

    with WebProcess(web_settings, tmp_path / "web.log") as web:
        conn = web.connect()
        try:
            answers = [exchange(conn, "POST", f"/api/profile/{name}/request?source=api")[0] for name in NAMES]
        finally:
            conn.close()
        assert answers == [200] * len(NAMES), web.output()

        def completed():
            return ProfileJob.objects.filter(username__in=NAMES, status=Status.COMPLETED).count()

        wait_until(lambda: completed() >= 4, 60, "a few jobs done before the kill")
        os.killpg(doomed.pgid, signal.SIGKILL)
        doomed.proc.wait(timeout=10)
        wait_until(lambda: completed() == len(NAMES), 90, "every job done after one cluster was killed")

    jobs = list(ProfileJob.objects.filter(username__in=NAMES))
    completions = {str(job.pk): ProgressEvent.objects.filter(job_kind="profile", job_id=job.pk,
                                                             status=Status.COMPLETED).count() for job in jobs}
    finishers = {completed_by(job) for job in jobs}
    assert len(jobs) == len(NAMES)  # one queue row per name
    assert set(completions.values()) == {1}, completions  # each done exactly once
    assert finishers & doomed_workers, "the killed cluster never finished a job: the queue was not shared"
    assert finishers & survivor_workers, "the surviving cluster never finished a job"
    assert finishers <= doomed_workers | survivor_workers
