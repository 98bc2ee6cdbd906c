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
import functools
import json
import logging
import os
import time
import uuid
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
from django.utils.dateparse import parse_datetime

from jobs import read_cache
from jobs.models import ProgressEvent
from jobs.services import PROGRESS_CHANNEL

logger = logging.getLogger(__name__)

# Every database read of every stream runs on these few threads, each borrowing a connection
# from the process's pool for one read: a web process's connections stay within its pool (plus
# the one listener) however many browsers are watching.
_stream_db_pool = ThreadPoolExecutor(max_workers=settings.SSE_DB_THREADS, thread_name_prefix="sse-db")


def _read(func, *args):
    try:
        return func(*args)
    except (OperationalError, InterfaceError):
        # The pool thread's connection went stale (database restart): reconnect once.
        connections["default"].close()
        return func(*args)
    finally:
        if settings.DB_POOL:
            # Back to the process's pool after every read: streams borrow, never hold.
            connections["default"].close()


async def db_read(func, *args):
    """Run a synchronous ORM read on the stream pool."""
    return await sync_to_async(_read, thread_sensitive=False, executor=_stream_db_pool)(func, *args)


async def release_request_connection() -> None:
    """Close what the request's own thread opened (auth, lookups) before the long stream starts."""
    await sync_to_async(connections.close_all)()


# Put in every mailbox when the hub may have missed events (after a reconnect): re-read history.
RESYNC = None


class Subscription:
    """One open stream's mailbox: receives each new event of its jobs (or RESYNC).

    A list and one future rather than an asyncio.Queue read through wait_for(): with a thousand
    streams, each event would otherwise start a thousand tasks and timers just to wait again.
    Keep-alives come from the hub's one timer (an empty batch).
    """

    def __init__(self, hub: "ProgressHub", keys: list[tuple[str, str]]):
        self.hub, self.keys = hub, keys
        self._inbox: list[ProgressEvent | None] = []
        self._waiter: asyncio.Future | None = None
        self.last_sent_at = time.monotonic()

    def put(self, event: ProgressEvent | None) -> None:
        self._inbox.append(event)
        self.wake()

    def wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next_batch(self) -> list[ProgressEvent | None]:
        """Everything delivered since the last call; empty when the hub asks for a keep-alive."""
        if not self._inbox:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        batch, self._inbox = self._inbox, []
        self.last_sent_at = time.monotonic()
        return batch

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
        # True while the listener reads events notified by id (later ones must wait behind them).
        self._reading = False

    @property
    def stream_count(self) -> int:
        return len({sub for subs in self._subscribers.values() for sub in subs})

    def subscribe(self, kind: str, job_ids) -> Subscription:
        self.ensure_running()
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
                subscription.put(event)

    def _resync_everyone(self) -> None:
        for subscribers in list(self._subscribers.values()):
            for subscription in subscribers:
                subscription.put(RESYNC)

    def ensure_running(self) -> None:
        """Start listening in this event loop, once (the web tier calls it on every request)."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._task = loop.create_task(self._run(), name="progress-hub")

    async def _keep_alive(self) -> None:
        """Every stream that sent nothing for SSE_KEEPALIVE_SECONDS sends a comment line."""
        while True:
            await asyncio.sleep(settings.SSE_KEEPALIVE_SECONDS / 4)
            due = time.monotonic() - settings.SSE_KEEPALIVE_SECONDS
            for subscribers in list(self._subscribers.values()):
                for subscription in subscribers:
                    if subscription.last_sent_at <= due:
                        subscription.wake()

    async def _run(self) -> None:
        keep_alive = asyncio.create_task(self._keep_alive())
        try:
            await self._deliver_changes()
        finally:
            keep_alive.cancel()

    async def _deliver_changes(self) -> None:
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
                    read_cache.reads.set_live(True)
                    backoff = 0.5
                    # Events in the order they were committed: the whole event when it came
                    # along, else its id to read. A stream drops what is older than what it has
                    # sent, so an event must never overtake one still being read.
                    pending: asyncio.Queue[ProgressEvent | int] = asyncio.Queue()
                    self._reading = False
                    reader = asyncio.create_task(self._read_notified(pending))
                    try:
                        async for notification in conn.notifies():
                            try:
                                payload = json.loads(notification.payload)
                                if not isinstance(payload, dict) or "kind" not in payload or "job" not in payload:
                                    raise ValueError(notification.payload)
                            except ValueError:  # not one of ours: anything may have changed
                                read_cache.reads.changed()
                                continue
                            read_cache.reads.announced(payload)
                            if not self._wanted(payload["kind"], payload["job"]):
                                continue
                            if "event" not in payload:
                                pending.put_nowait(payload["id"])
                            elif pending.empty() and not self._reading:  # nothing ahead of it: no read
                                self._deliver([event_from_notification(payload["event"])])
                            else:
                                pending.put_nowait(event_from_notification(payload["event"]))
                    finally:
                        reader.cancel()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database restarted or the network blipped: reconnect
                logger.warning("progress listener lost its connection; reconnecting", exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
            finally:
                # Nothing announces changes now: cached reads must not be trusted until reconnected.
                read_cache.reads.set_live(False)
                if connected:
                    self.open_connections -= 1

    async def _read_notified(self, pending: asyncio.Queue) -> None:
        """Deliver queued events in order, reading those notified by id in batches: one query
        per burst, shared by all streams."""
        while True:
            items = [await pending.get()]
            while not pending.empty():
                items.append(pending.get_nowait())
            ids = [item for item in items if isinstance(item, int)]
            try:
                self._reading = True
                read = {event.pk: event for event in await db_read(_events_by_id, ids)} if ids else {}
            except Exception:
                logger.warning("could not read notified progress events; streams will resync", exc_info=True)
                self._resync_everyone()
                continue
            finally:
                self._reading = False
            ordered = [read.get(item) if isinstance(item, int) else item for item in items]
            self._deliver([event for event in ordered if event is not None])

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


def event_from_notification(fields: dict) -> ProgressEvent:
    """The ProgressEvent a notification carries (jobs.services.notify_progress)."""
    return ProgressEvent(
        id=fields["id"], job_kind=fields["job_kind"], job_id=uuid.UUID(fields["job_id"]), status=fields["status"],
        stage=fields["stage"], percentage=fields["percentage"], stage_progress=fields["stage_progress"],
        message=fields["message"], attempt=fields["attempt"], data=fields["data"],
        created_at=parse_datetime(fields["created_at"]),
    )


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

    @functools.cached_property
    def payload_key(self) -> tuple:
        """Streams with the same key send the same frame for an event (rendered once for all)."""
        return (self.kind, tuple(str(job_id) for job_id in self.job_ids))

    @functools.cached_property
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


async def progress_frame(source: StreamSource, event: ProgressEvent) -> str:
    """The `progress` frame of `event` for `source`'s kind of stream.

    The hub hands the same event object to every stream of its job, so the frame (and, for
    payloads that read the database, that read) is made once per event however many browsers
    watch: a thousand streams cost a thousand socket writes, not a thousand JSON encodings.
    """
    frames = event.__dict__.setdefault("_sse_frames", {})
    made = frames.get(source.payload_key)
    if made is None:
        if source.payload_reads_db:
            async def render() -> str:
                return frame("progress", await db_read(source.event_payload, event), event_id=event.pk)

            made = frames[source.payload_key] = asyncio.ensure_future(render())
        else:
            made = frames[source.payload_key] = frame("progress", source.event_payload(event), event_id=event.pk)
    return made if isinstance(made, str) else await asyncio.shield(made)


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
                yield await progress_frame(source, event)
                last_sent = event.pk
        else:
            yield frame("progress", snapshot.progress, event_id=snapshot.last_event_id or None)
            last_sent = snapshot.last_event_id
        while not snapshot.finished:
            batch = await subscription.next_batch()  # a burst comes as one batch
            if not batch:
                yield ": keep-alive\n\n"
                # A safety net under the change feed: a notification can go missing (sent while
                # the listener was reconnecting, before it listened again), and a stream must not
                # wait for ever for an end it was never told of. A quiet stream looks at the
                # database once per keep-alive; what it finds is sent as after a resync.
                if not await db_read(_events_after, source, last_sent):
                    continue
                batch = [RESYNC]
            # `is`, not `in`: `in` would call Model.__eq__ on every event of every stream.
            resync = any(item is RESYNC for item in batch)
            if resync:
                events = await db_read(_events_after, source, last_sent)
            else:
                events = [event for event in batch if event.pk > last_sent]
            reached_end = False
            for event in events:
                yield await progress_frame(source, event)
                last_sent = event.pk
                reached_end = reached_end or event.status in source.finished_statuses
            if reached_end or resync:
                # Only an end (or a resync) needs the full state read again.
                snapshot = await db_read(source.snapshot)
        if (snapshot.last_event_id or 0) > last_sent:
            # Finished while events were still on their way here (a stream behind a fast worker,
            # or a bulk whose last article ended while an earlier one was being sent): every
            # event is sent, in order, before the end.
            for event in await db_read(_events_after, source, last_sent):
                yield await progress_frame(source, event)
                last_sent = event.pk
        yield frame("complete", snapshot.complete or {}, event_id=max(last_sent, snapshot.last_event_id) or None)
    finally:
        subscription.close()


def last_event_id_of(request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


class EventStreamResponse(StreamingHttpResponse):
    """An SSE stream; viralspot.serving writes its frames straight to the connection."""

    def __init__(self, frames, **kwargs):
        super().__init__(frames, content_type="text/event-stream", **kwargs)
        self.frames = frames


def sse_response(source: StreamSource, request) -> StreamingHttpResponse:
    response = EventStreamResponse(stream_progress(source, last_event_id=last_event_id_of(request)))
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
