"""Bulk generation jobs: create all-or-nothing, X of Y progress, the current article, cancel, stream.

Articles are run by the real runner (`run_claimed_job` on a claimed job, or `run_jobs`) on
PostgreSQL; the live stream is read from the real ASGI app under uvicorn.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token

from jobs.errors import JobInterrupted
from jobs.models import BulkJob, GenerationJob, ProgressEvent
from jobs.progress import JobProgress
from jobs.runner import run_claimed_job, run_jobs
from jobs.services import job_claim
from support.sse import SseStream

pytestmark = pytest.mark.django_db

Status = GenerationJob.Status
ITEMS = [
    {"mode": "topic", "topic": "Sourdough starter tips", "word_count": 400},
    {"mode": "topic", "topic": "Weeknight pasta dinners", "word_count": 400, "tone": "casual"},
    {"mode": "keywords", "keywords": ["meal prep", "lunch boxes"], "word_count": 400},
    {"mode": "topic", "topic": "Posting habits that help reach", "word_count": 400},
    {"mode": "topic", "topic": "Short video hooks", "word_count": 400, "tone": "professional"},
]


def create_bulk(client, items=ITEMS) -> dict:
    response = client.post("/api/jobs/bulk", {"items": items}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["data"]


def progress_of(client, bulk_id) -> dict:
    response = client.get(f"/api/bulk-jobs/{bulk_id}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def run_article(job_id) -> str:
    """Claim this particular article and run it to its end, as a worker would."""
    claimed = job_claim(GenerationJob, job_id=job_id)
    assert claimed is not None
    return run_claimed_job(claimed)


def assert_error_shape(response, status_code: int, error_code: str) -> dict:
    assert response.status_code == status_code, response.content
    body = response.json()
    assert body["success"] is False and body["detail"] and body["error_code"] == error_code
    assert parse_datetime(body["timestamp"]) is not None
    return body


# --- create --------------------------------------------------------------------------------------


def test_a_bulk_request_of_five_items_queues_five_articles_in_order(alice, alice_client):
    created = create_bulk(alice_client)

    assert created["total"] == 5
    assert len(created["job_ids"]) == 5
    bulk = BulkJob.objects.get(pk=created["id"])
    assert bulk.owner == alice and bulk.total == 5
    jobs = list(bulk.jobs.order_by("bulk_position"))
    assert [str(job.pk) for job in jobs] == created["job_ids"]
    assert [job.bulk_position for job in jobs] == [1, 2, 3, 4, 5]
    assert [job.mode for job in jobs] == ["topic", "topic", "keywords", "topic", "topic"]
    assert all(job.owner == alice and job.status == Status.QUEUED for job in jobs)
    assert jobs[2].keywords == ["meal prep", "lunch boxes"]
    assert jobs[1].tone == "casual"
    document = alice_client.get(f"/api/jobs/{jobs[3].pk}").json()["data"]
    assert (document["bulk_job_id"], document["bulk_position"]) == (created["id"], 4)
    state = progress_of(alice_client, created["id"])
    assert (state["status"], state["percentage"], state["summary"]) == ("queued", 0.0, "0 of 5 completed")
    assert state["queued"] == 5 and state["current"] is None
    messages = [ProgressEvent.objects.filter(job_id=job.pk).get().message for job in jobs]
    assert messages[0] == "Queued: topic article 1 of 5"
    assert messages[2] == "Queued: keywords article 3 of 5"


def test_one_invalid_item_rejects_the_whole_bulk_request_naming_its_index(alice_client):
    items = [dict(item) for item in ITEMS]
    items[3] = {"mode": "topic", "topic": "  "}
    items[4] = {"mode": "spin", "source_text": "too short"}

    response = alice_client.post("/api/jobs/bulk", {"items": items}, format="json")

    body = assert_error_shape(response, 400, "VALIDATION_ERROR")
    assert set(body["errors"]["items"]) == {"3", "4"}
    assert "topic" in body["errors"]["items"]["3"]
    assert "source_text" in body["errors"]["items"]["4"]
    assert "3" in body["detail"]
    assert not BulkJob.objects.exists()
    assert not GenerationJob.objects.exists()
    assert not ProgressEvent.objects.filter(job_kind="generation").exists()


@pytest.mark.parametrize("items", [[], [{"mode": "trends"}] * 51, "not a list", ["not an object"]])
def test_an_empty_oversized_or_malformed_item_list_is_a_400(alice_client, items):
    response = alice_client.post("/api/jobs/bulk", {"items": items}, format="json")

    assert_error_shape(response, 400, "VALIDATION_ERROR")
    assert not GenerationJob.objects.exists()


# --- progress ------------------------------------------------------------------------------------


def test_after_two_of_five_articles_the_bulk_shows_two_completed_and_three_queued(alice_client):
    created = create_bulk(alice_client)
    first, second = created["job_ids"][:2]

    assert run_article(first) == Status.COMPLETED
    assert run_article(second) == Status.COMPLETED
    state = progress_of(alice_client, created["id"])

    assert (state["total"], state["completed"], state["queued"]) == (5, 2, 3)
    assert (state["failed"], state["cancelled"], state["processing"]) == (0, 0, 0)
    assert state["summary"] == "2 of 5 completed"
    assert state["percentage"] == 40.0
    assert state["current"] is None
    assert [job["status"] for job in state["jobs"]] == ["completed", "completed", "queued", "queued", "queued"]
    assert [job["position"] for job in state["jobs"]] == [1, 2, 3, 4, 5]
    assert all(isinstance(job["seo_score"], int) for job in state["jobs"][:2])
    assert state["jobs"][0]["topic"] == "Sourdough starter tips"


def test_the_bulk_shows_the_current_articles_stage_and_percentage_while_it_runs(alice_client):
    created = create_bulk(alice_client)
    for job_id in created["job_ids"][:2]:
        run_article(job_id)
    third = job_claim(GenerationJob, job_id=created["job_ids"][2])
    JobProgress(third).report("writing", 49.5, "Composed section 2 of 4", stage_progress=50.0)

    state = progress_of(alice_client, created["id"])

    assert state["status"] == "processing"
    assert (state["completed"], state["processing"], state["queued"]) == (2, 1, 2)
    assert state["summary"] == "2 of 5 completed"
    assert state["current"] == {
        "job_id": created["job_ids"][2],
        "position": 3,
        "stage": "writing",
        "percentage": 49.5,
        "stage_progress": 50.0,
        "message": "Composed section 2 of 4",
    }
    # Two whole articles plus half of the third, over five.
    assert state["percentage"] == pytest.approx((200 + 49.5) / 5, abs=0.1)
    assert state["jobs"][2]["stage"] == "writing" and state["jobs"][2]["percentage"] == 49.5


def test_when_every_article_is_done_the_bulk_is_completed(alice_client):
    created = create_bulk(alice_client)

    assert run_jobs("generation", time_budget_seconds=120) == 5
    state = progress_of(alice_client, created["id"])

    assert state["status"] == "completed"
    assert (state["completed"], state["queued"], state["processing"]) == (5, 0, 0)
    assert state["summary"] == "5 of 5 completed"
    assert state["percentage"] == 100.0
    assert state["current"] is None
    assert all(job["status"] == "completed" and job["percentage"] == 100.0 for job in state["jobs"])


def test_a_failed_article_is_counted_as_failed_and_not_as_completed(alice_client):
    # No stored reels: the trends article fails for good (NO_TREND_DATA), the others complete.
    created = create_bulk(alice_client, ITEMS[:3] + [{"mode": "trends"}])

    run_jobs("generation", time_budget_seconds=120)
    state = progress_of(alice_client, created["id"])

    assert (state["total"], state["completed"], state["failed"]) == (4, 3, 1)
    assert state["summary"] == "3 of 4 completed"
    assert state["jobs"][3]["status"] == "failed" and state["jobs"][3]["error"]
    assert state["jobs"][0]["error"] is None


# --- cancel --------------------------------------------------------------------------------------


def test_cancelling_mid_way_cancels_only_the_unfinished_articles(alice_client):
    created = create_bulk(alice_client)
    ids = created["job_ids"]
    run_article(ids[0])
    run_article(ids[1])
    running = job_claim(GenerationJob, job_id=ids[2])
    progress = JobProgress(running)
    progress.report("research", 20.0, "Reading stored reels", stage_progress=60.0)

    response = alice_client.post(f"/api/bulk-jobs/{created['id']}/cancel")

    assert response.status_code == 200, response.content
    state = response.json()["data"]
    assert (state["cancelled"], state["skipped"]) == (3, 2)
    assert state["status"] == "cancelled"
    assert state["completed"] == 2 and state["queued"] == 0 and state["processing"] == 0
    assert state["cancelled_at"] is not None
    assert [job["status"] for job in state["jobs"]] == ["completed", "completed", "cancelled", "cancelled", "cancelled"]
    # Finished articles keep their results.
    for job in GenerationJob.objects.filter(pk__in=ids[:2]):
        assert job.status == Status.COMPLETED and job.result_content.startswith("# ") and job.seo_score is not None
    # The running article's worker stops at its next report; nothing else is ever picked up.
    with pytest.raises(JobInterrupted):
        progress.report("research", 25.0, "Ranking")
    assert run_jobs("generation", time_budget_seconds=30) == 0
    assert progress_of(alice_client, created["id"])["status"] == "cancelled"
    assert not GenerationJob.objects.filter(pk__in=ids[2:]).exclude(result_content="").exists()


def test_cancelling_a_finished_bulk_again_changes_nothing(alice_client):
    created = create_bulk(alice_client, ITEMS[:2])
    run_jobs("generation", time_budget_seconds=60)

    response = alice_client.post(f"/api/bulk-jobs/{created['id']}/cancel")

    assert response.status_code == 200, response.content
    state = response.json()["data"]
    assert (state["cancelled"], state["skipped"]) == (0, 2)
    assert state["completed"] == 2
    assert GenerationJob.objects.filter(status=Status.COMPLETED).count() == 2


def test_another_creators_bulk_job_answers_404(alice_client, bob_client):
    created = create_bulk(alice_client)

    assert_error_shape(bob_client.get(f"/api/bulk-jobs/{created['id']}"), 404, "BULK_JOB_NOT_FOUND")
    body = assert_error_shape(bob_client.post(f"/api/bulk-jobs/{created['id']}/cancel"), 404, "BULK_JOB_NOT_FOUND")
    assert "Sourdough" not in str(body)
    assert GenerationJob.objects.filter(status=Status.QUEUED).count() == 5
    assert BulkJob.objects.get(pk=created["id"]).cancelled_at is None
    assert bob_client.get(f"/api/jobs/{created['job_ids'][0]}").status_code == 404


# --- live stream ---------------------------------------------------------------------------------


def token_header(user) -> dict:
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def worker_thread() -> threading.Thread:
    def body():
        try:
            run_jobs("generation", time_budget_seconds=120)
        finally:
            connection.close()

    return threading.Thread(target=body, daemon=True)


def test_the_bulk_stream_counts_completed_articles_up_to_five_then_completes(asgi_server, alice, alice_client):
    created = create_bulk(alice_client)
    stream = SseStream(f"{asgi_server}/api/bulk-jobs/{created['id']}/progress", headers=token_header(alice), timeout=60)
    assert stream.status == 200 and stream.content_type.startswith("text/event-stream")
    first = next(stream.events())
    assert first["event"] == "progress"
    assert first["data"]["bulk_job_id"] == created["id"]
    assert first["data"]["progress"]["completed"] == 0

    worker = worker_thread()
    worker.start()
    received = stream.read_until("complete", limit=1000)
    worker.join(timeout=60)
    stream.close()

    assert received[-1]["event"] == "complete", [f["event"] for f in received][-5:]
    progress_frames = [first] + [f for f in received if f["event"] == "progress"]
    completed = [f["data"]["progress"]["completed"] for f in progress_frames]
    assert completed[0] == 0 and completed[-1] == 5
    assert completed == sorted(completed), completed
    ids = [f["id"] for f in progress_frames if "id" in f]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    articles = {f["data"]["article"]["job_id"] for f in received if f["event"] == "progress"}
    assert articles == set(created["job_ids"])
    final = received[-1]["data"]
    assert final["status"] == "completed"
    assert final["progress"]["summary"] == "5 of 5 completed"
    assert final["progress"]["percentage"] == 100.0


def test_another_creators_bulk_stream_is_a_404_error_event(asgi_server, alice_client, bob):
    created = create_bulk(alice_client)

    stream = SseStream(f"{asgi_server}/api/bulk-jobs/{created['id']}/progress", headers=token_header(bob))
    frames = list(stream.events())
    stream.close()

    assert stream.status == 404
    assert [f["event"] for f in frames] == ["error"]
    assert "summary" not in frames[0]["data"] and "Sourdough" not in str(frames[0]["data"])
