"""Benchmarks of the profile queue on PostgreSQL: request and status latency, claim throughput.

Run with `make bench`. It builds a throw-away database (test_<name>), fills it, measures, and
drops it. Figures are printed; nothing is asserted (speed is measured here, never in tests).
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "viralspot.settings")
os.environ.setdefault("OFFLINE_PROVIDER_DELAY_SECONDS", "0")
os.environ.setdefault("API_ANON_RATE", "1000000/min")
os.environ.setdefault("API_USER_RATE", "1000000/min")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(name: str, samples_ms: list[float], extra: str = "") -> None:
    print(f"{name:<46} n={len(samples_ms):<5} p50={statistics.median(samples_ms):7.2f} ms  "
          f"p95={percentile(samples_ms, 0.95):7.2f} ms  {extra}")


def bench_request(client: Client, count: int) -> None:
    samples = []
    for index in range(count):
        start = time.perf_counter()
        response = client.post(f"/api/profile/bench_user_{index:05d}/request?source=crawler")
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content
    report("POST /api/profile/{new}/request", samples)
    samples = []
    for index in range(count):
        start = time.perf_counter()
        response = client.post(f"/api/profile/bench_user_{index:05d}/request?source=crawler")
        assert response.json()["data"]["skip_reason"] == "already_in_queue", response.content
        samples.append((time.perf_counter() - start) * 1000)
    report("POST /api/profile/{queued}/request", samples)


def bench_status(client: Client, count: int) -> None:
    samples = []
    queries = 0
    for index in range(count):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(f"/api/profile/bench_user_{index % 500:05d}/status")
            samples.append((time.perf_counter() - start) * 1000)
        queries = max(queries, len(captured))
        assert response.status_code == 200, response.content
    report("GET /api/profile/{pending}/status", samples, f"max queries/call={queries}")


def bench_claims(workers: int) -> None:
    from jobs.services import job_claim
    from profiles.models import ProfileJob

    claimed: list = []
    lock = threading.Lock()
    barrier = threading.Barrier(workers)

    def worker():
        barrier.wait()
        mine = []
        while (job := job_claim(ProfileJob)) is not None:
            mine.append(job.pk)
        with lock:
            claimed.extend(mine)
        connections.close_all()

    pending = ProfileJob.objects.filter(status="PENDING").count()
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    duplicates = len(claimed) - len(set(claimed))
    print(f"{'claim (SKIP LOCKED), ' + str(workers) + ' threads':<46} jobs={pending} claimed={len(claimed)} "
          f"duplicates={duplicates}  {len(claimed) / elapsed:8.1f} claims/s")


def bench_pipeline(count: int) -> None:
    from django.conf import settings

    from jobs.runner import run_jobs
    from profiles.models import ProfileJob
    from profiles.services import profile_request

    usernames = sorted(p.stem for p in Path(settings.OFFLINE_DATA_DIR).glob("*.json"))[:count]
    for username in usernames:
        profile_request(username=username, source="api")
    start = time.perf_counter()
    ran = run_jobs("profile", time_budget_seconds=600)
    elapsed = time.perf_counter() - start
    done = ProfileJob.objects.filter(username__in=usernames, status="COMPLETED").count()
    print(f"{'profile pipeline (offline, 1 process)':<46} jobs={ran} completed={done}  "
          f"{elapsed / max(ran, 1) * 1000:7.1f} ms/job")


def main() -> None:
    if connection.vendor != "postgresql":
        print("Benchmarks run on PostgreSQL: set DATABASE_URL=postgres://…")
        sys.exit(2)
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        client = Client()
        bench_request(client, 500)
        bench_status(client, 500)
        bench_claims(workers=4)
        bench_pipeline(36)
    finally:
        connections.close_all()
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
