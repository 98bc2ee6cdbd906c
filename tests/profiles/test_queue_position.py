"""Queue tickets and "how many jobs are ahead" (migration 0003), checked against brute force.

On PostgreSQL the position comes from per-block counts kept by a trigger (queue_pending_blocks)
plus a count inside the job's own block of 1,024 tickets. Every answer here is compared with a
count made directly over the queue table: the PENDING jobs before (priority_rank, queue_ticket),
less those still waiting for a retry time (attempts > 0 and next_attempt_at > as_of). Thousands
of jobs go in with one INSERT … SELECT so several blocks and all three priorities are covered.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from jobs import services as job_services
from profiles.models import ProfileJob
from profiles.providers.base import ProfileNotFound, RateLimited
from profiles.services import profile_request

BLOCK = 1024
RANK = {"HIGH": 1, "MEDIUM": 2, "LOW": 3}
PRIORITY_OF_RANK = {rank: priority for priority, rank in RANK.items()}
SOURCE_OF = {"HIGH": "frontend", "MEDIUM": "api", "LOW": "crawler"}
Status = ProfileJob.Status


# --- helpers: writing many jobs, reading the table, counting by brute force --------------------


@dataclass(frozen=True)
class QueueRow:
    username: str
    rank: int
    ticket: int
    status: str
    attempts: int
    next_attempt_at: datetime

    def waits_for_retry(self, as_of: datetime) -> bool:
        return self.attempts > 0 and self.next_attempt_at > as_of


BULK_INSERT_SQL = """
INSERT INTO queue (id, username, source, priority, status, "timestamp", request_id, created_at, updated_at,
                   stage, progress_percentage, progress_message, attempts, max_attempts, next_attempt_at,
                   error_code, error_stage, error_retryable, worker_name, q_task_id)
SELECT gen_random_uuid(), r.username, 'crawler', r.priority, r.status, %(now)s, 'bulk:' || r.username,
       %(now)s, %(now)s, 'queued', 0, '', r.attempts, 3, r.next_attempt_at, '', '', false, '', ''
FROM unnest(%(usernames)s::text[], %(priorities)s::text[], %(statuses)s::text[], %(attempts)s::int[],
            %(next_attempts)s::timestamptz[]) WITH ORDINALITY
     AS r(username, priority, status, attempts, next_attempt_at, arrival)
ORDER BY r.arrival
"""


def bulk_insert(rows: list[tuple[str, str, str, int, datetime]]) -> None:
    """(username, priority, status, attempts, next_attempt_at) rows in one statement; the
    database's own trigger gives each its ticket, in list order."""
    usernames, priorities, statuses, attempts, next_attempts = (list(column) for column in zip(*rows))
    with connection.cursor() as cursor:
        cursor.execute(BULK_INSERT_SQL, {
            "now": timezone.now(), "usernames": usernames, "priorities": priorities, "statuses": statuses,
            "attempts": attempts, "next_attempts": next_attempts,
        })
        assert cursor.rowcount == len(rows)


def random_jobs(rng: random.Random, count: int, *, prefix: str, as_of: datetime, pending_share: float) -> list[tuple]:
    """A fixed-seed mix of priorities and statuses; some pending jobs are retries, due or not."""
    rows = []
    for number in range(count):
        priority = rng.choices(("HIGH", "MEDIUM", "LOW"), weights=(2, 3, 5))[0]
        if rng.random() < pending_share:
            status = Status.PENDING
        else:
            status = rng.choice((Status.PROCESSING, Status.COMPLETED, Status.FAILED, Status.CANCELLED))
        attempts, next_attempt_at = 0, as_of - timedelta(minutes=10)
        if rng.random() < 0.15:  # a retry: waiting (minutes ahead) or already due (minutes ago)
            attempts = rng.randint(1, 2)
            minutes = rng.randint(3, 120)
            next_attempt_at = as_of + timedelta(minutes=minutes) if rng.random() < 0.5 else as_of - timedelta(minutes=minutes)
        rows.append((f"{prefix}{number:05d}", priority, status, attempts, next_attempt_at))
    return rows


def queue_rows() -> list[QueueRow]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT username, priority_rank, queue_ticket, status, attempts, next_attempt_at FROM queue")
        return [QueueRow(*row) for row in cursor.fetchall()]


def brute_force_jobs_ahead(rows: list[QueueRow], rank: int, ticket: int, as_of: datetime) -> int:
    return sum(
        1 for row in rows
        if row.status == Status.PENDING and (row.rank, row.ticket) < (rank, ticket) and not row.waits_for_retry(as_of)
    )


def database_jobs_ahead(probes: list[tuple[int, int]], as_of: datetime) -> dict[tuple[int, int], int]:
    """queue_jobs_ahead(rank, ticket, as_of) for every probe, in one round trip."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.rank, p.ticket, queue_jobs_ahead(p.rank, p.ticket, %s::timestamptz) "
            "FROM unnest(%s::smallint[], %s::bigint[]) AS p(rank, ticket)",
            [as_of, [rank for rank, _ in probes], [ticket for _, ticket in probes]],
        )
        return {(rank, ticket): ahead for rank, ticket, ahead in cursor.fetchall()}


def pending_blocks() -> set[tuple[int, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT priority_rank, block, pending FROM queue_pending_blocks")
        return set(cursor.fetchall())


def brute_force_pending_blocks() -> set[tuple[int, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT priority_rank, queue_ticket / 1024, count(*) FROM queue WHERE status = 'PENDING' GROUP BY 1, 2"
        )
        return set(cursor.fetchall())


def assert_counters_match_the_table() -> None:
    assert pending_blocks() == brute_force_pending_blocks()


def ticket_of(username: str) -> int:
    return ProfileJob.objects.get(username=username).queue_ticket


def position_on_status_page(client, username: str) -> int | None:
    response = client.get(f"/api/profile/{username}/status")
    assert response.status_code == 200, response.content
    return response.json()["data"]["queue_position"]


def probes_around_blocks(rows: list[QueueRow]) -> list[tuple[int, int]]:
    """First and last ticket of every (priority, block), the tickets either side of every block
    boundary, in every priority, and the ticket after the last."""
    tickets = [row.ticket for row in rows]
    first_block, last_block = min(tickets) // BLOCK, max(tickets) // BLOCK
    probes = {(rank, max(tickets) + 1) for rank in RANK.values()} | {(rank, min(tickets)) for rank in RANK.values()}
    by_block: dict[tuple[int, int], list[int]] = {}
    for row in rows:
        by_block.setdefault((row.rank, row.ticket // BLOCK), []).append(row.ticket)
    for (rank, _), block_tickets in by_block.items():
        probes |= {(rank, min(block_tickets)), (rank, max(block_tickets))}
    for block in range(first_block + 1, last_block + 1):
        for rank in RANK.values():
            probes |= {(rank, block * BLOCK - 1), (rank, block * BLOCK), (rank, block * BLOCK + 1)}
    return sorted(probes)


# --- 1. the position equals a brute-force count, across blocks and priorities -----------------


@pytest.mark.django_db
def test_jobs_ahead_equals_a_brute_force_count_across_many_blocks(anonymous):
    rng = random.Random(20260611)
    as_of = timezone.now()
    bulk_insert(random_jobs(rng, 3_300, prefix="bulk", as_of=as_of, pending_share=0.6))
    # Through the services too: a request per priority, and a job that failed and waits to retry.
    for priority in ("HIGH", "MEDIUM", "LOW"):
        profile_request(username=f"svc.{priority.lower()}", source=SOURCE_OF[priority])
    backing_off = ProfileJob.objects.get(username="svc.high")
    job_services.job_fail(job_services.job_claim(ProfileJob, job_id=backing_off.pk), error=RateLimited("slow down"))
    ProfileJob.objects.create(username="orm.medium", source="api", priority="MEDIUM")
    profile_request(username="svc.after.retry", source="frontend")

    rows = queue_rows()
    pending = [row for row in rows if row.status == Status.PENDING]
    # The data really spans several blocks in every priority, with retries both due and waiting.
    for rank in RANK.values():
        assert len({row.ticket // BLOCK for row in pending if row.rank == rank}) >= 3
    assert any(row.waits_for_retry(as_of) for row in pending)
    assert any(row.attempts > 0 and not row.waits_for_retry(as_of) for row in pending)
    assert any(row.waits_for_retry(as_of) for row in rows if row.status != Status.PENDING)

    probes = probes_around_blocks(rows) + [(row.rank, row.ticket) for row in rows if not row.username.startswith("bulk")]
    # Early, as the caller's clock, and late: each as_of decides which retries are in line.
    for moment in (as_of - timedelta(hours=3), as_of, as_of + timedelta(hours=3)):
        expected = {probe: brute_force_jobs_ahead(rows, *probe, moment) for probe in probes}
        assert database_jobs_ahead(probes, moment) == expected
    # The retry exclusion really changed some answers (the comparison above could tell).
    assert database_jobs_ahead(probes, as_of) != database_jobs_ahead(probes, as_of + timedelta(hours=3))

    # The admin's annotation (JobsAhead, at the current time) gives the same numbers.
    probed = set(probes)
    sampled = {row.username: row for row in rows if (row.rank, row.ticket) in probed}
    annotated = dict(ProfileJob.objects.filter(username__in=sampled).with_queue_counts().values_list("username", "jobs_ahead"))
    assert annotated == {name: brute_force_jobs_ahead(rows, row.rank, row.ticket, as_of) for name, row in sampled.items()}

    # The status endpoint (its own SQL) agrees for jobs of every priority, in several blocks.
    first_pending_of_each_block = {}
    for row in sorted(pending, key=lambda row: row.ticket):
        first_pending_of_each_block.setdefault((row.rank, row.ticket // BLOCK), row)
    checked = [row for row in rows if row.username in {"svc.high", "svc.medium", "svc.low", "orm.medium", "svc.after.retry"}]
    checked += [first_pending_of_each_block[key] for key in sorted(first_pending_of_each_block)[::3]]
    for row in checked:
        assert position_on_status_page(anonymous, row.username) == brute_force_jobs_ahead(
            rows, row.rank, row.ticket, as_of) + 1, row


# --- 2. the per-block counters follow every transition ----------------------------------------


class RolledBack(Exception):
    pass


@pytest.mark.django_db
def test_pending_block_counts_match_the_table_after_random_transitions():
    rng = random.Random(424242)
    as_of = timezone.now()
    bulk_insert(random_jobs(rng, 2_600, prefix="mix", as_of=as_of, pending_share=0.8))
    assert_counters_match_the_table()
    running: list[ProfileJob] = []
    requests = 0

    def random_job(status: str) -> ProfileJob | None:
        jobs = ProfileJob.objects.filter(status=status).order_by("queue_ticket")
        count = jobs.count()
        return jobs[rng.randrange(count)] if count else None

    def step(operation: str) -> bool:
        nonlocal requests
        if operation == "claim":
            job = job_services.job_claim(ProfileJob)
            if job is not None:
                running.append(job)
        elif operation == "claim_named" and (job := random_job(Status.PENDING)):
            running.append(job_services.job_claim(ProfileJob, job_id=job.pk))
        elif operation == "complete" and running:
            job_services.job_complete(running.pop(rng.randrange(len(running))))
        elif operation == "fail_and_retry_later" and running:
            job_services.job_fail(running.pop(rng.randrange(len(running))), error=RateLimited("slow down"))
        elif operation == "fail_for_good" and running:
            job_services.job_fail(running.pop(rng.randrange(len(running))), error=ProfileNotFound("no such account"))
        elif operation == "recover" and running:
            job_services.job_recover(running.pop(rng.randrange(len(running))))
        elif operation == "cancel_pending" and (job := random_job(Status.PENDING)):
            job_services.job_cancel(job)
        elif operation == "cancel_running" and running:
            job_services.job_cancel(running.pop(rng.randrange(len(running))))
        elif operation == "staff_retry" and (job := random_job(rng.choice((Status.FAILED, Status.CANCELLED)))):
            job_services.job_retry(job)
        elif operation == "change_priority" and (job := random_job(rng.choice((Status.PENDING, Status.COMPLETED)))):
            new_priority = rng.choice([p for p in RANK if p != job.priority])
            ProfileJob.objects.filter(pk=job.pk).update(priority=new_priority)
        elif operation == "change_priority_by_save" and (job := random_job(Status.PENDING)):
            job.priority = rng.choice([p for p in RANK if p != job.priority])
            job.save()  # a full save, as the admin's change form does
        elif operation == "delete_pending" and (job := random_job(Status.PENDING)):
            job.delete()
        elif operation == "delete_finished" and (job := random_job(Status.COMPLETED)):
            ProfileJob.objects.filter(pk=job.pk).delete()
        elif operation == "request":
            requests += 1
            profile_request(username=f"req{requests:04d}", source=SOURCE_OF[rng.choice(list(RANK))])
        else:
            return False  # nothing to apply it to right now
        return True

    operations = ["claim", "claim", "claim_named", "complete", "fail_and_retry_later", "fail_for_good", "recover",
                  "cancel_pending", "cancel_running", "staff_retry", "change_priority", "change_priority_by_save",
                  "delete_pending", "delete_finished", "request"]
    applied = Counter()
    for number in range(1, 241):
        operation = rng.choice(operations)
        applied[operation] += step(operation)
        if number % 30 == 0:
            assert_counters_match_the_table()
    assert all(applied[operation] for operation in operations), applied

    # A transaction that does a bit of everything and is rolled back leaves the counts as they were.
    before = pending_blocks()
    with pytest.raises(RolledBack), transaction.atomic():
        kept_running = list(running)
        for operation in ("claim", "claim_named", "cancel_pending", "change_priority", "delete_pending", "request",
                          "fail_and_retry_later", "staff_retry"):
            step(operation)
        assert pending_blocks() != before
        raise RolledBack
    running[:] = kept_running
    assert pending_blocks() == before
    assert_counters_match_the_table()

    # Emptying one (priority, block) completely, four ways, removes its row: no zero stays behind.
    rank, block, _ = min((entry for entry in pending_blocks() if entry[2] >= 4), key=lambda entry: entry[2])
    in_block = ProfileJob.objects.filter(status=Status.PENDING, priority_rank=rank,
                                         queue_ticket__gte=block * BLOCK, queue_ticket__lt=(block + 1) * BLOCK)
    ways_out_of_line = (
        job_services.job_cancel,
        lambda job: job.delete(),
        lambda job: ProfileJob.objects.filter(pk=job.pk).update(priority=PRIORITY_OF_RANK[rank % 3 + 1]),
        lambda job: job_services.job_claim(ProfileJob, job_id=job.pk),
    )
    for index, job in enumerate(in_block.order_by("queue_ticket")):
        ways_out_of_line[index % len(ways_out_of_line)](job)
    assert not [entry for entry in pending_blocks() if entry[:2] == (rank, block)]
    assert_counters_match_the_table()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM queue_pending_blocks WHERE pending <= 0")
        assert cursor.fetchone() == (0,)

    # And the positions read from those counts are still the brute-force ones.
    rows, now = queue_rows(), timezone.now()
    probes = probes_around_blocks(rows)
    assert database_jobs_ahead(probes, now) == {probe: brute_force_jobs_ahead(rows, *probe, now) for probe in probes}


# --- 3. TRUNCATE ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_truncating_the_queue_empties_the_counts_and_new_jobs_count_from_zero(anonymous):
    rng = random.Random(7)
    bulk_insert(random_jobs(rng, 1_500, prefix="old", as_of=timezone.now(), pending_share=1.0))
    assert pending_blocks()

    # Rolled back, a TRUNCATE takes the emptying of the counts back with it.
    before = pending_blocks()
    with pytest.raises(RolledBack), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE queue")
        assert pending_blocks() == set()
        raise RolledBack
    assert pending_blocks() == before

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE queue")
    assert pending_blocks() == set()

    for username, source in (("new.low", "crawler"), ("new.high", "frontend"), ("new.medium", "api"),
                             ("new.high.two", "frontend")):
        profile_request(username=username, source=source)
    assert_counters_match_the_table()
    assert [position_on_status_page(anonymous, username)
            for username in ("new.high", "new.high.two", "new.medium", "new.low")] == [1, 2, 3, 4]
    rows = queue_rows()
    probes = [(row.rank, row.ticket) for row in rows]
    now = timezone.now()
    assert database_jobs_ahead(probes, now) == {probe: brute_force_jobs_ahead(rows, *probe, now) for probe in probes}


# --- 4. tickets: arrival order, kept for the job's life (test_claim.py covers the claim after a fail)


@pytest.mark.django_db
def test_tickets_follow_insert_order_whatever_the_submission_time_and_positions_match_the_claims(anonymous):
    now = timezone.now()
    profile_request(username="arrives.first", source="crawler")
    # Inserted second but stamped an hour earlier: still behind the first arrival.
    ProfileJob.objects.create(username="backdated.second", source="crawler", priority="LOW",
                              timestamp=now - timedelta(hours=1), next_attempt_at=now - timedelta(hours=1))
    bulk_insert([("raw.third", "LOW", Status.PENDING, 0, now), ("raw.fourth", "HIGH", Status.PENDING, 0, now)])
    profile_request(username="arrives.fifth", source="api")
    profile_request(username="arrives.sixth", source="crawler")
    arrival = ["arrives.first", "backdated.second", "raw.third", "raw.fourth", "arrives.fifth", "arrives.sixth"]

    tickets = [ticket_of(username) for username in arrival]
    assert tickets == sorted(tickets) and len(set(tickets)) == len(tickets)

    # Each job's reported position is where the workers really take it.
    positions = {username: position_on_status_page(anonymous, username) for username in arrival}
    claimed = []
    while (job := job_services.job_claim(ProfileJob)) is not None:
        claimed.append(job.username)
    assert claimed == ["raw.fourth", "arrives.fifth", "arrives.first", "backdated.second", "raw.third", "arrives.sixth"]
    assert positions == {username: claimed.index(username) + 1 for username in arrival}


@pytest.mark.django_db
def test_a_job_keeps_its_ticket_through_backoff_recovery_staff_retry_and_priority_change(anonymous):
    for username in ("keeps.place", "second.in.line", "third.in.line"):
        profile_request(username=username, source="crawler")
    ticket = ticket_of("keeps.place")
    job = ProfileJob.objects.get(username="keeps.place")

    # Backing off: same ticket, but not ahead of anyone while it waits.
    job_services.job_fail(job_services.job_claim(ProfileJob), error=RateLimited("slow down"))
    assert ticket_of("keeps.place") == ticket
    assert position_on_status_page(anonymous, "second.in.line") == 1
    assert position_on_status_page(anonymous, "third.in.line") == 2
    # Due again: back in front of the jobs that arrived after it.
    ProfileJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert position_on_status_page(anonymous, "keeps.place") == 1
    assert position_on_status_page(anonymous, "second.in.line") == 2

    # Recovered after its worker died: same ticket, same place.
    recovered = job_services.job_claim(ProfileJob)
    assert recovered.pk == job.pk
    assert job_services.job_recover(recovered) == Status.PENDING
    assert ticket_of("keeps.place") == ticket
    assert position_on_status_page(anonymous, "keeps.place") == 1

    # Failed for good, then retried by staff: still its original ticket, still first in line.
    job_services.job_fail(job_services.job_claim(ProfileJob, job_id=job.pk), error=ProfileNotFound("gone"))
    assert position_on_status_page(anonymous, "second.in.line") == 1
    job_services.job_retry(ProfileJob.objects.get(pk=job.pk))
    assert ticket_of("keeps.place") == ticket
    assert position_on_status_page(anonymous, "keeps.place") == 1
    assert position_on_status_page(anonymous, "third.in.line") == 3

    # A priority change moves it to another line with the same ticket: ahead of the MEDIUM job
    # that arrived after it.
    profile_request(username="medium.after", source="api")
    ProfileJob.objects.filter(pk=job.pk).update(priority="MEDIUM")
    assert ticket_of("keeps.place") == ticket
    assert position_on_status_page(anonymous, "keeps.place") == 1
    assert position_on_status_page(anonymous, "medium.after") == 2
    assert position_on_status_page(anonymous, "second.in.line") == 3
    assert_counters_match_the_table()
    assert [job_services.job_claim(ProfileJob).username for _ in range(4)] == [
        "keeps.place", "medium.after", "second.in.line", "third.in.line"]


# --- 5. SQLite: the rowid is the ticket, pending rows are counted directly ---------------------

SQLITE_SCRIPT = r"""
import json
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from jobs.services import job_claim, job_fail
from profiles.models import ProfileJob
from profiles.providers.base import RateLimited
from profiles.querysets import status_page_read
from profiles.services import profile_request

arrival, answers = [], []
for username, source in [("first.low", "crawler"), ("second.api", "api"), ("third.high", "frontend"),
                         ("fourth.low", "crawler"), ("fifth.high", "frontend"), ("sixth.api", "api")]:
    answers.append(profile_request(username=username, source=source)["profile_type"])
    arrival.append(username)
# Inserted by the ORM with an older submission time: its ticket still says it came last.
ProfileJob.objects.create(username="backdated.low", source="crawler", priority="LOW",
                          timestamp=timezone.now() - timedelta(hours=1))
arrival.append("backdated.low")
ticket_before_retry = ProfileJob.objects.get(username="third.high").queue_ticket
job_fail(job_claim(ProfileJob), error=RateLimited("slow down"))     # third.high waits for its retry
running = job_claim(ProfileJob)                                     # fifth.high is taken
# The last arrival leaves; the next one still gets a ticket behind every job still there.
ProfileJob.objects.filter(username="backdated.low").delete()
arrival.remove("backdated.low")
answers.append(profile_request(username="late.medium", source="api")["profile_type"])
arrival.append("late.medium")
asked_again = {username: profile_request(username=username, source="api").get("skip_reason")
               for username in ("second.api", "fifth.high")}

now = timezone.now()
rows = [dict(row, next_attempt_at=row["next_attempt_at"].isoformat()) for row in ProfileJob.objects.values(
    "username", "priority_rank", "queue_ticket", "status", "attempts", "next_attempt_at")]
ahead = {}
for username in arrival:
    job = status_page_read(username).job
    ahead[username] = job.jobs_ahead if job.status == "PENDING" else None
print(json.dumps({"vendor": connection.vendor, "arrival": arrival, "rows": rows, "ahead": ahead, "now": now.isoformat(),
                  "ticket_before_retry": ticket_before_retry, "running": running.username,
                  "answers": answers, "asked_again": asked_again}))
"""


def test_on_sqlite_tickets_are_arrival_order_and_jobs_ahead_are_counted_right(tmp_path):
    env = {name: value for name, value in os.environ.items() if name not in {"SECRET_KEY", "DEBUG", "REDIS_URL"}}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path}/q.db", "VAR_DIR": str(tmp_path), "DEBUG": "true",
                "OFFLINE_PROVIDER_DELAY_SECONDS": "0", "PROGRESS_DELIVERY": "poll"})

    def manage(*args: str) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    manage("migrate", "--noinput")
    answer = json.loads(manage("shell", "-c", SQLITE_SCRIPT).strip().splitlines()[-1])

    assert answer["vendor"] == "sqlite"
    # The request endpoint's read, insert and read again, in turns (no one-statement path there).
    assert answer["answers"] == ["new"] * 7
    assert answer["asked_again"] == {"second.api": "already_in_queue", "fifth.high": "already_in_queue"}
    rows = [QueueRow(row["username"], row["priority_rank"], row["queue_ticket"], row["status"], row["attempts"],
                     datetime.fromisoformat(row["next_attempt_at"])) for row in answer["rows"]]
    by_name = {row.username: row for row in rows}
    tickets = [by_name[username].ticket for username in answer["arrival"]]
    assert None not in tickets
    assert tickets == sorted(tickets) and len(set(tickets)) == len(tickets)
    # The job that failed and went back to wait for its retry kept its ticket.
    assert by_name["third.high"].ticket == answer["ticket_before_retry"]
    assert by_name["third.high"].status == Status.PENDING and by_name["third.high"].attempts == 1
    assert answer["running"] == "fifth.high"

    now = datetime.fromisoformat(answer["now"])
    expected = {
        row.username: brute_force_jobs_ahead(rows, row.rank, row.ticket, now) if row.status == Status.PENDING else None
        for row in rows
    }
    assert answer["ahead"] == expected
    assert answer["ahead"] == {"first.low": 3, "second.api": 0, "third.high": 0, "fourth.low": 4,
                               "fifth.high": None, "sixth.api": 1, "late.medium": 2}


@pytest.mark.django_db
def test_saving_a_created_job_again_keeps_the_ticket_the_database_gave_it():
    # The instance never read its ticket back (the database assigned it on INSERT).
    job = ProfileJob.objects.create(username="saved_twice", source="api", priority="MEDIUM")
    ticket = ProfileJob.objects.values_list("queue_ticket", flat=True).get(pk=job.pk)
    assert job.queue_ticket is None and ticket is not None

    job.priority = "LOW"
    job.save()

    assert ProfileJob.objects.values_list("queue_ticket", "priority").get(pk=job.pk) == (ticket, "LOW")
    with connection.cursor() as cursor:
        cursor.execute("SELECT priority_rank, pending FROM queue_pending_blocks WHERE block = %s", [ticket // 1024])
        assert cursor.fetchall() == [(3, 1)]
