"""The console's front page for the scheduler's operator: profile jobs per priority beside their caps,
and the last hour's completions, failures, pauses and promotions in five-minute bars.

Jobs and their events are made by the services a worker and the sweep use (claims, completions,
failures, preemption, aging); only the events' times are moved back, to place them in the hour.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.admin import last_hour_figures_for_dashboard, priority_figures_for_dashboard
from jobs.errors import PermanentJobError, RetryableJobError
from jobs.models import ProgressEvent
from jobs.scheduling import promote_aged_jobs
from jobs.services import (generation_job_create, job_claim, job_complete, job_fail, job_report_progress,
                           job_yield_to_waiting)
from profiles.models import ProfileJob

pytestmark = pytest.mark.django_db

Status = ProfileJob.Status


@pytest.fixture
def staff_console(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def caps(settings):
    """The shipped caps (HIGH 3, the others none; tests/conftest.py lifts HIGH's for other tests)."""
    settings.QUEUE_MAX_RUNNING_HIGH = 3
    settings.QUEUE_MAX_RUNNING_MEDIUM = 0
    settings.QUEUE_MAX_RUNNING_LOW = 0
    return settings


def queue(username: str, priority: str, *, age_minutes: float = 0.0, **fields) -> ProfileJob:
    at = timezone.now() - timedelta(minutes=age_minutes)
    return ProfileJob.objects.create(username=username, source="frontend", priority=priority, timestamp=at,
                                     next_attempt_at=at, **fields)


def running(username: str, priority: str) -> ProfileJob:
    queue(username, priority)
    job = job_claim(ProfileJob, job_id=ProfileJob.objects.get(username=username).pk)
    assert job is not None and job.status == Status.PROCESSING
    return job


def waiting_to_retry(username: str, priority: str) -> ProfileJob:
    job = running(username, priority)
    job_fail(job, error=RetryableJobError("Instagram answered 429"))
    job.refresh_from_db()
    assert job.status == Status.PENDING and job.next_attempt_at > timezone.now()
    return job


def happened(minutes_ago: float, job) -> None:
    """Move the job's events back in time (all of them, as if its whole life was then)."""
    ProgressEvent.objects.filter(job_id=job.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))


def completed_profile_job(username: str, minutes_ago: float) -> ProfileJob:
    job = running(username, "MEDIUM")
    job_report_progress(job, stage="fetching_profile_data", percentage=40, message="Fetching")
    job_complete(job)
    happened(minutes_ago, job)
    return job


def failed_profile_job(username: str, minutes_ago: float) -> ProfileJob:
    job = running(username, "MEDIUM")
    job_fail(job, error=PermanentJobError("No such account", error_code="PROFILE_NOT_FOUND"))
    happened(minutes_ago, job)
    return job


def levels_of(figures) -> dict:
    return {row.level: row for row in figures["levels"]}


def kinds_of(figures) -> dict:
    return {row.kind: row for row in figures["kinds"]}


def figure(page: str, row_attribute: str, name: str) -> str:
    """The text of a dashboard cell: <tr data-level="HIGH"> … <td data-figure="running">3</td>."""
    match = re.search(rf'<tr {row_attribute}>.*?data-figure="{name}">(.*?)</td>', page, re.S)
    assert match, f"no {name} figure in the row {row_attribute}"
    return re.sub(r"<[^>]+>", " ", match.group(1)).split()[0]


# --- Profile jobs per priority -----------------------------------------------------------------


def test_each_priority_counts_its_due_waiting_jobs_its_running_jobs_and_those_waiting_to_retry(caps):
    for n in range(3):
        running(f"high.run{n}", "HIGH")
    queue("high.wait0", "HIGH")
    queue("high.wait1", "HIGH")
    waiting_to_retry("high.backoff", "HIGH")
    queue("medium.wait", "MEDIUM")
    for n in range(5):
        queue(f"low.wait{n}", "LOW", age_minutes=12 - n)
    running("low.run", "LOW")
    completed_profile_job("high.done", minutes_ago=1)  # finished work is not in a queue

    levels = levels_of(priority_figures_for_dashboard())

    assert (levels["HIGH"].waiting, levels["HIGH"].waiting_to_retry, levels["HIGH"].running) == (2, 1, 3)
    assert (levels["MEDIUM"].waiting, levels["MEDIUM"].running) == (1, 0)
    assert (levels["LOW"].waiting, levels["LOW"].waiting_to_retry, levels["LOW"].running) == (5, 0, 1)
    assert levels["LOW"].longest_wait == "12 minutes"
    assert levels["MEDIUM"].longest_wait != "-" and levels["HIGH"].longest_wait != "-"


def test_each_level_shows_its_cap_from_settings_and_a_full_level_says_it_is_at_its_cap(caps):
    caps.QUEUE_MAX_RUNNING_LOW = 2
    for n in range(3):
        running(f"high.run{n}", "HIGH")
    running("low.run", "LOW")

    levels = levels_of(priority_figures_for_dashboard())

    assert [levels[level].cap_text for level in ("HIGH", "MEDIUM", "LOW")] == ["3", "no cap", "2"]
    assert levels["HIGH"].at_cap and not levels["LOW"].at_cap and not levels["MEDIUM"].at_cap

    caps.QUEUE_MAX_RUNNING_HIGH = 0
    levels = levels_of(priority_figures_for_dashboard())
    assert levels["HIGH"].cap_text == "no cap" and not levels["HIGH"].at_cap


def test_the_priority_bars_share_one_scale_so_a_long_low_queue_looks_long(caps):
    for n in range(3):
        running(f"high.run{n}", "HIGH")
    for n in range(6):
        queue(f"low.wait{n}", "LOW")

    levels = levels_of(priority_figures_for_dashboard())

    # The longest row is LOW's 6 waiting; HIGH's 3 running reach its cap, at half of that.
    assert (levels["LOW"].running_width, levels["LOW"].waiting_width) == (0.0, 100.0)
    assert (levels["HIGH"].running_width, levels["HIGH"].waiting_width, levels["HIGH"].cap_x) == (50.0, 0.0, 50.0)
    assert levels["MEDIUM"].cap_x is None


# --- The last hour -----------------------------------------------------------------------------


def test_the_last_hour_counts_completions_and_failures_per_kind_in_twelve_five_minute_buckets(alice):
    completed_profile_job("done.now", minutes_ago=2)  # the newest bucket
    completed_profile_job("done.seven.a", minutes_ago=7)
    completed_profile_job("done.seven.b", minutes_ago=7)
    failed_profile_job("failed.seven", minutes_ago=7)
    failed_profile_job("failed.half", minutes_ago=32)  # 35 to 30 minutes ago: the sixth bucket
    completed_profile_job("done.too.long.ago", minutes_ago=61)  # older than the hour: not counted
    waiting_to_retry("retried", "MEDIUM")  # a failed attempt going back to the queue is not a failure
    article = generation_job_create(owner=alice, mode="topic", topic="Sourdough starter tips")
    job_complete(job_claim(type(article), job_id=article.pk))
    happened(57, article)  # the oldest bucket

    figures = last_hour_figures_for_dashboard()
    kinds = kinds_of(figures)
    profile, generation = kinds["profile"], kinds["generation"]

    assert (profile.completed, profile.failed) == (3, 2)
    assert [(bar.completed, bar.failed) for bar in profile.bars] == [
        (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 1), (0, 0), (0, 0), (0, 0), (0, 0), (2, 1), (1, 0)]
    assert (generation.completed, generation.failed) == (1, 0)
    assert (generation.bars[0].completed, sum(bar.completed for bar in generation.bars)) == (1, 1)
    assert (kinds["viral_ideas"].completed, kinds["viral_ideas"].failed) == (0, 0)
    assert len(profile.bars) == 12 and profile.tallest == 3
    assert profile.bars[10].title.endswith("UTC: 2 completed, 1 failed")


def test_the_bars_stack_failed_on_completed_scaled_to_the_fullest_bucket():
    for n in range(3):
        completed_profile_job(f"done.{n}", minutes_ago=2)
    failed_profile_job("failed", minutes_ago=2)
    completed_profile_job("alone", minutes_ago=12)

    bars = kinds_of(last_hour_figures_for_dashboard())["profile"].bars

    newest, earlier = bars[11], bars[9]
    assert (newest.completed_y, newest.completed_height) == (10.0, 30.0)  # 3 of 4 jobs: 30 of 40 units
    assert (newest.failed_y, newest.failed_height) == (0.0, 10.0)  # on top of them
    assert (earlier.completed_y, earlier.completed_height, earlier.failed_height) == (30.0, 10.0, 0.0)
    assert bars[0].completed_height == bars[0].failed_height == 0.0


def test_pauses_for_higher_priority_work_and_promotions_by_aging_of_the_last_hour_are_counted(settings):
    settings.QUEUE_PREEMPTION = True
    settings.QUEUE_PREEMPT_AFTER_SECONDS = 0
    settings.QUEUE_AGING_MINUTES = 30
    # Two pauses: one 10 minutes ago, one 70 minutes ago (not counted).
    for name, minutes_ago in (("crawled.recent", 10), ("crawled.old", 70)):
        low = running(name, "LOW")
        queue(f"asked.{name}", "HIGH")
        assert job_yield_to_waiting(low) is not None
        happened(minutes_ago, low)
    # Two promotions by the sweep's aging, 20 minutes ago.
    for name in ("waited.a", "waited.b"):
        queue(name, "LOW", age_minutes=45)
    assert promote_aged_jobs(ProfileJob) == 2
    for job in ProfileJob.objects.filter(username__startswith="waited."):
        happened(20, job)

    figures = last_hour_figures_for_dashboard()

    assert (figures["paused"], figures["promoted"]) == (1, 2)
    # Neither is a completion or a failure.
    assert kinds_of(figures)["profile"].completed == kinds_of(figures)["profile"].failed == 0


def test_the_last_hour_is_read_through_the_created_at_index_however_long_the_history():
    if connection.vendor != "postgresql":
        pytest.skip("the plan asked about is PostgreSQL's")
    # A month of old history (50,000 events) before the hour, and a few events in it.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO progress_events (job_kind, job_id, status, stage, percentage, message, attempt, data, "
            "created_at) SELECT 'profile', gen_random_uuid(), 'COMPLETED', 'completed', 100, 'Completed', 1, "
            "'{}'::jsonb, now() - interval '2 hours' - (n * interval '50 seconds') FROM generate_series(1, 50000) n"
        )
    completed_profile_job("done.now", minutes_ago=2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE progress_events")

    now = timezone.now()
    starts = [now - timedelta(minutes=5) * (12 - index) for index in range(12)]
    plan = ProgressEvent.objects.last_hour_for_dashboard(starts).explain()

    assert "Seq Scan on progress_events" not in plan, plan
    assert re.search(r"Index (Only )?Scan .*progress_events_created_at", plan), plan
    profile = kinds_of(last_hour_figures_for_dashboard(now))["profile"]
    assert profile.completed == 1


# --- The page ------------------------------------------------------------------------------------


def test_the_front_page_shows_the_priorities_and_the_last_hour_in_numbers_and_bars(staff_console, caps):
    for n in range(3):
        running(f"high.run{n}", "HIGH")
    queue("high.wait", "HIGH")
    for n in range(4):
        queue(f"low.wait{n}", "LOW")
    completed_profile_job("done.a", minutes_ago=7)
    completed_profile_job("done.b", minutes_ago=7)
    failed_profile_job("failed", minutes_ago=2)

    response = staff_console.get("/admin/")

    assert response.status_code == 200
    page = response.content.decode()
    assert [figure(page, 'data-level="HIGH"', name) for name in ("waiting", "running", "cap")] == ["1", "3", "3"]
    assert [figure(page, 'data-level="LOW"', name) for name in ("waiting", "running", "cap")] == ["4", "0", "no"]
    assert "AT CAP" in page.split('data-level="HIGH"')[1].split("</tr>")[0]
    assert [figure(page, 'data-kind="profile"', name) for name in ("completed", "failed")] == ["2", "1"]
    assert "UTC: 2 completed, 0 failed</title>" in page and "UTC: 0 completed, 1 failed</title>" in page
    assert page.count('<g role="img" class="vs-spark-bucket">') == 12 * 3  # twelve bars per kind
    assert 'id="queue-figures"' in page and "Workers alive:" in page  # what was there stays
    for module in ("priority-figures", "last-hour-figures"):
        markup = page.split(f'id="{module}"')[1].split("</div>")[0]
        assert "style=" not in markup and "<script" not in markup  # the CSP allows neither inline


def test_the_front_page_is_for_staff_only(anonymous, alice):
    assert Client().get("/admin/").status_code == 302
    creator = Client()
    creator.force_login(alice)
    response = creator.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


# The front page's budget. Django's own: session, user, the user's and their groups' permissions
# (the app list), recent actions (5). The figures: queue depth (one per job kind: 3), workers (1),
# priorities (1), the last hour (1).
FRONT_PAGE_QUERIES = 11


def test_the_front_page_costs_the_same_number_of_queries_with_one_job_or_many(staff_console, alice):
    completed_profile_job("one", minutes_ago=3)
    with CaptureQueriesContext(connection) as few:
        assert staff_console.get("/admin/").status_code == 200

    for n in range(30):
        completed_profile_job(f"many.{n}", minutes_ago=n * 2)
        queue(f"waiting.{n}", ("HIGH", "MEDIUM", "LOW")[n % 3])
    for n in range(5):
        generation_job_create(owner=alice, mode="topic", topic=f"Article {n}")
    with CaptureQueriesContext(connection) as many:
        assert staff_console.get("/admin/").status_code == 200

    assert len(many) == len(few) <= FRONT_PAGE_QUERIES, [query["sql"] for query in many]
