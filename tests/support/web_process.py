"""The real web tier (`manage.py runservice --web-only`) as a subprocess against the test database.

    with WebProcess(web_env(WEB_THREADS=1), log_path) as web:   # started, /healthz answers 200
        status, headers, body = web.get("/api/profile/someone/status")
    # leaving the block (or stop()) SIGKILLs the whole process group: runservice and uvicorn

Also: database_url_for_tests() (the test database as a postgres:// URL, for the subprocess) and
connections_by_application() (pg_stat_activity of that database, read on a connection of its own).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection
from support.processes import database_url_for_tests, kill_group, started_group


def observer_conninfo() -> str:
    """libpq conninfo of the test database for a connection outside Django's (sampler, locks)."""
    s = connection.settings_dict
    params = {"dbname": s["NAME"], "user": s.get("USER"), "password": s.get("PASSWORD"),
              "host": s.get("HOST") or "127.0.0.1", "port": s.get("PORT"), "application_name": "vs-test-observer"}
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v})


def connections_by_application(observer: psycopg.Connection) -> dict[str, int]:
    """Open connections to the test database by application_name."""
    rows = observer.execute(
        "SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = current_database() GROUP BY 1"
    ).fetchall()
    return {name: count for name, count in rows}


def count_like(counts: dict[str, int], prefix: str) -> int:
    return sum(n for name, n in counts.items() if name.startswith(prefix))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def web_env(**overrides) -> dict:
    """Environment of a web subprocess: the test database, production-like settings, no throttling."""
    env = dict(os.environ)
    # The web entry point (viralspot/asgi.py) decides the role itself, as in production.
    env.pop("VIRALSPOT_PROCESS", None)
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=database_url_for_tests(),
        SECRET_KEY=settings.SECRET_KEY,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Every load client comes from 127.0.0.1: the per-address budget must not be what answers.
        API_ANON_RATE="100000000/min",
        API_USER_RATE="100000000/min",
        WEB_WORKERS="1",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


class WebProcess:
    """`manage.py runservice --web-only` on a free port, in its own process group."""

    def __init__(self, env: dict, log_path: Path, *, ready_timeout: float = 60):
        self.env = env
        self.log_path = log_path
        self.ready_timeout = ready_timeout
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self._log_file = None

    # --- life cycle ---

    def start(self) -> "WebProcess":
        self._log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "runservice", "--web-only", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=settings.BASE_DIR, env=self.env, stdin=subprocess.DEVNULL,
            stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
        started_group(self.proc.pid)
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if not self.is_running():
                raise AssertionError(f"the web tier exited with {self.proc.returncode}:\n{self.output()}")
            try:
                status, _, body = self.get("/healthz", timeout=5)
                if status == 200:
                    return
                last = f"{status} {body[:200]!r}"
            except OSError as error:
                last = repr(error)
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"/healthz did not answer 200 within {self.ready_timeout}s ({last}):\n{self.output()}")

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pgid(self) -> int:
        return self.proc.pid  # start_new_session=True: runservice leads its own group

    def owns(self, pid: int) -> bool:
        """True while `pid` is a live process of this web tier's group (runservice or uvicorn)."""
        try:
            return os.getpgid(pid) == self.pgid
        except ProcessLookupError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            kill_group(self.pgid)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> "WebProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-20000:]
        except OSError as error:
            return f"<could not read {self.log_path}: {error}>"

    # --- HTTP ---

    def connect(self, timeout: float = 30) -> http.client.HTTPConnection:
        """A keep-alive connection to this web tier."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def get(self, path: str, *, timeout: float = 30) -> tuple[int, dict, bytes]:
        """One request on a connection of its own: (status, headers with lower-case names, body)."""
        conn = self.connect(timeout)
        try:
            return exchange(conn, "GET", path)
        finally:
            conn.close()


def exchange(conn: http.client.HTTPConnection, method: str, path: str) -> tuple[int, dict, bytes]:
    conn.request(method, path)
    response = conn.getresponse()
    body = response.read()
    return response.status, {name.lower(): value for name, value in response.getheaders()}, body


def json_of(body: bytes) -> dict:
    return json.loads(body.decode("utf-8"))
