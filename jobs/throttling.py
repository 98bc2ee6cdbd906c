"""Request throttles that cost the same at 10 requests a minute as at 100,000: two counters per client.

DRF's own throttles keep every request's timestamp of the last period in one cache entry and
rewrite the whole list on each request: O(rate) per request (a generous rate made each status
call slower than the query behind it), and two concurrent requests can overwrite each other's
count. These keep a counter per fixed window, incremented atomically, and weigh the previous
window by how much of it still overlaps the sliding period (the "sliding window counter").

- Clients are told apart by jobs.client_address (X-Forwarded-For only from our own proxies).
- The counters live in Django's default cache: Redis when REDIS_URL is set, shared by every
  web process; otherwise this process's memory, so each web process counts on its own.
- LoginAttempt counts failed sign-ins per username and per address in the same counters.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.exceptions import Throttled
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from jobs.client_address import client_address


class CacheCounters:
    """Window counters in Django's cache: with Redis, shared by every web process.

    Redis's INCR and DECR are atomic, so two processes counting the same client each get a
    count of their own. (Django's database cache is not: its incr() is a read then a write.)
    """

    def __init__(self, cache):
        self.cache = cache

    def count(self, key: str) -> int:
        return self.cache.get(key, 0)

    def increment(self, key: str, ttl: float) -> int:
        """The count after adding one; a new counter lives `ttl` seconds."""
        for _ in range(3):
            try:
                return self.cache.incr(key)
            except ValueError:  # no counter yet (or it just expired): start one
                if self.cache.add(key, 1, timeout=ttl):
                    return 1
        return self.cache.incr(key)  # started by another process meanwhile, three times over

    def decrement(self, key: str) -> None:
        try:
            self.cache.decr(key)
        except ValueError:  # expired meanwhile: nothing left to take back
            pass

    def forget(self, keys: list[str]) -> None:
        self.cache.delete_many(keys)


class LocalCounters:
    """Window counters in this process's memory, for when Django's cache is local memory anyway:
    a dict under a lock, without the pickling of the local-memory cache (4× cheaper measured)."""

    def __init__(self):
        self._counts: dict[str, list] = {}  # key → [count, expires at]
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def count(self, key: str) -> int:
        entry = self._counts.get(key)
        return entry[0] if entry is not None and entry[1] > time.monotonic() else 0

    def increment(self, key: str, ttl: float) -> int:
        now = time.monotonic()
        with self._lock:
            entry = self._counts.get(key)
            if entry is None or entry[1] <= now:
                entry = self._counts[key] = [1, now + ttl]
            else:
                entry[0] += 1
            if now >= self._next_purge:
                self._next_purge = now + 60
                for stale in [k for k, (_, expires) in self._counts.items() if expires <= now]:
                    del self._counts[stale]
            return entry[0]

    def decrement(self, key: str) -> None:
        with self._lock:
            entry = self._counts.get(key)
            if entry is not None:
                entry[0] -= 1

    def forget(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._counts.pop(key, None)


def _counters():
    cache = caches["default"]
    return LocalCounters() if isinstance(cache, LocMemCache) else CacheCounters(cache)


def shared_counters():
    """The counters of this process, chosen on first use: in Django's default cache (Redis when
    REDIS_URL is set: one count for all web processes), or in this process's memory."""
    if WindowCounterMixin.counters is None:
        WindowCounterMixin.counters = _counters()
    return WindowCounterMixin.counters


class SlidingWindow:
    """At most `limit` takes per `duration` seconds for each key: a counter per fixed window, the
    previous window weighted by how much of it still overlaps the sliding period.

    A take is counted first and checked after, and taken back if it went over: two processes
    taking the last place at once each see their own count (INCR), so one of them is refused.
    Checking first and counting after would let both read "one left" and both pass.
    """

    def __init__(self, limit: int, duration: float):
        self.limit = limit
        self.duration = duration

    def take(self, counters, key: str, now: float) -> float | None:
        """None when allowed (and counted), else the seconds until a place frees."""
        window = int(now // self.duration)
        current_key, previous_key = f"{key}:{window}", f"{key}:{window - 1}"
        # Two windows must stay readable: the current one and, for weighting, the previous one.
        current = counters.increment(current_key, 2 * self.duration + 1)
        previous = counters.count(previous_key)
        overlap = 1 - (now - window * self.duration) / self.duration
        # What was counted before this take, weighed as DRF's throttles weigh it: under the limit.
        if previous * overlap + current - 1 < self.limit:
            return None
        counters.decrement(current_key)
        return self._seconds_until_allowed(previous, current - 1, now, window)

    def give_back(self, counters, key: str, now: float) -> None:
        """Uncount one take of this window (a sign-in that turned out not to be a failure)."""
        counters.decrement(f"{key}:{int(now // self.duration)}")

    def forget(self, counters, key: str, now: float) -> None:
        window = int(now // self.duration)
        counters.forget([f"{key}:{window}", f"{key}:{window - 1}"])

    def _seconds_until_allowed(self, previous: int, current: int, now: float, window: int) -> float:
        """When the weighted count drops below the limit (the previous window's share shrinks)."""
        window_end = (window + 1) * self.duration
        if previous > 0 and current < self.limit:
            # previous × (1 − (t − start)/duration) + current < limit, solved for t.
            start = window * self.duration
            t = start + self.duration * (1 - (self.limit - current) / previous)
            return max(0.0, min(t, window_end) - now)
        return max(0.0, window_end - now)


class WindowCounterMixin:
    """allow_request() for any of DRF's rate throttles: O(1), atomic increments in the (shared)
    cache, clients told apart by client_address() (never by a header they wrote themselves)."""

    counters = None  # chosen on first use (shared_counters): LocalCounters or CacheCounters

    def get_ident(self, request) -> str:
        return client_address(request)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        counters = self.counters if self.counters is not None else shared_counters()
        self.wait_seconds = SlidingWindow(self.num_requests, self.duration).take(counters, self.key, self.timer())
        return self.wait_seconds is None

    def wait(self):
        return math.ceil(self.wait_seconds if self.wait_seconds is not None else self.duration)


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



class LoginAttempt:
    """A sign-in counted as failed until it succeeds, per username and per client address.

    Both counts are taken before the password is checked, so a burst of parallel guesses gets
    no more than the limit between them, and a full bucket answers 429 whether or not the
    password is right and whether or not the username exists. Success gives the address its
    place back (a success is not a failure) and clears the username's failures: whoever knows
    the password has nothing left to guess, and the owner who mistyped a few times is not
    locked out later by old typos. The address's failures are not cleared, or one account of
    an attacker's own would reset the address between guesses at others.
    """

    timer = staticmethod(time.time)  # replaced by the tests' clock

    def __init__(self, request, username: str):
        window_seconds = settings.LOGIN_FAILURE_WINDOW_SECONDS
        self.now = self.timer()
        self.counters = shared_counters()
        # The serializer strips the username, and a case variant must not be a fresh bucket.
        digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
        self.username_bucket = (SlidingWindow(settings.LOGIN_FAILURES_PER_USERNAME, window_seconds),
                                f"throttle_login_username_{digest}")
        self.address_bucket = (SlidingWindow(settings.LOGIN_FAILURES_PER_ADDRESS, window_seconds),
                               f"throttle_login_address_{client_address(request)}")

    @classmethod
    def begin(cls, request) -> LoginAttempt | None:
        """The attempt of an API request, counted; Throttled (429) when its username or address
        failed too often. None for a request without both a username and a password: it cannot
        guess anything."""
        data = request.data if hasattr(request.data, "get") else {}
        return cls.begin_with(request, data.get("username"), data.get("password"))

    @classmethod
    def begin_with(cls, request, username, password) -> LoginAttempt | None:
        """begin() for credentials read elsewhere (the sign-in forms of the pages and admin)."""
        if not username or not password:
            return None
        attempt = cls(request, str(username))
        address_window, address_key = attempt.address_bucket
        wait = address_window.take(attempt.counters, address_key, attempt.now)
        if wait is None:
            username_window, username_key = attempt.username_bucket
            wait = username_window.take(attempt.counters, username_key, attempt.now)
            if wait is not None:
                address_window.give_back(attempt.counters, address_key, attempt.now)
        if wait is not None:
            raise Throttled(wait=math.ceil(wait))
        return attempt

    def succeeded(self) -> None:
        address_window, address_key = self.address_bucket
        address_window.give_back(self.counters, address_key, self.now)
        username_window, username_key = self.username_bucket
        username_window.forget(self.counters, username_key, self.now)
