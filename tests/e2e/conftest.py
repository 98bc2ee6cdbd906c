"""Real django-q2 worker clusters (`manage.py qcluster` subprocesses) against the test database.

Fixtures:
  start_cluster(**env)  starts a cluster in its own process group, waits until its workers have
                        announced themselves (WorkerHeartbeat rows), and returns a Cluster handle;
                        every group is SIGKILLed at teardown, before pytest-django flushes the db.
  wait_until(predicate, timeout=30, message=...)
                        polls every 0.2 s; returns the first truthy value or fails the test
                        (an AssertionError raised by the predicate fails it at once).
  cluster_env           the environment every cluster (or any other app subprocess) gets.

A failed test gets each cluster's output attached to its report ("qcluster <n> output").
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from support.processes import database_url_for_tests, kill_group, started_group
from support.redis_test_db import redis_client_or_skip
from support.waiting import wait_or_fail

POLL_SECONDS = 0.2


def pid_of(worker_name: str) -> int:
    """'hostname:pid' → pid."""
    return int(worker_name.rsplit(":", 1)[1])


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


@dataclass
class Cluster:
    """One running `manage.py qcluster` and its process group (sentinel, pusher, monitor, workers)."""

    number: int
    proc: subprocess.Popen
    log_path: Path
    env: dict
    workers: int
    _log_file: object = field(repr=False, default=None)

    @property
    def pgid(self) -> int:
        return self.proc.pid  # start_new_session=True: the qcluster process leads its own group

    def is_running(self) -> bool:
        return self.proc.poll() is None

    def owns(self, pid: int) -> bool:
        """True while `pid` is a live process of this cluster's group."""
        return _pgid(pid) == self.pgid

    def worker_pids(self) -> set[int]:
        """Pids of this cluster's live workers that announced themselves (jobs.signals post_spawn)."""
        from jobs.models import WorkerHeartbeat

        names = WorkerHeartbeat.objects.values_list("worker_name", flat=True)
        return {pid for pid in map(pid_of, names) if self.owns(pid)}

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError as error:
            return f"<could not read {self.log_path}: {error}>"

    def stop(self) -> None:
        kill_group(self.pgid)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


@pytest.fixture
def wait_until():
    """wait_until(predicate, timeout=30, message="") → the predicate's first truthy value."""

    def wait(predicate, timeout: float = 30, message: str = ""):
        return wait_or_fail(predicate, timeout=timeout, message=message or str(predicate), interval=POLL_SECONDS)

    return wait


@pytest.fixture
def cluster_env(instagram_dir, settings):
    """Environment of app subprocesses: the test database, the test's Instagram folder, fast timings."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url_for_tests(),
        # OrmQ payloads are signed with SECRET_KEY and the cluster name, and the cluster name is also
        # the queue name: the test process enqueues wake-ups under its own Q_CLUSTER name, so the
        # clusters must use that same name (a unique name per test would never see a wake-up).
        SECRET_KEY=settings.SECRET_KEY,
        Q_CLUSTER_NAME=settings.Q_CLUSTER["name"],
        OFFLINE_DATA_DIR=str(instagram_dir),
        INSTAGRAM_PROVIDER="offline",
        OFFLINE_PROVIDER_DELAY_SECONDS="0",
        PROFILE_JOB_TIMEOUT_SECONDS="300",
        Q_WORKERS="2",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.pop("REDIS_URL", None)
    return env


def _pause_schedules() -> None:
    """Keep django-q2's scheduler from running the sweeper on its own during a test.

    The `jobs.sweep` schedule is (re)created due "now" after every migrate/flush; a cluster runs
    due schedules ~30 s after it starts. Tests that need the sweeper call it themselves, so what
    they observe is not a race between their call and the scheduled one.
    """
    from django_q.models import Schedule

    Schedule.objects.update(next_run=timezone.now() + timedelta(days=1))


@pytest.fixture
def start_cluster(request, transactional_db, cluster_env, tmp_path, wait_until):
    """start_cluster(**env_overrides) → Cluster, ready (all its workers spawned and announced).

    Depends on transactional_db so the clusters are killed before the database is flushed.
    """
    clusters: list[Cluster] = []
    request.node._e2e_clusters = clusters
    _pause_schedules()

    def start(*, ready_timeout: float = 60, **overrides) -> Cluster:
        env = dict(cluster_env)
        env.update({key: str(value) for key, value in overrides.items()})
        number = len(clusters) + 1
        log_path = tmp_path / f"qcluster-{number}.log"
        log_file = open(log_path, "wb")
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started_group(proc.pid)
        cluster = Cluster(number, proc, log_path, env, int(env["Q_WORKERS"]), log_file)
        clusters.append(cluster)

        def ready():
            assert cluster.is_running(), f"qcluster {number} exited with {proc.returncode}:\n{cluster.output()}"
            return len(cluster.worker_pids()) >= cluster.workers

        wait_until(ready, ready_timeout, f"qcluster {number}: {cluster.workers} workers announced")
        return cluster

    yield start

    for cluster in clusters:
        cluster.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach every cluster's output to a failed test's report (clusters still run at that point)."""
    report = yield
    clusters = getattr(item, "_e2e_clusters", None)
    if clusters and report.failed:
        for cluster in clusters:
            state = "running" if cluster.is_running() else f"exited {cluster.proc.returncode}"
            report.sections.append((f"qcluster {cluster.number} output ({state})", cluster.output()[-20000:]))
    return report


# The e2e tests' own Redis db (tests/support/redis_test_db.py keeps db 15 for the cache tests).
REDIS_BROKER_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def redis_broker():
    """A Redis db of the e2e tests' own as the django-q2 broker: emptied before and after."""
    client = redis_client_or_skip(REDIS_BROKER_URL)
    client.flushdb()
    yield REDIS_BROKER_URL
    client.flushdb()
    client.close()
