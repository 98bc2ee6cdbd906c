"""Live progress of generation jobs over Server-Sent Events, on the real ASGI app under uvicorn.

A worker thread runs the job with the real runner while the test reads the stream with a plain
HTTP client, authenticating the way API clients (token) and pages (session cookie) do.
"""

from __future__ import annotations

import http.client
import json
import threading
from urllib.parse import urlparse

from django.db import connection
from django.test import Client
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token

from jobs.models import GenerationJob, ProgressEvent
from jobs.runner import run_jobs
from jobs.services import generation_job_create, job_cancel
from support.sse import SseStream

Status = GenerationJob.Status
FRAME_PROGRESS_KEYS = {"percentage", "stage", "stage_progress", "message", "estimated_completion", "elapsed_seconds"}


def token_header(user) -> dict:
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def queued_job(owner, **brief) -> GenerationJob:
    brief = {"mode": "topic", "topic": "Sourdough starter tips", "word_count": 500, **brief}
    return generation_job_create(owner=owner, **brief)


def worker_thread() -> threading.Thread:
    """The real runner in a thread of its own (its own database connection, closed at the end)."""

    def body():
        try:
            run_jobs("generation", time_budget_seconds=60)
        finally:
            connection.close()

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread


def history_ids(job) -> list[int]:
    return list(ProgressEvent.objects.filter(job_kind="generation", job_id=job.pk).order_by("id").values_list("id", flat=True))


def stages_of(frames) -> list[str]:
    order: list[str] = []
    for frame in frames:
        if frame["event"] == "progress" and frame["data"]["status"] == "processing":
            stage = frame["data"]["progress"]["stage"]
            if not order or order[-1] != stage:
                order.append(stage)
    return order


def test_a_token_stream_follows_research_writing_and_seo_to_complete_with_the_result(asgi_server, alice):
    job = queued_job(alice)
    stream = SseStream(f"{asgi_server}/api/jobs/{job.pk}/progress", headers=token_header(alice), timeout=30)
    assert stream.status == 200 and stream.content_type.startswith("text/event-stream")
    frames = stream.frames()
    assert next(frames)["retry"] == 3000
    snapshot = next(f for f in frames if "event" in f)
    assert snapshot["event"] == "progress"
    assert snapshot["data"]["status"] == "queued"
    assert snapshot["data"]["progress"]["percentage"] == 0

    worker = worker_thread()
    received = stream.read_until("complete", limit=1000)
    worker.join(timeout=30)

    progress = [f for f in received if f["event"] == "progress"]
    assert stages_of(progress) == ["research", "writing", "seo"]
    for frame in progress:
        data = frame["data"]
        assert set(data) == {"job_id", "status", "progress", "timestamp"}
        assert data["job_id"] == str(job.pk)
        assert FRAME_PROGRESS_KEYS <= set(data["progress"])
        assert parse_datetime(data["timestamp"]) is not None
        assert isinstance(data["progress"]["elapsed_seconds"], (int, float))
    percentages = [f["data"]["progress"]["percentage"] for f in progress]
    assert percentages == sorted(percentages)
    ids = [snapshot["id"]] + [f["id"] for f in progress]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)

    complete = received[-1]
    assert complete["event"] == "complete"
    assert complete["data"]["job_id"] == str(job.pk)
    assert complete["data"]["status"] == "completed"
    assert complete["data"]["error"] is None
    result = complete["data"]["result"]
    assert result["content"].startswith("# ")
    assert isinstance(result["seo_score"], int) and 0 <= result["seo_score"] <= 100
    assert isinstance(result["readability_score"], float)
    assert 50 <= len(result["meta_title"]) <= 60
    assert complete["data"]["progress"]["percentage"] == 100
    assert complete["data"]["progress"]["stage"] == "completed"
    assert complete["id"] == history_ids(job)[-1]
    assert list(stream.frames()) == []  # the server closed the stream
    stream.close()


def test_reconnecting_with_last_event_id_replays_only_the_later_events(asgi_server, alice):
    job = queued_job(alice)
    run_jobs("generation", time_budget_seconds=60)
    history = history_ids(job)
    resume_from = history[5]

    stream = SseStream(
        f"{asgi_server}/api/jobs/{job.pk}/progress", headers={**token_header(alice), "Last-Event-ID": str(resume_from)}
    )
    received = stream.read_until("complete", limit=1000)
    stream.close()

    replayed = [f["id"] for f in received if f["event"] == "progress"]
    assert replayed == history[6:]
    assert received[-1]["event"] == "complete" and received[-1]["data"]["status"] == "completed"


def raw_get(url: str, headers: dict | None = None) -> tuple[int, str, str]:
    parsed = urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=15)
    try:
        conn.request("GET", parsed.path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read().decode()
    finally:
        conn.close()


def test_an_anonymous_stream_is_a_401_json_error(asgi_server, alice):
    job = queued_job(alice)

    status, content_type, body = raw_get(f"{asgi_server}/api/jobs/{job.pk}/progress", {"Accept": "text/event-stream"})

    assert status == 401
    assert content_type.startswith("application/json")
    document = json.loads(body)
    assert document["success"] is False
    assert document["error_code"] == "NOT_AUTHENTICATED"
    assert document["detail"] and parse_datetime(document["timestamp"]) is not None
    assert "Sourdough" not in body


def test_a_wrong_token_is_a_401_too(asgi_server, alice):
    job = queued_job(alice)

    status, _, body = raw_get(f"{asgi_server}/api/jobs/{job.pk}/progress", {"Authorization": "Token not-a-real-token"})

    assert status == 401
    assert json.loads(body)["error_code"] == "NOT_AUTHENTICATED"


def test_another_creators_job_stream_is_a_404_with_an_error_event(asgi_server, alice, bob):
    job = queued_job(alice, topic="Alice's secret sourdough")

    stream = SseStream(f"{asgi_server}/api/jobs/{job.pk}/progress", headers=token_header(bob))
    frames = list(stream.events())
    stream.close()

    assert stream.status == 404
    assert [f["event"] for f in frames] == ["error"]
    assert frames[0]["data"]["error"]
    assert "secret sourdough" not in json.dumps(frames[0]["data"])
    assert "status" not in frames[0]["data"] and "progress" not in frames[0]["data"]


def test_the_session_cookie_authenticates_a_stream(asgi_server, alice):
    job = queued_job(alice)
    browser = Client()
    browser.force_login(alice)
    session_id = browser.cookies["sessionid"].value

    stream = SseStream(f"{asgi_server}/api/jobs/{job.pk}/progress", headers={"Cookie": f"sessionid={session_id}"})
    first = next(stream.events())
    stream.close()

    assert stream.status == 200
    assert first["event"] == "progress"
    assert first["data"]["job_id"] == str(job.pk) and first["data"]["status"] == "queued"


def test_a_cancel_mid_run_ends_the_stream_with_a_cancelled_complete(asgi_server, alice, settings):
    settings.GENERATION_STEP_DELAY_SECONDS = 0.3
    job = queued_job(alice)
    stream = SseStream(f"{asgi_server}/api/jobs/{job.pk}/progress", headers=token_header(alice), timeout=30)
    next(stream.events())

    worker = worker_thread()
    seen = []
    for frame in stream.events():
        seen.append(frame)
        data = frame["data"]
        if frame["event"] != "progress" or (data["status"] == "processing" and data["progress"]["stage"] == "writing"):
            break
    assert seen[-1]["event"] == "progress", seen[-1]
    job_cancel(GenerationJob.objects.get(pk=job.pk), reason="Cancelled by the test")
    seen += stream.read_until("complete", limit=1000)
    worker.join(timeout=30)
    stream.close()

    assert not worker.is_alive()
    complete = seen[-1]
    assert complete["event"] == "complete"
    assert complete["data"]["status"] == "cancelled"
    assert complete["data"]["result"] is None
    assert not [f for f in seen if f["event"] == "progress" and f["data"]["progress"]["stage"] == "seo"]
    assert [f["data"]["status"] for f in seen if f["event"] == "progress"][-1] == "cancelled"
    job.refresh_from_db()
    assert job.status == Status.CANCELLED and job.result_content == ""


def test_a_failing_job_ends_the_stream_with_a_complete_that_carries_the_error(asgi_server, alice):
    job = queued_job(alice, mode="trends", topic="")  # no stored reels: fails for good with NO_TREND_DATA
    stream = SseStream(f"{asgi_server}/api/jobs/{job.pk}/progress", headers=token_header(alice), timeout=30)
    next(stream.events())

    worker = worker_thread()
    received = stream.read_until("complete", limit=1000)
    worker.join(timeout=30)
    stream.close()

    complete = received[-1]
    assert complete["event"] == "complete"
    assert complete["data"]["status"] == "failed"
    assert complete["data"]["result"] is None
    error = complete["data"]["error"]
    assert error["code"] == "NO_TREND_DATA" and error["stage"] == "research" and error["message"]
    assert error["will_retry"] is False
    last_progress = [f for f in received if f["event"] == "progress"][-1]
    assert last_progress["data"]["status"] == "failed"
    assert last_progress["data"]["progress"]["stage"] == "research"
