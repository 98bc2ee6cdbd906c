"""Waiting for something another thread or process does, with a deadline instead of a sleep."""

from __future__ import annotations

import time


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05):
    """The first truthy value of predicate(), polled every `interval` seconds; after `timeout`
    seconds its last value (falsy), for the caller's assert to report."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def wait_or_fail(predicate, *, timeout: float, message: str, interval: float = 0.1):
    """The first truthy value of predicate(), or the test fails after `timeout` seconds, naming
    `message`. A predicate may assert what must stay true meanwhile: that fails the test at once."""
    import pytest

    value = wait_until(predicate, timeout=timeout, interval=interval)
    if not value:
        pytest.fail(f"timed out after {timeout}s waiting for: {message}")
    return value
