"""The web tier: its bounded connection pool, load shedding, process roles and the plain API views.

The first tests run the real thing, `manage.py runservice --web-only` (uvicorn, one process),
as a subprocess against the test database and watch its connections in pg_stat_activity; the
role tests boot Django in a subprocess and print the database settings it chose; the plain
views (profile status and request, served without DRF's request cycle) go through Django's
test Client, whose CSRF checks are the browser's.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from django.conf import settings
from django.test import Client
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token

from profiles.models import PrimaryProfile, ProfileJob
from profiles.services import profile_request
from support.waiting import wait_or_fail
from support.web_process import (
    WebProcess,
    connections_by_application,
    count_like,
    exchange,
    json_of,
    observer_conninfo,
    web_env,
)

WEB_APP = "viralspot-web:"
LISTENER_APP = "viralspot-progress-listener:"


def assert_error_envelope(body: dict, error_code: str) -> None:
    assert body["success"] is False
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["error_code"] == error_code
    assert parse_datetime(body["timestamp"]) is not None


@pytest.fixture
def start_web(transactional_db, tmp_path):
    """start_web(**env) → a running WebProcess; every one is SIGKILLed (whole group) at teardown.

    Depends on transactional_db: what the test writes is committed, so the subprocess sees it,
    and the web tier is gone before the database is flushed.
    """
    started: list[WebProcess] = []

    def start(**overrides) -> WebProcess:
        web = WebProcess(web_env(**overrides), tmp_path / f"web-{len(started) + 1}.log")
        started.append(web)
        return web.start()

    yield start
    for web in started:
        web.stop()


@pytest.fixture
def observer(transactional_db):
    """A connection of the test's own outside Django's, for pg_stat_activity and locks."""
    with psycopg.connect(observer_conninfo(), autocommit=True) as conn:
        yield conn


# --- 1. The pool bounds a web process's connections --------------------------------------------

POOL_MIN, POOL_MAX = 2, 4
CLIENTS = 50
REQUESTS = 4000


class ConnectionSampler(threading.Thread):
    """Counts the web process's connections in pg_stat_activity until stopped."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stopping = threading.Event()
        self.web_counts: list[int] = []
        self.listener_counts: list[int] = []
        self.web_names: set[str] = set()
        self.error: BaseException | None = None

    def run(self):
        try:
            with psycopg.connect(observer_conninfo(), autocommit=True) as conn:
                while not self.stopping.is_set():
                    counts = connections_by_application(conn)
                    self.web_counts.append(count_like(counts, WEB_APP))
                    self.listener_counts.append(count_like(counts, LISTENER_APP))
                    self.web_names.update(name for name in counts if name.startswith(WEB_APP))
                    time.sleep(0.02)
        except BaseException as error:  # reported by the test, not lost in a thread
            self.error = error

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)


def expected_answers() -> list[tuple[str, int, callable]]:
    """The load's request mix: (path, expected status, check of the parsed body)."""
    return [
        ("/api/profile/pool.exists.0/status", 200, lambda b: b["data"]["status"] == "exists"),
        ("/api/profile/pool.exists.1/status", 200, lambda b: b["data"]["status"] == "exists"),
        ("/api/profile/pool.waiting/status", 200, lambda b: b["data"]["status"] == "PENDING"),
        ("/api/profile/pool.nobody/status", 200, lambda b: b["data"]["status"] == "NOT_FOUND"),
        ("/api/profile/pool.nobody", 404, lambda b: b["error_code"] == "PROFILE_NOT_FOUND"),
        ("/healthz", 200, lambda b: b["database"]["ok"] is True),
    ]


def drive_load(web: WebProcess, *, clients: int, requests: int, deadline_seconds: float) -> list:
    """`requests` requests from `clients` keep-alive connections; every answer as (path, status, body)."""
    mix = itertools.cycle(expected_answers())
    lock = threading.Lock()
    remaining = [requests]
    answers: list = []
    failures: list = []
    deadline = time.monotonic() + deadline_seconds

    def next_request():
        with lock:
            if remaining[0] <= 0 or time.monotonic() > deadline:
                return None
            remaining[0] -= 1
            return next(mix)

    def client():
        conn = web.connect(timeout=30)
        try:
            while (item := next_request()) is not None:
                path = item[0]
                try:
                    status, _, body = exchange(conn, "GET", path)
                except OSError as error:
                    failures.append((path, repr(error)))
                    conn.close()
                    conn = web.connect(timeout=30)
                    continue
                with lock:
                    answers.append((item, status, body))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=deadline_seconds + 60)
    assert not failures, f"{len(failures)} requests got no answer, e.g. {failures[:5]}"
    return answers


def test_a_web_process_under_load_stays_within_its_pool_and_shrinks_back_to_the_minimum(start_web, observer):
    for n in range(2):
        PrimaryProfile.objects.create(username=f"pool.exists.{n}", followers_count=1_000, posts_count=10)
    profile_request(username="pool.waiting", source="api")
    web = start_web(
        DB_POOL_MIN_SIZE=POOL_MIN,
        DB_POOL_MAX_SIZE=POOL_MAX,
        DB_POOL_MAX_IDLE=2,
        # Not the pool's bound by the back door: twice as many request threads as connections,
        # so it is the pool that must make them share (and wait generously, on a busy machine).
        WEB_THREADS=2 * POOL_MAX,
        DB_POOL_TIMEOUT=20,
        # Every status read goes to the database (no answers kept between change notifications).
        READ_CACHE_SECONDS=0,
    )
    sampler = ConnectionSampler()
    sampler.start()
    try:
        answers = drive_load(web, clients=CLIENTS, requests=REQUESTS, deadline_seconds=45)
    finally:
        sampler.stop()

    assert sampler.error is None, sampler.error
    assert len(answers) == REQUESTS, f"only {len(answers)} of {REQUESTS} requests were sent within the deadline"
    wrong = [(item[0], status, body[:300]) for item, status, body in answers
             if status != item[1] or not item[2](json_of(body))]
    assert wrong == [], f"{len(wrong)} unexpected answers, e.g. {wrong[:5]}"
    assert not [status for _, status, _ in answers if status >= 500]
    # The pool grew under load, and never past its maximum.
    assert POOL_MIN < max(sampler.web_counts) <= POOL_MAX, sampler.web_counts
    assert max(sampler.listener_counts) <= 1, sampler.listener_counts
    # Every web connection is named after the one uvicorn process of this web tier.
    pids = {int(name.removeprefix(WEB_APP)) for name in sampler.web_names}
    assert len(pids) == 1 and web.owns(pids.pop()), sampler.web_names

    # Idle again: the connections above the minimum are closed (one per DB_POOL_MAX_IDLE).
    def settled():
        counts = connections_by_application(observer)
        return count_like(counts, WEB_APP) == POOL_MIN and counts

    counts = wait_or_fail(settled, timeout=45, message=f"the pool shrinking back to {POOL_MIN} connections")
    assert count_like(counts, LISTENER_APP) == 1, counts  # the one LISTEN connection stays
    assert web.is_running(), web.output()


# --- Keep-alive connections are spread over the web processes -----------------------------------


def web_process_pids(web: WebProcess) -> set[int]:
    """The uvicorn processes of this web tier (runservice's children serving the port)."""
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and web.owns(int(entry)):
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    if b"viralspot.web_process" in cmdline.read():
                        pids.add(int(entry))
            except OSError:
                continue
    return pids


def established_connections_by_pid(port: int, pids: set[int]) -> dict[int, int]:
    """How many established connections to `port` each process holds (/proc/net/tcp, and the
    sockets among each process's open files)."""
    inodes = set()
    with open("/proc/net/tcp") as table:
        for line in list(table)[1:]:
            fields = line.split()
            local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
            if local_port == port and state == "01":  # ESTABLISHED, on the server's side
                inodes.add(f"socket:[{inode}]")
    held = {}
    for pid in pids:
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            links = []
        held[pid] = sum(1 for link in links if link in inodes)
    return held


def test_keep_alive_clients_that_connect_at_once_are_spread_over_every_web_process(start_web):
    # One listening socket shared by the processes left whichever was awake accepting them all
    # (measured: 100 of 100 in one process): the other one idled while clients queued.
    web = start_web(WEB_WORKERS="2")
    pids = wait_or_fail(lambda: len(found := web_process_pids(web)) == 2 and found, timeout=30,
                        message="two web processes")
    clients = [web.connect() for _ in range(60)]
    try:
        for client in clients:
            status, _, _ = exchange(client, "GET", "/livez")
            assert status == 200
        held = established_connections_by_pid(web.port, pids)
    finally:
        for client in clients:
            client.close()

    assert sum(held.values()) == 60, held
    # Spread by a hash of each client's port: 30 each on average; below 10 is a one-in-a-million.
    assert min(held.values()) >= 10, held


def test_a_web_process_that_dies_is_started_again(start_web):
    web = start_web(WEB_WORKERS="2")
    pids = wait_or_fail(lambda: len(found := web_process_pids(web)) == 2 and found, timeout=30,
                        message="two web processes")
    killed = min(pids)
    os.kill(killed, 9)

    again = wait_or_fail(lambda: len(found := web_process_pids(web)) == 2 and killed not in found and found,
                         timeout=60, message="a new web process in place of the killed one")
    assert len(again & pids) == 1
    assert wait_or_fail(lambda: web.get("/livez", timeout=5)[0] == 200, timeout=30, message="/livez answering")
    assert web.is_running(), web.output()
    assert "starting it again" in web.output()


def test_a_second_service_on_a_port_already_in_use_refuses_to_start(tmp_path):
    # Our web processes share their port (SO_REUSEPORT), so without a check a second `make run`
    # would start quietly and the kernel would split the connections between old and new.
    import socket as sockets

    from viralspot.web_process import listening_socket

    with sockets.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    already_serving = listening_socket("127.0.0.1", port)
    try:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "manage.py", "runservice", "--web-only", "--host", "127.0.0.1", "--port", str(port)],
            cwd=settings.BASE_DIR, env=web_env(), capture_output=True, text=True, timeout=60,
        )
    finally:
        already_serving.close()

    assert result.returncode != 0
    assert f"127.0.0.1:{port} is already in use" in result.stderr
    assert time.monotonic() - started < 30  # refused at once, not after starting web processes


# --- 2. A busy web process sheds load --------------------------------------------------------------

QUEUE_TIMEOUT = 0.5
RETRY_AFTER = 2


@pytest.fixture
def queue_lock(transactional_db):
    """lock() takes ACCESS EXCLUSIVE on the profile queue in a transaction of its own; release()
    (or the teardown, even after a failure) rolls it back before the database is flushed."""
    assert ProfileJob._meta.db_table == "queue"
    conn = psycopg.connect(observer_conninfo())

    class Lock:
        held = False

        def lock(self):
            conn.execute("LOCK TABLE queue IN ACCESS EXCLUSIVE MODE")
            self.held = True

        def release(self):
            conn.rollback()
            self.held = False

    lock = Lock()
    yield lock
    conn.rollback()
    conn.close()


class Background(threading.Thread):
    """One request on a connection of its own, in a thread: status, headers, body, and when it ended."""

    def __init__(self, web: WebProcess, path: str, method: str = "GET"):
        super().__init__(daemon=True)
        self.web, self.path, self.method = web, path, method
        self.answer = None
        self.error = None
        self.finished_at = None

    def run(self):
        conn = self.web.connect(timeout=60)
        try:
            self.answer = exchange(conn, self.method, self.path)
        except BaseException as error:
            self.error = error
        finally:
            conn.close()
        self.finished_at = time.monotonic()


def block_the_only_request_thread(web: WebProcess, queue_lock, observer) -> Background:
    """A status request stuck on the locked queue table, holding the web process's one request thread."""
    queue_lock.lock()
    stuck = Background(web, "/api/profile/shed.blocked/status")
    stuck.start()

    def waiting_on_the_lock():
        row = observer.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name LIKE 'viralspot-web:%%' AND wait_event_type = 'Lock'"
        ).fetchone()
        return row[0] == 1

    wait_or_fail(waiting_on_the_lock, timeout=30, message="the status request waiting for the queue lock")
    return stuck


def assert_server_busy(answer) -> None:
    status, headers, body = answer
    assert status == 503, (status, body)
    assert headers["retry-after"] == str(RETRY_AFTER)
    assert headers["content-type"] == "application/json"
    assert_error_envelope(json_of(body), "SERVER_BUSY")


def shedding_web(start_web) -> WebProcess:
    return start_web(
        WEB_THREADS=1, WEB_QUEUE_TIMEOUT=QUEUE_TIMEOUT, WEB_RETRY_AFTER_SECONDS=RETRY_AFTER,
        # Every status read goes to the database, so the locked table really holds the thread.
        READ_CACHE_SECONDS=0,
    )


def test_a_request_queued_behind_a_busy_thread_is_answered_503_while_the_thread_is_still_busy(
    start_web, queue_lock, observer
):
    web = shedding_web(start_web)
    stuck = block_the_only_request_thread(web, queue_lock, observer)

    queued = Background(web, "/api/profile/shed.other/status")
    sent_at = time.monotonic()
    queued.start()
    queued.join(timeout=QUEUE_TIMEOUT + 5)
    answered_while_busy = queued.finished_at is not None
    queue_lock.release()
    queued.join(timeout=60)
    stuck.join(timeout=60)

    assert queued.error is None and stuck.error is None, (queued.error, stuck.error)
    assert answered_while_busy, (
        f"the queued request was answered only {queued.finished_at - sent_at:.1f} s after it was sent, "
        f"once the busy thread was released (WEB_QUEUE_TIMEOUT={QUEUE_TIMEOUT}): {queued.answer}"
    )
    assert_server_busy(queued.answer)
    assert stuck.answer[0] == 200


def test_a_request_that_waited_past_the_queue_timeout_is_shed_and_the_next_ones_are_served(
    start_web, queue_lock, observer
):
    web = shedding_web(start_web)
    stuck = block_the_only_request_thread(web, queue_lock, observer)
    queued = Background(web, "/api/profile/shed.other/status")
    queued.start()
    page = Background(web, "/livez")  # not an API path: the busy answer is plain text
    page.start()
    write = Background(web, "/api/profile/shed.write/request", method="POST")
    write.start()

    # All three wait for the one thread well past WEB_QUEUE_TIMEOUT; then the thread is freed.
    time.sleep(4 * QUEUE_TIMEOUT)
    queue_lock.release()
    for request in (stuck, queued, page, write):
        request.join(timeout=60)
        assert request.error is None and request.answer is not None, (request.path, request.error)

    assert stuck.answer[0] == 200
    assert json_of(stuck.answer[2])["data"]["status"] == "NOT_FOUND"
    assert_server_busy(queued.answer)
    status, headers, body = page.answer
    assert (status, headers["retry-after"]) == (503, str(RETRY_AFTER))
    assert headers["content-type"].startswith("text/plain") and b"busy" in body
    # A shed request never ran: the shed POST queued nothing.
    assert_server_busy(write.answer)
    assert not ProfileJob.objects.filter(username="shed.write").exists()
    # And the freed thread serves again.
    status, _, body = web.get("/api/profile/shed.other/status", timeout=10)
    assert status == 200 and json_of(body)["data"]["status"] == "NOT_FOUND"
    assert web.get("/healthz", timeout=10)[0] == 200


# --- 3. Process roles decide between a pool and a persistent connection ---------------------------

PRINT_DATABASE = (
    "import json, os, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'pid': os.getpid(), 'role': s.PROCESS_ROLE, 'web_threads': s.WEB_THREADS, "
    "'default': s.DATABASES['default']}))"
)


def boot(env_overrides: dict, *argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRALSPOT_PROCESS", "DB_POOL"}
           and not k.startswith(("DB_POOL_", "DB_CONN_", "WEB_"))}
    # PostgreSQL settings, never connected to: booting does not open a connection.
    env.update(DATABASE_URL="postgres://app@db.invalid:5432/viral", SECRET_KEY="boot-test-" * 8, DEBUG="false")
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", PRINT_DATABASE, *argv],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )


def booted(env_overrides: dict, *argv: str) -> dict:
    result = boot(env_overrides, *argv)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_web_process_borrows_from_a_pool_sized_by_the_settings(tmp_path):
    seen = booted({"VIRALSPOT_PROCESS": "web", "VAR_DIR": str(tmp_path), "DB_POOL_MIN_SIZE": "3",
                   "DB_POOL_MAX_SIZE": "7", "DB_POOL_TIMEOUT": "4.5", "DB_POOL_MAX_IDLE": "12",
                   "DB_CONN_MAX_AGE": "42"})
    database = seen["default"]

    assert seen["role"] == "web"
    assert database["OPTIONS"]["pool"] == {"min_size": 3, "max_size": 7, "timeout": 4.5, "max_idle": 12.0,
                                           "name": "viralspot-web"}
    # Django refuses persistent connections beside a pool.
    assert database["CONN_MAX_AGE"] == 0
    assert database["CONN_HEALTH_CHECKS"] is False
    assert database["OPTIONS"]["application_name"] == f"viralspot-web:{seen['pid']}"
    # As many request threads as the pool has connections, unless told otherwise.
    assert seen["web_threads"] == 7


def test_a_web_process_pool_defaults_to_two_to_four_connections_and_four_threads(tmp_path):
    seen = booted({"VIRALSPOT_PROCESS": "web", "VAR_DIR": str(tmp_path)})

    pool = seen["default"]["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"], seen["web_threads"]) == (2, 4, 4)


@pytest.mark.parametrize(("environment", "argv"), [
    ({"VIRALSPOT_PROCESS": "worker"}, ()),
    ({}, ()),  # any process that is not a web entry point
    # django-q2's cluster forks, so it never gets a pool, whatever the environment says.
    ({"VIRALSPOT_PROCESS": "web"}, ("qcluster",)),
], ids=["worker", "unset", "qcluster-argv"])
def test_a_worker_keeps_one_persistent_connection_instead_of_a_pool(tmp_path, environment, argv):
    seen = booted({**environment, "VAR_DIR": str(tmp_path), "DB_CONN_MAX_AGE": "42", "DB_POOL_MAX_SIZE": "5"},
                  *argv)
    database = seen["default"]

    assert seen["role"] == "worker"
    assert "pool" not in database["OPTIONS"]
    assert database["CONN_MAX_AGE"] == 42
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["OPTIONS"]["application_name"] == "viralspot-worker"


def test_a_web_process_with_the_pool_turned_off_keeps_a_persistent_connection(tmp_path):
    seen = booted({"VIRALSPOT_PROCESS": "web", "DB_POOL": "false", "VAR_DIR": str(tmp_path),
                   "DB_CONN_MAX_AGE": "42"})

    assert "pool" not in seen["default"]["OPTIONS"]
    assert seen["default"]["CONN_MAX_AGE"] == 42
    assert seen["default"]["OPTIONS"]["application_name"] == f"viralspot-web:{seen['pid']}"


@pytest.mark.parametrize(("environment", "named"), [
    ({"DB_POOL_MIN_SIZE": "5", "DB_POOL_MAX_SIZE": "3"}, "DB_POOL_MIN_SIZE (5) must be ≤ DB_POOL_MAX_SIZE (3)"),
    ({"DB_POOL_MAX_SIZE": "0"}, "DB_POOL_MAX_SIZE must be ≥ 1"),
    ({"DB_POOL_MIN_SIZE": "-1"}, "DB_POOL_MIN_SIZE must be ≥ 0"),
    ({"DB_POOL_MAX_IDLE": "0.5"}, "DB_POOL_MAX_IDLE must be ≥ 1"),
    ({"DB_POOL_TIMEOUT": "soon"}, "DB_POOL_TIMEOUT must be a number"),
    ({"DB_CONN_MAX_AGE": "-5"}, "DB_CONN_MAX_AGE must be ≥ 0"),
    ({"WEB_THREADS": "0"}, "WEB_THREADS must be ≥ 1"),
    ({"WEB_QUEUE_TIMEOUT": "0"}, "WEB_QUEUE_TIMEOUT must be ≥ 0.05"),
    ({"VIRALSPOT_PROCESS": "both"}, "VIRALSPOT_PROCESS must be one of ['web', 'worker']"),
])
def test_a_bad_pool_or_web_setting_stops_the_boot_with_its_name(tmp_path, environment, named):
    result = boot({"VIRALSPOT_PROCESS": "web", "VAR_DIR": str(tmp_path), **environment})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


# --- 4. The plain API views keep DRF's rules --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("put", "/api/profile/plain.user/request", "POST"),
    ("get", "/api/profile/plain.user/request", "POST"),
    ("post", "/api/profile/plain.user/status", "GET, HEAD"),
    ("delete", "/api/profile/plain.user/status", "GET, HEAD"),
])
def test_a_plain_view_answers_a_wrong_method_405_in_the_envelope_with_allow(method, path, allowed):
    response = getattr(Client(), method)(path)

    assert response.status_code == 405
    assert response["Allow"] == allowed
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert_error_envelope(body, "METHOD_NOT_ALLOWED")
    assert method.upper() in body["detail"]
    assert not ProfileJob.objects.exists()


@pytest.mark.django_db
def test_a_signed_in_browser_needs_the_csrf_token_to_request_a_profile(alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)

    refused = browser.post("/api/profile/csrf.user/request")
    secret = "b" * 32
    browser.cookies["csrftoken"] = secret
    accepted = browser.post("/api/profile/csrf.user/request", HTTP_X_CSRFTOKEN=secret)

    assert refused.status_code == 403
    body = refused.json()
    assert_error_envelope(body, "PERMISSION_DENIED")
    assert body["detail"].startswith("CSRF Failed")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["data"]["profile_type"] == "new"
    # Only the accepted request queued anything.
    assert list(ProfileJob.objects.values_list("username", flat=True)) == ["csrf.user"]


@pytest.mark.django_db
def test_a_token_client_or_an_anonymous_one_needs_no_csrf_token(alice):
    token, _ = Token.objects.get_or_create(user=alice)
    api_client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token.key}")
    anonymous = Client(enforce_csrf_checks=True)

    by_token = api_client.post("/api/profile/token.user/request?source=api")
    by_anonymous = anonymous.post("/api/profile/anon.user/request?source=crawler")

    assert by_token.status_code == 200, by_token.content
    assert by_token.json()["data"]["priority"] == "MEDIUM"
    assert by_anonymous.status_code == 200, by_anonymous.content
    assert by_anonymous.json()["data"]["priority"] == "LOW"
    assert sorted(ProfileJob.objects.values_list("username", flat=True)) == ["anon.user", "token.user"]


@pytest.mark.django_db
def test_the_schema_lists_both_plain_views_with_their_methods():
    response = Client().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    request_path, status_path = paths["/api/profile/{username}/request"], paths["/api/profile/{username}/status"]
    assert set(request_path) == {"post"}
    assert set(status_path) == {"get"}
    assert request_path["post"]["operationId"] == "api_profile_request_create"
    assert {"200", "405", "429", "503"} <= set(request_path["post"]["responses"])
    assert {"200", "405", "503"} <= set(status_path["get"]["responses"])
    assert [p["name"] for p in status_path["get"]["parameters"]] == ["username"]
    # Its error answers point at the envelope's schema, which the generated document defines.
    assert "Error" in json.loads(response.content)["components"]["schemas"]
