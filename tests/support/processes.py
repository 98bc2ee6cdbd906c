"""App subprocesses of the tests (web tiers, worker clusters): their process groups and database.

Each subprocess runs in a process group of its own, killed whole at teardown; a group whose
teardown never ran is killed when the test session exits.
"""

from __future__ import annotations

import atexit
import os
import signal
from urllib.parse import quote

from django.db import connection

# Process groups started by the tests and not yet killed.
LIVE_GROUPS: set[int] = set()


def started_group(pgid: int) -> None:
    LIVE_GROUPS.add(pgid)


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    LIVE_GROUPS.discard(pgid)


@atexit.register
def _kill_leftover_groups() -> None:  # pragma: no cover - only if a teardown never ran
    for pgid in list(LIVE_GROUPS):
        kill_group(pgid)


def database_url_for_tests() -> str:
    """postgres:// URL of the database this test runs on (NAME is already the test db's name)."""
    s = connection.settings_dict
    assert connection.vendor == "postgresql", "these tests need PostgreSQL (run them with `make test`)"
    user = quote(s.get("USER") or "", safe="")
    password = quote(s.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(s['NAME'], safe='')}"
