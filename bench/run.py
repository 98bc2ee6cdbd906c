"""`make bench`: the service on PostgreSQL under the load its users put on it, figure by figure.

It creates its own database, migrates it, starts the web tier the way `make run` does (uvicorn,
WEB_WORKERS processes) and, for the worker and scheduling figures, qclusters (two at once on the
Redis broker for the scale-out figure); drives them from load clients in separate processes on
the same machine; and drops the database at the end. Each web figure comes with a floor
measured in the same run the same way against /livez (a bare view that touches no database), so
a slow machine shows as a low floor rather than as a slow service; a scheduling figure's floor
is the same measurement without what it is about (one cluster, no cap).

    make bench            full run (~15 minutes)
    make bench QUICK=1    the same figures with shorter loads (~5 minutes on 2 cores)

Prints `figure | value | floor | ratio | goal | pass` and writes it as JSON to bench/results/.
Speed is measured here and never asserted in tests.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
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


class WaitSampler:
    """Samples pg_stat_activity every `interval` s on a connection of its own: how often the
    bench database's sessions were seen waiting, by wait event (e.g. Lock/advisory: the claim
    lock) and by the statement waiting."""

    def __init__(self, database: BenchDatabase, *, interval: float = 0.02):
        self.database, self.interval, self._stop = database, interval, threading.Event()
        self.samples = 0
        self.by_event: Counter[str] = Counter()
        self.by_statement: Counter[str] = Counter()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        from bench.service import ADMIN_DSN

        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            while not self._stop.is_set():
                self.samples += 1
                for _, kind, event, statement in self.database.waits(admin):
                    if kind == "Client":
                        continue  # a session between statements, not waiting on the database
                    self.by_event[f"{kind}/{event}"] += 1
                    self.by_statement[f"{kind}/{event}: {statement}"] += 1
                time.sleep(self.interval)

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


# Reel numbers of the offline accounts the figures write: content ids are unique across accounts.
reel_numbers = itertools.count(1)


def write_offline_account(folder: str, username: str) -> None:
    """`<folder>/<username>.json` for the offline provider: a public account with one reel."""
    number = next(reel_numbers)
    Path(folder, f"{username}.json").write_text(json.dumps({
        "profile": {"username": username, "fullName": "Quick", "followersCount": 10, "followsCount": 1,
                    "postsCount": 1, "biography": "", "private": False, "verified": False},
        "reels": [{"id": f"9{number:08d}", "shortCode": f"q{number:08d}", "caption": "one reel",
                   "videoViewCount": 100, "likesCount": 5, "commentsCount": 1,
                   "timestamp": "2026-11-01T10:00:00.000Z", "url": f"https://www.instagram.com/reel/q{number}/",
                   "type": "Video", "productType": "clips", "ownerUsername": username}],
    }))


def wait_until(condition, *, timeout: float, interval: float = 0.01) -> bool:
    """Whether `condition()` came true within `timeout` seconds (polled every `interval`)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


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
            write_offline_account(folder, f"quick_{index}")
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


# --- insight pages ------------------------------------------------------------------------------

# A creator and three competitors of the shipped sample data (OFFLINE_DATA_DIR's default).
INSIGHT_CREATOR = "fit_with_mara"
INSIGHT_COMPETITORS = ("kettlebell_kev", "liftwithjonah", "coach.priya.moves")


def figure_insight_pages(figures: Figures, database: BenchDatabase, url: str, seconds: float) -> None:
    """The profile page (views-over-time chart) and a viral results page (the breakout grid, every
    hook's typing, ideas) under 300 keep-alive clients, with what the web tier holds in PostgreSQL
    during the load and once idle. The analysis behind them is a real run of the worker."""
    from django.conf import settings

    from viral_ideas.models import ViralIdeasQueue
    from viral_ideas.services import viral_entry_create

    entry = viral_entry_create(
        session_id="bench-insights", primary_username=INSIGHT_CREATOR, competitors=list(INSIGHT_COMPETITORS),
        content_strategy={"contentType": "Strength training for women over 40", "targetAudience": "Busy women over 40",
                          "goals": "Grow followers and sell coaching"})
    cluster = WorkerCluster(service_env(url))
    try:
        done = wait_until(lambda: ViralIdeasQueue.objects.get(pk=entry.pk).status in ("completed", "failed"),
                          timeout=180, interval=0.5)
    finally:
        cluster.stop()
    entry.refresh_from_db()
    if not done or entry.status != "completed":
        figures.add("insight pages: the analysis behind them", entry.status, None, "completed", False,
                    note=entry.error_message or "")
        return
    max_idle = 2
    web = WebServer(service_env(url, DB_POOL_MAX_IDLE=max_idle))
    warm_up(web)
    pages = {"profile page with its chart": f"/profiles/{INSIGHT_CREATOR}/",
             "viral results page": f"/viral-ideas/{entry.session_id}/results"}
    try:
        with ConnectionSampler(database) as sampler:
            # Saturation (each client asks again at once) says what the pages cost; viewers who each
            # open the page every 5 s say what a user waits for at a busy hour.
            saturated = {name: loadgen(web.base, "closed", path, clients=300, seconds=seconds)
                         for name, path in pages.items()}
            viewed = {name: loadgen(web.base, "open", path, clients=300, interval=5, seconds=max(seconds, 10))
                      for name, path in pages.items()}
        peaks = per_web_process(sampler.peaks, listener=False)
        deadline = time.monotonic() + max_idle * (settings.DB_POOL_MAX_SIZE + 4)
        idle = per_web_process(database.connections(), listener=False)
        while time.monotonic() < deadline and any(count > settings.DB_POOL_MIN_SIZE for count in idle.values()):
            time.sleep(0.5)
            idle = per_web_process(database.connections(), listener=False)
    finally:
        web.stop()
    for name in pages:
        most, users = saturated[name], viewed[name]
        figures.add(f"{name}, 300 viewers each every 5 s (p99 ms)", users["p99_ms"], None, "p99 ≤ 500 ms, 0 errors",
                    users["p99_ms"] is not None and users["p99_ms"] <= 500 and users["error_count"] == 0, "ms",
                    note=f"{users['rps']} req/s offered and answered, p50 {users['p50_ms']} ms, errors {users['error_count']}")
        figures.add("  at saturation, 300 keep-alive clients (req/s)", most["rps"], None, "(for information)", None,
                    note=f"p99 {most['p99_ms']} ms; requests queued over 3 s are shed with 503 ({most['error_count']})")
    peak = max(peaks.values(), default=0)
    figures.add("  pool connections per web process during those loads (most)", peak, None,
                f"≤ pool size {settings.DB_POOL_MAX_SIZE}", 0 < peak <= settings.DB_POOL_MAX_SIZE,
                note=f"by process {sorted(peaks.values())}; all sessions at peak {sum(sampler.peaks.values())}")
    figures.add(f"  the same once idle (DB_POOL_MAX_IDLE={max_idle})", max(idle.values(), default=0), None,
                f"≤ pool minimum {settings.DB_POOL_MIN_SIZE}",
                all(count <= settings.DB_POOL_MIN_SIZE for count in idle.values()))


# --- scheduling ---------------------------------------------------------------------------------

# The event a LOW job leaves when it gives its worker to higher-priority work (jobs.services).
PAUSED = "Paused for higher-priority work"
# The scale-out figure's broker: a Redis db of its own, emptied before and after each run.
SCALE_OUT_REDIS_URL = "redis://127.0.0.1:6379/12"


def post_json(base: str, path: str) -> dict:
    request = urllib.request.Request(f"{base}{path}", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def completed_events(job_ids) -> Counter:
    """COMPLETED events per job id: exactly one each when every job ran to its end once."""
    from jobs.models import ProgressEvent

    return Counter(ProgressEvent.objects.filter(job_kind="profile", job_id__in=list(job_ids), status="COMPLETED")
                   .values_list("job_id", flat=True))


def measure_high_waits(web: WebServer, url: str, *, preemption: bool, requests: int, provider_delay: float,
                       workers: int) -> dict:
    """Every worker of one cluster busy on LOW (crawler) jobs; `requests` HIGH requests over HTTP
    (source=frontend), one at a time, each at a random point of the LOW jobs' run; how long each
    waited from the request to its claim (its last_attempt)."""
    import random
    import tempfile

    from django.utils import timezone
    from django_q.models import OrmQ

    from jobs.models import ProgressEvent
    from jobs.services import job_cancel
    from profiles.models import ProfileJob
    from profiles.services import profile_request

    clear_queue()
    tag = "on" if preemption else "off"
    # A LOW job is two provider calls. Each request takes up to three jobs' length (spacing,
    # wait, the HIGH job's run); twice the LOW jobs that uses, so the workers never run dry.
    job_seconds = 2 * provider_delay
    lows = [f"low{tag}_{n}" for n in range(int(2 * workers * requests * 3.5) + 2 * workers)]
    highs = [f"high{tag}_{n}" for n in range(requests)]
    waits, taken_by_pause, not_claimed = [], 0, 0
    rng = random.Random(requests)
    with tempfile.TemporaryDirectory() as folder:
        for username in lows + highs:
            write_offline_account(folder, username)
        for username in lows:
            profile_request(username=username, source="crawler")
        # The clusters of earlier figures are stopped, but their heartbeats look alive for
        # WORKER_HEARTBEAT_TIMEOUT_SECONDS: idle-looking workers, for which preemption waits
        # QUEUE_PREEMPT_AFTER_SECONDS. This figure is about a machine whose workers are all busy.
        from jobs.models import WorkerHeartbeat

        WorkerHeartbeat.objects.all().delete()
        cluster = WorkerCluster(service_env(url, OFFLINE_DATA_DIR=folder, OFFLINE_PROVIDER_DELAY_SECONDS=provider_delay,
                                            Q_WORKERS=workers, QUEUE_PREEMPTION="true" if preemption else "false"))
        running = ProfileJob.objects.filter(status="PROCESSING")

        def every_worker_on_low() -> bool:
            return running.filter(priority="LOW").count() == workers and not running.exclude(priority="LOW").exists()

        try:
            for username in highs:
                if (not wait_until(every_worker_on_low, timeout=60)
                        or ProfileJob.objects.filter(username__in=lows, status="PENDING").count() < workers):
                    break  # the LOW backlog ran out: a request now would not find every worker busy
                time.sleep(rng.uniform(0.1, job_seconds))
                requested_at = timezone.now()
                answer = post_json(web.base, f"/api/profile/{username}/request?source=frontend")
                assert answer["success"] and answer["data"]["priority"] == "HIGH", answer
                job = ProfileJob.objects.filter(username=username)
                if not wait_until(lambda: job.filter(last_attempt__isnull=False).exists(), timeout=60):
                    not_claimed += 1
                    continue
                high = job.get()
                waits.append((high.last_attempt - requested_at).total_seconds())
                taken_by_pause += ProgressEvent.objects.filter(job_kind="profile", message__startswith=PAUSED,
                                                               data__paused_for=str(high.pk)).exists()
                wait_until(lambda: job.filter(status="COMPLETED").exists(), timeout=60)
            # A paused job went back to its place at the head of the LOW jobs: it runs next.
            paused_ids = set(ProgressEvent.objects.filter(job_kind="profile", message__startswith=PAUSED)
                             .values_list("job_id", flat=True))
            wait_until(lambda: not ProfileJob.objects.filter(pk__in=paused_ids).exclude(status="COMPLETED").exists(),
                       timeout=60, interval=0.1)
            # Stopped once idle: a SIGTERM while every worker is busy and wake-ups fill the
            # cluster's task queue (Q_WORKERS² places) hangs django-q2's stop until the SIGKILL
            # 30 s later: the sentinel waits to put its stop pills in a queue no live worker reads.
            for job in ProfileJob.objects.filter(username__in=lows, status="PENDING"):
                job_cancel(job, reason="The bench's measurement is over")
            # Idle, and every wake-up run (the ORM broker deletes a task once it is done).
            wait_until(lambda: not running.exists() and not OrmQ.objects.exists(), timeout=30, interval=0.1)
        finally:
            cluster.stop()
    pause_events = list(ProgressEvent.objects.filter(job_kind="profile", message__startswith=PAUSED))
    # How far into its attempt each paused job was: after one provider call (~D) or after both
    # (~2D, when what is left of the job takes milliseconds).
    paused_after = sorted(round((event.created_at - datetime.fromisoformat(event.data["started_at"])).total_seconds(), 2)
                          for event in pause_events)
    completions = completed_events(paused_ids)
    resumed = sum(1 for job in ProfileJob.objects.filter(pk__in=paused_ids)
                  if job.status == "COMPLETED" and job.attempts == 1 and completions[job.pk] == 1)
    high_ids = ProfileJob.objects.filter(username__in=highs).values_list("pk", flat=True)
    highs_once = sum(1 for count in completed_events(high_ids).values() if count == 1)
    waits.sort()
    return {"waits": [round(w, 3) for w in waits], "p50": round(statistics.median(waits), 3) if waits else None,
            "max": round(waits[-1], 3) if waits else None, "taken_by_pause": taken_by_pause,
            "not_claimed": not_claimed, "pauses": len(pause_events), "paused_after": paused_after,
            "paused_jobs": len(paused_ids), "resumed": resumed,
            "highs_once": highs_once}


def figure_high_wait(figures: Figures, url: str, *, requests: int, provider_delay: float = 0.5) -> None:
    """How long a user's request (HIGH) waits while every worker runs crawler (LOW) jobs, with the
    cooperative preemption of LOW work on, and off."""
    from django.conf import settings

    workers = settings.Q_WORKERS
    web = WebServer(service_env(url))
    try:
        on = measure_high_waits(web, url, preemption=True, requests=requests, provider_delay=provider_delay,
                                workers=workers)
        off = measure_high_waits(web, url, preemption=False, requests=requests, provider_delay=provider_delay,
                                 workers=workers)
    finally:
        web.stop()
    after = settings.QUEUE_PREEMPT_AFTER_SECONDS
    complete = (on["p50"] is not None and len(on["waits"]) == requests and on["not_claimed"] == 0
                and on["resumed"] == on["paused_jobs"] and on["highs_once"] == requests)
    figures.add(f"HIGH request → claim, {workers} workers busy on LOW, provider {provider_delay} s/call (p50 s)",
                on["p50"], None, f"p50 and max ≤ one call ({provider_delay} s)",
                complete and on["p50"] <= provider_delay and on["max"] <= provider_delay, "s",
                note=f"max {on['max']} s over {len(on['waits'])} requests {on['waits']}; {on['taken_by_pause']} "
                     f"taken by a LOW job's worker at a pause, the rest by a worker whose LOW job ended; "
                     f"{on['pauses']} pauses of {on['paused_jobs']} LOW jobs, {on['resumed']} of them completed "
                     f"later on attempt 1 with one COMPLETED event; pauses came {on['paused_after']} s into their "
                     f"attempt (a LOW job's two calls take {2 * provider_delay} s); "
                     f"HIGH jobs completed once: {on['highs_once']}; "
                     f"with every worker busy a pause comes at the LOW job's next report before its last call "
                     f"(QUEUE_PREEMPT_AFTER_SECONDS={after} applies only while a worker looks free)")
    figures.add("  the same with QUEUE_PREEMPTION=false (p50 s)", off["p50"], None, "(for comparison)", None, "s",
                note=f"max {off['max']} s over {len(off['waits'])} requests {off['waits']}; pauses {off['pauses']}; "
                     f"a LOW job lasts ~{2 * provider_delay} s")


class RunningSampler:
    """Samples the profile jobs running at once every `interval` s on a connection of its own:
    the most HIGH jobs and the most jobs seen PROCESSING at one moment (one statement: one snapshot)."""

    def __init__(self, database: BenchDatabase, *, interval: float = 0.05):
        self.database, self.interval, self._stop = database, interval, threading.Event()
        self.samples, self.most_high, self.most_running = 0, 0, 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.database.dsn, autocommit=True) as connection:
            while not self._stop.is_set():
                high, running = connection.execute(
                    "SELECT count(*) FILTER (WHERE priority = 'HIGH'), count(*) FROM queue WHERE status = 'PROCESSING'"
                ).fetchone()
                self.samples += 1
                self.most_high, self.most_running = max(self.most_high, high), max(self.most_running, running)
                time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def measure_cluster_throughput(database: BenchDatabase, web: WebServer, *, clusters: int, jobs: int,
                               provider_delay: float, env: dict) -> dict:
    """`clusters` qclusters on the one database and Redis broker, all started and idle; then
    `jobs` profile requests over HTTP (a quarter HIGH, the rest LOW); jobs/s from the first claim
    to the last completion, each job's COMPLETED events, and the most HIGH jobs running at once."""
    import tempfile

    import redis
    from django.conf import settings
    from django.db.models import Max, Min
    from django.utils import timezone

    from jobs.models import ProgressEvent, WorkerHeartbeat
    from profiles.models import ProfileJob

    clear_queue()
    broker = redis.Redis.from_url(SCALE_OUT_REDIS_URL)
    broker.flushdb()
    tag = f"c{clusters}"
    high_jobs = jobs // 4
    usernames = [f"{tag}_high_{n}" for n in range(high_jobs)] + [f"{tag}_low_{n}" for n in range(jobs - high_jobs)]
    with tempfile.TemporaryDirectory() as folder:
        for username in usernames:
            write_offline_account(folder, username)
        cluster_env = {**env, "OFFLINE_DATA_DIR": folder, "OFFLINE_PROVIDER_DELAY_SECONDS": str(provider_delay)}
        since = timezone.now()
        running = [WorkerCluster(cluster_env) for _ in range(clusters)]
        try:
            # Every worker process of every cluster announces itself when it starts.
            assert wait_until(lambda: WorkerHeartbeat.objects.filter(beat_at__gte=since).count()
                              >= clusters * settings.Q_WORKERS, timeout=60, interval=0.1), "the clusters did not start"
            with RunningSampler(database) as sampler:
                for source, level, count in (("crawler", "low", jobs - high_jobs), ("frontend", "high", high_jobs)):
                    answered = loadgen(web.base, "closed", f"/api/profile/{tag}_{level}_{{m}}/request?source={source}",
                                       method="POST", clients=10, total=count, modulo=count, seconds=120)
                    assert answered["statuses"] == {"200": count}, answered
                queued = ProfileJob.objects.filter(username__in=usernames)
                finished = wait_until(lambda: not queued.filter(status__in=["PENDING", "PROCESSING"]).exists(),
                                      timeout=30 + jobs * 2, interval=0.2)
        finally:
            for cluster in running:
                cluster.stop()
            broker.flushdb()
    done = ProfileJob.objects.filter(username__in=usernames, status="COMPLETED")
    span = done.aggregate(first=Min("last_attempt"), last=Max("finished_at"))
    seconds = (span["last"] - span["first"]).total_seconds() if span["first"] else None
    ids = list(ProfileJob.objects.filter(username__in=usernames).values_list("pk", flat=True))
    completions = completed_events(ids)
    return {
        "rate": round(done.count() / seconds, 1) if seconds else 0, "seconds": seconds and round(seconds, 1),
        "finished": finished, "completed": done.count(), "jobs": len(ids),
        "once": sum(1 for pk in ids if completions[pk] == 1), "more_than_once": sum(1 for c in completions.values() if c > 1),
        "workers": len(set(done.values_list("worker_name", flat=True))), "most_high": sampler.most_high,
        "most_running": sampler.most_running, "samples": sampler.samples,
        "pauses": ProgressEvent.objects.filter(job_kind="profile", message__startswith=PAUSED, job_id__in=ids).count(),
    }


def figure_two_clusters(figures: Figures, database: BenchDatabase, url: str, *, jobs: int,
                        provider_delay: float = 0.1) -> None:
    """Claims/s of two clusters against one PostgreSQL, as two machines would run them, vs one.

    This machine has two cores, so CPU-bound jobs could not scale on it; the jobs are shaped like
    the real ones, waiting on the provider (`provider_delay` per call, two calls per job).
    """
    import redis
    from django.conf import settings

    env = service_env(url, REDIS_URL=SCALE_OUT_REDIS_URL)
    broker = redis.Redis.from_url(SCALE_OUT_REDIS_URL)
    broker.flushdb()
    web = WebServer(env)
    try:
        one = measure_cluster_throughput(database, web, clusters=1, jobs=jobs, provider_delay=provider_delay, env=env)
        two = measure_cluster_throughput(database, web, clusters=2, jobs=jobs, provider_delay=provider_delay, env=env)
    finally:
        web.stop()
        broker.flushdb()
    cap = settings.QUEUE_MAX_RUNNING_HIGH
    for run in (one, two):
        run["ok"] = (run["finished"] and run["once"] == run["jobs"] and run["more_than_once"] == 0
                     and (not cap or run["most_high"] <= cap))

    def note(run: dict) -> str:
        return (f"{run['completed']} of {run['jobs']} jobs in {run['seconds']} s by {run['workers']} workers; "
                f"one COMPLETED event each: {run['once']}, more than one: {run['more_than_once']}; "
                f"most HIGH running at once {run['most_high']} (cap {cap}), most running {run['most_running']}, "
                f"{run['samples']} samples 50 ms apart; pauses {run['pauses']}")

    workers = settings.Q_WORKERS
    figures.add(f"jobs/s, one cluster (Q_WORKERS={workers}), provider {provider_delay} s/call, 1/4 HIGH",
                one["rate"], None, "(the floor below)", None, "jobs/s", note=note(one))
    figures.add("jobs/s, two clusters on one PostgreSQL + Redis (floor: one)", two["rate"], one["rate"],
                f"≥ 1.6 × one; once each; HIGH ≤ {cap}",
                one["ok"] and two["ok"] and two["rate"] >= 1.6 * one["rate"], "jobs/s", note=note(two))


def measure_claims(database: BenchDatabase, url: str, *, processes: int, seconds: float, rounds: int) -> dict:
    """`processes` claiming processes (bench/claim_loop.py, each its own connection) with the
    default caps and with none, in turns of `seconds`: per-claim milliseconds, claims/s, and what
    pg_stat_activity showed them waiting for."""
    modes = {"on": {"QUEUE_MAX_RUNNING_HIGH": 3}, "off": {"QUEUE_MAX_RUNNING_HIGH": 0}}
    taken = {mode: {"claim_ms": [], "claims": 0, "empty": 0, "seconds": 0.0, "samples": 0, "waits": Counter(),
                    "statements": Counter()} for mode in modes}
    for _ in range(rounds):
        for mode, overrides in modes.items():
            start_at = time.time() + 2.0  # every process has started and connected by then
            claimers = [subprocess.Popen([PYTHON, str(ROOT / "bench" / "claim_loop.py"), "--seconds", str(seconds),
                                          "--start-at", str(start_at)],
                                         env=service_env(url, **overrides), stdout=subprocess.PIPE, text=True)
                        for _ in range(processes)]
            time.sleep(max(0.0, start_at - time.time()))
            with WaitSampler(database) as sampler:
                outputs = [json.loads(claimer.communicate(timeout=120)[0].strip().splitlines()[-1])
                           for claimer in claimers]
            result = taken[mode]
            result["claim_ms"] += [ms for output in outputs for ms in output["claim_ms"]]
            result["claims"] += sum(output["claims"] for output in outputs)
            result["empty"] += sum(output["empty_claims"] for output in outputs)
            result["seconds"] += max(output["seconds"] for output in outputs)
            result["samples"] += sampler.samples
            result["waits"] += sampler.by_event
            result["statements"] += sampler.by_statement
    summary = {}
    for mode, result in taken.items():
        ordered = sorted(result["claim_ms"])
        lock_waits = sum(count for event, count in result["waits"].items() if event.startswith("Lock/"))
        summary[mode] = {
            "p50": round(ordered[len(ordered) // 2], 2), "p99": round(ordered[int(0.99 * len(ordered))], 2),
            "rate": round(result["claims"] / result["seconds"]), "empty": result["empty"],
            "waits": ", ".join(f"{event} {count}" for event, count in result["waits"].most_common(4)) or "none",
            # Of the claimers' sampled time, the share spent waiting for a lock.
            "lock_share": lock_waits / max(1, result["samples"] * processes), "samples": result["samples"],
            "top": "; ".join(f"{statement} ×{count}" for statement, count in result["statements"].most_common(2)),
        }
    return summary


def figure_claim_cost(figures: Figures, database: BenchDatabase, url: str, *, processes: int = 4,
                      seconds: float, rounds: int) -> None:
    """What the cap check costs a claim, with 100,000 jobs waiting: the default caps (HIGH 3) vs no
    cap (the one-statement claim). Two backlogs: the crawler's (all LOW: no HIGH job is due, so
    no claim can break the cap) and one with HIGH jobs due (half HIGH: every claim takes the
    claim lock, counts the running jobs and looks level by level)."""
    backlogs = {"LOW only": [("LOW", "crawler", 100_000)],
                "half HIGH, half LOW": [("HIGH", "frontend", 50_000), ("LOW", "crawler", 50_000)]}
    for backlog, parts in backlogs.items():
        clear_queue()
        for priority, source, count in parts:
            queue_pending(f"claim_{priority.lower()}_", count, priority=priority, source=source)
        taken = measure_claims(database, url, processes=processes, seconds=seconds, rounds=rounds)
        on, off = taken["on"], taken["off"]

        def waits(mode: dict) -> str:
            return (f"{mode['waits']} in {mode['samples']} samples, {mode['lock_share']:.0%} of claimer time "
                    f"in Lock waits (most: {mode['top'] or 'none'})")

        figures.add(f"claim, {processes} processes, 100,000 pending {backlog}: caps on (p50 ms; floor: off)",
                    on["p50"], off["p50"], "(for information)", None, "ms",
                    note=f"p99 {on['p99']} vs {off['p99']} ms; on = QUEUE_MAX_RUNNING_HIGH=3, off = 0 and no other "
                         f"cap; {rounds} turns of {seconds} s each way; each claim then completed (not timed); "
                         f"claims that found nothing: {on['empty']} vs {off['empty']}")
        figures.add(f"  claims/s of those {processes} processes: caps on (floor: off)", on["rate"], off["rate"],
                    "(for information)", None, "claims/s",
                    note=f"pg_stat_activity every 20 ms, sessions seen waiting: caps on: {waits(on)}; "
                         f"caps off: {waits(off)}")


FIGURES = ("status", "storm", "sse", "depth", "connections", "worker", "insight_pages", "high_wait", "clusters",
           "claim_cost")
# Names that stand for several figures in --only.
FIGURE_GROUPS = {"scheduling": ("high_wait", "clusters", "claim_cost")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="", help=f"comma-separated: {','.join(FIGURES)}; "
                                                  f"scheduling = {','.join(FIGURE_GROUPS['scheduling'])}")
    args = parser.parse_args()
    chosen = set()
    for name in filter(None, args.only.split(",")):
        if name not in FIGURES and name not in FIGURE_GROUPS:
            parser.error(f"no figure {name!r}")
        chosen.update(FIGURE_GROUPS.get(name, (name,)))
    chosen = chosen or set(FIGURES)
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
        if "insight_pages" in chosen:
            figure_insight_pages(figures, database, database.url, seconds)
        if "high_wait" in chosen:
            figure_high_wait(figures, database.url, requests=8 if args.quick else 16)
        if "clusters" in chosen:
            figure_two_clusters(figures, database, database.url, jobs=200 if args.quick else 400)
        if "claim_cost" in chosen:
            figure_claim_cost(figures, database, database.url, seconds=2 if args.quick else 4,
                              rounds=2 if args.quick else 3)
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
