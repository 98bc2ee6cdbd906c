"""The profile worker: stages, stored numbers, and how provider errors end a job."""

import statistics

import pytest

from jobs.models import ProgressEvent
from jobs.runner import run_jobs
from profiles.models import Content, PrimaryProfile, ProfileJob
from profiles.services import profile_request

pytestmark = pytest.mark.django_db

SPEC_STAGES = ["initializing", "fetching_profile_data", "analyzing_content", "processing_insights", "finalizing"]


def fetch(username):
    profile_request(username=username, source="frontend")
    run_jobs("profile", time_budget_seconds=30)
    return ProfileJob.objects.filter(username=username).latest("timestamp")


def test_a_profile_job_reports_the_spec_stages_in_order_then_completes(write_account):
    write_account("stage_walker", [100, 200, 300])

    job = fetch("stage_walker")

    events = list(ProgressEvent.objects.filter(job_id=job.pk).values_list("status", "stage", "percentage"))
    processing_stages = [stage for status, stage, _ in events if status == "PROCESSING" and stage != "starting"]
    assert list(dict.fromkeys(processing_stages)) == SPEC_STAGES
    assert len(processing_stages) > len(SPEC_STAGES)  # several reports, not only boundaries
    percentages = [pct for status, _, pct in events if status == "PROCESSING"]
    assert percentages == sorted(percentages)
    assert events[-1][:2] == ("COMPLETED", "completed") and events[-1][2] == 100
    assert job.status == "COMPLETED" and job.attempts == 1 and job.duration_seconds is not None


def test_outlier_scores_are_views_over_the_accounts_median(write_account):
    views = [100, 200, 300, 400, 5000]
    write_account("outlier_owner", views, followers=2000)

    fetch("outlier_owner")

    scores = dict(Content.objects.filter(username="outlier_owner").values_list("view_count", "outlier_score"))
    assert scores == {100: pytest.approx(1 / 3, abs=1e-4), 200: pytest.approx(2 / 3, abs=1e-4), 300: 1.0,
                      400: pytest.approx(4 / 3, abs=1e-4), 5000: pytest.approx(5000 / 300, abs=1e-4)}


def test_profile_metrics_summarise_the_stored_reels(write_account):
    views = [1000, 3000, 2000, 10000]
    write_account("metric_maker", views, followers=50_000)

    fetch("metric_maker")

    profile = PrimaryProfile.objects.get(username="metric_maker")
    assert profile.median_views == statistics.median(views)
    assert profile.mean_views == statistics.fmean(views)
    assert profile.std_views == pytest.approx(statistics.pstdev(views))
    assert profile.total_views == sum(views)
    assert profile.total_likes == sum(v // 20 for v in views)
    assert profile.total_comments == sum(v // 400 for v in views)
    assert profile.total_reels == 4
    assert profile.followers_count == 50_000
    assert profile.scraping_status == "completed" and profile.last_scraped_at is not None
    assert profile.content_stats["outlier_count_2x"] == 1
    assert profile.content_stats["top_outliers"][0]["view_count"] == 10000
    reel = Content.objects.get(username="metric_maker", view_count=3000)
    assert reel.engagement_rate == pytest.approx((3000 // 20 + 3000 // 400) / 3000, abs=1e-6)
    assert reel.profile_id == profile.pk


def test_an_unknown_account_fails_at_once_with_a_clear_error_and_no_retry(instagram_dir):
    job = fetch("no_such_account")

    assert (job.status, job.attempts, job.error_code) == ("FAILED", 1, "PROFILE_NOT_FOUND")
    assert "no_such_account" in job.error_message
    assert job.error_stage == "fetching_profile_data"
    assert not PrimaryProfile.objects.filter(username="no_such_account").exists()


def test_a_private_account_fails_permanently(write_account):
    write_account("hidden_person", [], private=True)

    job = fetch("hidden_person")

    assert (job.status, job.attempts, job.error_code) == ("FAILED", 1, "PRIVATE_PROFILE")


def test_fetching_a_profile_again_updates_its_reels_instead_of_duplicating_them(write_account):
    write_account("refetched", [100, 200, 300])
    fetch("refetched")
    write_account("refetched", [150, 250, 900])
    ProfileJob.objects.create(username="refetched", source="admin", priority="HIGH")

    run_jobs("profile", time_budget_seconds=30)

    assert Content.objects.filter(username="refetched").count() == 3
    assert sorted(Content.objects.filter(username="refetched").values_list("view_count", flat=True)) == [150, 250, 900]
    assert PrimaryProfile.objects.get(username="refetched").total_views == 1300


def test_the_shipped_sample_accounts_go_through_the_pipeline_with_real_outliers(settings):
    settings.OFFLINE_DATA_DIR = settings.BASE_DIR / "sample_data" / "instagram"

    job = fetch("chef.tomas")

    assert job.status == "COMPLETED"
    profile = PrimaryProfile.objects.get(username="chef.tomas")
    assert profile.total_reels == Content.objects.filter(profile=profile).count() > 20
    assert Content.objects.filter(profile=profile, outlier_score__gte=3).exists()
