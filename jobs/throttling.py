"""Request throttles that cost the same at 10 requests a minute as at 100,000: two counters per client.

DRF's own throttles keep every request's timestamp of the last period in one cache entry and
rewrite the whole list on each request: O(rate) per request (a generous rate made each status
call slower than the query behind it), and two concurrent requests can overwrite each other's
count. These keep a counter per fixed window, incremented atomically, and weigh the previous
window by how much of it still overlaps the sliding period (the "sliding window counter").
"""

from __future__ import annotations

import math

from django.core.cache import cache as default_cache
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class WindowCounterMixin:
    """allow_request() for any of DRF's rate throttles: O(1), atomic increments in the (shared) cache."""

    cache = default_cache

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        current_key, previous_key = f"{self.key}:{window}", f"{self.key}:{window - 1}"
        counts = self.cache.get_many([current_key, previous_key])
        overlap = 1 - (now - window * self.duration) / self.duration
        estimated = counts.get(previous_key, 0) * overlap + counts.get(current_key, 0)
        if estimated >= self.num_requests:
            self.wait_seconds = self._seconds_until_allowed(counts.get(previous_key, 0), counts.get(current_key, 0), now, window)
            return False
        self._count(current_key)
        return True

    def _count(self, key: str) -> None:
        # Two windows must stay readable: the current one and, for weighting, the previous one.
        if not self.cache.add(key, 1, timeout=2 * self.duration + 1):
            try:
                self.cache.incr(key)
            except ValueError:  # expired between add() and incr()
                self.cache.add(key, 1, timeout=2 * self.duration + 1)

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


class UserThrottle(WindowCounterMixin, UserRateThrottle):
    """Signed-in clients, by user (scope "user")."""


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

