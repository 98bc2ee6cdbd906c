"""Request throttles that cost the same at 10 requests a minute as at 100,000: two counters per client.

DRF's own throttles keep every request's timestamp of the last period in one cache entry and
rewrite the whole list on each request: O(rate) per request (a generous rate made each status
call slower than the query behind it), and two concurrent requests can overwrite each other's
count. These keep a counter per fixed window, incremented atomically, and weigh the previous
window by how much of it still overlaps the sliding period (the "sliding window counter").
"""

from __future__ import annotations

import math
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class CacheCounters:
    """Window counters in Django's cache: with Redis, shared by every web process (atomic INCR)."""

    def __init__(self, cache):
        self.cache = cache

    def counts(self, keys: list[str]) -> dict[str, int]:
        return self.cache.get_many(keys)

    def increment(self, key: str, ttl: float) -> None:
        if not self.cache.add(key, 1, timeout=ttl):
            try:
                self.cache.incr(key)
            except ValueError:  # expired between add() and incr()
                self.cache.add(key, 1, timeout=ttl)


class LocalCounters:
    """Window counters in this process's memory, for when Django's cache is local memory anyway:
    a dict under a lock, without the pickling of the local-memory cache (4× cheaper measured)."""

    def __init__(self):
        self._counts: dict[str, list] = {}  # key → [count, expires at]
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def counts(self, keys: list[str]) -> dict[str, int]:
        now = time.monotonic()
        found = {}
        for key in keys:
            entry = self._counts.get(key)
            if entry is not None and entry[1] > now:
                found[key] = entry[0]
        return found

    def increment(self, key: str, ttl: float) -> None:
        now = time.monotonic()
        with self._lock:
            entry = self._counts.get(key)
            if entry is None or entry[1] <= now:
                self._counts[key] = [1, now + ttl]
            else:
                entry[0] += 1
            if now >= self._next_purge:
                self._next_purge = now + 60
                for stale in [k for k, (_, expires) in self._counts.items() if expires <= now]:
                    del self._counts[stale]


def _counters():
    cache = caches["default"]
    return LocalCounters() if isinstance(cache, LocMemCache) else CacheCounters(cache)


class WindowCounterMixin:
    """allow_request() for any of DRF's rate throttles: O(1), atomic increments in the (shared) cache."""

    counters = None  # chosen on first use: LocalCounters or CacheCounters

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        if WindowCounterMixin.counters is None:
            WindowCounterMixin.counters = _counters()
        now = self.timer()
        window = int(now // self.duration)
        current_key, previous_key = f"{self.key}:{window}", f"{self.key}:{window - 1}"
        counts = self.counters.counts([current_key, previous_key])
        overlap = 1 - (now - window * self.duration) / self.duration
        estimated = counts.get(previous_key, 0) * overlap + counts.get(current_key, 0)
        if estimated >= self.num_requests:
            self.wait_seconds = self._seconds_until_allowed(counts.get(previous_key, 0), counts.get(current_key, 0), now, window)
            return False
        # Two windows must stay readable: the current one and, for weighting, the previous one.
        self.counters.increment(current_key, 2 * self.duration + 1)
        return True

    def _seconds_until_allowed(self, previous: int, current: int, now: float, window: int) -> float:
        """When the weighted count drops below the limit (the previous window's share shrinks)."""
        window_end = (window + 1) * self.duration
        if previous > 0 and current < self.num_requests:
            # previous × (1 − (t − start)/duration) + current < limit, solved for t.
            start = window * self.duration
            t = start + self.duration * (1 - (self.num_requests - current) / previous)
            return max(0.0, min(t, window_end) - now)
        return max(0.0, window_end - now)

    def wait(self):
        return math.ceil(getattr(self, "wait_seconds", self.duration))

class AnonThrottle(WindowCounterMixin, AnonRateThrottle):
    """Anonymous clients, by address (scope "anon")."""

    @staticmethod
    def applies_to(signed_in: bool) -> bool:
        return not signed_in


class UserThrottle(WindowCounterMixin, UserRateThrottle):
    """Signed-in clients, by user (scope "user"); DRF also counts anonymous ones by address."""

    @staticmethod
    def applies_to(signed_in: bool) -> bool:
        # For plain views: an anonymous client already meets the stricter anonymous budget,
        # so counting it a second time at the user rate would only cost (API_ANON_RATE ≤
        # API_USER_RATE, checked in settings).
        return signed_in


class ScopedThrottle(WindowCounterMixin, ScopedRateThrottle):
    """A view's own budget (its `throttle_scope`)."""

    def allow_request(self, request, view) -> bool:
        # The scope, and so the rate, is known only once a view calls (as in DRF's own).
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

