"""What the throttle tests share: fresh counters, a clock they move, rates, Redis db 15, the 429.

Import the fixtures a module needs by name (`from support.throttles import clock, rates`).

Rates: API_ANON_RATE / API_USER_RATE become REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] when the
settings load, and DRF copies that dict into SimpleRateThrottle.THROTTLE_RATES when
rest_framework.throttling is imported, so overriding the settings in a test changes nothing:
`rates` sets them on the throttle class itself. The sign-in limits (LOGIN_*) and who the client
is (NUM_PROXIES, TRUSTED_PROXIES) are read on each request: the `settings` fixture sets those.
The counters are chosen once per process (WindowCounterMixin.counters); `fresh_counters` gives
each test none, so no count leaks between tests.
"""

from __future__ import annotations

import uuid

import pytest
from django.utils.dateparse import parse_datetime
from rest_framework.throttling import SimpleRateThrottle

from jobs.throttling import LoginAttempt, WindowCounterMixin
from support.redis_test_db import REDIS_TEST_URL, redis_client_or_skip

# A whole number of minutes and of 15-minute windows, so offsets into a window are exact.
WINDOW_START = 900 * 1_933_334


class Clock:
    def __init__(self):
        self.now = WINDOW_START + 10.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fresh_counters(monkeypatch):
    monkeypatch.setattr(WindowCounterMixin, "counters", None)


@pytest.fixture
def clock(monkeypatch):
    """The clock of every throttle (the request throttles' and the sign-in one's)."""
    clock = Clock()
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(clock))
    monkeypatch.setattr(LoginAttempt, "timer", staticmethod(clock))
    return clock


@pytest.fixture
def rates(monkeypatch):
    """Set the rates every request throttle reads (see the module docstring for why not settings)."""

    def set_rates(**rates):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {
            "anon": "100000/min", "user": "100000/min", "viral_queue_create": "100000/min", **rates,
        })

    return set_rates


def assert_throttled(response, *, retry_after: int):
    """A 429 in the documented error shape, with Retry-After."""
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["success"] is False
    assert body["error_code"] == "THROTTLED"
    assert body["detail"] == f"Request was throttled. Expected available in {retry_after} seconds."
    assert parse_datetime(body["timestamp"]) is not None
    assert response["Retry-After"] == str(retry_after)


def redis_cache(prefix: str):
    """A cache client of its own on Redis db 15: what one more web process would hold."""
    from django.core.cache.backends.redis import RedisCache

    return RedisCache(REDIS_TEST_URL, {"KEY_PREFIX": prefix})


@pytest.fixture
def redis_prefix(settings):
    """Redis db 15 as the default cache, under a key prefix of this test's own; afterwards
    only those keys are deleted (another test session may share the db)."""
    client = redis_client_or_skip()
    prefix = f"viralspot-throttle-test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": REDIS_TEST_URL, "KEY_PREFIX": prefix}}
    yield prefix
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()
