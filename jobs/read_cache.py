"""Hot reads cached in a web process until the change feed says something changed.

Every state change of every job is committed with a PostgreSQL NOTIFY (jobs.services), and each
web process already listens for them (jobs.streams.ProgressHub, for the live streams). So a
poller asking "where is my job?" every few seconds need not cost a database round trip when
nothing happened since the last answer: the answer's rows are kept until the next notification
of any job — an answer never outlives the change that made it wrong by more than the
notification's own delay (milliseconds, the same delay a live stream has). A value that will
change by itself at a known time (a job ahead coming due for its retry) expires then; every
entry expires after READ_CACHE_SECONDS at the latest, for what announces itself to nobody (a
row edited by hand in the database).

The cache is used only while this process's listener is connected; on SQLite (no LISTEN), with
PROGRESS_DELIVERY=poll, or while the listener reconnects, every read goes to the database.
Answers are computed from the cached rows at the moment of asking (ages, ETAs move on).
"""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from django.conf import settings

T = TypeVar("T")


class ChangeFeedCache:
    """Values stamped with the change-feed generation they were read at."""

    def __init__(self, *, max_entries: int = 20_000):
        self.max_entries = max_entries
        self._entries: dict = {}
        self.generation = 0
        # True only while a listener is connected and bumping the generation.
        self.live = False
        self.hits = self.misses = 0

    def changed(self) -> None:
        """The change feed announced a change (or may have missed some): nothing cached holds."""
        self.generation += 1

    def set_live(self, live: bool) -> None:
        self.changed()
        self.live = live

    def get_or_read(self, key, read: Callable[[], T]) -> T:
        """The cached value of `key`, or read() afresh. A value may say when it goes stale by
        itself (changes_by_itself_at(): an aware datetime, e.g. a retry time coming due)."""
        if not self.live or settings.READ_CACHE_SECONDS <= 0:
            return read()
        now = time.time()
        entry = self._entries.get(key)
        if entry is not None and entry[0] == self.generation and now < entry[1]:
            self.hits += 1
            return entry[2]
        self.misses += 1
        # The generation before the read: a change committed while reading invalidates this entry.
        generation = self.generation
        value = read()
        expires = now + settings.READ_CACHE_SECONDS
        changes_at = getattr(value, "changes_by_itself_at", lambda: None)()
        if changes_at is not None:
            expires = min(expires, changes_at.timestamp())
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (generation, expires, value)
        return value


reads = ChangeFeedCache()
