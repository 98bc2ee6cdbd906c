"""Time from a progress write (commit) to the event arriving at SSE clients, on PostgreSQL.

Run with `make bench`. A real uvicorn process serves the ASGI app; N client threads here hold
streams open; this process writes progress reports through the job core and every client
timestamps the frame it receives (both clocks are this process's). Printed for LISTEN/NOTIFY
delivery and for the polling fallback (1 s interval).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "viralspot.settings")
os.environ.setdefault("OFFLINE_PROVIDER_DELAY_SECONDS", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from support.sse import SseStream  # noqa: E402

REPORTS = 30


def serve(mode: str):
    """uvicorn in its own process, on the benchmark's database."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    db = connection.settings_dict
    env = {**os.environ, "PROGRESS_DELIVERY": mode, "SSE_POLL_INTERVAL_SECONDS": "1.0",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "viralspot.asgi:application", "--port", str(port), "--log-level", "warning"],
        cwd=settings.BASE_DIR, env=env,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.1)
    return server, f"http://127.0.0.1:{port}"


def measure(mode: str, streams: int) -> None:
    from jobs.services import job_claim, job_report_progress
    from profiles.models import ProfileJob

    username = f"latency_{mode}_{streams}"
    ProfileJob.objects.create(username=username, source="api", priority="MEDIUM")
    job = job_claim(ProfileJob)
    server, base = serve(mode)
    arrivals: dict[int, list[float]] = {}
    lock = threading.Lock()
    ready = threading.Barrier(streams + 1)

    def client():
        stream = SseStream(f"{base}/api/profile/{username}/events", timeout=30)
        events = stream.events()
        next(events)  # the snapshot
        ready.wait()
        for frame in events:
            received = time.perf_counter()
            report = int(frame["data"]["progress"]["message"].split()[-1])
            with lock:
                arrivals.setdefault(report, []).append(received)
            if report == REPORTS - 1:
                break
        stream.close()

    clients = [threading.Thread(target=client) for _ in range(streams)]
    for c in clients:
        c.start()
    ready.wait()
    time.sleep(0.3)  # let every stream reach its wait
    written: dict[int, float] = {}
    for report in range(REPORTS):
        written[report] = time.perf_counter()
        job_report_progress(job, stage="analyzing_content", percentage=report, message=f"report {report}")
        time.sleep(0.05)
    for c in clients:
        c.join(timeout=30)
    server.terminate()
    server.wait(timeout=10)
    latencies = [(t - written[r]) * 1000 for r, times in arrivals.items() for t in times]
    print(f"SSE delivery ({mode:<6}) streams={streams} reports={REPORTS} frames={len(latencies)}  "
          f"p50={statistics.median(latencies):7.2f} ms  p95={sorted(latencies)[int(0.95 * len(latencies)) - 1]:7.2f} ms  "
          f"max={max(latencies):7.2f} ms")


def main() -> None:
    if connection.vendor != "postgresql":
        print("Benchmarks run on PostgreSQL: set DATABASE_URL=postgres://…")
        sys.exit(2)
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        measure("listen", 1)
        measure("listen", 20)
        measure("listen", 100)
        measure("poll", 20)
    finally:
        connections.close_all()
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
