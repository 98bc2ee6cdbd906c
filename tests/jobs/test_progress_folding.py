"""Folding of quick progress reports: one write per stage per PROGRESS_MIN_INTERVAL_SECONDS.

JobProgress.report skips the write of a report of the same stage as the last written one when
it comes within the interval (the job object still moves forward); a new stage, and the end of
the job, are always written. The clock JobProgress reads is replaced by one the test moves, so
"within the interval" never depends on how fast this machine is.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from jobs import progress as progress_module
from jobs.errors import JobInterrupted
from jobs.models import ProgressEvent
from jobs.progress import JobProgress
from jobs.runner import run_jobs
from jobs.services import job_cancel, job_claim
from profiles.models import ProfileJob

pytestmark = pytest.mark.django_db


class Clock:
    """A monotonic clock that only moves when the test says so."""

    def __init__(self):
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    # Only jobs.progress sees it: its module-level `time` is the only clock it reads.
    monkeypatch.setattr(progress_module, "time", SimpleNamespace(monotonic=clock.monotonic))
    return clock


@pytest.fixture
def folding(settings):
    settings.PROGRESS_MIN_INTERVAL_SECONDS = 10


def claimed_job(username: str) -> ProfileJob:
    ProfileJob.objects.create(username=username, source="frontend", priority="HIGH")
    job = job_claim(ProfileJob, worker_name="folding-host:1")
    assert job is not None and job.username == username
    return job


def events_of(job, **filters) -> list[ProgressEvent]:
    return list(ProgressEvent.objects.filter(job_kind="profile", job_id=job.pk, **filters).order_by("id"))


def test_quick_reports_of_one_stage_write_one_event_while_the_job_moves_forward(folding, clock):
    job = claimed_job("folded_steps")
    progress = JobProgress(job)

    for percentage in range(35, 71, 5):  # 35, 40, …, 70: eight reports, no time passing
        progress.report("analyzing_content", percentage, f"Scored up to {percentage}%")

    written = events_of(job, stage="analyzing_content")
    assert [(e.percentage, e.message) for e in written] == [(35.0, "Scored up to 35%")]
    # The worker's own view moved on with every report; the row keeps the last written one.
    assert job.progress_percentage == 70
    job.refresh_from_db()
    assert (job.stage, job.progress_percentage, job.progress_message) == ("analyzing_content", 35, "Scored up to 35%")


def test_a_folded_report_never_moves_the_job_back(folding, clock):
    job = claimed_job("never_back")
    progress = JobProgress(job)

    progress.report("analyzing_content", 50, "half")
    progress.report("analyzing_content", 60, "more")
    progress.report("analyzing_content", 40, "a nested step reporting late")

    assert job.progress_percentage == 60
    assert len(events_of(job, stage="analyzing_content")) == 1


def test_a_new_stage_is_written_at_once_with_the_percentage_reached_so_far(folding, clock):
    job = claimed_job("stage_change")
    progress = JobProgress(job)
    progress.report("analyzing_content", 35, "Fetching reels")
    progress.report("analyzing_content", 70, "Scored reels")  # folded

    progress.report("processing_insights", 72, "Extracting hashtags")  # no time has passed

    latest = events_of(job)[-1]
    assert (latest.stage, latest.percentage, latest.message) == ("processing_insights", 72.0, "Extracting hashtags")
    job.refresh_from_db()
    assert (job.stage, job.progress_percentage) == ("processing_insights", 72)


def test_the_same_stage_is_written_again_once_the_interval_has_passed(folding, clock):
    job = claimed_job("interval_passed")
    progress = JobProgress(job)
    progress.report("analyzing_content", 35, "first")
    clock.advance(9.9)
    progress.report("analyzing_content", 45, "still inside the interval")  # folded

    clock.advance(0.1)  # ten seconds after the last write (the folded report did not restart it)
    progress.report("analyzing_content", 55, "after the interval")

    written = events_of(job, stage="analyzing_content")
    assert [(e.percentage, e.message) for e in written] == [(35.0, "first"), (55.0, "after the interval")]


def test_completion_is_written_right_after_a_folded_report(folding, clock):
    job = claimed_job("done_quickly")
    progress = JobProgress(job)
    progress.report("finalizing", 90, "Saving")
    progress.report("finalizing", 99, "Almost")  # folded

    progress.complete("All done")

    assert progress.completed
    last = events_of(job)[-1]
    assert (last.status, last.stage, last.percentage, last.message) == ("COMPLETED", "completed", 100.0, "All done")
    job.refresh_from_db()
    assert (job.status, job.progress_percentage) == ("COMPLETED", 100)


def test_a_cancel_is_noticed_at_the_next_written_report_not_at_a_folded_one(folding, clock):
    job = claimed_job("cancelled_midway")
    progress = JobProgress(job)
    progress.report("analyzing_content", 35, "Fetching reels")
    job_cancel(ProfileJob.objects.get(pk=job.pk), reason="Cancelled by staff")

    progress.report("analyzing_content", 50, "folded: nothing is written, nothing is checked")
    with pytest.raises(JobInterrupted) as interrupted:
        progress.report("processing_insights", 75, "a new stage is written, so the cancel is seen")

    assert interrupted.value.reason == "cancelled"
    assert not events_of(job, stage="processing_insights")


def test_with_no_interval_every_report_is_written(settings, clock):
    settings.PROGRESS_MIN_INTERVAL_SECONDS = 0
    job = claimed_job("every_step")
    progress = JobProgress(job)

    for percentage in (35, 40, 45, 50, 55):
        progress.report("analyzing_content", percentage, f"step {percentage}")

    written = events_of(job, stage="analyzing_content")
    assert [e.percentage for e in written] == [35.0, 40.0, 45.0, 50.0, 55.0]


def test_a_real_profile_job_writes_each_stage_once_when_its_steps_are_quick(folding, write_account):
    # The real clock: the offline provider answers at once, so every step of a stage comes
    # well inside ten seconds of that stage's first report.
    write_account("quick_pipeline", [100, 200, 300, 900])
    ProfileJob.objects.create(username="quick_pipeline", source="frontend", priority="HIGH")

    assert run_jobs("profile", time_budget_seconds=60) == 1

    job = ProfileJob.objects.get(username="quick_pipeline")
    assert job.status == "COMPLETED"
    stages = [e.stage for e in events_of(job)]
    assert stages == [
        "starting", "initializing", "fetching_profile_data", "analyzing_content", "processing_insights",
        "finalizing", "completed",
    ]
