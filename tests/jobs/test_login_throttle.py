"""Failed sign-ins (POST /api/auth/token) limited per username and per client address (LoginAttempt).

The clock, the counters and the 429 check: support/throttles.py. The limits are read on each
request, so the `settings` fixture sets them.
"""

from __future__ import annotations

import itertools
import json
import uuid

import pytest

from jobs.throttling import CacheCounters, WindowCounterMixin
from support.redis_test_db import REDIS_TEST_URL, redis_client_or_skip
from support.throttles import (  # noqa: F401 (fixtures)
    WINDOW_START, assert_throttled, clock, fresh_counters, redis_cache, redis_prefix,
)
from support.web_process import WebProcess, web_env

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_counters", "clock")]


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    """Hundreds of sign-ins: the default hasher's deliberate slowness (PBKDF2) is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def limits(settings):
    def set_limits(*, per_username: int, per_address: int):
        settings.LOGIN_FAILURES_PER_USERNAME = per_username
        settings.LOGIN_FAILURES_PER_ADDRESS = per_address

    return set_limits


addresses = (f"198.51.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def sign_in(client, username: str, password: str, **extra):
    return client.post("/api/auth/token", {"username": username, "password": password}, format="json", **extra)


def seconds_left_in_window(clock, settings) -> int:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    return window - int(clock.now % window)


def test_300_wrong_passwords_with_made_up_forwarded_addresses_are_refused_past_the_address_limit(
    anonymous, staff, settings
):
    limit = settings.LOGIN_FAILURES_PER_ADDRESS
    assert limit < 300

    answers = [sign_in(anonymous, "staff" if n == 0 else f"guess{n}", f"wrong-{n}",
                       HTTP_X_FORWARDED_FOR=next(addresses)).status_code for n in range(300)]

    assert answers == [400] * limit + [429] * (300 - limit)


def test_a_username_is_refused_past_its_limit_whatever_the_address(anonymous, alice, bob, limits, clock, settings):
    limits(per_username=5, per_address=100)

    failures = [sign_in(anonymous, "alice", "wrong", REMOTE_ADDR=next(addresses)).status_code for _ in range(5)]

    assert failures == [400] * 5
    retry_after = seconds_left_in_window(clock, settings)
    assert_throttled(sign_in(anonymous, "alice", "wrong", REMOTE_ADDR=next(addresses)), retry_after=retry_after)
    # The right password is refused alike: a 429 says nothing about whether a guess was right.
    assert_throttled(sign_in(anonymous, "alice", "alice-password-1", REMOTE_ADDR=next(addresses)),
                     retry_after=retry_after)
    # The same username however it is spelled to the serializer (which strips it).
    assert_throttled(sign_in(anonymous, " ALICE ", "wrong", REMOTE_ADDR=next(addresses)), retry_after=retry_after)
    assert sign_in(anonymous, "bob", "bob-password-1", REMOTE_ADDR=next(addresses)).status_code == 200


def test_an_unknown_username_is_refused_at_the_same_count_and_in_the_same_words_as_a_real_one(
    anonymous, alice, limits
):
    limits(per_username=3, per_address=100)

    def refusal_of(username):
        answers = [sign_in(anonymous, username, "wrong", REMOTE_ADDR=next(addresses)) for _ in range(4)]
        body = answers[-1].json()
        del body["timestamp"]
        return [answer.status_code for answer in answers], body, answers[-1]["Retry-After"]

    assert refusal_of("alice") == refusal_of("nobody-by-that-name")


def test_a_sign_in_counts_only_when_it_fails_and_clears_its_username_s_failures(anonymous, alice, bob, limits):
    limits(per_username=3, per_address=5)
    here, elsewhere = {"REMOTE_ADDR": "203.0.113.5"}, {"REMOTE_ADDR": "203.0.113.6"}

    answers = [sign_in(anonymous, "alice", password, **here).status_code
               for password in ("typo-1", "typo-2", "alice-password-1", "typo-3", "typo-4", "typo-5")]

    # Three failures after the success fit under alice's three: the two before were cleared;
    # and the address has five failures, the success not among them.
    assert answers == [400, 400, 200, 400, 400, 400]
    assert sign_in(anonymous, "bob", "bob-password-1", **here).status_code == 429  # the address's five stay
    assert sign_in(anonymous, "alice", "alice-password-1", **elsewhere).status_code == 429  # alice's three
    assert sign_in(anonymous, "bob", "bob-password-1", **elsewhere).status_code == 200


def test_a_refused_sign_in_is_free_again_when_the_window_has_passed(anonymous, alice, limits, clock, settings):
    limits(per_username=2, per_address=100)
    for _ in range(2):
        sign_in(anonymous, "alice", "wrong")
    assert sign_in(anonymous, "alice", "alice-password-1").status_code == 429

    # Two windows on, neither the current nor the previous one holds a failure.
    clock.now += 2 * settings.LOGIN_FAILURE_WINDOW_SECONDS

    assert sign_in(anonymous, "alice", "alice-password-1").status_code == 200


def test_a_request_without_a_password_guesses_nothing_and_is_not_counted(anonymous, alice, limits):
    limits(per_username=2, per_address=2)

    answers = [anonymous.post("/api/auth/token", {"username": "alice"}, format="json").status_code for _ in range(5)]

    assert answers == [400] * 5
    assert sign_in(anonymous, "alice", "alice-password-1").status_code == 200


def test_with_redis_failures_counted_by_one_process_refuse_the_username_in_another(redis_prefix, anonymous, limits):
    limits(per_username=3, per_address=100)
    # Each "process" with a Redis client of its own and nothing else in common.
    first_process, second_process = CacheCounters(redis_cache(redis_prefix)), CacheCounters(redis_cache(redis_prefix))

    def sign_in_through(counters):
        WindowCounterMixin.counters = counters
        return sign_in(anonymous, "alice", "wrong", REMOTE_ADDR=next(addresses)).status_code

    answers = [sign_in_through(process) for process in (first_process, second_process, first_process,
                                                         second_process, first_process)]

    assert answers == [400, 400, 400, 429, 429]


@pytest.mark.django_db(transaction=True)
def test_two_real_web_processes_on_one_redis_refuse_a_username_together(tmp_path):
    redis = redis_client_or_skip()
    username = f"target-{uuid.uuid4().hex}"
    env = web_env(REDIS_URL=REDIS_TEST_URL, LOGIN_FAILURES_PER_USERNAME="3", LOGIN_FAILURES_PER_ADDRESS="1000")
    keys_before = set(redis.scan_iter(match="*throttle_login_*"))
    try:
        with WebProcess(env, tmp_path / "first.log") as first, WebProcess(env, tmp_path / "second.log") as second:
            answers = [post_sign_in(web, username) for web in (first, second, first, second, first)]
    finally:
        ours = set(redis.scan_iter(match="*throttle_login_*")) - keys_before
        if ours:
            redis.delete(*ours)
        redis.close()

    assert answers == [400, 400, 400, 429, 429]


def post_sign_in(web, username: str) -> int:
    """A wrong password for `username`, sent to one web process as any outside client would."""
    conn = web.connect()
    try:
        conn.request("POST", "/api/auth/token", body=json.dumps({"username": username, "password": "wrong"}),
                     headers={"Content-Type": "application/json", "X-Forwarded-For": next(addresses)})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


# --- the pages' and the admin's sign-in forms share the buckets ------------------------------------------


def sign_in_on_page(client, path: str, username: str, password: str):
    return client.post(path, {"username": username, "password": password})


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_the_sign_in_pages_are_refused_past_the_limit_and_say_when_to_try_again(client, staff, limits, path):
    limits(per_username=3, per_address=100)

    failures = [sign_in_on_page(client, path, "staff", "wrong") for _ in range(3)]
    refused = sign_in_on_page(client, path, "staff", "staff-password-1")  # right, but too late

    assert all(page.status_code == 200 and "Too many failed sign-ins" not in page.content.decode()
               for page in failures)
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert "Too many failed sign-ins. Try again in" in refused.content.decode()


def test_failures_on_the_page_count_against_the_api_and_the_other_way_round(client, anonymous, staff, limits):
    limits(per_username=4, per_address=100)

    sign_in_on_page(client, "/accounts/login/", "staff", "wrong")
    sign_in_on_page(client, "/admin/login/", "staff", "wrong")
    assert sign_in(anonymous, "staff", "wrong").status_code == 400
    assert sign_in(anonymous, "staff", "wrong").status_code == 400

    assert sign_in(anonymous, "staff", "staff-password-1").status_code == 429
    assert "Too many failed sign-ins" in sign_in_on_page(client, "/admin/login/", "staff", "staff-password-1").content.decode()


def test_a_successful_sign_in_on_the_page_clears_the_username_s_failures(client, staff, limits):
    limits(per_username=3, per_address=100)
    for _ in range(2):
        sign_in_on_page(client, "/accounts/login/", "staff", "wrong")

    assert sign_in_on_page(client, "/accounts/login/", "staff", "staff-password-1").status_code == 302
    client.logout()
    for _ in range(2):
        sign_in_on_page(client, "/accounts/login/", "staff", "wrong")
    assert sign_in_on_page(client, "/accounts/login/", "staff", "staff-password-1").status_code == 302


def test_a_real_web_process_does_not_take_the_client_address_from_x_forwarded_for(tmp_path):
    # uvicorn, left to itself, believes X-Forwarded-For from loopback connections and rewrites the
    # client address before Django sees it: every made-up header was a fresh bucket.
    env = web_env(LOGIN_FAILURES_PER_USERNAME="1000", LOGIN_FAILURES_PER_ADDRESS="3")
    with WebProcess(env, tmp_path / "web.log") as web:
        answers = [post_sign_in(web, f"someone-{uuid.uuid4().hex}") for _ in range(5)]

    assert answers == [400, 400, 400, 429, 429]
