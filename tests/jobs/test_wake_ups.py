"""Wake-ups coalesced per process: the first at once, the rest owed until the window ends.

The broker is the real one (django-q2's ORM broker on the test database): every wake-up is an
OrmQ row, read back with its task. Commits are real (transactional database), since wake-ups are
sent only once the work they announce is committed.
"""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django_q.models import OrmQ

from jobs.models import GenerationJob
from jobs.services import job_insert
from profiles.models import ProfileJob
from support.waiting import wait_or_fail

pytestmark = pytest.mark.django_db(transaction=True)

WINDOW = 0.5


@pytest.fixture
def coalescing(settings):
    settings.WAKE_UP_COALESCE_SECONDS = WINDOW
    # The window is per process and per kind: start each test from a quiet one.
    time.sleep(WINDOW)
    OrmQ.objects.all().delete()


def wake_ups(kind: str) -> list[int]:
    """OrmQ ids of the run_jobs wake-ups of `kind`, oldest first."""
    return [row.id for row in OrmQ.objects.order_by("id")
            if row.task.get("func") == "jobs.tasks.run_jobs" and tuple(row.task.get("args")) == (kind,)]


def queue_profile(username: str) -> ProfileJob:
    job = ProfileJob(username=username, source="api", priority="MEDIUM", stage="queued")
    job_insert(job)
    return job


def test_a_commit_in_a_quiet_window_is_woken_at_once(coalescing):
    queue_profile("quiet_one")

    assert len(wake_ups("profile")) == 1  # already there, no waiting


def test_a_burst_of_commits_is_woken_by_a_few_wake_ups_the_last_after_the_last_commit(coalescing):
    started = time.monotonic()
    for number in range(20):
        queue_profile(f"burst_{number}")
    elapsed = time.monotonic() - started
    sent_by_the_last_commit = wake_ups("profile")

    # The window's first commit woke the workers; what came after is owed, not sent yet (unless
    # the machine was so slow that the burst outlasted a window).
    assert 1 <= len(sent_by_the_last_commit) <= 1 + int(elapsed / WINDOW)
    after = wait_or_fail(lambda: [i for i in wake_ups("profile") if i > max(sent_by_the_last_commit)],
                         timeout=5, message="the owed wake-up, sent when the window ends")
    assert len(after) == 1
    assert len(wake_ups("profile")) < 20
    time.sleep(WINDOW * 2)
    assert len(wake_ups("profile")) == len(sent_by_the_last_commit) + 1  # nothing owed any more


def test_each_kind_has_its_own_window(coalescing, alice):
    queue_profile("kind_one")
    job_insert(GenerationJob(owner=alice, mode="topic", topic="Posture"))

    assert len(wake_ups("profile")) == 1
    assert len(wake_ups("generation")) == 1


def test_work_rolled_back_owes_no_wake_up(coalescing):
    queue_profile("first_in_window")
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_profile("undone")
        raise RuntimeError("the caller changes its mind")

    time.sleep(WINDOW * 2)
    assert len(wake_ups("profile")) == 1


def test_with_no_window_every_commit_is_woken_at_once(settings):
    settings.WAKE_UP_COALESCE_SECONDS = 0
    OrmQ.objects.all().delete()

    for number in range(5):
        queue_profile(f"one_each_{number}")

    assert len(wake_ups("profile")) == 5
