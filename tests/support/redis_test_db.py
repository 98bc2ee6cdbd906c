"""Redis db 15 for the tests that need a real Redis, shared with other test sessions."""

from __future__ import annotations

import pytest

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def redis_client_or_skip():
    """A client of the tests' Redis db, or the test is skipped when no Redis answers. Tests
    delete only keys of their own there (another test session may share the db)."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis answers at {REDIS_TEST_URL}")
    return client
