"""The change-feed read cache behind GET /api/profile/{username}/status (jobs.read_cache).

A status answer is kept per username until the change feed announces a change that can alter it
(a service's commit in this process, or a NOTIFY the listener hears): a progress report ends the
answers of its own job, a new job ends those waiting behind it and those showing no active job,
any other change of a profile job ends every profile answer, and changes of other job kinds end
none. At most READ_CACHE_SECONDS, or until the answer itself says it changes (a job ahead coming
due for its retry). It is used only while the listener is connected ("live"). Each test gets a
cache of its own, so nothing another test (or a live server) did leaks in.
"""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from psycopg.conninfo import make_conninfo

from jobs import read_cache
from jobs.models import GenerationJob
from jobs.read_cache import Change, ChangeFeedCache, ReadScope
from jobs.services import PROGRESS_CHANNEL, job_claim, job_fail, job_report_progress
from profiles import querysets
from profiles.models import ProfileJob
from profiles.providers.base import RateLimited
from support.waiting import wait_until


@pytest.fixture
def reads(monkeypatch):
    """A fresh cache in place of the process's one (services, status reads and the listener
    all look it up as jobs.read_cache.reads when they use it)."""
    cache = ChangeFeedCache()
    monkeypatch.setattr(read_cache, "reads", cache)
    return cache


@pytest.fixture
def live_reads(reads, settings):
    """The cache as a web process with a connected listener has it."""
    settings.READ_CACHE_SECONDS = 300
    reads.set_live(True)
    return reads


class Clock:
    """The wall clock jobs.read_cache reads, moved only by the test."""

    def __init__(self, start: float):
        self.now = start

    def time(self) -> float:
        return self.now

    def at(self, seconds_from_start: float) -> datetime:
        return datetime.fromtimestamp(self.now + seconds_from_start, tz=dt_timezone.utc)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(float(int(time.time())))  # whole seconds: datetimes hold microseconds exactly
    monkeypatch.setattr(read_cache, "time", SimpleNamespace(time=clock.time))
    return clock


def pending_job(username: str, priority: str = "HIGH", **fields) -> ProfileJob:
    return ProfileJob.objects.create(username=username, source="frontend", priority=priority, **fields)


def status_data(client, username: str) -> dict:
    response = client.get(f"/api/profile/{username}/status")
    assert response.status_code == 200, response.content
    return response.json()["data"]


# --- through the status endpoint ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_status_read_of_the_same_profile_makes_no_query(anonymous, live_reads, django_assert_num_queries):
    job = pending_job("cached.one")

    with django_assert_num_queries(1):
        first = status_data(anonymous, "cached.one")
    with django_assert_num_queries(0):
        second = status_data(anonymous, "cached.one")

    assert first["status"] == second["status"] == "PENDING"
    assert first["job_id"] == second["job_id"] == str(job.pk)
    assert (live_reads.hits, live_reads.misses) == (1, 1)


@pytest.mark.django_db
def test_a_change_made_through_the_services_sends_the_next_read_to_the_database(
    anonymous, live_reads, django_assert_num_queries, django_capture_on_commit_callbacks
):
    job = pending_job("changing.one")
    assert status_data(anonymous, "changing.one")["status"] == "PENDING"
    # An edit nobody announces is not seen: the answer really comes from the cache.
    ProfileJob.objects.filter(pk=job.pk).update(progress_message="edited by hand")
    with django_assert_num_queries(0):
        assert status_data(anonymous, "changing.one")["progress_message"] != "edited by hand"

    with django_capture_on_commit_callbacks(execute=True):
        claimed = job_claim(ProfileJob, job_id=job.pk)
    with django_assert_num_queries(1):
        after_claim = status_data(anonymous, "changing.one")
    assert (after_claim["status"], after_claim["processing_stage"]) == ("PROCESSING", "starting")

    with django_capture_on_commit_callbacks(execute=True):
        job_report_progress(claimed, stage="analyzing_content", percentage=40, message="Scoring reels")
    with django_assert_num_queries(1):
        after_report = status_data(anonymous, "changing.one")
    with django_assert_num_queries(0):
        again = status_data(anonymous, "changing.one")
    # The same rows; what is computed at the moment of asking (the job's age, its ETA) moves on.
    moving = {"processing_duration_seconds", "estimated_seconds_remaining", "estimated_time_remaining"}
    assert {k: v for k, v in again.items() if k not in moving} == {k: v for k, v in after_report.items() if k not in moving}
    assert again["processing_duration_seconds"] >= after_report["processing_duration_seconds"]
    assert (after_report["processing_stage"], after_report["progress_percentage"]) == ("analyzing_content", 40.0)
    assert after_report["progress_message"] == "Scoring reels"


@pytest.mark.django_db
def test_a_change_of_another_job_also_ends_the_cached_answer(
    anonymous, live_reads, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # A job ahead starting changes this one's place in line (and the number running).
    ahead = pending_job("ahead.one")
    pending_job("behind.one")
    assert status_data(anonymous, "behind.one")["queue_position"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert job_claim(ProfileJob, job_id=ahead.pk) is not None

    with django_assert_num_queries(1):
        assert status_data(anonymous, "behind.one")["queue_position"] == 1


def request_data(client, username: str, source: str = "api") -> dict:
    response = client.post(f"/api/profile/{username}/request?source={source}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


@pytest.mark.django_db
def test_a_request_for_a_new_name_is_one_statement_and_asking_again_soon_none(
    anonymous, live_reads, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # The request statement (no read first: nothing was known of the name), and the wake-up
    # sent to a worker on commit.
    with django_assert_num_queries(2), django_capture_on_commit_callbacks(execute=True):
        assert request_data(anonymous, "brand.new")["profile_type"] == "new"
    # What the statement read back is kept: its own insert does not end it.
    with django_assert_num_queries(0):
        again = request_data(anonymous, "brand.new")
    with django_assert_num_queries(0):
        third = status_data(anonymous, "brand.new")

    assert again["skip_reason"] == "already_in_queue" and third["status"] == "PENDING"
    assert again["job_id"] == third["job_id"] == str(ProfileJob.objects.get(username="brand.new").pk)
    assert again["queue_position"] == third["queue_position"] == 1
    assert ProfileJob.objects.filter(username="brand.new").count() == 1


@pytest.mark.django_db
def test_a_new_job_behind_keeps_the_cached_answer_and_a_new_job_ahead_ends_it(
    anonymous, live_reads, django_assert_num_queries, django_capture_on_commit_callbacks
):
    pending_job("waiting.medium", priority="MEDIUM")
    assert status_data(anonymous, "waiting.medium")["queue_position"] == 1
    with django_assert_num_queries(0):
        status_data(anonymous, "waiting.medium")

    with django_capture_on_commit_callbacks(execute=True):  # MEDIUM: in line behind it
        assert request_data(anonymous, "later.medium", source="api")["profile_type"] == "new"
    with django_assert_num_queries(0):
        assert status_data(anonymous, "waiting.medium")["queue_position"] == 1

    with django_capture_on_commit_callbacks(execute=True):  # HIGH: ahead of it
        assert request_data(anonymous, "urgent.high", source="frontend")["profile_type"] == "new"
    with django_assert_num_queries(1):
        assert status_data(anonymous, "waiting.medium")["queue_position"] == 2


@pytest.mark.django_db
def test_a_new_job_ends_the_cached_answer_of_a_name_with_no_active_job(
    anonymous, live_reads, django_assert_num_queries, django_capture_on_commit_callbacks
):
    assert status_data(anonymous, "not.yet")["status"] == "NOT_FOUND"
    # Queued by another web process: this one hears of it only through the listener.
    job = pending_job("not.yet", priority="LOW")
    job.refresh_from_db()
    live_reads.announced({"id": 1, "kind": job.job_kind, "job": str(job.pk), "change": "insert",
                          "rank": job.priority_rank, "ticket": job.queue_ticket})

    with django_assert_num_queries(1):
        assert status_data(anonymous, "not.yet")["status"] == "PENDING"


@pytest.mark.django_db
def test_a_progress_report_ends_only_the_answer_of_its_own_job(
    anonymous, live_reads, django_assert_num_queries, django_capture_on_commit_callbacks
):
    running = job_claim(ProfileJob, job_id=pending_job("running.one").pk)
    pending_job("waiting.one")
    assert status_data(anonymous, "running.one")["status"] == "PROCESSING"
    assert status_data(anonymous, "waiting.one")["queue_position"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        job_report_progress(running, stage="analyzing_content", percentage=55, message="Halfway")

    with django_assert_num_queries(1):
        assert status_data(anonymous, "running.one")["progress_percentage"] == 55.0
    with django_assert_num_queries(0):
        assert status_data(anonymous, "waiting.one")["queue_position"] == 1


@pytest.mark.django_db
def test_a_change_of_another_job_kind_keeps_every_profile_answer(
    anonymous, alice, live_reads, django_assert_num_queries, django_capture_on_commit_callbacks
):
    pending_job("kept.one")
    status_data(anonymous, "kept.one")
    article = GenerationJob.objects.create(owner=alice, mode="topic", topic="Posture")

    with django_capture_on_commit_callbacks(execute=True):
        assert job_claim(GenerationJob, job_id=article.pk) is not None

    with django_assert_num_queries(0):
        assert status_data(anonymous, "kept.one")["status"] == "PENDING"


@pytest.mark.django_db
def test_while_the_listener_is_not_connected_every_read_queries(anonymous, reads, settings, django_assert_num_queries):
    settings.READ_CACHE_SECONDS = 300
    pending_job("not.live")
    assert reads.live is False  # no listener yet

    for _ in range(3):
        with django_assert_num_queries(1):
            assert status_data(anonymous, "not.live")["status"] == "PENDING"

    reads.set_live(True)
    status_data(anonymous, "not.live")
    with django_assert_num_queries(0):
        status_data(anonymous, "not.live")
    reads.set_live(False)  # the listener lost its connection: nothing announces changes now
    for _ in range(2):
        with django_assert_num_queries(1):
            status_data(anonymous, "not.live")


@pytest.mark.django_db
def test_with_read_cache_seconds_zero_the_cache_is_bypassed(anonymous, live_reads, settings, django_assert_num_queries):
    settings.READ_CACHE_SECONDS = 0
    pending_job("no.cache")

    for _ in range(3):
        with django_assert_num_queries(1):
            assert status_data(anonymous, "no.cache")["status"] == "PENDING"

    assert (live_reads.hits, live_reads.misses) == (0, 0)


@pytest.mark.django_db
def test_a_change_committed_while_a_read_is_in_flight_invalidates_that_read(
    anonymous, live_reads, monkeypatch, django_assert_num_queries, django_capture_on_commit_callbacks
):
    job = pending_job("in.flight")
    real_read = querysets.status_page_read

    def read_overtaken_by_a_claim(username):
        answer = real_read(username)  # what the database said a moment ago: PENDING
        with django_capture_on_commit_callbacks(execute=True):
            job_claim(ProfileJob, job_id=job.pk)  # a worker commits before the read is stored
        monkeypatch.setattr(querysets, "status_page_read", real_read)
        return answer

    monkeypatch.setattr(querysets, "status_page_read", read_overtaken_by_a_claim)
    assert status_data(anonymous, "in.flight")["status"] == "PENDING"

    with django_assert_num_queries(1):
        assert status_data(anonymous, "in.flight")["status"] == "PROCESSING"


@pytest.mark.django_db
def test_an_answer_expires_when_a_job_ahead_comes_due_for_its_retry(
    anonymous, live_reads, clock, django_assert_num_queries
):
    ahead = pending_job("retry.ahead")
    claimed = job_claim(ProfileJob, job_id=ahead.pk)
    assert job_fail(claimed, error=RateLimited("slow down")) == "PENDING"  # back in 2 minutes
    pending_job("retry.behind")
    ahead.refresh_from_db()
    retry_at = ahead.next_attempt_at
    clock.now = time.time()

    first = status_data(anonymous, "retry.behind")
    assert first["queue_position"] == 1  # the job ahead is not in line while it waits

    # Its time comes (moved forward by hand here: the database's clock is the real one).
    ProfileJob.objects.filter(pk=ahead.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    clock.now = retry_at.timestamp() - 0.5
    with django_assert_num_queries(0):
        assert status_data(anonymous, "retry.behind")["queue_position"] == 1  # not yet: still cached
    clock.now = retry_at.timestamp()
    with django_assert_num_queries(1):
        assert status_data(anonymous, "retry.behind")["queue_position"] == 2


# --- the cache itself -------------------------------------------------------------------------


@dataclass
class Answer:
    number: int
    changes_at: datetime | None = None

    def changes_by_itself_at(self):
        return self.changes_at


class CountingRead:
    def __init__(self, changes_at=None):
        self.calls = 0
        self.changes_at = changes_at

    def __call__(self) -> Answer:
        self.calls += 1
        return Answer(self.calls, self.changes_at)


def test_an_answer_that_already_changed_by_itself_is_never_served_from_the_cache(live_reads, clock):
    read = CountingRead(changes_at=clock.at(-1))

    answers = [live_reads.get_or_read("key", read).number for _ in range(3)]

    assert answers == [1, 2, 3]
    assert live_reads.hits == 0


def test_an_answer_that_changes_by_itself_soon_is_served_until_then(live_reads, clock):
    read = CountingRead(changes_at=clock.at(2))
    start = clock.now

    assert live_reads.get_or_read("key", read).number == 1
    clock.now = start + 1.9
    assert live_reads.get_or_read("key", read).number == 1
    clock.now = start + 2
    assert live_reads.get_or_read("key", read).number == 2


def test_every_answer_expires_after_read_cache_seconds(live_reads, clock, settings):
    settings.READ_CACHE_SECONDS = 30
    read = CountingRead()
    start = clock.now

    assert live_reads.get_or_read("key", read).number == 1
    clock.now = start + 29.9
    assert live_reads.get_or_read("key", read).number == 1
    clock.now = start + 30
    assert live_reads.get_or_read("key", read).number == 2


def test_a_change_announced_during_a_read_leaves_that_read_uncached(live_reads):
    calls = []

    def read():
        calls.append(1)
        if len(calls) == 1:
            live_reads.changed()  # a notification that may have changed anything arrives meanwhile
        return len(calls)

    assert live_reads.get_or_read("key", read) == 1
    assert live_reads.get_or_read("key", read) == 2
    assert live_reads.get_or_read("key", read) == 2  # this one was read after the change: kept


def scoped(number: int, scope: ReadScope | None) -> SimpleNamespace:
    return SimpleNamespace(number=number, cache_scope=lambda: scope)


WAITING_MEDIUM = ReadScope(kind="profile", job_id="job-a", waiting_at=(2, 100))
RUNNING = ReadScope(kind="profile", job_id="job-b")
NO_ACTIVE_JOB = ReadScope(kind="profile")


def cached_after(cache: ChangeFeedCache, change: Change, scopes: dict) -> set:
    """The keys still cached after `change`, of values with these scopes."""
    for key, scope in scopes.items():
        cache.put(key, scoped(1, scope), since=cache.generation)
    cache.changed(change)
    return {key for key in scopes if cache.peek(key) is not None}


SCOPES = {"waiting": WAITING_MEDIUM, "running": RUNNING, "idle": NO_ACTIVE_JOB, "unscoped": None,
          "article": ReadScope(kind="generation", job_id="job-c")}


@pytest.mark.parametrize(("change", "kept"), [
    (Change(kind="profile", what="progress", job_id="job-b"), {"waiting", "idle", "article"}),
    (Change(kind="profile", what="progress", job_id="job-z"), {"waiting", "running", "idle", "article"}),
    (Change(kind="profile", what="insert", job_id="new", waiting_at=(2, 101)), {"waiting", "running", "article"}),
    (Change(kind="profile", what="insert", job_id="new", waiting_at=(2, 99)), {"running", "article"}),
    (Change(kind="profile", what="insert", job_id="new", waiting_at=(1, 500)), {"running", "article"}),
    (Change(kind="profile", what="insert", job_id="new", waiting_at=(3, 1)), {"waiting", "running", "article"}),
    (Change(kind="profile"), {"article"}),
    (Change(kind="generation"), {"waiting", "running", "idle"}),
    (Change(kind=None), set()),
], ids=["progress-of-its-job", "progress-of-another", "insert-behind", "insert-ahead-same-rank",
        "insert-higher-priority", "insert-lower-priority", "state-change", "other-kind", "anything"])
def test_each_change_ends_exactly_the_values_it_can_alter(live_reads, change, kept):
    assert cached_after(live_reads, change, SCOPES) == kept


@pytest.mark.parametrize(("payload", "kept"), [
    ({"id": 1, "kind": "profile", "job": "job-b", "change": "progress"}, {"waiting", "idle", "article"}),
    ({"id": 1, "kind": "profile", "job": "new", "change": "insert", "rank": 2, "ticket": 101},
     {"waiting", "running", "article"}),
    # Without what the insert needs to be told apart, it counts as any change of the kind.
    ({"id": 1, "kind": "profile", "job": "new", "change": "insert"}, {"article"}),
    ({"id": 1, "kind": "profile", "job": "job-b"}, {"article"}),
    ({"id": 1, "kind": "profile", "job": "job-b", "change": "something new"}, {"article"}),
])
def test_a_notification_is_read_for_what_it_says_changed(live_reads, payload, kept):
    for key, scope in SCOPES.items():
        live_reads.put(key, scoped(1, scope), since=live_reads.generation)

    live_reads.announced(payload)

    assert {key for key in SCOPES if live_reads.peek(key) is not None} == kept


def test_a_change_during_a_read_that_cannot_alter_it_lets_it_be_kept(live_reads):
    def read_while_another_job_reports():
        live_reads.changed(Change(kind="profile", what="progress", job_id="job-z"))
        return scoped(1, WAITING_MEDIUM)

    def read_while_a_job_starts():
        live_reads.changed(Change(kind="profile"))
        return scoped(2, WAITING_MEDIUM)

    assert live_reads.get_or_read("kept", read_while_another_job_reports).number == 1
    assert live_reads.peek("kept").number == 1
    assert live_reads.get_or_read("dropped", read_while_a_job_starts).number == 2
    assert live_reads.peek("dropped") is None


@pytest.mark.parametrize(("inserted_at", "kept"), [((2, 101), True), ((2, 99), False), ((1, 500), False)],
                         ids=["behind", "ahead-same-rank", "ahead-higher-priority"])
def test_a_job_inserted_during_a_read_ends_it_only_if_it_is_ahead(live_reads, inserted_at, kept):
    def read_while_a_job_is_inserted():
        live_reads.changed(Change(kind="profile", what="insert", job_id="new", waiting_at=inserted_at))
        return scoped(1, WAITING_MEDIUM)

    live_reads.get_or_read("key", read_while_a_job_is_inserted)

    assert (live_reads.peek("key") is not None) is kept


def test_a_read_overtaken_by_more_changes_than_are_remembered_is_not_kept(reads, settings):
    settings.READ_CACHE_SECONDS = 300
    cache = ChangeFeedCache(recent_changes=4)
    cache.set_live(True)

    def read_overtaken_by_many():
        for _ in range(5):  # none alters it, but one of them is no longer known
            cache.changed(Change(kind="generation"))
        return scoped(1, WAITING_MEDIUM)

    cache.get_or_read("key", read_overtaken_by_many)

    assert cache.peek("key") is None


def test_a_replaced_or_ended_value_leaves_nothing_behind_in_the_index(live_reads):
    live_reads.put("key", scoped(1, WAITING_MEDIUM), since=live_reads.generation)
    live_reads.put("key", scoped(2, RUNNING), since=live_reads.generation)  # the job started

    # No longer waiting: a job inserted ahead of where it waited does not end it...
    live_reads.changed(Change(kind="profile", what="insert", job_id="new", waiting_at=(1, 1)))
    assert live_reads.peek("key").number == 2
    # ...but its own progress does, and nothing of it is left to end twice.
    live_reads.changed(Change(kind="profile", what="progress", job_id="job-b"))
    assert live_reads.peek("key") is None
    live_reads.changed(Change(kind="profile", what="progress", job_id="job-b"))
    assert live_reads._kinds["profile"].keys == set()


# --- end to end: the real listener of a running web server --------------------------------------


def conninfo_for_tests() -> str:
    s = connection.settings_dict
    params = {"dbname": s["NAME"], "user": s.get("USER"), "password": s.get("PASSWORD"),
              "host": s.get("HOST") or "127.0.0.1", "port": s.get("PORT")}
    return make_conninfo(**{k: v for k, v in params.items() if v})


def http_status(base_url: str, username: str) -> dict:
    with urllib.request.urlopen(f"{base_url}/api/profile/{username}/status", timeout=30) as response:
        assert response.status == 200
        return json.loads(response.read())["data"]


def test_a_served_status_stays_cached_until_the_listener_hears_a_notification(asgi_server, monkeypatch, settings):
    settings.READ_CACHE_SECONDS = 300
    cache = ChangeFeedCache()
    monkeypatch.setattr(read_cache, "reads", cache)
    job = pending_job("served.status")

    assert http_status(asgi_server, "served.status")["status"] == "PENDING"  # starts the listener
    assert wait_until(lambda: cache.live), "the server's progress listener never connected"
    http_status(asgi_server, "served.status")
    hits, misses = cache.hits, cache.misses
    cached = http_status(asgi_server, "served.status")
    assert (cache.hits, cache.misses) == (hits + 1, misses)
    assert cached["status"] == "PENDING"

    other = psycopg.connect(conninfo_for_tests(), autocommit=True)  # another process, say
    try:
        other.execute(
            "UPDATE queue SET status = 'PROCESSING', stage = 'analyzing_content', progress_percentage = 42, "
            "progress_message = 'changed elsewhere', attempts = 1, last_attempt = now(), heartbeat_at = now() "
            "WHERE id = %s", [job.pk])
        # Committed but not announced: the server still answers from its cache.
        assert http_status(asgi_server, "served.status")["status"] == "PENDING"

        other.execute("SELECT pg_notify(%s, %s)",
                      [PROGRESS_CHANNEL, json.dumps({"id": 0, "kind": "profile", "job": str(job.pk)})])
        seen = wait_until(lambda: (data := http_status(asgi_server, "served.status"))["status"] == "PROCESSING" and data)
    finally:
        other.close()

    assert seen, "the notification never reached the server's cache"
    assert (seen["processing_stage"], seen["progress_percentage"], seen["progress_message"]) == (
        "analyzing_content", 42.0, "changed elsewhere")
