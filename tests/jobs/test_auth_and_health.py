"""API tokens, the health check, the schema and the JSON 404 of unknown API paths."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from jobs import services as job_services
from jobs.models import WorkerHeartbeat
from profiles.models import ProfileJob
from profiles.services import profile_request


def assert_error_shape(response, status_code: int, error_code: str) -> dict:
    assert response.status_code == status_code
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False
    assert body["detail"]
    assert body["error_code"] == error_code
    assert parse_datetime(body["timestamp"]) is not None
    return body


# --- POST /api/auth/token ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_from_good_credentials_authenticates_a_staff_only_call(staff, anonymous):
    response = anonymous.post(
        "/api/auth/token", {"username": "staff", "password": "staff-password-1"}, format="json"
    )

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["username"] == "staff"
    assert data["is_staff"] is True
    token = data["token"]
    assert isinstance(token, str) and len(token) == 40

    profile_request(username="cancel.me", source="frontend")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    cancelled = client.post("/api/profile/cancel.me/cancel")

    assert cancelled.status_code == 200
    assert cancelled.json()["data"]["status"] == "CANCELLED"
    assert ProfileJob.objects.get(username="cancel.me").status == ProfileJob.Status.CANCELLED


@pytest.mark.django_db
def test_asking_twice_answers_the_same_token(staff, anonymous):
    credentials = {"username": "staff", "password": "staff-password-1"}

    first = anonymous.post("/api/auth/token", credentials, format="json").json()["data"]["token"]
    second = anonymous.post("/api/auth/token", credentials, format="json").json()["data"]["token"]

    assert first == second


@pytest.mark.django_db
def test_token_of_a_non_staff_user_does_not_open_staff_only_calls(alice, anonymous):
    token = anonymous.post(
        "/api/auth/token", {"username": "alice", "password": "alice-password-1"}, format="json"
    ).json()["data"]["token"]
    profile_request(username="not.yours", source="frontend")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert_error_shape(client.post("/api/profile/not.yours/cancel"), 403, "PERMISSION_DENIED")
    assert ProfileJob.objects.get(username="not.yours").status == ProfileJob.Status.PENDING


@pytest.mark.django_db
@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param({"username": "staff", "password": "wrong-password"}, id="wrong-password"),
        pytest.param({"username": "nobody", "password": "staff-password-1"}, id="unknown-user"),
        pytest.param({"username": "staff"}, id="missing-password"),
    ],
)
def test_bad_credentials_are_400_in_the_error_shape(staff, anonymous, credentials):
    response = anonymous.post("/api/auth/token", credentials, format="json")

    assert_error_shape(response, 400, "VALIDATION_ERROR")
    assert "token" not in response.json()


@pytest.mark.django_db
def test_a_made_up_token_is_refused_with_401(anonymous):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert_error_shape(client.post("/api/profile/anyone/cancel"), 401, "NOT_AUTHENTICATED")


# --- GET /healthz ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_without_a_worker_heartbeat_reports_database_ok_and_worker_down(anonymous):
    response = anonymous.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["worker"]["ok"] is False
    assert body["worker"]["last_seen"] is None
    assert body["status"] == "degraded"


@pytest.mark.django_db
def test_health_reports_the_worker_alive_after_a_heartbeat(anonymous):
    job_services.worker_beat("worker-1")

    body = anonymous.get("/healthz").json()

    assert body["worker"]["ok"] is True
    assert parse_datetime(body["worker"]["last_seen"]) == WorkerHeartbeat.objects.get().beat_at
    assert body["database"]["ok"] is True
    assert body["status"] == "ok"


@pytest.mark.django_db
def test_health_reports_the_worker_down_when_its_last_heartbeat_is_old(anonymous):
    WorkerHeartbeat.objects.create(worker_name="worker-gone", beat_at=timezone.now() - timedelta(minutes=10))

    body = anonymous.get("/healthz").json()

    assert body["worker"]["ok"] is False
    assert body["worker"]["last_seen"] is not None
    assert body["status"] == "degraded"


@pytest.mark.django_db
@pytest.mark.parametrize(("silent_for", "alive"), [(5, True), (20, False)])
def test_health_calls_a_worker_down_once_it_is_silent_as_long_as_recovery_waits(anonymous, settings, silent_for,
                                                                                alive):
    settings.WORKER_HEARTBEAT_TIMEOUT_SECONDS = 15  # its jobs are recovered after this much silence
    WorkerHeartbeat.objects.create(worker_name="worker-quiet", beat_at=timezone.now() - timedelta(seconds=silent_for))

    assert anonymous.get("/healthz").json()["worker"]["ok"] is alive


# --- Schema and unknown paths -------------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_describes_the_profile_request_endpoint(anonymous):
    response = anonymous.get("/api/schema/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/profile/{username}/request" in text
    assert "/api/profile/{username}/status" in text


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/no-such-endpoint", "/api/profile/someone/unknown/deeper"])
def test_unknown_api_path_is_a_json_404_in_the_error_shape(anonymous, settings, path):
    settings.DEBUG = False

    response = anonymous.get(path)

    assert_error_shape(response, 404, "NOT_FOUND")
