"""Configuration: strict env readers, production refusing to boot without a strong secret, and
production secure by default (HTTPS, secure cookies, HSTS, CSP) with `check --deploy` silent."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from viralspot.env import database_from_url, env_bool, env_int


# What this file decides itself; the test run's own values (make test turns HTTPS off) are removed.
SECURITY_VARIABLES = {"SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD",
                      "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                      "SECURE_PROXY_SSL_HEADER", "ALLOWED_HOSTS"}
PRODUCTION_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2
PRINT_SECURITY = (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({name: getattr(s, name) "
    "for name in ('DEBUG', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
    "'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER')}))"
)


def run_python(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SECURITY_VARIABLES}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )


def boot(env_overrides: dict) -> subprocess.CompletedProcess:
    return run_python(env_overrides, "-c", "import django; django.setup(); print('booted')")


def security_settings(env_overrides: dict) -> dict:
    result = run_python(env_overrides, "-c", PRINT_SECURITY)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def production(tmp_path, **overrides) -> dict:
    """A production environment: DEBUG off, a strong key, a real host name, a database never connected to."""
    return {"DEBUG": "false", "SECRET_KEY": PRODUCTION_KEY, "ALLOWED_HOSTS": "viralspot.example.com",
            "DATABASE_URL": "postgres://app@db.invalid:5432/viral", "VAR_DIR": str(tmp_path), **overrides}


def test_production_refuses_to_boot_without_a_secret_key(tmp_path):
    result = boot({"DEBUG": "false", "VAR_DIR": str(tmp_path)})

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_set_so_an_unconfigured_process_refuses_to_boot_without_a_key(tmp_path):
    result = boot({"VAR_DIR": str(tmp_path)})

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("key", ["short-key", "x" * 49, "ab" * 40, "django-insecure-" + "q8#v" * 12])
def test_production_refuses_a_weak_secret_key_with_a_clear_message_that_does_not_print_it(tmp_path, key):
    result = boot(production(tmp_path, SECRET_KEY=key))

    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr
    assert "at least 50 random characters" in result.stderr
    assert key not in result.stderr


def test_a_local_run_with_debug_on_accepts_any_key(tmp_path):
    assert boot({"DEBUG": "true", "SECRET_KEY": "short-key", "VAR_DIR": str(tmp_path)}).stdout.strip() == "booted"


def test_the_local_default_generates_and_keeps_a_secret_key(tmp_path):
    first = boot({"DEBUG": "true", "VAR_DIR": str(tmp_path)})
    key = (tmp_path / "secret_key").read_text()
    second = boot({"DEBUG": "true", "VAR_DIR": str(tmp_path)})

    assert first.stdout.strip() == second.stdout.strip() == "booted"
    assert len(key) >= 50
    assert (tmp_path / "secret_key").read_text() == key


def test_a_bad_boolean_or_integer_stops_the_boot_with_its_name(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    monkeypatch.setenv("SOME_NUMBER", "lots")

    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG", False)
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER"):
        env_int("SOME_NUMBER", 1)


def test_database_urls_cover_postgres_and_sqlite_with_wal(tmp_path):
    postgres = database_from_url("postgres://app:s%40cret@db.internal:6543/viral", sqlite_dir=tmp_path)
    sqlite = database_from_url("sqlite:///local.db", sqlite_dir=tmp_path)

    assert (postgres["ENGINE"], postgres["NAME"], postgres["USER"], postgres["PASSWORD"], postgres["HOST"], postgres["PORT"]) == (
        "django.db.backends.postgresql", "viral", "app", "s@cret", "db.internal", "6543")
    assert sqlite["NAME"] == str(tmp_path / "local.db")
    assert sqlite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://nope", sqlite_dir=tmp_path)


# --- Production is secure by default --------------------------------------------------------------


def test_the_deploy_check_of_a_production_environment_finds_nothing_to_warn_about(tmp_path):
    result = run_python(production(tmp_path), "manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_with_debug_off_https_redirect_hsts_and_secure_cookies_are_on_and_preload_is_off(tmp_path):
    seen = security_settings(production(tmp_path))

    assert seen == {
        "DEBUG": False, "SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SECURE_PROXY_SSL_HEADER": None,
    }


def test_each_https_setting_can_be_turned_off_for_a_plain_http_run_and_the_proxy_header_set(tmp_path):
    seen = security_settings(production(
        tmp_path, SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0", SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        SECURE_HSTS_PRELOAD="true", SESSION_COOKIE_SECURE="false", CSRF_COOKIE_SECURE="false",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
    ))

    assert seen == {
        "DEBUG": False, "SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False, "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_a_proxy_header_without_a_value_stops_the_boot_with_its_name(tmp_path):
    result = boot(production(tmp_path, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"))

    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER" in result.stderr


def test_a_local_run_with_debug_on_keeps_plain_http(tmp_path):
    seen = security_settings({"DEBUG": "true", "VAR_DIR": str(tmp_path)})

    assert (seen["SECURE_SSL_REDIRECT"], seen["SECURE_HSTS_SECONDS"], seen["SESSION_COOKIE_SECURE"]) == (False, 0, False)


def test_a_management_command_in_a_bad_environment_says_what_to_set_without_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env["VAR_DIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "manage.py", "migrate", "--check"], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    assert "Configuration error: SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "DEBUG=true" in result.stderr
    assert "Traceback" not in result.stderr


def test_checking_for_missing_migrations_needs_no_secret_key(tmp_path):
    """`manage.py makemigrations --check` signs nothing: it runs with DEBUG off and no key, and
    finds every model change migrated. Serving commands still refuse (test above)."""
    env = {k: v for k, v in os.environ.items() if k not in SECURITY_VARIABLES | {"DATABASE_URL"}}
    env.update(DEBUG="false", VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
    refused = subprocess.run([sys.executable, "manage.py", "migrate", "--check"], cwd=settings.BASE_DIR, env=env,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "SECRET_KEY must be set" in refused.stderr
