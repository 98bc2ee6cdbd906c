"""GET /metrics: the queues, the workers and this process's live streams, in Prometheus's text format.

Everything is read from the database when Prometheus scrapes (a collector on a registry of our
own, never the global one), so every web process answers with the same numbers, except the open
streams, which are this process's. A scrape costs a fixed number of queries whatever the backlog:
one grouped count per job kind, one over the last hour's events, one aggregate per job kind for
the histograms, one for the heartbeats.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Case, Count, DateTimeField, DurationField, ExpressionWrapper, F, Max, Q, Sum, Value, When
from django.db.models.fields.json import KT
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from jobs.api import worker_alive_within
from jobs.models import ProgressEvent, TrackedJob, WorkerHeartbeat
from jobs.registry import job_models
from jobs.scheduling import LEVEL_NAMES, claim_policy
from jobs.streams import hub

# Label of the kinds whose jobs have no priority (generation jobs run in arrival order).
NO_PRIORITY = "none"
# Events and finished jobs are counted over this window: the newest hour is read through the
# created_at / finished_at indexes, so a scrape costs the same with a day or a month of history
# (a count over every retained event grows with PROGRESS_EVENT_RETENTION_DAYS × throughput).
RECENT_WINDOW = timedelta(hours=1)
# Upper bounds, in seconds, of the histogram buckets: from a fast profile fetch to a long article.
DURATION_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
WAIT_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
# Error codes of an attempt taken back from a worker rather than failed by it (job_recover;
# job_hand_back after a database outage or a stop): counted as recoveries, not as retries.
RECOVERY_CODES = ("WORKER_LOST", "DATABASE_LOST", "WORKER_STOPPED")
def has_priority(model: type[TrackedJob]) -> bool:
    return any(field.name == "priority" for field in model._meta.concrete_fields)


def queue_depth_for_metrics() -> list[tuple[str, str, str, int]]:
    """(kind, status, priority, jobs) of the waiting and running jobs: one grouped count per kind,
    on the status-led claim index (finished jobs are left out: counting them reads the whole table)."""
    rows = []
    for kind, model in sorted(job_models().items()):
        active = model.objects.filter(status__in=model.job_statuses.active).order_by()
        if has_priority(model):
            for row in active.values("status", "priority").annotate(jobs=Count("pk")):
                rows.append((kind, row["status"], str(row["priority"]), row["jobs"]))
        else:
            for row in active.values("status").annotate(jobs=Count("pk")):
                rows.append((kind, row["status"], NO_PRIORITY, row["jobs"]))
    return rows


@dataclass
class EventCounts:
    claims: dict[str, int]
    completions: dict[str, int]
    failures: dict[str, int]
    retries: dict[str, int]
    recoveries: dict[tuple[str, str], int]
    pauses: dict[str, int]
    promotions: dict[str, int]


def recent_event_counts(since) -> EventCounts:
    """What the job core wrote since `since`, by kind, in one grouped query over the events the
    transitions append: a claim is stage "starting", a completion "completed", a retry a return to
    "queued" with an error code, a recovery an error code of RECOVERY_CODES, a failure "failed",
    a pause for higher-priority work or a promotion by aging an event marked so in its data."""
    counts = EventCounts({}, {}, {}, {}, {}, {}, {})
    rows = (
        ProgressEvent.objects.filter(created_at__gte=since, stage__in=("starting", "completed", "failed", "queued"))
        .order_by()
        .values("job_kind", "stage", error_code=KT("data__error_code"), scheduling=Case(
            When(data__has_key="paused_for", then=Value("paused")),
            When(data__has_key="promoted_to", then=Value("promoted")),
            default=Value(""),
        ))
        .annotate(events=Count("id"))
    )
    for row in rows:
        kind, stage, error_code, events = row["job_kind"], row["stage"], row["error_code"] or "", row["events"]
        if row["scheduling"] == "paused":  # a LOW job giving its worker to higher work (jobs/scheduling.py)
            bucket, key = counts.pauses, kind
        elif row["scheduling"] == "promoted":  # aging
            bucket, key = counts.promotions, kind
        elif stage == "failed":  # for good, a lost worker's last attempt included
            bucket, key = counts.failures, kind
        elif error_code in RECOVERY_CODES:
            bucket, key = counts.recoveries, (kind, error_code)
        elif stage == "starting":
            bucket, key = counts.claims, kind
        elif stage == "completed":
            bucket, key = counts.completions, kind
        elif error_code:
            bucket, key = counts.retries, kind
        else:
            continue  # a job entering the queue (created, retried by hand): not an attempt's end
        bucket[key] = bucket.get(key, 0) + events
    return counts


@dataclass
class Histogram:
    buckets: list[tuple[str, int]]
    count: int
    sum: float


def recent_finished_histograms(model: type[TrackedJob], since) -> tuple[Histogram, Histogram]:
    """(duration, queue wait) of the kind's jobs completed since `since`, bucketed by the database
    in one aggregate: durations are the successful attempt's wall time (duration_seconds), the wait
    runs from submission to the start of that attempt (retries' back-off included)."""
    # Queue wait = attempt start − the kind's submission time (job_queued_field).
    started, submitted = model.job_started_field, model.job_queued_field
    wait = ExpressionWrapper(F(started) - F(submitted), output_field=DurationField())
    aggregates = {
        "jobs": Count("pk"),
        "duration_sum": Sum("duration_seconds"),
        "wait_sum": Sum(wait),
        "waited": Count("pk", filter=Q(**{f"{started}__isnull": False})),
    }
    for index, bound in enumerate(DURATION_BUCKETS):
        aggregates[f"duration_{index}"] = Count("pk", filter=Q(duration_seconds__lte=bound))
    for index, bound in enumerate(WAIT_BUCKETS):
        limit = ExpressionWrapper(F(submitted) + timedelta(seconds=bound), output_field=DateTimeField())
        aggregates[f"wait_{index}"] = Count("pk", filter=Q(**{f"{started}__lte": limit}))
    totals = (
        model.objects.filter(status=model.job_statuses.completed, finished_at__gte=since)
        .order_by()
        .aggregate(**aggregates)
    )
    durations = Histogram(
        [(str(bound), totals[f"duration_{i}"]) for i, bound in enumerate(DURATION_BUCKETS)]
        + [("+Inf", totals["jobs"])],
        totals["jobs"], totals["duration_sum"] or 0.0,
    )
    wait_sum = totals["wait_sum"]
    waits = Histogram(
        [(str(bound), totals[f"wait_{i}"]) for i, bound in enumerate(WAIT_BUCKETS)] + [("+Inf", totals["waited"])],
        totals["waited"], wait_sum.total_seconds() if wait_sum else 0.0,
    )
    return durations, waits


def worker_liveness(now) -> tuple[int, float | None]:
    """(workers that beat within WORKER_HEARTBEAT_TIMEOUT_SECONDS, seconds since the newest beat)."""
    beats = WorkerHeartbeat.objects.aggregate(
        alive=Count("pk", filter=Q(beat_at__gte=now - worker_alive_within())), newest=Max("beat_at")
    )
    newest = beats["newest"]
    return beats["alive"], (max(0.0, (now - newest).total_seconds()) if newest else None)


class JobMetricsCollector:
    """Computes every family at scrape time (prometheus_client calls collect() per exposition)."""

    def collect(self):
        now = timezone.now()
        since = now - RECENT_WINDOW
        window = f"in the last {int(RECENT_WINDOW.total_seconds() // 60)} minutes"

        depth = GaugeMetricFamily(
            "viralspot_queue_jobs", "Jobs waiting or running, by job kind, status (the kind's own word) and "
            "priority (\"none\" for kinds without one)", labels=["kind", "status", "priority"])
        running = GaugeMetricFamily("viralspot_jobs_running", "Jobs being processed by a worker now, by job kind",
                                    labels=["kind"])
        running_by_kind = {kind: 0 for kind in job_models()}
        for kind, status, priority, jobs in queue_depth_for_metrics():
            depth.add_metric([kind, status, priority], jobs)
            if status == job_models()[kind].job_statuses.processing:
                running_by_kind[kind] += jobs
        for kind, jobs in sorted(running_by_kind.items()):
            running.add_metric([kind], jobs)
        yield depth
        yield running
        caps = GaugeMetricFamily(
            "viralspot_queue_running_cap", "Most jobs that may run at once (QUEUE_MAX_RUNNING_*), by job kind and "
            "priority (\"all\" for a whole kind's cap); absent: no cap", labels=["kind", "priority"])
        for kind, model in sorted(job_models().items()):
            policy = claim_policy(model)
            for level, cap in sorted(policy.level_caps.items()):
                caps.add_metric([kind, LEVEL_NAMES[level]], cap)
            if policy.kind_cap:
                caps.add_metric([kind, "all"], policy.kind_cap)
        yield caps

        events = recent_event_counts(since)
        # Counts over a sliding window go down as well as up: gauges, not counters.
        families = (
            ("viralspot_job_claims_recent", f"Attempts started (jobs claimed by a worker) {window}", events.claims),
            ("viralspot_job_completions_recent", f"Jobs completed {window}", events.completions),
            ("viralspot_job_failures_recent", f"Jobs failed for good {window}", events.failures),
            ("viralspot_job_retries_recent", f"Failed attempts sent back to the queue with back-off {window}",
             events.retries),
            ("viralspot_job_pauses_recent", f"Running LOW jobs paused for higher-priority work (preemption) {window}",
             events.pauses),
            ("viralspot_job_promotions_recent", f"Waiting LOW jobs moved up a level by aging {window}",
             events.promotions),
        )
        for name, help_text, per_kind in families:
            family = GaugeMetricFamily(name, help_text, labels=["kind"])
            for kind in sorted(job_models()):
                family.add_metric([kind], per_kind.get(kind, 0))
            yield family
        recoveries = GaugeMetricFamily(
            "viralspot_job_recoveries_recent", f"Attempts taken back from a lost worker (WORKER_LOST) or handed "
            f"back by their worker after losing the database (DATABASE_LOST) or being stopped (WORKER_STOPPED) {window}", labels=["kind", "error_code"])
        for kind in sorted(job_models()):
            for code in RECOVERY_CODES:
                recoveries.add_metric([kind, code], events.recoveries.get((kind, code), 0))
        yield recoveries

        durations = HistogramMetricFamily(
            "viralspot_job_duration_seconds", f"Wall time of the successful attempt of jobs completed {window}",
            labels=["kind"])
        waits = HistogramMetricFamily(
            "viralspot_job_queue_wait_seconds", f"Submission to the start of the successful attempt, of jobs "
            f"completed {window}", labels=["kind"])
        for kind, model in sorted(job_models().items()):
            duration, wait = recent_finished_histograms(model, since)
            durations.add_metric([kind], duration.buckets, duration.sum)
            waits.add_metric([kind], wait.buckets, wait.sum)
        yield durations
        yield waits

        yield GaugeMetricFamily("viralspot_open_streams", "Live progress streams (SSE) open in this web process",
                                value=hub.stream_count)

        alive, silence = worker_liveness(now)
        yield GaugeMetricFamily(
            "viralspot_workers_alive", "Worker processes whose heartbeat is newer than "
            "WORKER_HEARTBEAT_TIMEOUT_SECONDS", value=alive)
        if silence is not None:
            yield GaugeMetricFamily("viralspot_worker_last_beat_age_seconds",
                                    "Seconds since the newest worker heartbeat (absent: no worker ever beat)",
                                    value=silence)


registry = CollectorRegistry(auto_describe=False)
registry.register(JobMetricsCollector())


def token_accepted(request) -> bool:
    """No METRICS_TOKEN: open. Otherwise `Authorization: Bearer <token>`, compared in constant time."""
    expected = settings.METRICS_TOKEN
    if not expected:
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


def metrics(request):
    """Prometheus's scrape endpoint: a plain view, outside the API's throttles (one scraper, one
    address, every few seconds), protected by METRICS_TOKEN when it is set."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse("Method not allowed\n", status=405, content_type="text/plain; charset=utf-8",
                            headers={"Allow": "GET, HEAD"})
    if not token_accepted(request):
        return HttpResponse("Unauthorized: send Authorization: Bearer <METRICS_TOKEN>\n", status=401,
                            content_type="text/plain; charset=utf-8", headers={"WWW-Authenticate": "Bearer"})
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
