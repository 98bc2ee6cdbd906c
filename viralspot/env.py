"""Strict readers for environment variables: a bad value stops the boot with a clear message."""

import ipaddress
import os
from urllib.parse import parse_qsl, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be ≥ {minimum}, got {value}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be ≥ {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> list[str]:
    """Comma-separated addresses or CIDR blocks, normalised ("10.0.0.1" → "10.0.0.1/32")."""
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(f"{name} must list IP addresses or CIDR blocks, got {item!r}") from None
    return networks


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def database_from_url(
    url: str,
    *,
    sqlite_dir,
    pool: dict | None = None,
    conn_max_age: int = 60,
    application_name: str = "viralspot",
    prepared_statements: bool = True,
) -> dict:
    """DATABASES['default'] from a postgres:// or sqlite:/// URL.

    PostgreSQL gets either a connection pool (`pool`: psycopg_pool options; for a threaded web
    process, where every request thread would otherwise open a connection of its own) or one
    persistent connection per process (`conn_max_age`; for single-threaded processes that fork,
    such as django-q2's, since a pool does not survive a fork). `application_name` shows in
    pg_stat_activity which kind of process holds a connection. `prepared_statements` lets
    psycopg prepare statements it sees repeatedly (Django turns that off for the sake of
    PgBouncer in transaction mode; turn it off again when one sits in between).

    SQLite is shared by the web process and the worker processes, so it gets WAL (readers never
    wait for the writer), IMMEDIATE transactions (a writer takes the lock up front instead of
    failing to upgrade it halfway) and a busy timeout; without them it answers "database is
    locked" under load.
    """
    parsed = urlparse(url)
    options = dict(parse_qsl(parsed.query))
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            # Django refuses persistent connections beside a pool: a pooled connection goes
            # back to the pool when the request ends.
            "CONN_MAX_AGE": 0 if pool else conn_max_age,
            # A pooled connection is checked by the pool when it comes back (a broken one is
            # dropped), not by a round trip before every request: after a database restart each
            # stale connection fails one request (503) and is replaced.
            "CONN_HEALTH_CHECKS": not pool,
            "OPTIONS": {
                "application_name": application_name,
                "prepare_threshold": 5 if prepared_statements else None,
                **options,
                # Our prepared statements (jobs.sql) get their generic plan from the first
                # execution: PostgreSQL's default plans each of them afresh for its first five
                # executions on every connection before it settles on the generic plan it then
                # keeps (measured: 0.95 instead of 0.39 ms of the server's time for the request
                # statement), so a burst on newly opened pool connections paid the most. Only
                # server-side prepared statements and PL/pgSQL are affected; Django's own
                # queries bind on the client and are planned as before.
                **({"options": _with_generic_plans(options.get("options", ""))} if prepared_statements else {}),
                **({"pool": pool} if pool else {}),
            },
        }
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        # sqlite:///relative.db → "/relative.db" ; sqlite:////abs/path.db → "//abs/path.db"
        if path.startswith("//"):
            name = path[1:]
        else:
            name = str(sqlite_dir / path.lstrip("/")) if path.strip("/") else str(sqlite_dir / "viralspot.sqlite3")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
            },
            "TEST": {"NAME": str(sqlite_dir / "test-viralspot.sqlite3")},
        }
    raise ImproperlyConfigured(f"DATABASE_URL must start with postgres:// or sqlite:///, got {url!r}")


def _with_generic_plans(server_options: str) -> str:
    """libpq's `options` (server settings for the session) with generic plans for prepared
    statements, unless the URL's own ?options= sets plan_cache_mode already."""
    if "plan_cache_mode" in server_options:
        return server_options
    return f"{server_options} -c plan_cache_mode=force_generic_plan".strip()
