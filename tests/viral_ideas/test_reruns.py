"""Reruns: on request (`…/rerun`), on schedule (`viral_ideas.tasks.start_due_reruns`), and their numbered runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from jobs.runner import run_jobs
from support.owners import creator_client
from viral_ideas import tasks
from viral_ideas.models import ViralAnalysisResult, ViralIdeasQueue
from viral_ideas.services import viral_entry_create, viral_entry_rerun

pytestmark = pytest.mark.django_db

STRATEGY = {"contentType": "Quick recipes", "targetAudience": "Busy parents", "goals": "Grow followers"}
COMPETITORS = ("comp_alpha", "comp_bravo")
ALPHA_VIEWS = [1000, 4000, 1000, 1000, 1000]
ALPHA_CAPTIONS = ["Sunday meal prep", "Why does nobody talk about this?", "Lunch at the studio", "Dinner plating",
                  "Market haul"]


def plant(write_account):
    write_account("planted_creator", [3000, 1000, 1000, 1000, 1000])
    write_account("comp_alpha", ALPHA_VIEWS, captions=ALPHA_CAPTIONS)
    write_account("comp_bravo", [2000, 2000, 10000, 2000, 2000],
                  captions=["Pantry tour", "Knife skills", "Are you salting your pasta water wrong?",
                            "Breakfast bowl", "Stock pot"])


def make_entry(session_id: str, *, primary="planted_creator", **extra) -> ViralIdeasQueue:
    return viral_entry_create(session_id=session_id, primary_username=primary, competitors=list(COMPETITORS),
                              content_strategy=dict(STRATEGY), **extra)


def run_all() -> int:
    return run_jobs("viral_ideas", time_budget_seconds=60)


def finished(session_id: str, *, auto_rerun: bool, next_run_in: timedelta | None, status="completed", **extra):
    """An entry whose first run ended, with its rerun settings."""
    entry = make_entry(session_id, primary=f"creator_{session_id[-6:].replace('-', '_')}", **extra)
    now = timezone.now()
    ViralIdeasQueue.objects.filter(pk=entry.pk).update(
        status=status, total_runs=1, finished_at=now - timedelta(days=1), last_analysis_at=now - timedelta(days=1),
        auto_rerun_enabled=auto_rerun, next_scheduled_run=None if next_run_in is None else now + next_run_in,
    )
    return ViralIdeasQueue.objects.get(pk=entry.pk)


# --- Scheduled reruns -----------------------------------------------------------------------------


def test_the_rerun_check_is_a_django_q_schedule():
    schedule = Schedule.objects.get(name="viral_ideas.reruns")

    assert schedule.func == "viral_ideas.tasks.start_due_reruns"
    assert schedule.repeats == -1
    assert schedule.schedule_type == Schedule.MINUTES
    assert schedule.minutes >= 1


def test_start_due_reruns_starts_only_entries_that_asked_for_reruns_and_are_due():
    due = finished("sess-due-000", auto_rerun=True, next_run_in=timedelta(minutes=-5))
    due_failed = finished("sess-due-fail", auto_rerun=True, next_run_in=timedelta(hours=-3), status="failed")
    not_enabled = finished("sess-off-000", auto_rerun=False, next_run_in=timedelta(minutes=-5))
    in_future = finished("sess-later-0", auto_rerun=True, next_run_in=timedelta(hours=2))
    never_scheduled = finished("sess-never-0", auto_rerun=True, next_run_in=None)

    started = tasks.start_due_reruns()

    assert sorted(started) == sorted([str(due.pk), str(due_failed.pk)])
    statuses = dict(ViralIdeasQueue.objects.values_list("session_id", "status"))
    assert statuses["sess-due-000"] == "pending"
    assert statuses["sess-due-fail"] == "pending"
    assert statuses["sess-off-000"] == "completed"
    assert statuses["sess-later-0"] == "completed"
    assert statuses["sess-never-0"] == "completed"
    for entry in (not_enabled, in_future, never_scheduled):
        entry.refresh_from_db()
        assert entry.total_runs == 1


def test_a_due_entry_that_is_already_queued_or_running_is_not_started_twice():
    running = finished("sess-running", auto_rerun=True, next_run_in=timedelta(minutes=-5), status="processing")
    waiting = finished("sess-waiting", auto_rerun=True, next_run_in=timedelta(minutes=-5), status="pending")

    assert tasks.start_due_reruns() == []

    assert ViralIdeasQueue.objects.get(pk=running.pk).status == "processing"
    assert ViralIdeasQueue.objects.get(pk=waiting.pk).status == "pending"


def test_a_finished_run_schedules_the_next_one_after_rerun_frequency_hours(write_account):
    plant(write_account)
    entry = make_entry("sess-schedules", auto_rerun_enabled=True, rerun_frequency_hours=6)

    run_all()

    entry.refresh_from_db()
    assert entry.status == "completed"
    result = ViralAnalysisResult.objects.get(queue=entry)
    assert entry.last_analysis_at == result.analysis_completed_at
    assert entry.next_scheduled_run == entry.last_analysis_at + timedelta(hours=6)
    assert entry.last_analysis_at <= entry.completed_at < entry.next_scheduled_run


def test_a_finished_run_schedules_nothing_when_reruns_are_off(write_account):
    plant(write_account)
    entry = make_entry("sess-no-schedule", auto_rerun_enabled=False, rerun_frequency_hours=6)

    run_all()

    entry.refresh_from_db()
    assert entry.status == "completed"
    assert entry.next_scheduled_run is None
    assert tasks.start_due_reruns() == []


def test_a_scheduled_rerun_that_comes_due_runs_as_run_two(write_account):
    plant(write_account)
    entry = make_entry("sess-scheduled-rerun", auto_rerun_enabled=True, rerun_frequency_hours=24)
    run_all()
    entry.refresh_from_db()
    first_next_run = entry.next_scheduled_run
    assert tasks.start_due_reruns() == [], "not due for another 24 hours"

    ViralIdeasQueue.objects.filter(pk=entry.pk).update(next_scheduled_run=timezone.now() - timedelta(minutes=1))
    assert tasks.start_due_reruns() == [str(entry.pk)]
    assert run_all() == 1

    entry.refresh_from_db()
    assert entry.status == "completed"
    assert entry.total_runs == 2
    runs = list(ViralAnalysisResult.objects.filter(queue=entry).order_by("analysis_run")
                .values_list("analysis_run", "analysis_type"))
    assert runs == [(1, "initial"), (2, "recurring")]
    assert entry.next_scheduled_run == entry.last_analysis_at + timedelta(hours=24)
    assert entry.next_scheduled_run > first_next_run


def test_a_scheduled_rerun_that_fails_is_not_started_again_before_its_next_period(write_account, instagram_dir,
                                                                                  settings):
    """rerun_frequency_hours spaces scheduled runs; a failed one must not make the entry due at every check."""
    settings.VIRAL_PROFILE_FRESHNESS_HOURS = 0  # every run fetches the accounts again
    plant(write_account)
    entry = make_entry("sess-failing-rerun", auto_rerun_enabled=True, rerun_frequency_hours=24)
    run_all()
    ViralIdeasQueue.objects.filter(pk=entry.pk).update(next_scheduled_run=timezone.now() - timedelta(minutes=1))
    for name in COMPETITORS:  # both competitors disappear before the scheduled rerun
        (instagram_dir / f"{name}.json").unlink()
    assert tasks.start_due_reruns() == [str(entry.pk)]
    run_all()
    entry.refresh_from_db()
    assert entry.status == "failed"
    assert entry.error_code == "ALL_COMPETITORS_FAILED"

    # The next check (VIRAL_RERUN_CHECK_MINUTES later) finds nothing due for another 24 hours.
    assert tasks.start_due_reruns() == []
    entry.refresh_from_db()
    assert entry.status == "failed"


# --- Reruns on request ----------------------------------------------------------------------------


def test_rerunning_a_finished_entry_makes_it_pending_and_the_next_run_is_recurring(anonymous, write_account):
    plant(write_account)
    entry = make_entry("sess-rerun")
    run_all()
    first = ViralAnalysisResult.objects.get(queue=entry)

    response = creator_client(entry).post(f"/api/viral-ideas/queue/{entry.pk}/rerun")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "pending"
    assert data["total_runs"] == 1
    assert data["completed_at"] is None
    entry.refresh_from_db()
    assert entry.status == "pending"

    assert run_all() == 1

    entry.refresh_from_db()
    assert entry.status == "completed"
    assert entry.total_runs == 2
    results = list(ViralAnalysisResult.objects.filter(queue=entry).order_by("analysis_run"))
    assert [(r.analysis_run, r.analysis_type) for r in results] == [(1, "initial"), (2, "recurring")]
    assert results[0].pk == first.pk
    assert results[0].analysis_data == first.analysis_data
    assert results[1].analysis_data["analysis_type"] == "recurring"


def test_results_answer_the_latest_run_unless_a_run_is_asked_for(anonymous, write_account):
    plant(write_account)
    entry = make_entry("sess-results-runs")
    run_all()
    creator_client(entry).post(f"/api/viral-ideas/queue/{entry.pk}/rerun")
    run_all()

    latest = anonymous.get(f"/api/viral-analysis/{entry.pk}/results").json()["data"]
    first = anonymous.get(f"/api/viral-analysis/{entry.pk}/results?run=1").json()["data"]

    assert latest["analysis"]["analysis_run"] == 2
    assert latest["analysis"]["analysis_type"] == "recurring"
    assert latest["runs"] == [1, 2]
    assert first["analysis"]["analysis_run"] == 1
    assert first["analysis"]["analysis_type"] == "initial"
    assert first["analysis"]["id"] != latest["analysis"]["id"]


def test_a_failed_entry_can_be_rerun_after_its_data_appears(anonymous, write_account):
    write_account("comp_alpha", ALPHA_VIEWS, captions=ALPHA_CAPTIONS)
    write_account("comp_bravo", [2000, 2000, 10000, 2000, 2000])
    entry = make_entry("sess-rerun-failed")
    run_all()
    entry.refresh_from_db()
    assert entry.status == "failed"

    plant(write_account)
    assert creator_client(entry).post(f"/api/viral-ideas/queue/{entry.pk}/rerun").status_code == 200
    run_all()

    entry.refresh_from_db()
    assert entry.status == "completed"
    assert entry.error_message is None
    assert list(ViralAnalysisResult.objects.filter(queue=entry).values_list("analysis_run", "analysis_type")) == [
        (1, "initial")
    ]


def test_a_rerun_reports_the_outliers_that_are_new_since_the_last_run(write_account, settings):
    settings.VIRAL_PROFILE_FRESHNESS_HOURS = 0  # every run fetches the accounts again
    plant(write_account)
    entry = make_entry("sess-new-outliers")
    run_all()
    # comp_alpha posts a reel that takes off: 20000 views against a baseline of median(1000 ×4, 4000) = 1000.
    write_account("comp_alpha", ALPHA_VIEWS + [20000], captions=ALPHA_CAPTIONS + ["Three dinners one pan"])
    viral_entry_rerun(entry=entry, by="test")
    run_all()

    data = ViralAnalysisResult.objects.get(queue=entry, analysis_run=2).analysis_data
    assert data["analysis_type"] == "recurring"
    assert data["new_since_last_run"] == ["compal00005"]
    assert [(r["reel"]["shortcode"], r["outlier_multiplier"]) for r in data["new_outliers"]] == [("compal00005", 20.0)]
    # The ideas of a rerun build on what is new.
    sources = {source["shortcode"] for idea in data["ideas"] for source in idea["sources"]}
    assert sources == {"compal00005"}
