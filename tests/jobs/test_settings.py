"""Configuration: strict env readers, and production refusing to boot without a secret."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from viralspot.env import database_from_url, env_bool, env_int


def boot(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('booted')"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )


def test_production_refuses_to_boot_without_a_secret_key(tmp_path):
    result = boot({"DEBUG": "false", "VAR_DIR": str(tmp_path)})

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_local_default_generates_and_keeps_a_secret_key(tmp_path):
    first = boot({"VAR_DIR": str(tmp_path)})
    key = (tmp_path / "secret_key").read_text()
    second = boot({"VAR_DIR": str(tmp_path)})

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
