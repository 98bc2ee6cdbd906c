"""`make bench`: the service on PostgreSQL under the load its users put on it, figure by figure.

It creates its own database, migrates it, starts the web tier the way `make run` does (uvicorn,
WEB_WORKERS processes) and, for the worker figure, a qcluster; drives them from load clients in
separate processes on the same machine; and drops the database at the end. Each figure comes
with a floor measured in the same run the same way against /livez (a bare view that touches no
database), so a slow machine shows as a low floor rather than as a slow service.

    make bench            full run (~10 minutes)
    make bench QUICK=1    the same figures with shorter loads (< 5 minutes on 2 cores)

Prints `figure | value | floor | ratio | goal | pass` and writes it as JSON to bench/results/.
Speed is measured here and never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.service import ROOT, BenchDatabase, WebServer, WorkerCluster, manage, service_env  # noqa: E402

PYTHON = sys.executable
STATUS_USERNAMES = 500
# Seconds between two progress writes of the watched job: four a second, each to every stream
# (a real job reports about once a second; its watchers are rarely a thousand).
SSE_WRITE_INTERVAL = 0.25


def loadgen(base: str, mode: str, path: str, **options) -> dict:
    command = [PYTHON, str(ROOT / "bench" / "loadgen.py"), mode, base, "--path", path]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


class ConnectionSampler:
    """Samples pg_stat_activity every 0.2 s: the most connections each process held."""

    def __init__(self, database: BenchDatabase):
        self.database, self.peaks, self._stop = database, {}, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, count in self.database.connections().items():
                self.peaks[name] = max(self.peaks.get(name, 0), count)
            time.sleep(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def per_web_process(counts: dict[str, int], *, listener: bool = True) -> dict[str, int]:
    """Connections by web process pid: its pool ("viralspot-web:<pid>") and, with `listener`,
    its one progress listener ("viralspot-progress-listener:<pid>")."""
    prefixes = ("viralspot-web:", "viralspot-progress-listener:") if listener else ("viralspot-web:",)
    result: dict[str, int] = {}
    for name, count in counts.items():
        for prefix in prefixes:
            if name.startswith(prefix):
                pid = name[len(prefix):]
                result[pid] = result.get(pid, 0) + count
    return result


class Figures:
    def __init__(self):
        self.rows: list[dict] = []

    def add(self, figure: str, value, floor, goal: str, passed: bool | None, unit: str = "", note: str = "") -> None:
        ratio = round(value / floor, 2) if isinstance(value, (int, float)) and isinstance(floor, (int, float)) and floor else None
        self.rows.append({"figure": figure, "value": value, "floor": floor, "ratio": ratio, "goal": goal,
                          "pass": passed, "unit": unit, "note": note})
        self.print_row(self.rows[-1])

    @staticmethod
    def print_row(row: dict) -> None:
        def show(value):
            return "—" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))

        verdict = {True: "PASS", False: "FAIL", None: "—"}[row["pass"]]
        print(f"| {row['figure']:<62} | {show(row['value']) + ' ' + row['unit']:>14} | {show(row['floor']):>9} "
              f"| {show(row['ratio']):>6} | {row['goal']:<28} | {verdict} |", flush=True)


def setup_django(database_url: str):
    os.environ.update(service_env(database_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "viralspot.settings"
    import django

    django.setup()


def queue_pending(prefix: str, count: int, *, priority: str = "MEDIUM", source: str = "api") -> None:
    """`count` pending profile jobs inserted in one statement (the trigger gives tickets and counts)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO queue (id, username, source, priority, status, "timestamp", request_id, created_at, updated_at,
                               stage, progress_percentage, progress_message, attempts, max_attempts, next_attempt_at,
                               error_code, error_stage, error_retryable, worker_name, q_task_id)
            SELECT gen_random_uuid(), %s || n, %s, %s, 'PENDING', now(), md5(random()::text || n), now(), now(),
                   'queued', 0, 'Queued', 0, 3, now() - interval '1 second', '', '', false, '', ''
            FROM generate_series(1, %s) AS n
            """,
            [prefix, source, priority, count],
        )
    # What autovacuum does within a minute of such an insert (index-only scans need it); a
    # figure taken before would measure the minute after a bulk load, not a queue that waits.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE queue")
        cursor.execute("VACUUM ANALYZE queue_pending_blocks")


def clear_queue() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE queue, progress_events, django_q_ormq, django_q_task")
        cursor.execute("VACUUM ANALYZE queue")


def warm_up(web: WebServer) -> None:
    """Every web process imports its URLs and views on its first requests: not part of a figure."""
    loadgen(web.base, "closed", "/livez", clients=20, seconds=1)
    loadgen(web.base, "closed", "/api/profile/bench_{r}/status", clients=20, seconds=1, spread=STATUS_USERNAMES)
    loadgen(web.base, "closed", "/api/profile/warmup_{m}/request?source=crawler", method="POST", clients=20,
            total=200, seconds=10, modulo=20)


# --- figures --------------------------------------------------------------------------------


def closed_loops_in_turn(base: str, paths: dict[str, dict], *, seconds: float, rounds: int = 4) -> dict[str, dict]:
    """Closed loops of 200 clients over each path in turn, `rounds` times, `seconds` in all per path.

    The VM's speed drifts within a minute (a floor measured just before a figure differed by up to
    a third between runs), so a figure and its floor are taken in alternating slices and summed:
    both see the same machine. Per-round ratios go in the note.
    """
    slices: dict[str, list] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, (path, options) in paths.items():
            slices[name].append(loadgen(base, "closed", path, clients=200, seconds=seconds / rounds, **options))
    combined = {}
    for name, runs in slices.items():
        requests, elapsed = sum(r["requests"] for r in runs), sum(r["seconds"] for r in runs)
        combined[name] = {"rps": round(requests / elapsed, 1) if elapsed else 0,
                          "error_count": sum(r["error_count"] for r in runs),
                          "p99_ms": max(r["p99_ms"] or 0 for r in runs), "rounds": [r["rps"] for r in runs]}
    return combined


def figure_status_load(figures: Figures, web: WebServer, seconds: float) -> None:
    status_path = "/api/profile/bench_{r}/status"
    taken = closed_loops_in_turn(web.base, {"floor": ("/livez", {}),
                                            "status": (status_path, {"spread": STATUS_USERNAMES})}, seconds=seconds)
    floor, status = taken["floor"], taken["status"]
    per_round = ", ".join(f"{s / f:.2f}" for s, f in zip(status["rounds"], floor["rounds"]) if f)
    figures.add("profile status at saturation, 200 keep-alive clients (req/s)", status["rps"], floor["rps"],
                "≥ 0.7 × floor, ≥ 600, 0 errors",
                status["rps"] >= 600 and status["rps"] >= 0.7 * floor["rps"] and status["error_count"] == 0,
                note=f"errors {status['error_count']}, p99 {status['p99_ms']} ms; floor p99 {floor['p99_ms']} ms; "
                     f"ratio per round {per_round}")
    uncached = WebServer(service_env(web.env["DATABASE_URL"], READ_CACHE_SECONDS=0))
    try:
        warm_up(uncached)
        direct = loadgen(uncached.base, "closed", status_path, clients=200, seconds=seconds, spread=STATUS_USERNAMES)
    finally:
        uncached.stop()
    figures.add("  the same with the read cache off (every call queries)", direct["rps"], floor["rps"],
                "(for information)", None,
                note=f"errors {direct['error_count']}, p99 {direct['p99_ms']} ms")
    floor = loadgen(web.base, "open", "/livez", clients=200, interval=2, seconds=seconds)
    polled = loadgen(web.base, "open", status_path, clients=200, interval=2, seconds=seconds, spread=STATUS_USERNAMES)
    figures.add("profile status, 200 pollers every 2 s (p99 ms)", polled["p99_ms"], floor["p99_ms"],
                "p99 ≤ 50 ms, 0 errors", polled["p99_ms"] <= 50 and polled["error_count"] == 0, "ms",
                note=f"{polled['rps']} req/s offered and answered, errors {polled['error_count']}, p50 {polled['p50_ms']} ms")


def figure_storm(figures: Figures, web: WebServer) -> None:
    from profiles.models import ProfileJob

    floor = loadgen(web.base, "closed", "/livez", clients=100, total=2000, seconds=120)
    storm = loadgen(web.base, "closed", "/api/profile/storm_{m}/request?source=api", method="POST", clients=100,
                    total=2000, seconds=120, modulo=200, marker='"profile_type":"new"')
    rows = ProfileJob.objects.filter(username__startswith="storm_").count()
    new = storm["markers"].get('"profile_type":"new"', 0)
    figures.add("request storm: 2,000 over 200 new names, 100 concurrent (p99 ms)", storm["p99_ms"],
                floor["p99_ms"], "p99 ≤ 150 ms, 200 rows, 200 new",
                storm["p99_ms"] <= 150 and rows == 200 and new == 200 and storm["error_count"] == 0, "ms",
                note=f"rows {rows}, new answers {new}, {storm['rps']} req/s, errors {storm['error_count']}")


def figure_connections(figures: Figures, database: BenchDatabase, url: str) -> None:
    """One web process alone: what it holds under 10,000 requests and once idle."""
    from django.conf import settings

    max_idle = 2
    env = service_env(url, WEB_WORKERS=1, DB_POOL_MAX_IDLE=max_idle)
    web = WebServer(env, workers=1)
    warm_up(web)
    try:
        with ConnectionSampler(database) as sampler:
            loadgen(web.base, "closed", "/api/profile/bench_{r}/status", clients=200, total=10_000, seconds=300,
                    spread=STATUS_USERNAMES)
        (pid, peak), = per_web_process(sampler.peaks, listener=False).items()  # the one web process
        everything = per_web_process(sampler.peaks)[pid]
        after = per_web_process(database.connections(), listener=False).get(pid, 0)
        # The pool closes one connection above its minimum per DB_POOL_MAX_IDLE seconds unused.
        deadline = time.monotonic() + max_idle * (settings.DB_POOL_MAX_SIZE + 4)
        idle = after
        while time.monotonic() < deadline and idle > settings.DB_POOL_MIN_SIZE:
            time.sleep(0.5)
            idle = per_web_process(database.connections(), listener=False).get(pid, 0)
    finally:
        web.stop()
    figures.add("pool connections of one web process during 10,000 requests", peak, None,
                f"≤ pool size {settings.DB_POOL_MAX_SIZE}", peak <= settings.DB_POOL_MAX_SIZE,
                note=f"{after} right after the load; {everything} with its progress listener "
                     f"(a web process holds at most DB_POOL_MAX_SIZE + 1)")
    figures.add(f"pool connections of that process when idle (DB_POOL_MAX_IDLE={max_idle})", idle, None,
                f"≤ pool minimum {settings.DB_POOL_MIN_SIZE}", idle <= settings.DB_POOL_MIN_SIZE,
                note="plus its one progress listener")


def figure_sse(figures: Figures, database: BenchDatabase, web: WebServer, streams: int, reports: int) -> None:
    from django.conf import settings

    from jobs.services import job_claim, job_report_progress
    from profiles.models import ProfileJob

    ProfileJob.objects.create(username="bench_watched", source="api", priority="HIGH")
    job = job_claim(ProfileJob, job_id=ProfileJob.objects.get(username="bench_watched").pk)
    clients = subprocess.Popen(
        [PYTHON, str(ROOT / "bench" / "sse_clients.py"), f"{web.base}/api/profile/bench_watched/events",
         "--streams", str(streams), "--last", str(reports - 1)],
        stdout=subprocess.PIPE, text=True,
    )
    assert clients.stdout.readline().strip() == "ready", "the SSE clients did not all connect"
    time.sleep(1.0)  # every stream is now waiting for its next event
    written = {}
    with ConnectionSampler(database) as sampler:
        for report in range(reports):
            written[report] = time.monotonic()
            job_report_progress(job, stage="analyzing_content", percentage=report, message=f"report {report}")
            time.sleep(SSE_WRITE_INTERVAL)
        result = json.loads(clients.communicate(timeout=120)[0].strip().splitlines()[-1])
    latencies = sorted((arrival - written[int(report)]) * 1000
                       for report, arrivals in result["arrivals"].items() for arrival in arrivals)
    p95 = round(latencies[int(0.95 * len(latencies)) - 1], 2) if latencies else None
    floor = loadgen(web.base, "closed", "/livez", clients=1, total=200, seconds=30)
    figures.add(f"progress write → SSE client p95, {streams} streams of one job (ms)", p95, floor["p50_ms"],
                "≤ 50 ms", p95 is not None and p95 <= 50, "ms",
                note=f"{len(latencies)} of {streams * reports} frames, a write every {SSE_WRITE_INTERVAL} s, "
                     f"p50 {round(statistics.median(latencies), 2)} ms, max {round(latencies[-1], 2)} ms; "
                     "floor: one /livez round trip")
    peaks = per_web_process(sampler.peaks)
    most = max(peaks.values()) if peaks else 0
    figures.add(f"database connections per web process, {streams} streams open", most, None,
                f"≤ pool {settings.DB_POOL_MAX_SIZE} + 2", most <= settings.DB_POOL_MAX_SIZE + 2,
                note=f"per process: {peaks}")


def figure_queue_depth(figures: Figures, url: str) -> None:
    """A status call for the last job in line, with 10 and with 100,000 jobs waiting.

    Served with the read cache off: the figure is about the query, not about not running it.
    """
    clear_queue()
    web = WebServer(service_env(url, READ_CACHE_SECONDS=0))
    try:
        warm_up(web)
        clear_queue()
        queue_pending("depth_", 10, priority="LOW", source="crawler")
        shallow = loadgen(web.base, "closed", "/api/profile/depth_10/status", clients=1, total=1000, seconds=60)
        queue_pending("deep_", 99_990, priority="LOW", source="crawler")
        deep = loadgen(web.base, "closed", "/api/profile/deep_99990/status", clients=1, total=1000, seconds=60)
    finally:
        web.stop()
    figures.add("status call, 100,000 pending (p50 ms; floor = with 10 pending)", deep["p50_ms"], shallow["p50_ms"],
                "≤ 1.5 × floor", deep["p50_ms"] <= 1.5 * shallow["p50_ms"], "ms",
                note=f"the last of 100,000 LOW jobs, read cache off; p99 {deep['p99_ms']} vs {shallow['p99_ms']} ms")


def figure_worker_throughput(figures: Figures, url: str, jobs: int) -> None:
    """Jobs per second of a qcluster with the default workers, on the quickest real jobs.

    The quickest real job is a profile fetch from the offline provider with no simulated delay
    and a one-reel account: every stage, progress report, result write and event is there.
    """
    import tempfile

    from django.conf import settings
    from django.db.models import Max, Min

    from profiles.models import ProfileJob
    from profiles.services import profile_request

    clear_queue()
    with tempfile.TemporaryDirectory() as folder:
        for index in range(jobs):
            username = f"quick_{index}"
            Path(folder, f"{username}.json").write_text(json.dumps({
                "profile": {"username": username, "fullName": "Quick", "followersCount": 10, "followsCount": 1,
                            "postsCount": 1, "biography": "", "private": False, "verified": False},
                "reels": [{"id": f"9{index:08d}", "shortCode": f"q{index:08d}", "caption": "one reel",
                           "videoViewCount": 100, "likesCount": 5, "commentsCount": 1,
                           "timestamp": "2026-11-01T10:00:00.000Z", "url": f"https://www.instagram.com/reel/q{index}/",
                           "type": "Video", "productType": "clips", "ownerUsername": username}],
            }))
        for index in range(jobs):
            profile_request(username=f"quick_{index}", source="crawler")
        cluster = WorkerCluster(service_env(url, OFFLINE_DATA_DIR=folder))
        try:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                left = ProfileJob.objects.filter(username__startswith="quick_", status__in=["PENDING", "PROCESSING"]).count()
                if left == 0:
                    break
                time.sleep(0.5)
        finally:
            cluster.stop()
    done = ProfileJob.objects.filter(username__startswith="quick_", status="COMPLETED")
    span = done.aggregate(first=Min("last_attempt"), last=Max("finished_at"))
    seconds = (span["last"] - span["first"]).total_seconds() if span["first"] else None
    rate = round(done.count() / seconds, 1) if seconds else 0
    figures.add(f"fastest jobs/s, default workers (Q_WORKERS={settings.Q_WORKERS})", rate, None, "≥ 300",
                rate >= 300, "jobs/s", note=f"{done.count()} of {jobs} completed in {seconds and round(seconds, 1)} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated: status,storm,sse,depth,connections,worker")
    args = parser.parse_args()
    chosen = set(filter(None, args.only.split(","))) or {"status", "storm", "sse", "depth", "connections", "worker"}
    seconds = 8 if args.quick else 30
    database = BenchDatabase(f"viralspot_bench_{os.getpid()}")
    figures = Figures()
    started = time.monotonic()
    with database:
        env = service_env(database.url)
        manage(env, "migrate", "--noinput")
        setup_django(database.url)
        queue_pending("bench_", STATUS_USERNAMES - 1)  # bench_1 … bench_499, and bench_0 below
        from profiles.services import profile_request

        profile_request(username="bench_0", source="api")
        print(f"| {'figure':<62} | {'value':>14} | {'floor':>9} | {'ratio':>6} | {'goal':<28} | pass |")
        print(f"|{'-' * 64}|{'-' * 16}|{'-' * 11}|{'-' * 8}|{'-' * 30}|------|", flush=True)
        web = WebServer(env)
        warm_up(web)
        try:
            if "status" in chosen:
                figure_status_load(figures, web, seconds)
            if "storm" in chosen:
                figure_storm(figures, web)
            if "sse" in chosen:
                figure_sse(figures, database, web, streams=1000, reports=20 if args.quick else 50)
        finally:
            web.stop()
        if "connections" in chosen:
            figure_connections(figures, database, database.url)
        if "depth" in chosen:
            figure_queue_depth(figures, database.url)
        if "worker" in chosen:
            figure_worker_throughput(figures, database.url, jobs=2000 if args.quick else 5000)
        from django.db import connections

        connections.close_all()
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    from django.conf import settings

    report = {
        "when": stamp, "quick": args.quick, "seconds_taken": round(time.monotonic() - started, 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "settings": {name: getattr(settings, name) for name in (
            "WEB_WORKERS", "WEB_THREADS", "DB_POOL_MIN_SIZE", "DB_POOL_MAX_SIZE", "DB_POOL_TIMEOUT", "Q_WORKERS")},
        "figures": figures.rows,
    }
    path = results / f"bench-{stamp}{'-quick' if args.quick else ''}{'-only' if args.only else ''}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\n{sum(1 for r in figures.rows if r['pass'])} of {sum(1 for r in figures.rows if r['pass'] is not None)} "
          f"figures meet their goal; {report['seconds_taken']} s; written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
