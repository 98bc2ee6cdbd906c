"""The one-statement writes on PostgreSQL: claim, progress, insert — rows, events and NOTIFYs.

Each write is one statement that changes the job, appends its event and announces it with
pg_notify. A separate raw psycopg connection LISTENs on the progress channel, as a web
process's listener does, and sees what every other process would see: notifications arrive
only when the writing transaction commits, so the tests that read them commit for real
(transactional database).
"""

from __future__ import annotations

import json
import threading
import time
import uuid

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from psycopg.conninfo import make_conninfo

from jobs import streams
from jobs.errors import JobInterrupted
from jobs.models import GenerationJob, ProgressEvent
from jobs.services import (
    NOTIFY_PAYLOAD_LIMIT,
    PROGRESS_CHANNEL,
    job_cancel,
    job_claim,
    job_complete,
    job_fail,
    job_insert,
    job_recover,
    job_report_progress,
)
from profiles.models import ProfileJob
from profiles.providers.base import RateLimited
from profiles.services import profile_request

# Long enough for a loaded machine to deliver a committed notification; only waited in full
# when a test asserts that nothing arrives.
NOTIFY_WAIT_SECONDS = 3.0


def conninfo_for_tests() -> str:
    """libpq connection string of the database this test runs on (the test database)."""
    s = connection.settings_dict
    params = {"dbname": s["NAME"], "user": s.get("USER"), "password": s.get("PASSWORD"),
              "host": s.get("HOST") or "127.0.0.1", "port": s.get("PORT")}
    return make_conninfo(**{k: v for k, v in params.items() if v})


class Listener:
    """LISTEN on the progress channel from a connection of its own."""

    def __init__(self):
        self.connection = psycopg.connect(conninfo_for_tests(), autocommit=True)
        self.connection.execute(f"LISTEN {PROGRESS_CHANNEL}")

    def payloads(self, *, job_id=None, wait: float = NOTIFY_WAIT_SECONDS, expect: int | None = None) -> list[dict]:
        """Notifications received (of one job, if given): all that arrive within `wait`, or
        as soon as `expect` of them have arrived."""
        received: list[dict] = []
        deadline = time.monotonic() + wait
        while (expect is None or len(received) < expect) and (left := deadline - time.monotonic()) > 0:
            for notification in self.connection.notifies(timeout=left, stop_after=1):
                assert notification.channel == PROGRESS_CHANNEL
                payload = json.loads(notification.payload)
                if job_id is None or payload["job"] == str(job_id):
                    received.append(payload)
        return received

    def drain(self) -> None:
        list(self.connection.notifies(timeout=0.3))

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def listener(transactional_db):
    listening = Listener()
    yield listening
    listening.close()


def pending_profile_job(username: str, **fields) -> ProfileJob:
    return ProfileJob.objects.create(username=username, source="frontend", priority="HIGH", **fields)


def events_of(job) -> list[ProgressEvent]:
    return list(ProgressEvent.objects.filter(job_id=job.pk).order_by("id"))


# --- claim --------------------------------------------------------------------------------------


def test_a_claim_writes_the_starting_event_and_notifies_it_with_the_whole_event(listener, alice):
    job = GenerationJob.objects.create(owner=alice, mode="keywords", keywords=["sourdough", "starter"],
                                       research_notes=[{"title": "a note", "score": 1.5}], word_count=600)
    listener.drain()

    claimed = job_claim(GenerationJob, worker_name="claim-host:7")

    assert claimed.pk == job.pk
    [event] = events_of(job)
    assert (event.status, event.stage, event.percentage, event.attempt) == ("processing", "starting", 0.0, 1)
    assert event.message == "Attempt 1 started on claim-host:7"
    assert event.data == {"started_at": claimed.started_at.isoformat()}

    [payload] = listener.payloads(job_id=job.pk, expect=1)
    assert (payload["id"], payload["kind"], payload["job"]) == (event.pk, "generation", str(job.pk))
    carried = payload["event"]
    assert (carried["id"], carried["job_kind"], carried["job_id"]) == (event.pk, "generation", str(job.pk))
    assert (carried["status"], carried["stage"], carried["message"]) == ("processing", "starting", event.message)
    # What a web process's listener makes of it, without reading the table.
    delivered = streams.event_from_notification(carried)
    assert (delivered.pk, delivered.job_id, delivered.attempt, delivered.data) == (event.pk, job.pk, 1, event.data)
    assert delivered.created_at == event.created_at


def test_a_claimed_job_comes_back_with_python_values_in_its_json_fields(transactional_db, alice):
    GenerationJob.objects.create(owner=alice, mode="keywords", keywords=["sourdough", "starter"],
                                 research_notes=[{"title": "a note", "score": 1.5}], word_count=600)

    claimed = job_claim(GenerationJob, worker_name="claim-host:7")

    assert claimed.keywords == ["sourdough", "starter"]
    assert claimed.research_notes == [{"title": "a note", "score": 1.5}]
    assert claimed.seo_checks == []
    assert isinstance(claimed.claim_token, uuid.UUID)
    stored = GenerationJob.objects.get(pk=claimed.pk)
    assert (stored.status, stored.attempts, stored.claim_token) == ("processing", 1, claimed.claim_token)
    assert (claimed.status, claimed.attempts, claimed.owner_id) == ("processing", 1, alice.pk)


def test_a_claim_in_a_transaction_that_rolls_back_leaves_the_job_pending_and_announces_nothing(listener):
    job = pending_profile_job("rolled_back_claim")
    listener.drain()

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            claimed = job_claim(ProfileJob, worker_name="doomed-host:1")
            assert claimed.pk == job.pk
            raise RuntimeError("the caller's transaction fails after the claim")

    job.refresh_from_db()
    assert (job.status, job.attempts, job.claim_token, job.worker_name) == ("PENDING", 0, None, "")
    assert events_of(job) == []
    assert listener.payloads(job_id=job.pk) == []
    # And the next worker gets it as if nothing had happened.
    assert job_claim(ProfileJob, worker_name="next-host:2").pk == job.pk


# --- guarded progress ---------------------------------------------------------------------------


def test_a_progress_report_is_written_with_its_event_and_notification(listener):
    pending_profile_job("reported")
    claimed = job_claim(ProfileJob, worker_name="report-host:1")
    listener.drain()

    job_report_progress(claimed, stage="analyzing_content", percentage=40, message="Scoring reels",
                        data={"reels": 12})

    stored = ProfileJob.objects.get(pk=claimed.pk)
    assert (stored.stage, stored.progress_percentage, stored.progress_message) == ("analyzing_content", 40, "Scoring reels")
    event = events_of(claimed)[-1]
    assert (event.stage, event.percentage, event.message, event.data["reels"]) == ("analyzing_content", 40.0, "Scoring reels", 12)
    [payload] = listener.payloads(job_id=claimed.pk, expect=1)
    assert payload["id"] == event.pk and payload["event"]["message"] == "Scoring reels"
    assert payload["event"]["data"]["reels"] == 12


def lose_the_job(claimed: ProfileJob, how: str) -> str:
    """Take the job away from the worker holding `claimed`; returns the status it ends in."""
    if how == "cancelled":
        job_cancel(ProfileJob.objects.get(pk=claimed.pk), reason="Cancelled by staff")
        return "CANCELLED"
    # Presumed dead, requeued and claimed again by another worker: same status, other token.
    assert job_recover(ProfileJob.objects.get(pk=claimed.pk)) == "PENDING"
    assert job_claim(ProfileJob, worker_name="healthy-host:2").pk == claimed.pk
    return "PROCESSING"


@pytest.mark.parametrize("how", ["cancelled", "claimed_by_another_worker"])
def test_a_worker_that_lost_its_job_writes_no_progress_no_event_and_no_notification(listener, how):
    pending_profile_job(f"lost_{how}")
    claimed = job_claim(ProfileJob, worker_name="slow-host:1")
    status_now = lose_the_job(claimed, how)
    before = ProfileJob.objects.get(pk=claimed.pk)
    events_before = [e.pk for e in events_of(claimed)]
    listener.drain()

    with pytest.raises(JobInterrupted) as interrupted:
        job_report_progress(claimed, stage="finalizing", percentage=95, message="too late")
    with pytest.raises(JobInterrupted):
        job_complete(claimed, message="too late as well")
    assert job_fail(claimed, error=RateLimited("and a late failure")) == status_now

    if how == "cancelled":
        assert interrupted.value.reason == "cancelled"
    else:
        assert "no longer this worker's" in interrupted.value.reason
    after = ProfileJob.objects.get(pk=claimed.pk)
    assert (after.status, after.stage, after.progress_percentage, after.progress_message, after.claim_token) == (
        before.status, before.stage, before.progress_percentage, before.progress_message, before.claim_token)
    assert [e.pk for e in events_of(claimed)] == events_before
    # Only the notifications of the cancel / recovery / new claim, if they came late.
    assert [p for p in listener.payloads(job_id=claimed.pk) if p["id"] not in events_before] == []


def test_an_event_too_big_for_a_notification_is_announced_by_its_id_alone(listener):
    pending_profile_job("big_event")
    claimed = job_claim(ProfileJob, worker_name="report-host:1")
    listener.drain()
    notes = "x" * (NOTIFY_PAYLOAD_LIMIT + 500)

    job_report_progress(claimed, stage="analyzing_content", percentage=40, message="m" * 500, data={"notes": notes})

    event = events_of(claimed)[-1]
    assert event.data["notes"] == notes and event.message == "m" * 500  # the row has it all
    [payload] = listener.payloads(job_id=claimed.pk, expect=1)
    # Without the event, but still saying what changed (the read caches keep the rest).
    assert payload == {"id": event.pk, "kind": "profile", "job": str(claimed.pk), "change": "progress"}


def test_an_event_too_big_in_bytes_but_not_in_characters_is_announced_by_its_id_alone(listener):
    pending_profile_job("big_in_bytes")
    claimed = job_claim(ProfileJob, worker_name="report-host:1")
    listener.drain()
    # 3,000 characters, far under the limit counted in characters, but 3 bytes each in UTF-8:
    # over PostgreSQL's 8000-byte NOTIFY limit, which pg_notify would refuse (failing the write).
    notes = "€" * 3000

    job_report_progress(claimed, stage="analyzing_content", percentage=40, message="Prix en €", data={"notes": notes})

    event = events_of(claimed)[-1]
    assert event.data["notes"] == notes
    [payload] = listener.payloads(job_id=claimed.pk, expect=1)
    assert payload == {"id": event.pk, "kind": "profile", "job": str(claimed.pk), "change": "progress"}


# --- insert -------------------------------------------------------------------------------------


def test_job_insert_writes_the_job_and_its_first_event_together_and_announces_it(listener):
    job = ProfileJob(username="inserted_one", source="api", priority="MEDIUM", stage="queued")

    job_insert(job, message="Requested by api (MEDIUM)")

    stored = ProfileJob.objects.get(pk=job.pk)
    assert (stored.status, stored.priority, stored.stage) == ("PENDING", "MEDIUM", "queued")
    assert stored.queue_ticket is not None  # the database's own INSERT trigger ran
    assert not job._state.adding
    [event] = events_of(job)
    assert (event.job_kind, event.status, event.stage, event.percentage) == ("profile", "PENDING", "queued", 0.0)
    assert event.message == "Requested by api (MEDIUM)"
    [payload] = listener.payloads(job_id=job.pk, expect=1)
    assert (payload["id"], payload["kind"], payload["event"]["message"]) == (event.pk, "profile", event.message)
    assert streams.event_from_notification(payload["event"]).pk == event.pk


def test_a_request_inserts_its_job_in_one_statement_and_announces_where_it_waits(listener):
    answer = profile_request(username="announced_one", source="api")

    stored = ProfileJob.objects.get(username="announced_one")
    assert (answer["profile_type"], answer["job_id"]) == ("new", str(stored.pk))
    [event] = events_of(stored)
    assert (event.status, event.stage, event.message) == ("PENDING", "queued", "Requested by api (MEDIUM)")
    [payload] = listener.payloads(job_id=stored.pk, expect=1)
    # What lets web processes keep the cached answers of the jobs ahead of it (jobs.read_cache).
    assert (payload["change"], payload["rank"], payload["ticket"]) == ("insert", 2, stored.queue_ticket)
    assert streams.event_from_notification(payload["event"]).pk == event.pk


def test_a_request_for_a_queued_name_writes_and_announces_nothing(listener):
    profile_request(username="asked_twice", source="api")
    listener.drain()
    events_before = ProgressEvent.objects.count()

    answer = profile_request(username="asked_twice", source="crawler")

    assert answer["skip_reason"] == "already_in_queue"
    assert ProfileJob.objects.filter(username="asked_twice").count() == 1
    assert ProgressEvent.objects.count() == events_before
    assert listener.payloads() == []


def test_the_request_statement_is_short_enough_for_psycopg_to_keep_its_parse():
    # psycopg parses a statement's placeholders on every execution unless it is short and has
    # few parameters; parsing this one cost a quarter of a request's own time.
    from psycopg import _queries

    from jobs.services import job_insert_ctes
    from jobs.sql import PSYCOPG_CACHED_STATEMENT_LENGTH, compact_sql
    from profiles.services import _QUEUE_OR_READ_CONDITION, _queue_or_read_sql

    assert PSYCOPG_CACHED_STATEMENT_LENGTH == _queries.MAX_CACHED_STATEMENT_LENGTH
    inserts, params = job_insert_ctes(ProfileJob(username="x", source="api", priority="MEDIUM"), message="m",
                                      only_if=_QUEUE_OR_READ_CONDITION, returning="*")
    statement = compact_sql(_queue_or_read_sql(inserts))
    assert len(statement) <= PSYCOPG_CACHED_STATEMENT_LENGTH
    assert len(params) + 2 <= _queries.MAX_CACHED_STATEMENT_PARAMS  # with the username and the clock


def test_a_refused_insert_writes_neither_the_job_nor_an_event_nor_a_notification(listener):
    pending_profile_job("only_once")
    listener.drain()
    duplicate = ProfileJob(username="only_once", source="api", priority="MEDIUM", stage="queued")

    with pytest.raises(IntegrityError):
        job_insert(duplicate)

    assert not ProfileJob.objects.filter(pk=duplicate.pk).exists()
    assert events_of(duplicate) == []
    assert listener.payloads(job_id=duplicate.pk) == []


def test_job_insert_inside_a_caller_transaction_that_rolls_back_leaves_nothing(listener):
    job = ProfileJob(username="inserted_then_undone", source="api", priority="MEDIUM", stage="queued")

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            job_insert(job)
            assert ProfileJob.objects.filter(pk=job.pk).exists()
            raise RuntimeError("the caller changes its mind")

    assert not ProfileJob.objects.filter(pk=job.pk).exists()
    assert events_of(job) == []
    assert listener.payloads(job_id=job.pk) == []


def stored_columns(model, pk) -> dict:
    """Every column of the row as the database holds it, read without the ORM's conversions."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT row_to_json(t)::text FROM {model._meta.db_table} t WHERE id = %s", [pk])
        return json.loads(cursor.fetchone()[0])


@pytest.mark.parametrize("kind", ["profile", "generation", "viral_ideas"])
def test_the_prepared_insert_writes_every_column_as_the_orm_would(transactional_db, alice, kind):
    from viral_ideas.models import ViralIdeasQueue

    def a_job(tag: str):
        if kind == "profile":
            return ProfileJob(username=f"same_{tag}", source="api", priority="HIGH", stage="queued",
                              request_id=f"req_{tag}")
        if kind == "generation":
            return GenerationJob(owner=alice, mode="keywords", keywords=["ä", {"nested": [1, None]}], word_count=1200,
                                 tone="casual", topic="Posture — fixes", research_notes=[{"q": "x"}])
        return ViralIdeasQueue(session_id=f"session_{tag}", primary_username="creator",
                               content_strategy={"topic": "posture", "tags": ["a", "b"]}, priority=2)

    by_insert, by_orm = a_job("insert"), a_job("orm")
    job_insert(by_insert)
    by_orm.save(force_insert=True)

    inserted, saved = stored_columns(type(by_insert), by_insert.pk), stored_columns(type(by_orm), by_orm.pk)
    # What differs by nature: the keys, the per-row unique values, the clock and the ticket.
    differs = {"id", "username", "request_id", "session_id", "created_at", "updated_at", "timestamp",
               "submitted_at", "queue_ticket", "next_attempt_at"}
    assert {k: v for k, v in inserted.items() if k not in differs} == {k: v for k, v in saved.items() if k not in differs}
    assert inserted.keys() == saved.keys()
    assert [e.message for e in events_of(by_insert)] == ["Queued"]


def test_an_expression_value_is_inserted_by_the_orm_with_its_event(transactional_db):
    from django.db.models.functions import Now

    job = ProfileJob(username="expression_clock", source="api", priority="LOW", stage="queued",
                     next_attempt_at=Now())

    job_insert(job)

    stored = ProfileJob.objects.get(username="expression_clock")
    assert stored.status == "PENDING" and stored.next_attempt_at is not None
    assert [e.stage for e in events_of(stored)] == ["queued"]


# --- concurrency --------------------------------------------------------------------------------


class ClaimHeldOpen:
    """A worker thread that claims the best job inside a transaction and keeps it open until
    release(), then rolls back (as a worker that dies mid-transaction would)."""

    def __init__(self):
        self.claimed: ProfileJob | None = None
        self._holding, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            with transaction.atomic():
                self.claimed = job_claim(ProfileJob, worker_name="slow-host:1")
                self._holding.set()
                self._release.wait(timeout=120)
                raise RuntimeError("roll back: the claim is undone")
        except RuntimeError:
            pass
        finally:
            self._holding.set()
            connections.close_all()

    def __enter__(self) -> "ClaimHeldOpen":
        self._thread.start()
        assert self._holding.wait(timeout=60) and self.claimed is not None, "the first worker never claimed"
        return self

    def release(self):
        self._release.set()
        self._thread.join(timeout=60)

    def __exit__(self, *exc_info):
        self.release()


def backend_waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def test_a_claim_never_takes_the_job_another_worker_holds_in_an_open_transaction(transactional_db):
    first = pending_profile_job("locked_first")
    second = pending_profile_job("locked_second")
    other: dict = {}

    def fast_worker():
        try:
            connection.ensure_connection()
            other["pid"] = connection.connection.info.backend_pid
            other["job"] = job_claim(ProfileJob, worker_name="fast-host:2")
        finally:
            connections.close_all()

    with ClaimHeldOpen() as slow:
        assert slow.claimed.pk == first.pk
        thread = threading.Thread(target=fast_worker)
        thread.start()
        # Let the second claim pick its row while the first is still held (it may then wait
        # for a lock, see the next test); only then end the first transaction.
        deadline = time.monotonic() + 60
        while thread.is_alive() and time.monotonic() < deadline:
            if "pid" in other and backend_waits_for_a_lock(other["pid"]):
                break
            time.sleep(0.05)
    thread.join(timeout=60)

    assert other["job"].pk == second.pk
    assert ProfileJob.objects.get(pk=first.pk).status == "PENDING"  # the held claim rolled back
    assert job_claim(ProfileJob, worker_name="fast-host:2").pk == first.pk


@pytest.mark.xfail(strict=True, raises=OperationalError, reason=(
    "BUG (contention) profiles/migrations/0003: the queue_count_pending trigger updates ONE "
    "queue_pending_blocks row per (priority, block of 1024 tickets) in every claim, so a claim "
    "skips the locked job but then waits for the other transaction's lock on the counter row"))
def test_a_claim_does_not_wait_for_another_workers_open_claim_of_the_same_priority(transactional_db):
    pending_profile_job("held_first")
    second = pending_profile_job("held_second")  # same priority, same block of tickets

    with ClaimHeldOpen():
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # a claim that waits fails instead
        try:
            claimed = job_claim(ProfileJob, worker_name="fast-host:2")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")

    assert claimed.pk == second.pk


def test_two_workers_racing_for_the_only_pending_job_never_both_get_it(transactional_db):
    rounds = 12
    jobs: list[ProfileJob] = []
    results: dict[str, list] = {"a": [], "b": []}
    errors: list[BaseException] = []
    start, done = threading.Barrier(3, timeout=60), threading.Barrier(3, timeout=60)

    def worker(name: str):
        try:
            for _ in range(rounds):
                start.wait()  # both claim at the same moment, round after round
                job = job_claim(ProfileJob, worker_name=f"{name}-host:1")
                results[name].append(None if job is None else job.pk)
                done.wait()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
            start.abort()
            done.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(name,)) for name in results]
    for thread in threads:
        thread.start()
    try:
        for number in range(rounds):
            jobs.append(pending_profile_job(f"raced_{number:02d}"))  # one job in the queue per round
            start.wait()
            done.wait()
    finally:
        for thread in threads:
            thread.join(timeout=120)

    assert errors == []
    for number, job in enumerate(jobs):
        # Exactly one of the two got this round's job; the other found nothing to do.
        assert {results["a"][number], results["b"][number]} == {job.pk, None}
    assert ProgressEvent.objects.filter(stage="starting").count() == rounds  # one start per job
    assert set(ProfileJob.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_a_prepared_statement_runs_its_generic_plan_from_its_first_execution():
    from profiles.querysets import status_page_read

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    plans = []

    def on_a_new_connection():  # a thread of its own opens one, as a pool does in a burst
        try:
            status_page_read("never.asked")
            status_page_read("nor.this")
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                               "WHERE statement LIKE 'WITH profile%'")
                plans.extend(cursor.fetchall())
        finally:
            connections.close_all()

    thread = threading.Thread(target=on_a_new_connection)
    thread.start()
    thread.join()

    # PostgreSQL's own default would plan the first five executions afresh (custom plans).
    assert plans == [(2, 0)]


def test_a_url_that_chooses_its_own_plan_cache_mode_keeps_it(tmp_path):
    from viralspot.env import database_from_url

    chosen = database_from_url("postgres://h/db?options=-c%20plan_cache_mode%3Dauto", sqlite_dir=tmp_path)
    default = database_from_url("postgres://h/db?options=-c%20work_mem%3D8MB", sqlite_dir=tmp_path)
    unprepared = database_from_url("postgres://h/db", sqlite_dir=tmp_path, prepared_statements=False)

    assert chosen["OPTIONS"]["options"] == "-c plan_cache_mode=auto"
    assert default["OPTIONS"]["options"] == "-c work_mem=8MB -c plan_cache_mode=force_generic_plan"
    assert "options" not in unprepared["OPTIONS"]
