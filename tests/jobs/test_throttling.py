"""Request throttles (jobs.throttling): sliding-window counters per client, local or in Redis.

Rates, the clock and the counters of these tests: see support/throttles.py.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework.test import APIClient

from jobs.throttling import AnonThrottle, CacheCounters, LocalCounters, SlidingWindow, WindowCounterMixin, _counters
from support.redis_test_db import REDIS_TEST_URL
from support.throttles import (  # noqa: F401 (fixtures)
    WINDOW_START, assert_throttled, clock, fresh_counters, rates, redis_cache, redis_prefix,
)

pytestmark = pytest.mark.usefixtures("fresh_counters")


def status_of(client, username="throttled.one", **extra):
    return client.get(f"/api/profile/{username}/status", **extra)


# --- through the endpoints ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_fourth_anonymous_request_in_a_minute_is_refused_in_the_error_envelope(anonymous, rates, clock):
    rates(anon="3/min", user="5/min")

    answers = [status_of(anonymous).status_code for _ in range(3)]
    refused = status_of(anonymous)

    assert answers == [200, 200, 200]
    # Ten seconds into the window, with nothing counted before it: free again when it ends.
    assert_throttled(refused, retry_after=50)
    assert status_of(anonymous, REMOTE_ADDR="10.0.0.2").status_code == 200  # another address counts apart


@pytest.mark.django_db
def test_a_signed_in_user_has_a_bucket_of_their_own(rates, clock, alice, bob):
    rates(anon="3/min", user="5/min")
    anonymous = APIClient()
    for _ in range(3):
        status_of(anonymous)
    assert status_of(anonymous).status_code == 429
    alice_browser, bob_browser = APIClient(), APIClient()
    alice_browser.force_login(alice)
    bob_browser.force_login(bob)

    # Same address as the throttled anonymous client, counted by user at the user rate.
    alice_answers = [status_of(alice_browser).status_code for _ in range(5)]
    assert alice_answers == [200] * 5
    assert_throttled(status_of(alice_browser), retry_after=50)
    assert status_of(bob_browser).status_code == 200


@pytest.mark.django_db
def test_a_token_client_of_an_api_view_is_counted_by_user_whatever_its_address(rates, clock, alice_client):
    rates(anon="3/min", user="5/min")

    answers = [alice_client.get("/api/jobs", REMOTE_ADDR=f"10.0.1.{n}").status_code for n in range(5)]
    refused = alice_client.get("/api/jobs", REMOTE_ADDR="10.0.1.99")

    assert answers == [200] * 5
    assert_throttled(refused, retry_after=50)


@pytest.mark.django_db
def test_a_view_with_its_own_scope_refuses_past_its_own_rate(anonymous, rates, clock):
    rates(viral_queue_create="2/min")

    # The throttle runs before the body is read: refused bodies count too.
    answers = [anonymous.post("/api/viral-ideas/queue", {}, format="json").status_code for _ in range(2)]
    refused = anonymous.post("/api/viral-ideas/queue", {}, format="json")

    assert answers == [400, 400]
    assert_throttled(refused, retry_after=50)
    assert status_of(anonymous).status_code == 200  # the global anonymous budget is untouched


# --- who the client is: X-Forwarded-For only from configured proxies -----------------------------


def queue_create(client, **extra):
    """A DRF view (the plain-view status endpoint above is the other kind)."""
    return client.post("/api/viral-ideas/queue", {}, format="json", **extra)


@pytest.mark.django_db
@pytest.mark.parametrize("call, allowed", [(status_of, 200), (queue_create, 400)], ids=["plain-view", "drf-view"])
def test_a_full_anonymous_bucket_stays_full_whatever_x_forwarded_for_says(anonymous, rates, clock, call, allowed):
    rates(anon="3/min", user="5/min")
    assert [call(anonymous).status_code for _ in range(3)] == [allowed] * 3

    spoofed = [call(anonymous, HTTP_X_FORWARDED_FOR=forged) for forged in
               ("198.51.100.1", "198.51.100.2, 198.51.100.3", "anything at all", "127.0.0.1")]

    for refused in spoofed:
        assert_throttled(refused, retry_after=50)


@pytest.mark.django_db
def test_behind_one_proxy_each_forwarded_client_has_a_bucket_of_its_own(anonymous, rates, clock, settings):
    settings.NUM_PROXIES = 1
    rates(anon="3/min", user="5/min")
    via_proxy = {"REMOTE_ADDR": "10.0.0.1"}

    first_client = [status_of(anonymous, HTTP_X_FORWARDED_FOR="198.51.100.1", **via_proxy).status_code
                    for _ in range(3)]

    assert first_client == [200] * 3
    assert_throttled(status_of(anonymous, HTTP_X_FORWARDED_FOR="198.51.100.1", **via_proxy), retry_after=50)
    # What the client wrote before our proxy appended its address changes nothing.
    assert_throttled(status_of(anonymous, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1", **via_proxy),
                     retry_after=50)
    assert status_of(anonymous, HTTP_X_FORWARDED_FOR="198.51.100.2", **via_proxy).status_code == 200


@pytest.mark.django_db
def test_with_trusted_proxies_only_a_request_from_one_of_them_is_counted_by_its_forwarded_address(
    anonymous, rates, clock, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    rates(anon="3/min", user="5/min")
    direct = {"REMOTE_ADDR": "203.0.113.5"}

    # Straight from the internet, varying the header: one client, one bucket.
    answers = [status_of(anonymous, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", **direct).status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]

    # Through our proxy, the forwarded address is the client: 203.0.113.5 is full, 198.51.100.1 is not.
    assert status_of(anonymous, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert_throttled(status_of(anonymous, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.5"),
                     retry_after=50)


# --- the sliding window, on the throttle itself ---------------------------------------------------


def anonymous_request(address: str = "192.0.2.1"):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    return request


def throttle_at(rate: str, *, counters=None):
    """allow(): one anonymous request through a fresh AnonThrottle (the views make one per
    request) of this `rate`; with `counters`, those of one particular web process."""
    request = anonymous_request()

    def allow():
        throttle = AnonThrottle()
        throttle.rate = rate
        throttle.num_requests, throttle.duration = throttle.parse_rate(rate)
        if counters is not None:
            throttle.counters = counters
        return throttle.allow_request(request, None), throttle

    return allow


def allowed_in_a_row(allow, limit=50) -> int:
    count = 0
    while count < limit and allow()[0]:
        count += 1
    return count


def test_the_previous_window_counts_in_proportion_to_its_overlap(clock):
    allow = throttle_at("10/min")
    clock.now = WINDOW_START + 1
    assert allowed_in_a_row(allow) == 10

    # 33 s into the next minute: 45 % of the previous one still overlaps the last 60 s,
    # so its 10 requests weigh 4.5 and 6 more fit under 10 (a fixed window would allow 10).
    clock.now = WINDOW_START + 60 + 33
    assert allowed_in_a_row(allow) == 6
    allowed, refused_by = allow()
    assert not allowed
    # 4.5 + 6 = 10.5 now; the weight falls below 4 (10 − 6) at 36 s: three seconds from now.
    assert refused_by.wait() == 3

    clock.now = WINDOW_START + 60 + 35.9
    assert allow()[0] is False
    clock.now = WINDOW_START + 60 + 36.1
    assert allow()[0] is True


def test_two_windows_later_the_old_count_weighs_nothing(clock):
    allow = throttle_at("10/min")
    clock.now = WINDOW_START + 59
    assert allowed_in_a_row(allow) == 10

    clock.now = WINDOW_START + 120  # the minute before this one had no requests
    assert allowed_in_a_row(allow) == 10


def test_a_full_current_window_is_refused_until_it_ends(clock):
    allow = throttle_at("3/min")
    clock.now = WINDOW_START + 45.5
    assert allowed_in_a_row(allow) == 3

    allowed, refused_by = allow()
    assert not allowed
    assert refused_by.wait() == 15  # 14.5 s, rounded up: Retry-After is whole seconds


# --- where the counts live --------------------------------------------------------------------


def test_with_the_local_memory_cache_the_counts_stay_in_this_process(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    assert isinstance(_counters(), LocalCounters)


def test_with_redis_two_processes_count_into_one_counter(redis_prefix):
    first_process, second_process = CacheCounters(redis_cache(redis_prefix)), CacheCounters(redis_cache(redis_prefix))

    first_process.increment("throttle_anon_192.0.2.7:100", ttl=121)
    first_process.increment("throttle_anon_192.0.2.7:100", ttl=121)
    second_process.increment("throttle_anon_192.0.2.7:100", ttl=121)

    wanted = ["throttle_anon_192.0.2.7:100", "throttle_anon_192.0.2.7:99"]
    assert [first_process.count(key) for key in wanted] == [second_process.count(key) for key in wanted] == [3, 0]


def test_a_redis_counter_expires_after_the_two_windows_it_is_read_in(redis_prefix):
    import redis

    cache = redis_cache(redis_prefix)
    CacheCounters(cache).increment("throttle_anon_192.0.2.8:100", ttl=121)

    ttl = redis.Redis.from_url(REDIS_TEST_URL).ttl(cache.make_key("throttle_anon_192.0.2.8:100"))
    assert 0 < ttl <= 121


def test_local_counters_of_two_processes_count_apart():
    first_process, second_process = LocalCounters(), LocalCounters()

    first_process.increment("throttle_anon_192.0.2.7:100", ttl=121)
    first_process.increment("throttle_anon_192.0.2.7:100", ttl=121)
    second_process.increment("throttle_anon_192.0.2.7:100", ttl=121)

    assert first_process.count("throttle_anon_192.0.2.7:100") == 2
    assert second_process.count("throttle_anon_192.0.2.7:100") == 1


def throttle_in(counters, rate: str = "3/min"):
    allow = throttle_at(rate, counters=counters)
    return lambda: allow()[0]


def test_with_redis_a_client_gets_one_budget_across_web_processes(redis_prefix, clock):
    first_process = throttle_in(CacheCounters(redis_cache(redis_prefix)))
    second_process = throttle_in(CacheCounters(redis_cache(redis_prefix)))

    assert [first_process(), first_process(), second_process(), second_process(), first_process()] == [
        True, True, True, False, False]


def test_with_local_counters_each_process_has_a_budget_of_its_own(clock):
    first_process, second_process = throttle_in(LocalCounters()), throttle_in(LocalCounters())

    assert [first_process() for _ in range(4)] == [True, True, True, False]
    assert [second_process() for _ in range(4)] == [True, True, True, False]


@pytest.mark.django_db
def test_with_the_redis_cache_the_endpoint_counts_in_redis(redis_prefix, anonymous, rates, clock):
    rates(anon="3/min", user="5/min")

    assert [status_of(anonymous).status_code for _ in range(2)] == [200, 200]

    assert isinstance(WindowCounterMixin.counters, CacheCounters)
    window = int(clock.now // 60)
    # What any other web process on this Redis reads for this client and window.
    other_process = redis_cache(redis_prefix)
    assert other_process.get(f"throttle_anon_127.0.0.1:{window}") == 2
    other_process.incr(f"throttle_anon_127.0.0.1:{window}")  # its own request of the same client
    assert_throttled(status_of(anonymous), retry_after=50)


# --- counting under concurrency -------------------------------------------------------------------


def takes_allowed_in_parallel(counters, *, limit: int, threads: int, takes_each: int) -> int:
    """How many of threads × takes_each simultaneous takes of one key a window of `limit` allows."""
    window = SlidingWindow(limit, 60)
    allowed = []
    start = threading.Barrier(threads)

    def take_many():
        start.wait()
        mine = sum(window.take(counters, "throttle_race_192.0.2.9", WINDOW_START + 10) is None for _ in range(takes_each))
        allowed.append(mine)

    workers = [threading.Thread(target=take_many) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(allowed)


def test_with_redis_simultaneous_requests_of_two_processes_never_pass_more_than_the_limit(redis_prefix):
    # Each thread a web process of its own: a Redis connection, no state shared but Redis.
    class PerThreadCounters:
        def __init__(self):
            self.local = threading.local()

        def __getattr__(self, name):
            if not hasattr(self.local, "counters"):
                self.local.counters = CacheCounters(redis_cache(redis_prefix))
            return getattr(self.local.counters, name)

    assert takes_allowed_in_parallel(PerThreadCounters(), limit=40, threads=8, takes_each=25) == 40


def test_local_counters_never_pass_more_than_the_limit_to_simultaneous_requests():
    assert takes_allowed_in_parallel(LocalCounters(), limit=40, threads=8, takes_each=25) == 40
