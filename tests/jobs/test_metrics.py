"""GET /metrics (jobs.metrics): what Prometheus reads, computed from the database at scrape time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from jobs.errors import JobError, RetryableJobError
from jobs.metrics import DURATION_BUCKETS
from jobs.models import GenerationJob, ProgressEvent, WorkerHeartbeat
from jobs.scheduling import promote_aged_jobs
from jobs.services import job_claim, job_complete, job_fail, job_hand_back, job_recover, job_yield_to_waiting
from jobs.streams import hub
from profiles.models import ProfileJob
from support.throttles import fresh_counters, rates  # noqa: F401 (fixtures)
from viral_ideas.models import ViralIdeasQueue

pytestmark = pytest.mark.django_db


def scrape(client=None, **headers) -> dict:
    """{metric name: {labels as a sorted tuple of pairs: value}} of one scrape."""
    response = (client or Client()).get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples[name][tuple(sorted(labels.items()))]


def profile_job(username: str, priority: str = "HIGH", **fields) -> ProfileJob:
    return ProfileJob.objects.create(username=username, source="frontend", priority=priority, **fields)


# --- queue depth ----------------------------------------------------------------------------


def test_queue_depth_counts_waiting_and_running_jobs_per_kind_status_and_priority():
    for name in ("one", "two", "three"):
        profile_job(name)
    profile_job("medium", priority="MEDIUM")
    profile_job("running", status="PROCESSING")
    profile_job("done", status="COMPLETED")

    samples = scrape()

    assert value(samples, "viralspot_queue_jobs", kind="profile", status="PENDING", priority="HIGH") == 3
    assert value(samples, "viralspot_queue_jobs", kind="profile", status="PENDING", priority="MEDIUM") == 1
    assert value(samples, "viralspot_queue_jobs", kind="profile", status="PROCESSING", priority="HIGH") == 1
    assert not any(dict(labels)["status"] == "COMPLETED" for labels in samples["viralspot_queue_jobs"])
    assert value(samples, "viralspot_jobs_running", kind="profile") == 1


def test_kinds_without_a_priority_are_labelled_none_and_kinds_with_numbers_keep_them(alice):
    GenerationJob.objects.create(owner=alice, mode="topic", topic="Tea")
    GenerationJob.objects.create(owner=alice, mode="topic", topic="Coffee", status="processing")
    ViralIdeasQueue.objects.create(session_id="s-1", primary_username="creator", priority=2)

    samples = scrape()

    assert value(samples, "viralspot_queue_jobs", kind="generation", status="queued", priority="none") == 1
    assert value(samples, "viralspot_queue_jobs", kind="generation", status="processing", priority="none") == 1
    assert value(samples, "viralspot_queue_jobs", kind="viral_ideas", status="pending", priority="2") == 1
    assert value(samples, "viralspot_jobs_running", kind="generation") == 1
    assert value(samples, "viralspot_jobs_running", kind="viral_ideas") == 0


# --- events: claims, completions, retries, recoveries -----------------------------------------


def test_claims_completions_retries_and_recoveries_are_counted_from_the_job_cores_events(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        profile_job("finishes")
        job_complete(job_claim(ProfileJob, worker_name="host:1"))
        profile_job("retries")
        job_fail(job_claim(ProfileJob, worker_name="host:1"), error=RetryableJobError("slow down"))
        profile_job("fails")
        job_fail(job_claim(ProfileJob, job_id=ProfileJob.objects.get(username="fails").pk, worker_name="host:1"),
                 error=JobError("no such profile"))
        profile_job("lost")
        job_recover(job_claim(ProfileJob, job_id=ProfileJob.objects.get(username="lost").pk, worker_name="dead:2"))
        profile_job("lost.for.good", max_attempts=1)
        job_recover(job_claim(ProfileJob, job_id=ProfileJob.objects.get(username="lost.for.good").pk,
                              worker_name="dead:3"))
        profile_job("handed.back")
        job_hand_back(job_claim(ProfileJob, job_id=ProfileJob.objects.get(username="handed.back").pk),
                      reason="database went away")

    samples = scrape()

    assert value(samples, "viralspot_job_claims_recent", kind="profile") == 6
    assert value(samples, "viralspot_job_completions_recent", kind="profile") == 1
    assert value(samples, "viralspot_job_retries_recent", kind="profile") == 1
    # A lost worker's job with no attempt left ended failed: a failure, not a recovery.
    assert value(samples, "viralspot_job_failures_recent", kind="profile") == 2
    assert value(samples, "viralspot_job_recoveries_recent", kind="profile", error_code="WORKER_LOST") == 1
    assert value(samples, "viralspot_job_recoveries_recent", kind="profile", error_code="DATABASE_LOST") == 1
    assert value(samples, "viralspot_job_recoveries_recent", kind="profile", error_code="WORKER_STOPPED") == 0
    assert value(samples, "viralspot_job_claims_recent", kind="generation") == 0


def test_events_older_than_the_window_are_not_counted(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        profile_job("long.ago")
        job_complete(job_claim(ProfileJob))
    ProgressEvent.objects.update(created_at=timezone.now() - timedelta(hours=2))

    samples = scrape()

    assert value(samples, "viralspot_job_claims_recent", kind="profile") == 0
    assert value(samples, "viralspot_job_completions_recent", kind="profile") == 0


# --- histograms -----------------------------------------------------------------------------


def test_duration_and_queue_wait_histograms_describe_the_jobs_completed_in_the_last_hour():
    now = timezone.now()
    # (submitted this long before the start, ran this long) — seconds.
    for name, waited, ran in (("quick", 2, 3), ("slow", 40, 100)):
        started = now - timedelta(seconds=ran)
        profile_job(name, status="COMPLETED", timestamp=started - timedelta(seconds=waited), last_attempt=started,
                    finished_at=now, duration_seconds=ran)
    profile_job("yesterday", status="COMPLETED", timestamp=now - timedelta(days=1), last_attempt=now - timedelta(days=1),
                finished_at=now - timedelta(hours=23), duration_seconds=7)
    profile_job("failed", status="FAILED", finished_at=now)

    samples = scrape()

    assert value(samples, "viralspot_job_duration_seconds_count", kind="profile") == 2
    assert value(samples, "viralspot_job_duration_seconds_sum", kind="profile") == pytest.approx(103)
    assert value(samples, "viralspot_job_duration_seconds_bucket", kind="profile", le="5.0") == 1
    assert value(samples, "viralspot_job_duration_seconds_bucket", kind="profile", le="60.0") == 1
    assert value(samples, "viralspot_job_duration_seconds_bucket", kind="profile", le="120.0") == 2
    assert value(samples, "viralspot_job_duration_seconds_bucket", kind="profile", le="+Inf") == 2
    assert value(samples, "viralspot_job_queue_wait_seconds_count", kind="profile") == 2
    assert value(samples, "viralspot_job_queue_wait_seconds_sum", kind="profile") == pytest.approx(42)
    assert value(samples, "viralspot_job_queue_wait_seconds_bucket", kind="profile", le="5.0") == 1
    assert value(samples, "viralspot_job_queue_wait_seconds_bucket", kind="profile", le="30.0") == 1
    assert value(samples, "viralspot_job_queue_wait_seconds_bucket", kind="profile", le="60.0") == 2
    assert len(samples["viralspot_job_duration_seconds_bucket"]) == 3 * (len(DURATION_BUCKETS) + 1)


# --- streams and workers --------------------------------------------------------------------


def test_open_streams_are_this_processs_subscriptions(monkeypatch):
    # A stream subscribes on the event loop, which also starts the hub's listener; this test has
    # no loop and needs no listener, only the subscription a stream holds while it is open.
    monkeypatch.setattr(hub, "ensure_running", lambda: None)
    subscription = hub.subscribe("profile", ["4d2c1a3e-0000-0000-0000-000000000001"])
    try:
        assert value(scrape(), "viralspot_open_streams") == hub.stream_count >= 1
        opened = hub.stream_count
    finally:
        subscription.close()
    assert value(scrape(), "viralspot_open_streams") == opened - 1


def test_workers_alive_counts_recent_heartbeats_and_the_age_of_the_newest_beat(settings):
    settings.WORKER_HEARTBEAT_TIMEOUT_SECONDS = 15
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_name="alive:1", beat_at=now - timedelta(seconds=3))
    WorkerHeartbeat.objects.create(worker_name="alive:2", beat_at=now - timedelta(seconds=10))
    WorkerHeartbeat.objects.create(worker_name="silent:3", beat_at=now - timedelta(seconds=16))

    samples = scrape()

    assert value(samples, "viralspot_workers_alive") == 2
    assert 3 <= value(samples, "viralspot_worker_last_beat_age_seconds") < 10


def test_with_no_worker_ever_seen_none_is_alive_and_there_is_no_beat_age():
    samples = scrape()

    assert value(samples, "viralspot_workers_alive") == 0
    assert "viralspot_worker_last_beat_age_seconds" not in samples


# --- protection, throttles, cost ------------------------------------------------------------


def test_with_a_metrics_token_a_scrape_without_it_or_with_a_wrong_one_is_refused(settings):
    settings.METRICS_TOKEN = "scrape-secret"

    missing = Client().get("/metrics")
    wrong = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-secret")
    other_scheme = Client().get("/metrics", HTTP_AUTHORIZATION="Token scrape-secret")

    for refused in (missing, wrong, other_scheme):
        assert refused.status_code == 401
        assert refused["WWW-Authenticate"] == "Bearer"
        assert b"viralspot_" not in refused.content
    assert "viralspot_workers_alive" in scrape(HTTP_AUTHORIZATION="Bearer scrape-secret")


def test_without_a_metrics_token_metrics_are_open(settings):
    settings.METRICS_TOKEN = ""

    assert "viralspot_workers_alive" in scrape()


@pytest.mark.usefixtures("fresh_counters")
def test_hundreds_of_scrapes_from_one_address_are_never_throttled(rates):
    rates(anon="3/min", user="5/min")
    client = Client()

    answers = {client.get("/metrics").status_code for _ in range(300)}

    assert answers == {200}


@pytest.mark.usefixtures("fresh_counters")
def test_the_api_budget_is_spent_by_the_same_client_that_scrapes_freely(rates):
    rates(anon="3/min", user="5/min")
    client = Client()

    for _ in range(50):
        assert client.get("/metrics").status_code == 200
    api_answers = [client.get("/api/profile/someone/status").status_code for _ in range(4)]

    assert api_answers[-1] == 429  # the throttles are on: /metrics is just not behind them
    assert client.get("/metrics").status_code == 200


def test_a_scrape_costs_the_same_number_of_queries_with_one_job_or_many(django_assert_max_num_queries, alice):
    profile_job("only.one")
    with django_assert_max_num_queries(8):
        scrape()

    ProfileJob.objects.bulk_create(
        [ProfileJob(username=f"many.{n}", source="frontend", priority="MEDIUM") for n in range(200)]
    )
    GenerationJob.objects.bulk_create(
        [GenerationJob(owner=alice, mode="topic", topic=f"t{n}", status="completed", finished_at=timezone.now(),
                       duration_seconds=n) for n in range(50)]
    )
    with django_assert_max_num_queries(8):
        samples = scrape()
    assert value(samples, "viralspot_queue_jobs", kind="profile", status="PENDING", priority="MEDIUM") == 200
    assert value(samples, "viralspot_job_duration_seconds_count", kind="generation") == 50


def test_only_get_and_head_are_answered():
    assert Client().post("/metrics").status_code == 405


# --- the staff console's front page ---------------------------------------------------------


def test_the_console_front_page_shows_the_queue_depth_per_kind_and_status_and_the_workers_alive(admin_client):
    for name in ("one", "two", "three"):
        profile_job(name)
    profile_job("running", status="PROCESSING")
    WorkerHeartbeat.objects.create(worker_name="alive:1", beat_at=timezone.now())
    WorkerHeartbeat.objects.create(worker_name="silent:2", beat_at=timezone.now() - timedelta(hours=1))

    response = admin_client.get("/admin/")

    assert response.status_code == 200
    figures = response.context["queue_figures"]
    depth = {(row.kind, row.status): row.jobs for row in figures["rows"]}
    assert depth[("profile", "PENDING")] == 3
    assert depth[("profile", "PROCESSING")] == 1
    assert depth[("generation", "queued")] == 0
    assert figures["workers_alive"] == 1
    page = response.content.decode()
    assert 'id="queue-figures"' in page
    assert 'width="100.0"' in page and 'width="33.3"' in page  # PENDING is the longest bar
    assert "Workers alive: <strong>1</strong>" in page
    assert "style=" not in page.split('id="queue-figures"')[1].split("</div>")[0]
    assert "<script" not in page.split('id="queue-figures"')[1].split("</div>")[0]


# --- scheduling: pauses, promotions, caps -------------------------------------------------------


def test_pauses_promotions_and_caps_are_reported(settings, django_capture_on_commit_callbacks):
    settings.QUEUE_MAX_RUNNING_HIGH = 3
    settings.QUEUE_MAX_RUNNING_BY_KIND = {**settings.QUEUE_MAX_RUNNING_BY_KIND, "generation": 5}
    settings.QUEUE_PREEMPT_AFTER_SECONDS = 0
    settings.QUEUE_AGING_MINUTES = 30
    with django_capture_on_commit_callbacks(execute=True):
        ProfileJob.objects.create(username="crawled", source="crawler", priority="LOW")
        low = job_claim(ProfileJob, worker_name="host:1")
        ProfileJob.objects.create(username="asked", source="frontend", priority="HIGH")
        assert job_yield_to_waiting(low) is not None
        old = timezone.now() - timedelta(minutes=31)
        ProfileJob.objects.create(username="aged", source="crawler", priority="LOW", timestamp=old, next_attempt_at=old)
        assert promote_aged_jobs(ProfileJob) == 1

    samples = scrape()

    assert value(samples, "viralspot_job_pauses_recent", kind="profile") == 1
    assert value(samples, "viralspot_job_promotions_recent", kind="profile") == 1
    # Neither is counted as a retry or a recovery.
    assert value(samples, "viralspot_job_retries_recent", kind="profile") == 0
    assert value(samples, "viralspot_queue_running_cap", kind="profile", priority="HIGH") == 3
    assert value(samples, "viralspot_queue_running_cap", kind="generation", priority="all") == 5
    assert (("kind", "profile"), ("priority", "LOW")) not in samples["viralspot_queue_running_cap"]  # no cap
