"""The viral-ideas worker run in-process by the job core: steps, progress, failures and cancelling."""

from __future__ import annotations

import pytest
from django.db.models.signals import post_save

from jobs.models import ProgressEvent
from jobs.runner import run_jobs
from jobs.services import job_cancel
from support import planted_accounts as planted
from support.planted_accounts import COOKING_COMPETITOR_ACCOUNTS, COOKING_COMPETITORS
from viral_ideas.models import ViralAnalysisResult, ViralIdeasCompetitor, ViralIdeasQueue
from viral_ideas.services import viral_entry_create

pytestmark = pytest.mark.django_db

STRATEGY = {"contentType": "Quick recipes", "targetAudience": "Busy parents", "goals": "Grow followers"}
COMPETITORS = COOKING_COMPETITORS


def make_entry(session_id: str, *, primary="planted_creator", competitors=COMPETITORS, **extra) -> ViralIdeasQueue:
    return viral_entry_create(session_id=session_id, primary_username=primary, competitors=list(competitors),
                              content_strategy=dict(STRATEGY), **extra)


def plant(write_account, *, skip=()):
    """A creator and three competitors, each competitor with one clear outlier."""
    planted.plant(write_account, {"planted_creator": ([3000, 1000, 1000, 1000, 1000], None), **COOKING_COMPETITOR_ACCOUNTS},
                  skip=skip)


def run_all() -> int:
    return run_jobs("viral_ideas", time_budget_seconds=60)


def run_events(entry) -> list[ProgressEvent]:
    return list(ProgressEvent.objects.filter(job_kind="viral_ideas", job_id=entry.pk).order_by("id"))


# --- A successful run -----------------------------------------------------------------------------


def test_a_run_completes_the_entry_and_stores_run_one(write_account):
    plant(write_account)
    entry = make_entry("sess-run")

    assert run_all() == 1

    entry.refresh_from_db()
    assert entry.status == "completed"
    assert entry.progress_percentage == 100
    assert entry.error_message is None
    assert entry.total_runs == 1
    assert entry.started_processing_at is not None
    assert entry.completed_at is not None and entry.started_processing_at <= entry.completed_at
    result = ViralAnalysisResult.objects.get(queue=entry)
    assert result.analysis_run == 1
    assert result.analysis_type == "initial"
    assert result.status == "completed"
    assert entry.last_analysis_at == result.analysis_completed_at
    assert (result.total_reels_analyzed, result.primary_reels_count, result.competitor_reels_count) == (20, 5, 15)
    assert result.outliers_count == 4


def test_every_competitor_ends_completed_with_the_number_of_reels_it_contributed(write_account):
    plant(write_account)
    entry = make_entry("sess-competitors")

    run_all()

    rows = {row.competitor_username: row for row in ViralIdeasCompetitor.objects.filter(queue=entry)}
    assert set(rows) == set(COMPETITORS)
    for row in rows.values():
        assert row.processing_status == "completed"
        assert row.reels_analyzed == 5
        assert row.error_message is None


def test_progress_moves_through_the_steps_in_their_bands_and_ends_at_100(write_account):
    plant(write_account)
    entry = make_entry("sess-progress")

    run_all()

    events = [event for event in run_events(entry) if event.status in ("processing", "completed")]
    percentages = [event.percentage for event in events]
    assert percentages == sorted(percentages), "progress never goes back"

    def at(stage):
        return [event.percentage for event in events if event.stage == stage]

    assert at("primary_profile")[-1] == 10
    assert max(at("primary_profile")) == 10
    # 25, then one report per competitor from 25 to 50.
    assert at("competitors") == pytest.approx([25, 25 + 25 / 3, 25 + 50 / 3, 50])
    competitor_messages = [event.message for event in events if event.stage == "competitors"][1:]
    assert [f"@{name}" in message for name, message in zip(COMPETITORS, competitor_messages)] == [True] * 3
    assert at("analysis") and all(50 <= p <= 75 for p in at("analysis"))
    assert at("analysis")[-1] == 75
    assert at("ideas") and all(75 <= p <= 90 for p in at("ideas"))
    assert at("ideas")[-1] == 90
    stages = [stage for stage in dict.fromkeys(event.stage for event in events) if stage != "starting"]
    assert stages == ["primary_profile", "competitors", "analysis", "ideas", "completed"]
    assert events[-1].status == "completed" and events[-1].percentage == 100


def test_a_claimed_run_has_its_started_processing_at_set_before_any_step(write_account):
    plant(write_account)
    entry = make_entry("sess-started")

    run_all()

    claim = next(event for event in run_events(entry) if event.status == "processing")
    entry.refresh_from_db()
    assert claim.data["started_at"] == entry.started_processing_at.isoformat()


# --- Failures -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("private", "error_code"), [(False, "PROFILE_NOT_FOUND"), (True, "PRIVATE_PROFILE")])
def test_a_creator_that_cannot_be_loaded_fails_the_run_with_a_clear_message(write_account, private, error_code):
    plant(write_account, skip=("planted_creator",))
    if private:
        write_account("planted_creator", [3000, 1000, 1000], private=True)
    entry = make_entry("sess-no-creator")

    run_all()

    entry.refresh_from_db()
    assert entry.status == "failed"
    assert entry.error_code == error_code
    assert entry.error_message.startswith("Could not load the creator @planted_creator: ")
    assert len(entry.error_message) > len("Could not load the creator @planted_creator: ")
    assert entry.attempts == 1, "a missing account is permanent: no retry"
    assert not ViralAnalysisResult.objects.filter(queue=entry).exists()
    assert set(ViralIdeasCompetitor.objects.filter(queue=entry).values_list("processing_status", flat=True)) == {"pending"}


def test_one_failing_competitor_is_reported_and_the_run_still_completes(write_account, anonymous):
    plant(write_account)
    entry = make_entry("sess-one-ghost", competitors=("comp_alpha", "ghost_rival", "comp_bravo"))

    run_all()

    entry.refresh_from_db()
    assert entry.status == "completed"
    ghost = ViralIdeasCompetitor.objects.get(queue=entry, competitor_username="ghost_rival")
    assert ghost.processing_status == "failed"
    assert "ghost_rival" in ghost.error_message and "does not exist" in ghost.error_message
    assert set(ViralIdeasCompetitor.objects.filter(queue=entry).exclude(pk=ghost.pk)
               .values_list("processing_status", flat=True)) == {"completed"}
    data = ViralAnalysisResult.objects.get(queue=entry).analysis_data
    assert [account["username"] for account in data["competitors"]] == ["comp_alpha", "comp_bravo"]
    assert len(data["competitor_failures"]) == 1
    assert data["competitor_failures"][0].startswith("@ghost_rival:")
    details = anonymous.get("/api/viral-ideas/queue/sess-one-ghost").json()["data"]["competitor_details"]
    reported = {d["username"]: (d["processing_status"], d["error_message"]) for d in details}
    assert reported["ghost_rival"] == ("failed", ghost.error_message)
    assert reported["comp_alpha"] == ("completed", None)


def test_when_every_competitor_fails_the_run_fails_with_all_competitors_failed(write_account):
    plant(write_account, skip=COMPETITORS)
    entry = make_entry("sess-all-ghosts", competitors=("ghost_one", "ghost_two"))

    run_all()

    entry.refresh_from_db()
    assert entry.status == "failed"
    assert entry.error_code == "ALL_COMPETITORS_FAILED"
    assert "@ghost_one" in entry.error_message and "@ghost_two" in entry.error_message
    assert not ViralAnalysisResult.objects.filter(queue=entry).exists()
    assert set(ViralIdeasCompetitor.objects.filter(queue=entry).values_list("processing_status", flat=True)) == {"failed"}
    failed = run_events(entry)[-1]
    assert failed.status == "failed"
    assert failed.data["error_code"] == "ALL_COMPETITORS_FAILED"


def test_an_entry_whose_competitors_were_all_removed_fails_without_a_result(write_account):
    plant(write_account)
    entry = make_entry("sess-no-competitors")
    ViralIdeasCompetitor.objects.filter(queue=entry).update(is_active=False)

    run_all()

    entry.refresh_from_db()
    assert entry.status == "failed"
    assert entry.error_code == "NO_COMPETITORS"
    assert not ViralAnalysisResult.objects.filter(queue=entry).exists()


def test_removed_competitors_are_left_out_of_the_run(write_account):
    plant(write_account)
    entry = make_entry("sess-removed")
    ViralIdeasCompetitor.objects.filter(queue=entry, competitor_username="comp_charlie").update(is_active=False)

    run_all()

    data = ViralAnalysisResult.objects.get(queue=entry).analysis_data
    assert [account["username"] for account in data["competitors"]] == ["comp_alpha", "comp_bravo"]
    assert ViralIdeasCompetitor.objects.get(queue=entry, competitor_username="comp_charlie").processing_status == "pending"


# --- Cancelling -----------------------------------------------------------------------------------


def test_cancelling_between_steps_stops_the_run_before_it_stores_anything(write_account):
    """The user cancels while the worker is in the analysis step; the next step never starts."""
    plant(write_account)
    entry = make_entry("sess-cancelled")
    cancelled = []

    def cancel_when_analysis_starts(sender, instance, created, **kwargs):
        if created and instance.job_id == entry.pk and instance.stage == "analysis" and not cancelled:
            cancelled.append(instance.percentage)
            job_cancel(ViralIdeasQueue.objects.get(pk=entry.pk), reason="Cancelled by the user")

    post_save.connect(cancel_when_analysis_starts, sender=ProgressEvent)
    try:
        run_all()
    finally:
        post_save.disconnect(cancel_when_analysis_starts, sender=ProgressEvent)

    assert cancelled, "the run reached the analysis step"
    entry.refresh_from_db()
    assert entry.status == "cancelled"
    assert entry.total_runs == 0
    assert entry.last_analysis_at is None
    assert not ViralAnalysisResult.objects.filter(queue=entry).exists()
    stages = {event.stage for event in run_events(entry)}
    assert "ideas" not in stages and "completed" not in stages
    assert max(event.percentage for event in run_events(entry)) < 75


def test_a_cancelled_entry_is_never_claimed(write_account):
    plant(write_account)
    entry = make_entry("sess-cancel-first")
    job_cancel(entry, reason="Changed my mind")

    assert run_all() == 0

    entry.refresh_from_db()
    assert entry.status == "cancelled"
    assert entry.started_processing_at is None
    assert not ViralAnalysisResult.objects.filter(queue=entry).exists()
