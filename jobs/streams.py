"""Live progress over Server-Sent Events, for every job kind.

Push, not poll: every progress event is written with a PostgreSQL NOTIFY (jobs.services), and
each web process holds ONE listening connection (ProgressHub) that fans notifications out to
all of its open streams, so a thousand browsers cost one database connection, not a thousand.
On SQLite, which has no LISTEN, the hub polls the event table instead: one query per second per
process while any stream is open.

A stream sends `event: progress` frames (each with `id:` = the progress event's id), then one
`event: complete` and closes; `event: error` for an unknown job. A client reconnecting with
`Last-Event-ID` first receives what it missed. A comment line every SSE_KEEPALIVE_SECONDS keeps
proxies from closing an idle stream, and a client that goes away cancels the stream (Django's
ASGI handler cancels the response), which unsubscribes it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import InterfaceError, OperationalError, connections
from django.http import JsonResponse, StreamingHttpResponse
from django.utils import timezone

from jobs.models import ProgressEvent
from jobs.services import PROGRESS_CHANNEL

logger = logging.getLogger(__name__)

# Every database read of every stream runs on this small pool, so the database connections of a
# web process stay bounded by its size (plus the one listener) however many browsers are watching.
_stream_db_pool = ThreadPoolExecutor(max_workers=settings.SSE_DB_THREADS, thread_name_prefix="sse-db")


def _read(func, *args):
    try:
        return func(*args)
    except (OperationalError, InterfaceError):
        # The pool thread's connection went stale (database restart): reconnect once.
        connections["default"].close()
        return func(*args)


async def db_read(func, *args):
    """Run a synchronous ORM read on the stream pool."""
    return await sync_to_async(_read, thread_sensitive=False, executor=_stream_db_pool)(func, *args)


async def release_request_connection() -> None:
    """Close what the request's own thread opened (auth, lookups) before the long stream starts."""
    await sync_to_async(connections.close_all)()


# Put in every mailbox when the hub may have missed events (after a reconnect): re-read history.
RESYNC = None


class Subscription:
    """One open stream's mailbox: receives each new event of its jobs (or RESYNC)."""

    def __init__(self, hub: "ProgressHub", keys: list[tuple[str, str]]):
        self.hub, self.keys = hub, keys
        self.mailbox: asyncio.Queue[ProgressEvent | None] = asyncio.Queue()

    def close(self) -> None:
        self.hub.unsubscribe(self)


class ProgressHub:
    """Per-process fan-out of progress notifications to the open streams of that process."""

    def __init__(self):
        self._subscribers: dict[tuple[str, str], set[Subscription]] = defaultdict(set)
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Database connections the hub holds right now (0 or 1), for health checks and tests.
        self.open_connections = 0

    @property
    def stream_count(self) -> int:
        return len({sub for subs in self._subscribers.values() for sub in subs})

    def subscribe(self, kind: str, job_ids) -> Subscription:
        self._ensure_running()
        subscription = Subscription(self, [(kind, str(job_id)) for job_id in job_ids])
        for key in subscription.keys:
            self._subscribers[key].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        for key in subscription.keys:
            subscribers = self._subscribers.get(key)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[key]

    def _wanted(self, kind: str, job_id: str) -> bool:
        return (kind, job_id) in self._subscribers

    def _deliver(self, events: list[ProgressEvent]) -> None:
        """Hand each event (read once, whatever the number of streams) to its job's streams."""
        for event in sorted(events, key=lambda e: e.pk):
            for subscription in self._subscribers.get((event.job_kind, str(event.job_id)), ()):
                subscription.mailbox.put_nowait(event)

    def _resync_everyone(self) -> None:
        for subscribers in list(self._subscribers.values()):
            for subscription in subscribers:
                subscription.mailbox.put_nowait(RESYNC)

    def _ensure_running(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._task = loop.create_task(self._run(), name="progress-hub")

    async def _run(self) -> None:
        mode = settings.PROGRESS_DELIVERY
        if mode == "auto":
            mode = "listen" if connections["default"].vendor == "postgresql" else "poll"
        if mode == "listen":
            await self._listen()
        else:
            await self._poll()

    async def _listen(self) -> None:
        backoff = 0.5
        while True:
            connected = False
            try:
                conninfo = _conninfo(connections["default"].settings_dict)
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    connected = True
                    self.open_connections += 1
                    await conn.execute(f"LISTEN {PROGRESS_CHANNEL}")
                    self._resync_everyone()
                    backoff = 0.5
                    pending: asyncio.Queue[int] = asyncio.Queue()
                    reader = asyncio.create_task(self._read_notified(pending))
                    try:
                        async for notification in conn.notifies():
                            payload = json.loads(notification.payload)
                            if self._wanted(payload["kind"], payload["job"]):
                                pending.put_nowait(payload["id"])
                    finally:
                        reader.cancel()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database restarted or the network blipped: reconnect
                logger.warning("progress listener lost its connection; reconnecting", exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
            finally:
                if connected:
                    self.open_connections -= 1

    async def _read_notified(self, pending: asyncio.Queue) -> None:
        """Read notified events in batches: one query per burst, shared by all streams."""
        while True:
            ids = [await pending.get()]
            while not pending.empty():
                ids.append(pending.get_nowait())
            try:
                self._deliver(await db_read(_events_by_id, ids))
            except Exception:
                logger.warning("could not read notified progress events; streams will resync", exc_info=True)
                self._resync_everyone()

    async def _poll(self) -> None:
        last_id = await db_read(_latest_event_id)
        while True:
            await asyncio.sleep(settings.SSE_POLL_INTERVAL_SECONDS)
            if not self._subscribers:
                continue
            try:
                events = await db_read(_events_since, last_id)
            except Exception:
                logger.warning("progress poller failed; retrying", exc_info=True)
                continue
            if events:
                last_id = max(event.pk for event in events)
                self._deliver([e for e in events if self._wanted(e.job_kind, str(e.job_id))])


def _conninfo(settings_dict: dict) -> str:
    params = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "application_name": f"viralspot-progress-listener:{os.getpid()}",
    }
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v})


def _latest_event_id() -> int:
    return ProgressEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _events_since(last_id: int) -> list[ProgressEvent]:
    return list(ProgressEvent.objects.filter(id__gt=last_id).order_by("id")[:1000])


def _events_by_id(ids: list[int]) -> list[ProgressEvent]:
    return list(ProgressEvent.objects.filter(id__in=ids).order_by("id"))


hub = ProgressHub()


# --- Streams --------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """What a stream needs to know about its job(s) right now."""

    progress: dict  # data of an `event: progress` frame for the current state
    finished: bool
    complete: dict | None  # data of the final `event: complete` frame, once finished
    last_event_id: int


@dataclass
class StreamSource:
    """How one kind of stream reads its state; all callables are synchronous (run in a thread)."""

    kind: str
    job_ids: list
    snapshot: Callable[[], Snapshot]
    event_payload: Callable[[ProgressEvent], dict]
    # False when event_payload only formats the event (no query), so it runs on the event loop.
    payload_reads_db: bool = True

    @property
    def finished_statuses(self) -> tuple[str, ...]:
        from jobs.registry import job_model

        return tuple(job_model(self.kind).job_statuses.finished)


def frame(event: str, data: dict, *, event_id: int | None = None) -> str:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {event}")
    lines.append("data: " + json.dumps(data, cls=DjangoJSONEncoder))
    return "\n".join(lines) + "\n\n"


def _events_after(source: StreamSource, after_id: int) -> list[ProgressEvent]:
    return list(ProgressEvent.objects.for_job(source.kind, source.job_ids, after_id=after_id)[:500])


async def stream_progress(source: StreamSource, *, last_event_id: int | None):
    """The frames of one stream, from the resume point to the job's end."""
    subscription = hub.subscribe(source.kind, source.job_ids)  # before reading, so nothing slips between
    try:
        yield f"retry: 3000\n: connected {timezone.now().isoformat()}\n\n"
        snapshot = await db_read(source.snapshot)
        last_sent = last_event_id or 0
        if last_event_id:
            for event in await db_read(_events_after, source, last_sent):
                payload = await db_read(source.event_payload, event)
                yield frame("progress", payload, event_id=event.pk)
                last_sent = event.pk
        else:
            yield frame("progress", snapshot.progress, event_id=snapshot.last_event_id or None)
            last_sent = snapshot.last_event_id
        while not snapshot.finished:
            try:
                first = await asyncio.wait_for(subscription.mailbox.get(), timeout=settings.SSE_KEEPALIVE_SECONDS)
            except asyncio.TimeoutError:
                yield ": keep-alive\n\n"
                continue
            batch = [first]
            while not subscription.mailbox.empty():  # a burst becomes one write
                batch.append(subscription.mailbox.get_nowait())
            if RESYNC in batch:
                events = await db_read(_events_after, source, last_sent)
            else:
                events = [event for event in batch if event.pk > last_sent]
            reached_end = False
            for event in events:
                payload = await db_read(source.event_payload, event) if source.payload_reads_db else source.event_payload(event)
                yield frame("progress", payload, event_id=event.pk)
                last_sent = event.pk
                reached_end = reached_end or event.status in source.finished_statuses
            if reached_end or RESYNC in batch:
                # Only an end (or a resync) needs the full state read again.
                snapshot = await db_read(source.snapshot)
        yield frame("complete", snapshot.complete or {}, event_id=max(last_sent, snapshot.last_event_id) or None)
    finally:
        subscription.close()


def last_event_id_of(request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def sse_response(source: StreamSource, request) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        stream_progress(source, last_event_id=last_event_id_of(request)), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx must not buffer a stream
    return response


async def _single_frame(text: str):
    yield text


def sse_error(message: str, *, status: int = 404, **extra) -> StreamingHttpResponse:
    """`event: error` for an unknown job, with a matching HTTP status (EventSource stops retrying)."""
    body = frame("error", {"error": message, "timestamp": timezone.now(), **extra})
    response = StreamingHttpResponse(_single_frame(body), content_type="text/event-stream", status=status)
    response["Cache-Control"] = "no-cache"
    return response


def unauthenticated() -> JsonResponse:
    response = JsonResponse(
        {"success": False, "detail": "Authentication credentials were not provided.", "error_code": "NOT_AUTHENTICATED",
         "timestamp": timezone.now().isoformat()},
        status=401,
    )
    response["WWW-Authenticate"] = "Token"
    return response


async def stream_user(request):
    """The caller, by `Authorization: Token …` (API clients) or the session cookie (pages)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Token "):
        from rest_framework.authtoken.models import Token

        key = header.removeprefix("Token ").strip()
        token = await db_read(lambda: Token.objects.select_related("user").filter(key=key).first())
        return token.user if token and token.user.is_active else None
    user = await request.auser()
    return user if user.is_authenticated else None
