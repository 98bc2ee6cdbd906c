"""Scheduling with real clusters: the HIGH cap holds across two clusters (standing for two
machines) sharing one PostgreSQL and the Redis broker, without leaving a worker idle; and a HIGH
job requested while every worker runs LOW work starts at a LOW job's next progress report.

Jobs are requested over HTTP as clients do; what runs at once is sampled from the queue table on a
connection of the test's own.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from jobs.models import ProgressEvent
from profiles.models import ProfileJob
from support.web_process import WebProcess, exchange, observer_conninfo, web_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

Status = ProfileJob.Status


class RunningSampler:
    """Every 20 ms: how many profile jobs of each priority are PROCESSING at that instant."""

    def __init__(self):
        self.samples: list[dict[str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(observer_conninfo(), autocommit=True) as observer:
            while not self._stop.is_set():
                rows = observer.execute(
                    "SELECT priority, count(*) FROM queue WHERE status = 'PROCESSING' GROUP BY priority").fetchall()
                self.samples.append(dict(rows))
                time.sleep(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


def request_all(web: WebProcess, requests: list[tuple[str, str]]) -> None:
    conn = web.connect()
    try:
        answers = [exchange(conn, "POST", f"/api/profile/{name}/request?source={source}")[0] for name, source in requests]
    finally:
        conn.close()
    assert answers == [200] * len(requests), web.output()


def completions_of(names) -> dict[str, int]:
    return {job.username: ProgressEvent.objects.filter(job_kind="profile", job_id=job.pk, status=Status.COMPLETED).count()
            for job in ProfileJob.objects.filter(username__in=names)}


def test_the_high_cap_holds_across_two_clusters_and_no_worker_idles_while_low_work_waits(
    start_cluster, write_account, wait_until, redis_broker, cluster_env, tmp_path
):
    """Six workers (two clusters of three), 8 HIGH and 8 LOW requested: never more than 3 HIGH
    running at once anywhere, and while HIGH work waits at its cap, LOW work fills the other
    three workers (3 HIGH + 3 LOW seen running together)."""
    high = [f"h{n}.capped" for n in range(8)]
    low = [f"l{n}.capped" for n in range(8)]
    for name in high + low:
        write_account(name, [3_000, 1_000, 2_000])
    shared = {"REDIS_URL": redis_broker, "OFFLINE_PROVIDER_DELAY_SECONDS": "0.4", "Q_WORKERS": "3",
              "QUEUE_MAX_RUNNING_HIGH": "3", "QUEUE_PREEMPTION": "true"}
    first, second = start_cluster(**shared), start_cluster(**shared)
    web_settings = web_env(REDIS_URL=redis_broker, Q_CLUSTER_NAME=cluster_env["Q_CLUSTER_NAME"],
                           OFFLINE_DATA_DIR=cluster_env["OFFLINE_DATA_DIR"], INSTAGRAM_PROVIDER="offline")

    with WebProcess(web_settings, tmp_path / "web.log") as web, RunningSampler() as sampler:
        request_all(web, [(name, "frontend") for name in high] + [(name, "crawler") for name in low])
        wait_until(lambda: ProfileJob.objects.filter(username__in=high + low, status=Status.COMPLETED).count() == 16,
                   120, "every job done")

    most_high = max(sample.get("HIGH", 0) for sample in sampler.samples)
    assert most_high == 3, f"HIGH running at once peaked at {most_high}"
    assert any(sample.get("HIGH", 0) == 3 and sample.get("LOW", 0) == 3 for sample in sampler.samples), \
        "never saw 3 HIGH and 3 LOW running together: a worker idled while LOW work waited"
    assert set(completions_of(high + low).values()) == {1}
    finishers = {int(job.worker_name.rsplit(":", 1)[1]) for job in ProfileJob.objects.filter(username__in=high + low)}
    assert finishers & first.worker_pids() and finishers & second.worker_pids(), "one cluster did all the work"


def test_a_high_job_requested_while_every_worker_runs_low_work_starts_at_the_next_report(
    start_cluster, write_account, wait_until, cluster_env, tmp_path
):
    """Two workers busy on LOW jobs whose provider calls take 2 s each. A HIGH job requested just
    after both started their first call would wait for a whole LOW job (≥ 4 s) without
    preemption; with it, the first LOW job to report after its call pauses and its worker takes
    the HIGH job. The paused job goes back to the queue without spending an attempt, and later
    completes exactly once."""
    low = [f"l{n}.crawled" for n in range(4)]
    for name in low + ["user.asked"]:
        write_account(name, [3_000, 1_000, 2_000])
    start_cluster(OFFLINE_PROVIDER_DELAY_SECONDS="2", Q_WORKERS="2", QUEUE_PREEMPTION="true",
                  QUEUE_PREEMPT_AFTER_SECONDS="0.5")
    web_settings = web_env(Q_CLUSTER_NAME=cluster_env["Q_CLUSTER_NAME"], OFFLINE_DATA_DIR=cluster_env["OFFLINE_DATA_DIR"],
                           INSTAGRAM_PROVIDER="offline")

    with WebProcess(web_settings, tmp_path / "web.log") as web:
        request_all(web, [(name, "crawler") for name in low])
        wait_until(lambda: ProfileJob.objects.filter(username__in=low, status=Status.PROCESSING,
                                                     stage="fetching_profile_data").count() == 2,
                   30, "both workers inside their first provider call of a LOW job")
        busy = set(ProfileJob.objects.filter(username__in=low, status=Status.PROCESSING).values_list("username", flat=True))
        request_all(web, [("user.asked", "frontend")])
        high = ProfileJob.objects.get(username="user.asked")
        wait_until(lambda: ProfileJob.objects.filter(username__in=low + ["user.asked"],
                                                     status=Status.COMPLETED).count() == 5, 90, "every job done")

    high.refresh_from_db()
    assert high.priority == "HIGH" and high.attempts == 1
    pauses = ProgressEvent.objects.filter(job_kind="profile", message__startswith="Paused for higher-priority work")
    assert pauses.count() == 1, list(pauses.values_list("message", flat=True))
    pause = pauses.get()
    assert pause.data["paused_for"] == str(high.pk)
    paused = ProfileJob.objects.get(pk=pause.job_id)
    assert paused.username in busy
    # The HIGH job started on the paused job's worker, before either busy LOW job had finished
    # a run, and the pause cost the LOW job no attempt.
    high_started = ProgressEvent.objects.filter(job_kind="profile", job_id=high.pk,
                                                message__startswith="Attempt 1 started on ").get()
    assert high_started.message == f"Attempt 1 started on {pause.data['worker']}"
    first_finish = min(ProfileJob.objects.filter(username__in=busy).values_list("finished_at", flat=True))
    assert high.last_attempt < first_finish
    assert paused.attempts == 1
    assert set(completions_of(low + ["user.asked"]).values()) == {1}
