"""Quick progress reports are kept back and written at most PROGRESS_MIN_INTERVAL_SECONDS late.

A report that comes within the interval of the job's last write is not written at once: the
next report after the interval, the completion, or the process's flusher thread at
`last write + interval` writes the latest kept one. So a job of quick steps writes a few
reports, and a stage is shown at most the interval late even when the step after it runs long
without reporting. Only outside the handler's own transaction and on PostgreSQL (these tests
commit, so the flusher's own connection sees what they wrote).
"""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from jobs.errors import JobInterrupted
from jobs.models import ProgressEvent
from jobs.progress import JobProgress
from jobs.runner import run_jobs
from jobs.services import job_cancel, job_claim
from profiles.models import ProfileJob
from support.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

# Long enough that the reports of one test body always come "within" it on a busy machine.
INTERVAL = 1.5


@pytest.fixture
def folding(settings):
    settings.PROGRESS_MIN_INTERVAL_SECONDS = INTERVAL


def claimed_job(username: str) -> ProfileJob:
    ProfileJob.objects.create(username=username, source="frontend", priority="HIGH")
    job = job_claim(ProfileJob, worker_name="folding-host:1")
    assert job is not None and job.username == username
    return job


def events_of(job, **filters) -> list[ProgressEvent]:
    return list(ProgressEvent.objects.filter(job_kind="profile", job_id=job.pk, **filters).order_by("id"))


def test_quick_reports_write_only_the_latest_and_at_most_the_interval_late(folding):
    job = claimed_job("folded_steps")
    progress = JobProgress(job)
    started = time.monotonic()

    for percentage in range(35, 71, 5):  # eight reports right after the claim's write
        progress.report("analyzing_content", percentage, f"Scored up to {percentage}%")

    assert not events_of(job, stage="analyzing_content")  # kept, not written yet
    assert job.progress_percentage == 70  # the worker's own view moved on with every report
    written = wait_until(lambda: events_of(job, stage="analyzing_content"))
    assert written, "the kept report was never written"
    assert time.monotonic() - started >= INTERVAL * 0.9
    assert [(e.percentage, e.message) for e in written] == [(70.0, "Scored up to 70%")]
    job.refresh_from_db()
    assert (job.stage, job.progress_percentage, job.progress_message) == ("analyzing_content", 70, "Scored up to 70%")


def test_a_new_stage_followed_by_a_long_step_is_shown_by_the_flusher(folding):
    job = claimed_job("long_step")
    progress = JobProgress(job)

    progress.report("fetching_profile_data", 10, "Fetching from Instagram")
    # … the handler now waits on the network for a long time without reporting.

    assert wait_until(lambda: ProfileJob.objects.filter(pk=job.pk, stage="fetching_profile_data").exists())
    [event] = events_of(job, stage="fetching_profile_data")
    assert (event.percentage, event.message) == (10.0, "Fetching from Instagram")


def test_a_report_after_the_interval_is_written_at_once(folding):
    job = claimed_job("interval_passed")
    progress = JobProgress(job)
    progress.report("analyzing_content", 35, "first")
    assert wait_until(lambda: events_of(job, stage="analyzing_content"))
    time.sleep(INTERVAL)

    progress.report("processing_insights", 80, "after the interval")

    assert [e.message for e in events_of(job, stage="processing_insights")] == ["after the interval"]


def test_the_completion_replaces_a_kept_report(folding):
    job = claimed_job("done_quickly")
    progress = JobProgress(job)
    progress.report("finalizing", 90, "Saving")  # kept

    progress.complete("All done")
    time.sleep(INTERVAL + 0.5)  # past the kept report's time: the flusher must not write it

    assert progress.completed
    assert [(e.stage, e.status) for e in events_of(job)] == [("starting", "PROCESSING"), ("completed", "COMPLETED")]
    job.refresh_from_db()
    assert (job.status, job.progress_percentage) == ("COMPLETED", 100)


def test_a_cancel_found_by_the_flusher_stops_the_handler_at_its_next_report(folding):
    job = claimed_job("cancelled_midway")
    progress = JobProgress(job)
    progress.report("analyzing_content", 35, "kept")
    job_cancel(ProfileJob.objects.get(pk=job.pk), reason="Cancelled by staff")
    time.sleep(INTERVAL + 0.5)  # the flusher tries the kept report and finds the job cancelled

    with pytest.raises(JobInterrupted) as interrupted:
        progress.report("analyzing_content", 50, "still inside the next interval: not a write")

    assert interrupted.value.reason == "cancelled"
    assert not events_of(job, stage="analyzing_content")


def test_with_no_interval_every_report_is_written(settings):
    settings.PROGRESS_MIN_INTERVAL_SECONDS = 0
    job = claimed_job("every_step")
    progress = JobProgress(job)

    for percentage in (35, 40, 45, 50, 55):
        progress.report("analyzing_content", percentage, f"step {percentage}")

    assert [e.percentage for e in events_of(job, stage="analyzing_content")] == [35.0, 40.0, 45.0, 50.0, 55.0]


def test_reports_inside_the_handlers_transaction_are_written_in_it(folding):
    job = claimed_job("in_a_transaction")
    progress = JobProgress(job)

    with transaction.atomic():
        progress.report("finalizing", 92, "Saving")  # inside: written now, committed with the rest
        assert len(events_of(job, stage="finalizing")) == 1

    job.refresh_from_db()
    assert job.stage == "finalizing"


def test_a_quick_real_profile_job_writes_its_claim_and_its_completion(folding, write_account):
    write_account("quick_pipeline", [100, 200, 300, 900])
    ProfileJob.objects.create(username="quick_pipeline", source="frontend", priority="HIGH")

    assert run_jobs("profile", time_budget_seconds=60) == 1

    job = ProfileJob.objects.get(username="quick_pipeline")
    assert job.status == "COMPLETED"
    # Five stages, each well inside the interval: none is worth a commit of its own. The
    # finalizing report is written inside the transaction that stores the profile.
    stages = [e.stage for e in events_of(job)]
    assert stages[0] == "starting" and stages[-1] == "completed"
    assert set(stages[1:-1]) <= {"finalizing"}
