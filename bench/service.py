"""The service under test for `make bench`: its own PostgreSQL database, web processes and workers.

Everything runs the way `make run` runs it in production settings (DEBUG off, uvicorn with the
configured web workers, django-q2's qcluster), only pointed at a throw-away database that is
dropped at the end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
ADMIN_DSN = os.environ.get("BENCH_ADMIN_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")


class BenchDatabase:
    """CREATE DATABASE on entry, DROP (after ending its sessions) on exit."""

    def __init__(self, name: str):
        self.name = name
        params = psycopg.conninfo.conninfo_to_dict(ADMIN_DSN)
        self.url = f"postgres://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:{params.get('port', 5432)}/{name}"
        self.dsn = psycopg.conninfo.make_conninfo(ADMIN_DSN, dbname=name)

    def __enter__(self) -> "BenchDatabase":
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc) -> None:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def connections(self) -> dict[str, int]:
        """Open connections to this database by application_name (each names its process)."""
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            rows = admin.execute(
                "SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = %s GROUP BY 1", [self.name]
            ).fetchall()
        return {name: count for name, count in rows}

    def waits(self, admin: psycopg.Connection) -> list[tuple[str, str, str, str]]:
        """What each busy session of this database waits for right now, read on `admin` (an
        autocommit connection to ADMIN_DSN kept by a sampler): (application_name,
        wait_event_type, wait_event, the start of its query), from pg_stat_activity."""
        return admin.execute(
            "SELECT application_name, wait_event_type, wait_event, left(query, 60) FROM pg_stat_activity "
            "WHERE datname = %s AND state = 'active' AND wait_event_type IS NOT NULL", [self.name]
        ).fetchall()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(database_url: str, **overrides) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only-secret-key-long-enough-for-debug-off-not-for-production",
        "DEBUG": "false",
        # Production's HTTPS defaults, off: the load clients speak plain HTTP to 127.0.0.1.
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        # Every request of the load clients comes from one address: the per-address throttles
        # would measure themselves refusing, so their budgets are raised (their cost stays).
        "API_ANON_RATE": "100000000/min",
        "API_USER_RATE": "100000000/min",
        "OFFLINE_PROVIDER_DELAY_SECONDS": "0",
        "GENERATION_STEP_DELAY_SECONDS": "0",
    }
    env.update({key: str(value) for key, value in overrides.items()})
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


class WebServer:
    """uvicorn serving viralspot.asgi the way runservice does, on a free port."""

    def __init__(self, env: dict, *, workers: int | None = None):
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        workers = workers or int(env.get("WEB_WORKERS", "2"))
        command = [sys.executable, "manage.py", "runservice", "--web-only", "--host", "127.0.0.1",
                   "--port", str(self.port), "--web-workers", str(workers)]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{self.base}/livez", timeout=2).read()
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("the web server did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class WorkerCluster:
    """`manage.py qcluster` in its own process group."""

    def __init__(self, env: dict):
        self.process = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                                        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
