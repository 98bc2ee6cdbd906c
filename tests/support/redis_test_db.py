"""Redis db 15 for the tests that need a real Redis, shared with other test sessions."""

from __future__ import annotations

import pytest

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def redis_client_or_skip(url: str = REDIS_TEST_URL):
    """A client of the tests' Redis db (or of `url`), or the test is skipped when no Redis answers.
    Tests delete only keys of their own in the shared db (another test session may use it)."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis answers at {url}")
    return client
