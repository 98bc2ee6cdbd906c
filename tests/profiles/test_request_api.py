"""POST /api/profile/{username}/request, the bulk request, and the staff-only cancel/retry.

Everything goes through the real URL routing with token-authenticated API clients; queue state is
arranged through our services (or the real worker loop), and the outside world is the offline
provider reading files from `instagram_dir`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_q.models import OrmQ

from jobs import services as job_services
from jobs.models import ProgressEvent
from jobs.runner import run_jobs
from profiles.models import PrimaryProfile, ProfileJob
from profiles.services import profile_request

Status = ProfileJob.Status


def request_url(username: str, source: str | None = None) -> str:
    url = f"/api/profile/{username}/request"
    return f"{url}?source={source}" if source else url


def assert_error_shape(body: dict, error_code: str) -> None:
    assert body["success"] is False
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["error_code"] == error_code
    assert parse_datetime(body["timestamp"]) is not None


def make_profile(username: str, **fields) -> PrimaryProfile:
    return PrimaryProfile.objects.create(username=username, followers_count=1_000, posts_count=10, **fields)


# --- A new request ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_new_username_is_queued_with_every_field_of_the_new_answer(alice_client):
    response = alice_client.post(request_url("fresh.creator", "frontend"))

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert data["queued"] is True
    assert "fresh.creator" in data["message"]
    assert isinstance(data["estimated_time"], str) and data["estimated_time"]
    assert data["profile_type"] == "new"
    assert data["status"] == "pending"
    assert data["priority"] == "HIGH"
    assert isinstance(data["request_id"], str) and len(data["request_id"]) == 16
    assert isinstance(data["queue_position"], int) and data["queue_position"] == 1
    assert isinstance(data["next_check_recommended"], str) and data["next_check_recommended"].endswith("seconds")
    assert "skip_reason" not in data

    rows = list(ProfileJob.objects.filter(username="fresh.creator"))
    assert len(rows) == 1
    assert rows[0].status == Status.PENDING
    assert rows[0].request_id == data["request_id"]
    assert rows[0].source == "frontend"


@pytest.mark.django_db
def test_leading_at_sign_is_stripped_and_username_lower_cased(alice_client):
    response = alice_client.post(request_url("@Some.User"))

    assert response.status_code == 200
    assert "some.user" in response.json()["data"]["message"]
    assert list(ProfileJob.objects.values_list("username", flat=True)) == ["some.user"]


@pytest.mark.django_db
def test_new_queue_position_counts_the_jobs_already_ahead(alice_client):
    profile_request(username="first.in.line", source="frontend")
    profile_request(username="second.in.line", source="frontend")

    data = alice_client.post(request_url("third.in.line", "frontend")).json()["data"]

    assert data["queue_position"] == 3


@pytest.mark.django_db
def test_new_answer_estimates_from_measured_durations_of_recent_jobs(alice_client, settings):
    settings.Q_WORKERS = 1
    finished = timezone.now() - timedelta(minutes=30)
    for index, seconds in enumerate([10, 20, 30]):
        ProfileJob.objects.create(
            username=f"measured.{index}", source="frontend", priority="HIGH", status=Status.COMPLETED,
            finished_at=finished, duration_seconds=seconds, attempts=1,
        )

    data = alice_client.post(request_url("timed.user")).json()["data"]

    # nothing ahead, nothing running: its own typical (median) 20 s
    assert data["profile_type"] == "new"
    assert data["estimated_time"] == "20 seconds"
    assert data["next_check_recommended"] == "5 seconds"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "priority"),
    [("frontend", "HIGH"), ("admin", "HIGH"), ("api", "MEDIUM"), ("bulk", "MEDIUM"), ("crawler", "LOW")],
)
def test_priority_follows_the_source_of_the_request(alice_client, source, priority):
    response = alice_client.post(request_url("sourced.user", source))

    assert response.status_code == 200
    assert response.json()["data"]["priority"] == priority
    job = ProfileJob.objects.get(username="sourced.user")
    assert job.priority == priority
    assert job.source == source


@pytest.mark.django_db
def test_request_without_source_defaults_to_frontend_with_high_priority(alice_client):
    response = alice_client.post(request_url("default.source"))

    assert response.status_code == 200
    assert response.json()["data"]["priority"] == "HIGH"
    job = ProfileJob.objects.get(username="default.source")
    assert (job.source, job.priority) == ("frontend", "HIGH")


# --- Invalid requests ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?source=telepathy", "?source=", "?source=API%00"])
def test_unknown_or_empty_source_is_refused_with_400_and_nothing_is_queued(alice_client, query):
    response = alice_client.post(f"/api/profile/valid.user/request{query}")

    assert response.status_code == 400
    assert_error_shape(response.json(), "VALIDATION_ERROR")
    assert ProfileJob.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw_username",
    [
        pytest.param("a" * 31, id="31-characters"),
        pytest.param("bad-name", id="hyphen"),
        pytest.param("with%20space", id="url-encoded-space"),
        pytest.param("%C3%BCmlaut", id="non-ascii-letter"),
        pytest.param("", id="empty"),
        pytest.param("@", id="at-sign-alone"),
    ],
)
def test_invalid_username_is_refused_with_400_in_the_error_shape_and_nothing_is_queued(alice_client, raw_username):
    response = alice_client.post(f"/api/profile/{raw_username}/request")

    assert response.status_code == 400
    assert_error_shape(response.json(), "INVALID_USERNAME")
    assert ProfileJob.objects.count() == 0


@pytest.mark.django_db
def test_thirty_character_username_is_still_accepted(alice_client):
    response = alice_client.post(request_url("b" * 30))

    assert response.status_code == 200
    assert ProfileJob.objects.filter(username="b" * 30).count() == 1


# --- Duplicates -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_second_request_for_a_pending_username_does_not_queue_again(alice_client):
    first = profile_request(username="queued.user", source="frontend")

    response = alice_client.post(request_url("queued.user", "crawler"))

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["queued"] is True
    assert data["status"] == "pending"
    assert data["profile_type"] == "queued"
    assert data["skip_reason"] == "already_in_queue"
    assert data["request_id"] == first["request_id"]
    assert data["priority"] == "HIGH"  # the existing row's priority, not the new source's
    assert ProfileJob.objects.filter(username="queued.user").count() == 1


@pytest.mark.django_db
def test_a_user_asking_for_a_name_the_crawler_queued_moves_it_up_keeping_its_arrival(alice_client, anonymous):
    """A HIGH request for a job waiting at LOW raises it to HIGH: the user does not wait behind
    the crawler's backlog. The job keeps its ticket (its arrival), so among HIGH jobs it goes by
    when it was first queued; the answer and the status page show the new priority and place."""
    for n in range(3):
        profile_request(username=f"crawled.{n}", source="crawler")
    first = profile_request(username="wanted.user", source="crawler")
    profile_request(username="later.high", source="frontend")
    ticket = ProfileJob.objects.get(username="wanted.user").queue_ticket
    assert first["queue_position"] == 4

    data = alice_client.post(request_url("wanted.user", "frontend")).json()["data"]

    job = ProfileJob.objects.get(username="wanted.user")
    assert (job.priority, job.queue_ticket, job.source) == ("HIGH", ticket, "crawler")
    assert data["priority"] == "HIGH" and data["skip_reason"] == "already_in_queue"
    assert data["request_id"] == first["request_id"]
    assert data["queue_position"] == 1  # arrived before later.high
    status = anonymous.get("/api/profile/wanted.user/status").json()["data"]
    assert status["priority"] == "HIGH" and status["queue_position"] == 1
    assert ProgressEvent.objects.filter(job_kind="profile", job_id=job.pk).latest("id").message == (
        "Moved up from LOW to HIGH priority: requested by frontend")
    assert job_services.job_claim(ProfileJob).username == "wanted.user"
    assert ProfileJob.objects.filter(username="wanted.user").count() == 1


@pytest.mark.django_db
def test_a_lower_request_never_lowers_and_a_running_job_is_left_alone(alice_client):
    profile_request(username="high.user", source="frontend")
    alice_client.post(request_url("high.user", "crawler"))
    assert ProfileJob.objects.get(username="high.user").priority == "HIGH"

    profile_request(username="running.low", source="crawler")
    ProfileJob.objects.filter(username="high.user").update(status="CANCELLED")
    job_services.job_claim(ProfileJob)
    data = alice_client.post(request_url("running.low", "frontend")).json()["data"]
    assert data["status"] == "processing" and data["priority"] == "LOW"


@pytest.mark.django_db
def test_request_for_a_username_being_processed_answers_already_in_queue(alice_client):
    first = profile_request(username="busy.user", source="frontend")
    claimed = job_services.job_claim(ProfileJob)
    assert claimed is not None and claimed.username == "busy.user"

    response = alice_client.post(request_url("busy.user"))

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["queued"] is True
    assert data["status"] == "processing"
    assert data["profile_type"] == "queued"
    assert data["skip_reason"] == "already_in_queue"
    assert data["request_id"] == first["request_id"]
    assert data["queue_position"] == 1
    assert ProfileJob.objects.filter(username="busy.user").count() == 1


@pytest.mark.django_db
def test_existing_profile_without_a_recent_job_answers_already_processed(alice_client):
    created = timezone.now() - timedelta(days=3)
    make_profile("known.user", created_at=created)

    response = alice_client.post(request_url("known.user"))

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["queued"] is False
    assert data["status"] == "exists"
    assert data["profile_type"] == "primary"
    assert data["estimated_time"] == "complete"
    assert data["skip_reason"] == "already_processed"
    assert parse_datetime(data["created_at"]) == created
    assert ProfileJob.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_profile_fetched_within_the_recent_window_answers_recently_completed(alice_client, write_account):
    write_account("just.done", [100, 200, 300])
    profile_request(username="just.done", source="frontend")
    assert run_jobs("profile", time_budget_seconds=30) == 1
    job = ProfileJob.objects.get(username="just.done")
    assert job.status == Status.COMPLETED
    profile = PrimaryProfile.objects.get(username="just.done")

    response = alice_client.post(request_url("just.done"))

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["queued"] is False
    assert data["status"] == "exists"
    assert data["profile_type"] == "primary"
    assert data["skip_reason"] == "recently_completed"
    assert parse_datetime(data["created_at"]) == profile.created_at
    assert ProfileJob.objects.filter(username="just.done").count() == 1


@pytest.mark.django_db
def test_job_completed_before_the_recent_window_answers_already_processed(alice_client, settings):
    settings.PROFILE_RECENT_WINDOW_MINUTES = 10
    make_profile("older.done")
    ProfileJob.objects.create(
        username="older.done", source="frontend", priority="HIGH", status=Status.COMPLETED,
        finished_at=timezone.now() - timedelta(minutes=11), duration_seconds=5,
    )

    data = alice_client.post(request_url("older.done")).json()["data"]

    assert data["skip_reason"] == "already_processed"
    assert data["status"] == "exists"


@pytest.mark.django_db(transaction=True)
def test_username_whose_previous_job_failed_is_queued_again(alice_client, instagram_dir):
    # No file for this account in the offline data: the worker fails it for good (not found).
    profile_request(username="ghost.account", source="frontend")
    run_jobs("profile", time_budget_seconds=30)
    failed = ProfileJob.objects.get(username="ghost.account")
    assert failed.status == Status.FAILED

    response = alice_client.post(request_url("ghost.account"))

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["profile_type"] == "new"
    assert data["status"] == "pending"
    assert data["request_id"] != failed.request_id
    statuses = sorted(ProfileJob.objects.filter(username="ghost.account").values_list("status", flat=True))
    assert statuses == [Status.FAILED, Status.PENDING]


@pytest.mark.django_db
def test_username_whose_previous_job_was_cancelled_is_queued_again(alice_client):
    first = profile_request(username="changed.mind", source="frontend")
    job_services.job_cancel(ProfileJob.objects.get(request_id=first["request_id"]))

    response = alice_client.post(request_url("changed.mind"))

    data = response.json()["data"]
    assert data["profile_type"] == "new"
    assert data["request_id"] != first["request_id"]
    statuses = sorted(ProfileJob.objects.filter(username="changed.mind").values_list("status", flat=True))
    assert statuses == [Status.CANCELLED, Status.PENDING]


# --- The queue cannot be written -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_queue_write_failure_answers_503_queue_unavailable_and_writes_nothing(alice_client):
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION default_transaction_read_only = on")
    try:
        response = alice_client.post(request_url("readonly.user"))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION default_transaction_read_only = off")

    assert response.status_code == 503
    body = response.json()
    assert_error_shape(body, "QUEUE_UNAVAILABLE")
    assert body["queued"] is False
    assert response["Retry-After"].isdigit() and int(response["Retry-After"]) > 0
    assert ProfileJob.objects.filter(username="readonly.user").count() == 0
    assert ProfileJob.objects.count() == 0


# --- Bulk requests -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_bulk_request_reports_each_username_and_an_invalid_one_does_not_stop_the_others(alice_client):
    response = alice_client.post(
        "/api/profiles/bulk-request",
        {"usernames": ["bulk.one", "bad-name", "@Bulk.Two", "bulk.one"], "source": "bulk"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    results = data["results"]
    assert [r["success"] for r in results] == [True, False, True, True]

    first, invalid, second, duplicate = results
    assert first["username"] == "bulk.one"
    assert first["error"] is None
    assert first["data"]["profile_type"] == "new"
    assert first["data"]["priority"] == "MEDIUM"

    assert invalid["username"] == "bad-name"
    assert invalid["data"] is None
    assert isinstance(invalid["error"], str) and invalid["error"]

    assert second["username"] == "bulk.two"
    assert second["data"]["profile_type"] == "new"

    assert duplicate["data"]["skip_reason"] == "already_in_queue"
    assert duplicate["data"]["request_id"] == first["data"]["request_id"]

    assert data["total"] == 4
    assert data["failed"] == 1
    # "queued" counts the rows this call created; the duplicate is reported as already queued.
    assert data["queued"] == 2
    assert data["already_queued"] == 1
    assert data["already_processed"] == 0
    assert sorted(ProfileJob.objects.values_list("username", flat=True)) == ["bulk.one", "bulk.two"]
    assert set(ProfileJob.objects.values_list("source", flat=True)) == {"bulk"}


@pytest.mark.django_db
def test_bulk_request_defaults_to_the_bulk_source(alice_client):
    response = alice_client.post("/api/profiles/bulk-request", {"usernames": ["bulk.default"]}, format="json")

    assert response.status_code == 200
    job = ProfileJob.objects.get(username="bulk.default")
    assert (job.source, job.priority) == ("bulk", "MEDIUM")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "usernames",
    [pytest.param([], id="empty-list"), pytest.param([f"user{i}" for i in range(101)], id="101-usernames")],
)
def test_bulk_request_with_an_empty_or_oversized_list_is_refused(alice_client, usernames):
    response = alice_client.post(
        "/api/profiles/bulk-request", {"usernames": usernames, "source": "bulk"}, format="json"
    )

    assert response.status_code == 400
    assert_error_shape(response.json(), "VALIDATION_ERROR")
    assert ProfileJob.objects.count() == 0


@pytest.mark.django_db
def test_bulk_request_of_exactly_100_usernames_is_accepted(alice_client):
    usernames = [f"user{i}" for i in range(100)]

    response = alice_client.post(
        "/api/profiles/bulk-request", {"usernames": usernames, "source": "bulk"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["data"]["total"] == 100
    assert ProfileJob.objects.count() == 100


# --- Staff-only cancel and retry ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["cancel", "retry"])
def test_anonymous_caller_cannot_cancel_or_retry(anonymous, action):
    profile_request(username="guarded.user", source="frontend")

    response = anonymous.post(f"/api/profile/guarded.user/{action}")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert_error_shape(response.json(), "NOT_AUTHENTICATED")
    assert ProfileJob.objects.get(username="guarded.user").status == Status.PENDING


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["cancel", "retry"])
def test_non_staff_user_cannot_cancel_or_retry(alice_client, action):
    profile_request(username="guarded.user", source="frontend")

    response = alice_client.post(f"/api/profile/guarded.user/{action}")

    assert response.status_code == 403
    assert_error_shape(response.json(), "PERMISSION_DENIED")
    assert ProfileJob.objects.get(username="guarded.user").status == Status.PENDING


@pytest.mark.django_db
def test_staff_cancels_a_pending_job_and_gets_the_status_answer(staff_client):
    queued = profile_request(username="to.cancel", source="frontend")

    response = staff_client.post("/api/profile/to.cancel/cancel")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == Status.CANCELLED
    assert data["request_id"] == queued["request_id"]
    assert data["processing_stage"] == "cancelled"
    assert data["can_be_cancelled"] is False
    job = ProfileJob.objects.get(username="to.cancel")
    assert job.status == Status.CANCELLED
    assert job.finished_at is not None


@pytest.mark.django_db
def test_staff_cancels_a_running_job(staff_client):
    profile_request(username="running.cancel", source="frontend")
    job_services.job_claim(ProfileJob)

    response = staff_client.post("/api/profile/running.cancel/cancel")

    assert response.status_code == 200
    assert ProfileJob.objects.get(username="running.cancel").status == Status.CANCELLED


@pytest.mark.django_db
@pytest.mark.parametrize("final_status", [Status.COMPLETED, Status.FAILED])
def test_cancelling_a_finished_job_is_a_409_invalid_state(staff_client, final_status):
    ProfileJob.objects.create(
        username="finished.job", source="frontend", priority="HIGH", status=final_status,
        finished_at=timezone.now(),
    )

    response = staff_client.post("/api/profile/finished.job/cancel")

    assert response.status_code == 409
    body = response.json()
    assert_error_shape(body, "INVALID_STATE")
    assert body["current_status"] == final_status
    assert ProfileJob.objects.get(username="finished.job").status == final_status


@pytest.mark.django_db
def test_staff_retry_of_a_failed_job_requeues_it_with_fresh_attempts_and_wakes_a_worker(
    staff_client, django_capture_on_commit_callbacks
):
    profile_request(username="retry.me", source="frontend")
    job = ProfileJob.objects.get(username="retry.me")
    for _ in range(job.max_attempts):
        claimed = job_services.job_claim(ProfileJob, job_id=job.pk)
        job_services.job_fail(claimed, error=RuntimeError("network went away"))
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.attempts == job.max_attempts
    wakeups_before = OrmQ.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post("/api/profile/retry.me/retry")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == Status.PENDING
    assert data["attempts"] == 0
    assert data["processing_stage"] == "queued"
    assert data["error_message"] is None
    job.refresh_from_db()
    assert job.status == Status.PENDING
    assert job.attempts == 0
    assert job.error_message is None
    assert job.next_attempt_at <= timezone.now()
    assert callbacks  # the wake-up is sent once the retry commits …
    new_wakeups = list(OrmQ.objects.order_by("id")[wakeups_before:])
    assert len(new_wakeups) == 1  # … and exactly one
    assert new_wakeups[0].task["func"] == "jobs.tasks.run_jobs"
    assert new_wakeups[0].task["args"] == ("profile",)


@pytest.mark.django_db
def test_retrying_a_pending_job_is_a_409_invalid_state(staff_client):
    profile_request(username="still.pending", source="frontend")

    response = staff_client.post("/api/profile/still.pending/retry")

    assert response.status_code == 409
    body = response.json()
    assert_error_shape(body, "INVALID_STATE")
    assert body["current_status"] == Status.PENDING


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["cancel", "retry"])
def test_cancel_or_retry_of_an_unknown_username_is_404(staff_client, action):
    response = staff_client.post(f"/api/profile/nobody.known/{action}")

    assert response.status_code == 404
    assert_error_shape(response.json(), "JOB_NOT_FOUND")
