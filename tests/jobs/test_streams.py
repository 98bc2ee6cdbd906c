"""Live progress streams (SSE) against the real ASGI app under uvicorn and PostgreSQL."""

import threading

import pytest
from django.db import connection

from jobs import streams
from jobs.models import ProgressEvent
from jobs.runner import run_jobs
from jobs.services import job_claim, job_report_progress
from profiles.models import ProfileJob
from profiles.services import profile_request
from support.sse import SseStream
from support.waiting import wait_until

PROFILE_STAGES = ["initializing", "fetching_profile_data", "analyzing_content", "processing_insights", "finalizing"]


def listener_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'viralspot-progress-listener:%%' "
            "AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def queued_profile(write_account, username):
    write_account(username, [100, 200, 300, 900])
    profile_request(username=username, source="frontend")
    return ProfileJob.objects.get(username=username)


def test_a_stream_pushes_every_progress_event_then_one_complete_and_closes(asgi_server, write_account):
    job = queued_profile(write_account, "streamed_one")
    stream = SseStream(f"{asgi_server}/api/profile/streamed_one/events")
    assert stream.status == 200 and stream.content_type.startswith("text/event-stream")
    frames = stream.frames()
    hello = next(frames)
    assert hello["retry"] == 3000
    snapshot = next(f for f in frames if "event" in f)
    assert snapshot["event"] == "progress" and snapshot["data"]["status"] == "PENDING"

    worker = threading.Thread(target=run_jobs, args=("profile",), kwargs={"time_budget_seconds": 30})
    worker.start()
    received = stream.read_until("complete")
    worker.join()

    progress = [f for f in received if f["event"] == "progress"]
    ids = [snapshot["id"]] + [f["id"] for f in progress]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    stages = [f["data"]["progress"]["stage"] for f in progress if f["data"]["status"] == "PROCESSING"]
    assert [s for s in dict.fromkeys(stages) if s != "starting"] == PROFILE_STAGES
    assert {"job_id", "status", "progress", "timestamp"} <= set(progress[0]["data"])
    complete = received[-1]
    assert complete["event"] == "complete"
    assert complete["data"]["status"] == "COMPLETED"
    assert complete["data"]["profile"]["status"] == "exists"
    assert ids[-1] == ProgressEvent.objects.filter(job_id=job.pk).latest("id").pk
    assert list(stream.frames()) == []  # the server closed the stream
    stream.close()


def test_reconnecting_with_last_event_id_replays_only_what_was_missed(asgi_server, write_account):
    job = queued_profile(write_account, "resumed_one")
    run_jobs("profile", time_budget_seconds=30)
    history = list(ProgressEvent.objects.filter(job_id=job.pk).order_by("id").values_list("id", flat=True))
    resume_from = history[3]

    stream = SseStream(f"{asgi_server}/api/profile/resumed_one/events", headers={"Last-Event-ID": str(resume_from)})
    received = stream.read_until("complete")
    stream.close()

    replayed = [f["id"] for f in received if f["event"] == "progress"]
    assert replayed == history[4:]
    assert received[-1]["event"] == "complete"


def other_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_one_listener_connection_serves_many_streams(asgi_server, write_account, settings):
    jobs = [queued_profile(write_account, f"fan_out_{n}") for n in range(12)]
    opened = [SseStream(f"{asgi_server}/api/profile/fan_out_{n}/events") for n in range(12)]
    first_frames = [next(s.events()) for s in opened]
    assert all(f["event"] == "progress" for f in first_frames)
    assert wait_until(lambda: streams.hub.stream_count == 12)

    assert listener_connections() == 1
    assert streams.hub.open_connections == 1
    # Twelve open streams, and the server holds the listener plus at most its small read pool.
    assert other_connections() <= 1 + settings.SSE_DB_THREADS

    for index, job in enumerate(jobs):
        claimed = job_claim(ProfileJob, job_id=job.pk)
        job_report_progress(claimed, stage="initializing", percentage=5, message=f"hello {index}")
    for index, stream in enumerate(opened):
        messages = []
        for frame in stream.events():
            messages.append(frame["data"]["progress"]["message"])
            if frame["data"]["progress"]["message"].startswith("hello"):
                break
        # Each stream got its own job's report, not a neighbour's.
        assert messages[-1] == f"hello {index}"
        stream.close()


def test_an_idle_stream_sends_keep_alive_comments(asgi_server, write_account, settings):
    settings.SSE_KEEPALIVE_SECONDS = 0.2
    queued_profile(write_account, "quiet_one")
    stream = SseStream(f"{asgi_server}/api/profile/quiet_one/events")

    comments = []
    for frame in stream.frames():
        comments += frame.get("comments", [])
        if "keep-alive" in comments:
            break
    stream.close()
    assert "keep-alive" in comments


def test_a_client_that_goes_away_leaves_no_subscription_behind(asgi_server, write_account):
    queued_profile(write_account, "leaver")
    stream = SseStream(f"{asgi_server}/api/profile/leaver/events")
    next(stream.events())
    assert wait_until(lambda: streams.hub.stream_count == 1)

    stream.close()

    assert wait_until(lambda: streams.hub.stream_count == 0)


def test_an_unknown_job_gets_an_error_event_with_a_404(asgi_server, instagram_dir):
    stream = SseStream(f"{asgi_server}/api/profile/never_requested/events")

    frames = list(stream.events())
    stream.close()

    assert stream.status == 404
    assert frames[0]["event"] == "error"
    assert "never_requested" in frames[0]["data"]["error"]


def test_polling_delivery_pushes_the_same_events_without_a_listener(asgi_server, write_account, settings):
    settings.PROGRESS_DELIVERY = "poll"
    settings.SSE_POLL_INTERVAL_SECONDS = 0.1
    queued_profile(write_account, "polled_one")
    stream = SseStream(f"{asgi_server}/api/profile/polled_one/events")
    next(stream.events())

    worker = threading.Thread(target=run_jobs, args=("profile",), kwargs={"time_budget_seconds": 30})
    worker.start()
    received = stream.read_until("complete")
    worker.join()
    stream.close()

    assert received[-1]["data"]["status"] == "COMPLETED"
    assert len([f for f in received if f["event"] == "progress"]) >= len(PROFILE_STAGES)
    assert listener_connections() == 0


def test_a_stream_whose_notification_went_missing_still_ends_by_its_next_keep_alive(
    asgi_server, write_account, settings
):
    settings.SSE_KEEPALIVE_SECONDS = 0.5
    job = queued_profile(write_account, "unannounced_one")
    stream = SseStream(f"{asgi_server}/api/profile/unannounced_one/events")
    frames = stream.frames()
    assert next(f for f in frames if "event" in f)["data"]["status"] == "PENDING"

    # The job ends with no NOTIFY at all, as when the listener was reconnecting at that moment.
    ProfileJob.objects.filter(pk=job.pk).update(status=ProfileJob.Status.CANCELLED)
    ended = ProgressEvent.objects.create(job_kind="profile", job_id=job.pk, status=ProfileJob.Status.CANCELLED,
                                         stage="cancelled", percentage=0, message="Cancelled while nobody listened",
                                         attempt=0, data={})
    received = stream.read_until("complete")
    stream.close()

    assert [f["id"] for f in received if f["event"] == "progress"][-1] == ended.pk
    assert received[-1]["event"] == "complete" and received[-1]["data"]["status"] == "CANCELLED"
