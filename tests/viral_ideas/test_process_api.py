"""Staff's processing on demand (`POST …/queue/{id}/process`) and `POST /api/viral-ideas/process-pending`."""

from __future__ import annotations

import re
import statistics
import uuid
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import OrmQ

from jobs.services import job_claim
from viral_ideas.models import ViralAnalysisResult, ViralIdeasCompetitor, ViralIdeasQueue
from viral_ideas.services import viral_entry_create

pytestmark = pytest.mark.django_db

STRATEGY = {"contentType": "Quick recipes", "targetAudience": "Busy parents", "goals": "Grow followers"}


def make_entry(session_id: str, *, primary="planted_creator", competitors=("comp_alpha", "comp_bravo"), **extra):
    return viral_entry_create(session_id=session_id, primary_username=primary, competitors=list(competitors),
                              content_strategy=dict(STRATEGY), **extra)


def assert_error_shape(body: dict, error_code: str) -> None:
    assert body["success"] is False
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["error_code"] == error_code
    assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None


def queued_tasks() -> list[OrmQ]:
    return list(OrmQ.objects.all())


def plant_accounts(write_account):
    write_account("planted_creator", [3000, 1000, 1000, 1000, 1000])
    write_account("comp_alpha", [1000, 4000, 1000, 1000, 1000],
                  captions=["Sunday meal prep", "Why does nobody talk about this?", "Lunch at the studio",
                            "Dinner plating", "Market haul"])
    write_account("comp_bravo", [2000, 2000, 10000, 2000, 2000],
                  captions=["Pantry tour", "Knife skills", "Are you salting your pasta water wrong?",
                            "Breakfast bowl", "Stock pot"])


# --- Who may call it, and the request errors ------------------------------------------------------


def test_anonymous_callers_get_a_401_and_nothing_is_queued(anonymous):
    entry = make_entry("sess-anon")
    before = OrmQ.objects.count()

    response = anonymous.post(f"/api/viral-ideas/queue/{entry.pk}/process")

    assert response.status_code == 401
    assert_error_shape(response.json(), "NOT_AUTHENTICATED")
    assert OrmQ.objects.count() == before


def test_a_signed_in_creator_who_is_not_staff_gets_a_403(alice_client):
    entry = make_entry("sess-alice")
    before = OrmQ.objects.count()

    response = alice_client.post(f"/api/viral-ideas/queue/{entry.pk}/process")

    assert response.status_code == 403
    assert_error_shape(response.json(), "PERMISSION_DENIED")
    assert OrmQ.objects.count() == before
    assert ViralIdeasQueue.objects.get(pk=entry.pk).status == "pending"


@pytest.mark.parametrize("queue_id", ["not-a-uuid", "12345", "1234567-1234-1234-1234-12345678901g"])
def test_a_queue_id_that_is_not_a_uuid_is_a_400_invalid_uuid_format(staff_client, queue_id):
    response = staff_client.post(f"/api/viral-ideas/queue/{queue_id}/process")

    assert response.status_code == 400
    assert_error_shape(response.json(), "INVALID_UUID_FORMAT")


def test_an_unknown_queue_id_is_a_404_queue_not_found(staff_client):
    make_entry("sess-exists")

    response = staff_client.post(f"/api/viral-ideas/queue/{uuid.uuid4()}/process")

    assert response.status_code == 404
    assert_error_shape(response.json(), "QUEUE_NOT_FOUND")


def test_an_entry_without_active_competitors_is_a_400_missing_requirements(staff_client):
    entry = make_entry("sess-no-rivals")
    ViralIdeasCompetitor.objects.filter(queue=entry).update(is_active=False, removed_at=timezone.now())
    before = OrmQ.objects.count()

    response = staff_client.post(f"/api/viral-ideas/queue/{entry.pk}/process")

    assert response.status_code == 400
    assert_error_shape(response.json(), "MISSING_REQUIREMENTS")
    assert OrmQ.objects.count() == before


def test_an_entry_without_a_primary_username_is_a_400_missing_requirements(staff_client):
    entry = make_entry("sess-no-primary")
    ViralIdeasQueue.objects.filter(pk=entry.pk).update(primary_username="")

    response = staff_client.post(f"/api/viral-ideas/queue/{entry.pk}/process")

    assert response.status_code == 400
    assert_error_shape(response.json(), "MISSING_REQUIREMENTS")


def test_an_entry_that_is_already_processing_is_a_409_and_is_not_queued_twice(staff_client):
    entry = make_entry("sess-busy")
    claimed = job_claim(ViralIdeasQueue, job_id=entry.pk)
    assert claimed is not None
    before = OrmQ.objects.count()

    response = staff_client.post(f"/api/viral-ideas/queue/{entry.pk}/process")

    assert response.status_code == 409
    assert_error_shape(response.json(), "INVALID_STATE")
    assert response.json()["current_status"] == "processing"
    assert OrmQ.objects.count() == before
    after = ViralIdeasQueue.objects.get(pk=entry.pk)
    assert after.status == "processing"
    assert after.claim_token == claimed.claim_token


# --- The answer -----------------------------------------------------------------------------------


def test_processing_a_pending_entry_queues_a_real_django_q_task_and_answers_every_section(staff_client):
    entry = make_entry("sess-process", competitors=("comp_alpha", "comp_bravo", "comp_charlie"), priority=3)
    ViralIdeasCompetitor.objects.filter(queue=entry, competitor_username="comp_charlie").update(is_active=False)
    before = {task.pk for task in queued_tasks()}

    response = staff_client.post(f"/api/viral-ideas/queue/{entry.pk}/process")

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert isinstance(body["message"], str) and body["message"]
    data = body["data"]

    immediate = data["immediate_processing"]
    assert immediate["queue_id"] == str(entry.pk)
    assert immediate["status"] == "processing_started"
    assert immediate["task_created"] is True
    assert re.fullmatch(r"[0-9a-f]{32}", immediate["task_id"])
    new_tasks = [task for task in queued_tasks() if task.pk not in before]
    assert len(new_tasks) == 1
    task = new_tasks[0]
    assert task.task_id() == immediate["task_id"]
    assert callable(import_string(task.func()))
    assert str(entry.pk) in [str(arg) for arg in task.args()]

    details = data["processing_details"]
    assert details["primary_username"] == "planted_creator"
    assert details["session_id"] == "sess-process"
    assert details["competitors_count"] == 2
    assert details["priority"] == 3
    assert details["content_strategy_provided"] is True
    assert isinstance(details["processing_mode"], str) and details["processing_mode"]

    monitoring = data["monitoring"]
    assert monitoring["progress_endpoint"] == "/api/viral-ideas/queue/sess-process"
    assert staff_client.get(monitoring["progress_endpoint"]).status_code == 200

    assert {"min_duration_minutes", "max_duration_minutes", "factors"} <= set(data["estimated_completion"])
    assert datetime.fromisoformat(data["timestamp"]).tzinfo is not None
    # Queued, not yet run: the worker claims it.
    assert ViralIdeasQueue.objects.get(pk=entry.pk).status == "pending"


def test_the_queued_task_runs_the_entry_to_completion_when_a_worker_executes_it(staff_client, write_account):
    plant_accounts(write_account)
    entry = make_entry("sess-process-run")
    before = {task.pk for task in queued_tasks()}

    response = staff_client.post(f"/api/viral-ideas/queue/{entry.pk}/process")
    assert response.status_code == 200
    (task,) = [task for task in queued_tasks() if task.pk not in before]

    # What a django-q2 worker does with the task: import its function and call it with its args.
    outcome = import_string(task.func())(*task.args(), **(task.kwargs() or {}))

    assert outcome == "completed"
    entry.refresh_from_db()
    assert entry.status == "completed"
    assert entry.total_runs == 1
    assert ViralAnalysisResult.objects.filter(queue=entry, analysis_run=1).exists()


def test_asking_twice_before_a_worker_starts_still_runs_the_entry_once(staff_client, write_account):
    plant_accounts(write_account)
    entry = make_entry("sess-process-twice")
    before = {task.pk for task in queued_tasks()}

    assert staff_client.post(f"/api/viral-ideas/queue/{entry.pk}/process").status_code == 200
    assert staff_client.post(f"/api/viral-ideas/queue/{entry.pk}/process").status_code == 200
    tasks = [task for task in queued_tasks() if task.pk not in before]
    assert len(tasks) == 2

    outcomes = [import_string(task.func())(*task.args(), **(task.kwargs() or {})) for task in tasks]

    assert outcomes == ["completed", None]
    entry.refresh_from_db()
    assert entry.total_runs == 1
    assert entry.attempts == 1
    assert list(ViralAnalysisResult.objects.filter(queue=entry).values_list("analysis_run", flat=True)) == [1]


def test_without_finished_runs_the_estimate_says_it_has_no_history(staff_client):
    entry = make_entry("sess-no-history")

    estimate = staff_client.post(f"/api/viral-ideas/queue/{entry.pk}/process").json()["data"]["estimated_completion"]

    assert estimate["min_duration_minutes"] is None
    assert estimate["max_duration_minutes"] is None
    assert estimate["median_duration_minutes"] is None
    assert estimate["based_on_runs"] == 0


def test_the_estimate_comes_from_the_measured_durations_of_completed_runs(staff_client):
    durations = [120.0, 300.0, 600.0, 450.0]
    finished = timezone.now() - timedelta(days=1)
    for index, seconds in enumerate(durations):
        done = make_entry(f"sess-history-{index}", primary=f"creator_{index}")
        ViralIdeasQueue.objects.filter(pk=done.pk).update(
            status="completed", duration_seconds=seconds, finished_at=finished + timedelta(minutes=index),
            started_processing_at=finished - timedelta(seconds=seconds),
        )
    # A failed run and a pending entry have no measured duration that counts.
    failed = make_entry("sess-history-failed", primary="creator_failed")
    ViralIdeasQueue.objects.filter(pk=failed.pk).update(status="failed", duration_seconds=3600.0, finished_at=finished)
    entry = make_entry("sess-estimated")

    estimate = staff_client.post(f"/api/viral-ideas/queue/{entry.pk}/process").json()["data"]["estimated_completion"]

    assert estimate["min_duration_minutes"] == 2.0
    assert estimate["max_duration_minutes"] == 10.0
    assert estimate["median_duration_minutes"] == pytest.approx(statistics.median(durations) / 60)
    assert estimate["based_on_runs"] == 4


def test_processing_a_finished_entry_queues_its_next_run(staff_client):
    entry = make_entry("sess-process-again")
    ViralIdeasQueue.objects.filter(pk=entry.pk).update(status="completed", total_runs=1, finished_at=timezone.now())

    response = staff_client.post(f"/api/viral-ideas/queue/{entry.pk}/process")

    assert response.status_code == 200
    assert response.json()["data"]["processing_details"]["run_number"] == 2
    entry.refresh_from_db()
    assert entry.status == "pending"
    assert entry.finished_at is None


# --- POST /api/viral-ideas/process-pending --------------------------------------------------------


def test_process_pending_is_for_staff_only(anonymous, alice_client):
    make_entry("sess-pp-auth")

    assert anonymous.post("/api/viral-ideas/process-pending").status_code == 401
    assert alice_client.post("/api/viral-ideas/process-pending").status_code == 403


def test_process_pending_wakes_workers_for_pending_entries(staff_client, django_capture_on_commit_callbacks):
    for index in range(3):
        make_entry(f"sess-pp-{index}", primary=f"creator_{index}")
    before = {task.pk for task in queued_tasks()}

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/api/viral-ideas/process-pending")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "processing_started"
    assert data["pending"] == 3
    wake_ups = [task for task in queued_tasks() if task.pk not in before]
    assert len(wake_ups) >= min(3, settings.Q_WORKERS)
    assert all(callable(import_string(task.func())) for task in wake_ups)
    assert ("viral_ideas",) in {tuple(task.args()) for task in wake_ups}


def test_process_pending_recovers_an_entry_whose_worker_stopped(staff_client):
    stuck = make_entry("sess-pp-stuck")
    job_claim(ViralIdeasQueue, job_id=stuck.pk)
    stale = timezone.now() - timedelta(seconds=settings.VIRAL_JOB_TIMEOUT_SECONDS + 60)
    ViralIdeasQueue.objects.filter(pk=stuck.pk).update(heartbeat_at=stale, started_processing_at=stale)
    alive = make_entry("sess-pp-alive", primary="creator_alive")
    job_claim(ViralIdeasQueue, job_id=alive.pk)

    response = staff_client.post("/api/viral-ideas/process-pending")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["recovered"] == 1
    assert data["pending"] == 1
    stuck.refresh_from_db()
    assert stuck.status == "pending"
    assert stuck.error_code == "WORKER_LOST"
    assert ViralIdeasQueue.objects.get(pk=alive.pk).status == "processing"
