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
