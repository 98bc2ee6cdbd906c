"""Personas and factories shared by every test.

Personas: alice (creator), bob (another creator), staff, anonymous — each with an API client
that authenticates the way real clients do (a token in the Authorization header). `staff` is a
console operator: staff holding the permissions the admin's job operations need. Beside them,
`staff_without_permissions` (staff whom the admin refuses) and `superuser`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone as dt_timezone
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

SAMPLE_DATA_DIR = Path(django_settings.BASE_DIR) / "sample_data" / "instagram"


def _client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password="alice-password-1")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", password="bob-password-1")


# What the admin's job operations (cancel, retry, process now) ask of staff: jobs.permissions.
JOB_OPERATOR_PERMISSIONS = (("profiles", "change_profilejob"), ("viral_ideas", "change_viralideasqueue"))


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("staff", password="staff-password-1", is_staff=True)
    for app_label, codename in JOB_OPERATOR_PERMISSIONS:
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


@pytest.fixture
def staff_without_permissions(django_user_model):
    return django_user_model.objects.create_user("staff.viewer", password="viewer-password-1", is_staff=True)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("superuser", "superuser@example.com", "superuser-password-1")


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def alice_client(alice):
    return _client_for(alice)


@pytest.fixture
def bob_client(bob):
    return _client_for(bob)


@pytest.fixture
def staff_client(staff):
    return _client_for(staff)


@pytest.fixture
def staff_without_permissions_client(staff_without_permissions):
    return _client_for(staff_without_permissions)


@pytest.fixture
def superuser_client(superuser):
    return _client_for(superuser)


@pytest.fixture(autouse=True)
def _fast_offline_provider(settings):
    """Tests never wait for simulated latency unless they ask for it."""
    settings.OFFLINE_PROVIDER_DELAY_SECONDS = 0
    settings.GENERATION_STEP_DELAY_SECONDS = 0
    # Every report written, so each step is observable (tests/jobs/test_progress_folding.py
    # covers keeping quick reports back).
    settings.PROGRESS_MIN_INTERVAL_SECONDS = 0
    # One wake-up per commit, sent at once (tests/jobs/test_wake_ups.py covers coalescing).
    settings.WAKE_UP_COALESCE_SECONDS = 0
    # No cap on HIGH profile jobs (default 3), so a test may claim as many as it queues
    # (tests/jobs/test_scheduling.py sets the caps it checks).
    settings.QUEUE_MAX_RUNNING_HIGH = 0
    # One request per model call (default 1 retry), so a test's fake endpoint sees exactly the
    # requests it scripts (the client's retries have their own tests).
    settings.LLM_MAX_RETRIES = 0


@pytest.fixture
def instagram_dir(tmp_path, settings):
    """An empty offline-provider folder that the app reads; fill it with write_account."""
    folder = tmp_path / "instagram"
    folder.mkdir()
    settings.OFFLINE_DATA_DIR = folder
    return folder


@pytest.fixture
def write_account(instagram_dir):
    """Write `<username>.json` in the Apify shape with the given view counts (newest first)."""

    def write(
        username: str,
        views: list[int],
        *,
        private: bool = False,
        followers: int = 10_000,
        captions: list[str] | None = None,
        hashtags: list[list[str]] | None = None,
        category: str = "Creator",
    ) -> Path:
        start = datetime(2026, 10, 31, 18, 0, tzinfo=dt_timezone.utc)
        reels = []
        for index, count in enumerate(views):
            tags = hashtags[index] if hashtags else ["sample", f"tag{index % 3}"]
            reels.append({
                "id": f"{zlib.crc32(username.encode()) % 10**8}{index:04d}",
                "shortCode": f"{username.replace('.', '').replace('_', '')[:6]}{index:05d}",
                "url": f"https://www.instagram.com/reel/{username}{index}/",
                "caption": (captions[index] if captions else f"Reel number {index}") + " " + " ".join(f"#{t}" for t in tags),
                "hashtags": tags,
                "timestamp": (start - timedelta(days=index)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "likesCount": count // 20,
                "commentsCount": count // 400,
                "videoViewCount": count,
                "videoDuration": 30.0,
                "isPinned": False,
                "ownerUsername": username,
                "type": "Video",
                "productType": "clips",
            })
        document = {
            "profile": {
                "username": username,
                "fullName": username.title(),
                "biography": f"Bio of {username}",
                "followersCount": followers,
                "followsCount": 100,
                "postsCount": len(views),
                "verified": False,
                "private": private,
                "isBusinessAccount": True,
                "businessCategoryName": category,
                "profilePicUrl": "",
                "externalUrl": "",
                "id": str(zlib.crc32(username.encode())),
            },
            "reels": [] if private else reels,
        }
        path = instagram_dir / f"{username}.json"
        path.write_text(json.dumps(document))
        return path

    return write


@pytest.fixture
def asgi_server(transactional_db):
    """The real ASGI app under uvicorn in a background thread, on a free port (for live streams)."""
    import socket
    import threading
    import time

    import uvicorn

    from jobs import streams
    from viralspot.asgi import application

    streams.hub = streams.ProgressHub()  # each server loop gets its own hub
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    # The stream pool's threads keep their connections; end them so the test database can be
    # flushed and dropped.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
