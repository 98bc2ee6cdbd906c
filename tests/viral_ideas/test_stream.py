"""The live stream of a viral-ideas entry (`/api/viral-ideas/queue/{session_id}/events`) on the real ASGI app.

A worker thread runs the job core's real runner while the test reads the stream with a plain HTTP client.
"""

from __future__ import annotations

import threading

from django.db import connection

from jobs.models import ProgressEvent
from jobs.runner import run_jobs
from support.sse import SseStream
from viral_ideas.models import ViralIdeasQueue
from viral_ideas.services import viral_entry_create

STRATEGY = {"contentType": "Quick recipes", "targetAudience": "Busy parents", "goals": "Grow followers"}
STEPS = ["primary_profile", "competitors", "analysis", "ideas"]


def plant(write_account):
    write_account("s_creator", [3000, 1000, 1000, 1000, 1000])
    write_account("s_alpha", [1000, 4000, 1000, 1000, 1000],
                  captions=["Sunday meal prep", "Why does nobody talk about this?", "Lunch at the studio",
                            "Dinner plating", "Market haul"])
    write_account("s_bravo", [2000, 2000, 10000, 2000, 2000],
                  captions=["Pantry tour", "Knife skills", "Are you salting your pasta water wrong?",
                            "Breakfast bowl", "Stock pot"])


def worker_thread() -> threading.Thread:
    """The real runner in a thread of its own (its own database connection, closed at the end)."""

    def body():
        try:
            run_jobs("viral_ideas", time_budget_seconds=60)
        finally:
            connection.close()

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread


def test_the_stream_moves_through_every_step_to_complete_while_a_worker_runs_the_entry(asgi_server, write_account):
    plant(write_account)
    entry = viral_entry_create(session_id="sess-stream", primary_username="s_creator",
                               competitors=["s_alpha", "s_bravo"], content_strategy=dict(STRATEGY))

    stream = SseStream(f"{asgi_server}/api/viral-ideas/queue/sess-stream/events")
    assert stream.status == 200
    assert stream.content_type.startswith("text/event-stream")
    snapshot = next(stream.events())
    assert snapshot["event"] == "progress"
    assert snapshot["data"]["status"] == "pending"
    assert snapshot["data"]["queue_id"] == str(entry.pk)

    worker = worker_thread()
    received = stream.read_until("complete")
    worker.join(timeout=60)
    assert not worker.is_alive()

    progress = [frame for frame in received if frame["event"] == "progress"]
    stages = [frame["data"]["progress"]["stage"] for frame in progress if frame["data"]["status"] == "processing"]
    assert [stage for stage in dict.fromkeys(stages) if stage != "starting"] == STEPS
    percentages = [frame["data"]["progress"]["progress_percentage"] for frame in progress
                   if frame["data"]["status"] == "processing"]
    assert percentages == sorted(percentages)
    assert 50 in percentages and 75 in percentages and 90 in percentages
    ids = [snapshot["id"]] + [frame["id"] for frame in progress]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)

    complete = received[-1]
    assert complete["event"] == "complete"
    assert complete["data"]["status"] == "completed"
    assert complete["data"]["queue_id"] == str(entry.pk)
    assert complete["data"]["session_id"] == "sess-stream"
    assert complete["data"]["total_runs"] == 1
    assert complete["data"]["results_url"] == f"/api/viral-analysis/{entry.pk}/results"
    assert ids[-1] <= ProgressEvent.objects.filter(job_kind="viral_ideas", job_id=entry.pk).latest("id").pk
    assert list(stream.frames()) == []  # the server closed the stream
    stream.close()
    assert ViralIdeasQueue.objects.get(pk=entry.pk).status == "completed"


def test_a_failing_run_ends_its_stream_with_the_error(asgi_server, write_account):
    write_account("s_alpha", [1000, 4000, 1000, 1000, 1000])
    entry = viral_entry_create(session_id="sess-stream-fail", primary_username="s_missing",
                               competitors=["s_alpha"], content_strategy=dict(STRATEGY))

    stream = SseStream(f"{asgi_server}/api/viral-ideas/queue/sess-stream-fail/events")
    worker = worker_thread()
    received = stream.read_until("complete")
    worker.join(timeout=60)
    stream.close()

    complete = received[-1]
    assert complete["event"] == "complete"
    assert complete["data"]["status"] == "failed"
    assert complete["data"]["queue_id"] == str(entry.pk)
    assert "s_missing" in complete["data"]["error_message"]


def test_an_unknown_session_gets_an_error_event_with_a_404(asgi_server, instagram_dir):
    stream = SseStream(f"{asgi_server}/api/viral-ideas/queue/never-queued/events")
    frames = list(stream.events())
    stream.close()

    assert stream.status == 404
    assert frames[0]["event"] == "error"
    assert frames[0]["data"]["session_id"] == "never-queued"


def test_a_blank_session_gets_an_error_event_with_a_400(asgi_server, instagram_dir):
    stream = SseStream(f"{asgi_server}/api/viral-ideas/queue/%20/events")
    frames = list(stream.events())
    stream.close()

    assert stream.status == 400
    assert frames[0]["event"] == "error"


def test_a_session_id_with_a_nul_byte_gets_an_error_event_not_a_500(asgi_server, instagram_dir):
    stream = SseStream(f"{asgi_server}/api/viral-ideas/queue/sess%00real/events")
    status = stream.status
    frames = list(stream.events()) if stream.content_type.startswith("text/event-stream") else []
    stream.close()

    assert status in (400, 404)
    assert frames and frames[0]["event"] == "error"
