"""Hot reads cached in a web process until the change feed says something they show changed.

Every state change of every job is committed with a PostgreSQL NOTIFY (jobs.services), and each
web process already listens for them (jobs.streams.ProgressHub, for the live streams). So a
poller asking "where is my job?" every few seconds need not cost a database round trip when
nothing happened since the last answer: the answer's rows are kept until a notification says
something it shows may have changed — an answer never outlives the change that made it wrong by
more than the notification's own delay (milliseconds, the same delay a live stream has). A value
that will change by itself at a known time (a job ahead coming due for its retry) expires then;
every entry expires after READ_CACHE_SECONDS at the latest, for what announces itself to nobody
(a row edited by hand in the database).

What a notification ends, from what the value says it shows (its cache_scope(), a ReadScope):

- a change of another job kind: nothing of this kind;
- a progress report ("change": "progress"): only the values showing that job;
- a new job waiting at (rank, ticket) ("change": "insert"): the values showing no active job
  (the new one may be theirs) and those waiting behind it — a job inserted behind the one you
  wait for does not move you;
- anything else (a claim, a completion, a failure, a notification without "change"): every
  value of that kind (jobs running, places in line and typical durations all move).

A value without a scope depends on every change. The cache is used only while this process's
listener is connected; on SQLite (no LISTEN), with PROGRESS_DELIVERY=poll, or while the listener
reconnects, every read goes to the database. Answers are computed from the cached rows at the
moment of asking (ages, ETAs move on).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, TypeVar

from django.conf import settings

T = TypeVar("T")


@dataclass(frozen=True)
class ReadScope:
    """What a cached value shows, so that only the changes that can alter it end it."""

    kind: str
    # The active job whose progress the value shows; None: it shows no active job, so any
    # new job of the kind may be one that changes it.
    job_id: str | None = None
    # (priority rank, queue ticket) of the waiting job whose place in line it shows.
    waiting_at: tuple[int, int] | None = None


@dataclass(frozen=True)
class Change:
    """One announced change of a job of `kind`: which values it ends (ends())."""

    kind: str | None  # None: any kind (the feed may have missed changes)
    what: str = "state"  # "progress", "insert" or anything else ("state")
    job_id: str | None = None
    waiting_at: tuple[int, int] | None = None  # the inserted job's place

    @classmethod
    def from_notification(cls, payload: dict) -> "Change":
        """The change a NOTIFY of jobs.services announces (its "change" and the new job's
        "rank" and "ticket" when it has them; without them, every value of the kind ends)."""
        what = payload.get("change") or "state"
        if what == "insert" and not (isinstance(payload.get("rank"), int) and isinstance(payload.get("ticket"), int)):
            what = "state"
        waiting_at = (payload["rank"], payload["ticket"]) if what == "insert" else None
        return cls(kind=payload.get("kind"), what=what, job_id=str(payload.get("job")), waiting_at=waiting_at)

    def ends(self, scope: ReadScope | None) -> bool:
        if scope is None or self.kind is None:
            return True
        if scope.kind != self.kind:
            return False
        if self.what == "progress":
            return scope.job_id == self.job_id
        if self.what == "insert":
            return scope.job_id is None or (scope.waiting_at is not None and self.waiting_at < scope.waiting_at)
        return True


EVERYTHING = Change(kind=None)


class _KindIndex:
    """The cached keys of one job kind, filed by what ends them."""

    def __init__(self):
        self.keys: set = set()
        self.showing_no_job: set = set()
        self.by_job: dict[str, set] = {}
        # rank → {key: ticket}, and a bound on the tickets filed there (so that the usual
        # insert, behind everyone cached, looks at nothing).
        self.waiting: dict[int, dict] = {}
        self.highest_ticket: dict[int, int] = {}

    def add(self, key, scope: ReadScope) -> None:
        self.keys.add(key)
        if scope.job_id is None:
            self.showing_no_job.add(key)
        else:
            self.by_job.setdefault(scope.job_id, set()).add(key)
        if scope.waiting_at is not None:
            rank, ticket = scope.waiting_at
            self.waiting.setdefault(rank, {})[key] = ticket
            self.highest_ticket[rank] = max(self.highest_ticket.get(rank, ticket), ticket)

    def remove(self, key, scope: ReadScope) -> None:
        self.keys.discard(key)
        self.showing_no_job.discard(key)
        if scope.job_id is not None and (keys := self.by_job.get(scope.job_id)) is not None:
            keys.discard(key)
            if not keys:
                del self.by_job[scope.job_id]
        if scope.waiting_at is not None and (tickets := self.waiting.get(scope.waiting_at[0])) is not None:
            tickets.pop(key, None)
            if not tickets:
                del self.waiting[scope.waiting_at[0]]
                self.highest_ticket.pop(scope.waiting_at[0], None)

    def ended_by(self, change: Change) -> list:
        """The keys `change` ends (Change.ends, answered from the index)."""
        if change.what == "progress":
            return list(self.by_job.get(change.job_id, ()))
        if change.what != "insert":
            return list(self.keys)
        rank, ticket = change.waiting_at
        ended = list(self.showing_no_job)
        for waiting_rank, tickets in self.waiting.items():
            if waiting_rank > rank:
                ended += tickets
            elif waiting_rank == rank and ticket < self.highest_ticket[rank]:
                ended += [key for key, waiting_ticket in tickets.items() if ticket < waiting_ticket]
        return ended


class ChangeFeedCache:
    """Values kept until an announced change ends them (Change.ends), expiry or eviction.

    Thread-safe: request threads read and store, the listener (on the event loop) announces.
    A value read while a change was announced is checked against that change before it is
    kept (put()'s `since`), so a read never outlives a change that overtook it.
    """

    def __init__(self, *, max_entries: int = 20_000, recent_changes: int = 1024):
        self.max_entries = max_entries
        self._entries: dict = {}  # key → (expires, value, scope)
        self._unscoped: set = set()  # keys whose values depend on every change
        self._kinds: dict[str, _KindIndex] = {}
        self._lock = threading.Lock()
        # The changes announced lately, numbered: what a read in flight must be checked against.
        self._recent: deque[tuple[int, Change]] = deque(maxlen=recent_changes)
        self.generation = 0  # the number of the last change announced
        # True only while a listener is connected and announcing changes.
        self.live = False
        self.hits = self.misses = 0

    def changed(self, change: Change = EVERYTHING) -> None:
        """A change was announced (by default: anything may have changed); the values it may
        have altered are dropped."""
        with self._lock:
            self.generation += 1
            self._recent.append((self.generation, change))
            if change.kind is None:
                self._clear()
                return
            ended = list(self._unscoped)
            if (index := self._kinds.get(change.kind)) is not None:
                ended += index.ended_by(change)
            for key in ended:
                self._drop(key)

    def announced(self, payload: dict) -> None:
        """A NOTIFY the listener heard (jobs.streams)."""
        self.changed(Change.from_notification(payload))

    def set_live(self, live: bool) -> None:
        self.changed()
        self.live = live

    def get_or_read(self, key, read: Callable[[], T]) -> T:
        """The cached value of `key`, or read() afresh. A value may say when it goes stale by
        itself (changes_by_itself_at(): an aware datetime, e.g. a retry time coming due) and
        what it shows (cache_scope(): a ReadScope)."""
        value = self.peek(key)
        if value is not None:
            return value
        # Taken BEFORE the read: a change announced while reading is checked against it.
        since = self.generation
        value = read()
        self.put(key, value, since=since)
        return value

    def peek(self, key):
        """The cached value of `key`, or None: not cached, ended, or nothing to trust (the
        change feed is not live, or the cache is off)."""
        if not self.live or settings.READ_CACHE_SECONDS <= 0:
            return None
        entry = self._entries.get(key)
        if entry is not None and time.time() < entry[0]:
            self.hits += 1
            return entry[1]
        self.misses += 1
        return None

    def put(self, key, value, *, since: int) -> None:
        """Keep `value`, read after change number `since` (self.generation taken before the
        read), unless a change announced since then ends it."""
        if not self.live or settings.READ_CACHE_SECONDS <= 0:
            return
        expires = time.time() + settings.READ_CACHE_SECONDS
        changes_at = getattr(value, "changes_by_itself_at", lambda: None)()
        if changes_at is not None:
            expires = min(expires, changes_at.timestamp())
        scope = getattr(value, "cache_scope", lambda: None)()
        with self._lock:
            if self.generation != since:
                missed = self.generation - since
                # Fewer recorded than announced: some fell out of the window, so assume the worst.
                # Otherwise the last `missed` recorded are the ones to check (numbers run on by
                # one): counted from the end, not found by walking the whole window.
                if missed > len(self._recent) or any(
                    change.ends(scope) for _, change in itertools.islice(reversed(self._recent), missed)
                ):
                    return
            self._drop(key)
            if len(self._entries) >= self.max_entries:
                self._clear()
            self._entries[key] = (expires, value, scope)
            if scope is None:
                self._unscoped.add(key)
            else:
                self._kinds.setdefault(scope.kind, _KindIndex()).add(key, scope)

    def forget(self, key) -> None:
        """Drop `key` (this process changed what it shows and is about to announce it)."""
        with self._lock:
            self._drop(key)

    def _drop(self, key) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        scope = entry[2]
        if scope is None:
            self._unscoped.discard(key)
        else:
            self._kinds[scope.kind].remove(key, scope)

    def _clear(self) -> None:
        self._entries.clear()
        self._unscoped.clear()
        self._kinds.clear()


reads = ChangeFeedCache()
