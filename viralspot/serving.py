"""How a web process serves requests: each plain request whole on one of a few threads, streams on the event loop.

Measured on the 2-core machines we run on (`make bench`): handing work from the event loop to a
thread and back costs 120-220 µs, and Django's ASGI handler does that a dozen times per request
(every sync middleware twice, the request signals, the view, closing the response) on a thread
it creates for the request and joins afterwards. That capped a bare view at ~470 requests/s
with two processes, and every request thread opened a database connection of its own.

So a web process splits its traffic by the kind of view the URL resolves to:

- async views (the live event streams) go to Django's ASGI handler: a stream waits on the event
  loop for minutes and must not hold a thread;
- everything else runs as one WSGI call, start to finish, on one of WEB_THREADS long-lived
  threads: one hand-off per request, middleware and view on the same thread (as Django's
  thread-bound database connections require), and at most WEB_THREADS requests touch the
  database at once. A request still queued after WEB_QUEUE_TIMEOUT seconds is answered 503 with
  Retry-After without running, so an overloaded process sheds load instead of hanging.

Sync responses are sent when complete; only async views stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.urls import Resolver404, get_resolver
from django.utils import timezone

from jobs import streams
from jobs.streams import EventStreamResponse

logger = logging.getLogger(__name__)


def build_environ(scope: dict, body_file) -> dict:
    """The PEP 3333 environ of an ASGI HTTP scope (paths re-encoded the way WSGI servers pass them)."""
    script_name = scope.get("root_path", "").encode("utf-8").decode("latin-1")
    path_info = scope["path"].encode("utf-8").decode("latin-1")
    if script_name and path_info.startswith(script_name):
        path_info = path_info[len(script_name):]
    server = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body_file,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"] = scope["client"][0]
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        key = name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{name}"
        value = raw_value.decode("latin-1")
        if key in environ:
            value = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
        environ[key] = value
    return environ


def _busy_response(path: str) -> tuple[str, list[tuple[str, str]], bytes]:
    if path.startswith("/api/") or path == "/healthz":
        body = json.dumps({
            "success": False, "detail": "The server is busy; please retry shortly.", "error_code": "SERVER_BUSY",
            "timestamp": timezone.now().isoformat(),
        }).encode()
        content_type = "application/json"
    else:
        body, content_type = b"The server is busy; please retry shortly.\n", "text/plain; charset=utf-8"
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))),
               ("Retry-After", str(settings.WEB_RETRY_AFTER_SECONDS))]
    return "503 Service Unavailable", headers, body


class WsgiOnRequestThreads:
    """ASGI app that runs a WSGI app once per request on a fixed pool of threads."""

    def __init__(self, wsgi_app, *, threads: int, queue_timeout: float):
        self.wsgi_app = wsgi_app
        self.queue_timeout = queue_timeout
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="request")

    async def __call__(self, scope, receive, send):
        body_file = await self._read_body(receive)
        if body_file is None:
            return  # the client went away before its request was complete
        status, headers, body = await self._answer(build_environ(scope, body_file))
        await send({
            "type": "http.response.start",
            "status": int(status.split(" ", 1)[0]),
            "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers],
        })
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    async def _read_body(receive):
        body_file = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, mode="w+b")
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body_file.close()
                return None
            body_file.write(message.get("body", b""))
            if not message.get("more_body", False):
                body_file.seek(0)
                return body_file

    def _answer(self, environ: dict) -> asyncio.Future:
        """The request's (status, headers, body): from a request thread, or 503 from the event
        loop if no thread has picked it up within WEB_QUEUE_TIMEOUT (a queue behind stuck threads
        is answered on time, not when the threads come free)."""
        loop = asyncio.get_running_loop()
        answer = loop.create_future()
        # Whoever takes the request first answers it: a request thread (runs it) or the timer
        # (sheds it). dict.setdefault is atomic, so exactly one of them wins.
        taken_by: dict = {}

        def shed():
            if taken_by.setdefault("by", "timer") == "timer" and not answer.done():
                logger.warning("shed %s %s: queued longer than %.1f s", environ["REQUEST_METHOD"],
                               environ["PATH_INFO"], self.queue_timeout)
                answer.set_result(_busy_response(environ["PATH_INFO"]))

        def ran(work):
            timer.cancel()
            environ["wsgi.input"].close()  # here, not in the caller: a thread may still be reading it
            if answer.done() or work.cancelled():
                return
            if work.exception() is not None:
                answer.set_exception(work.exception())
            elif work.result() is not None:
                answer.set_result(work.result())

        timer = loop.call_later(self.queue_timeout, shed)
        loop.run_in_executor(self.executor, self._run, environ, taken_by).add_done_callback(ran)
        return answer

    def _run(self, environ: dict, taken_by: dict):
        """On a request thread: the whole WSGI call, unless the request was shed while it waited."""
        if taken_by.setdefault("by", "thread") != "thread":
            return None
        started: list = []

        def start_response(status, headers, exc_info=None):
            started[:] = [status, headers]

        result = self.wsgi_app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()  # Django's request_finished: connections go back to the pool here
        return started[0], started[1], body


class StreamsASGIHandler(ASGIHandler):
    """Django's ASGI handler, writing an event stream's frames to the connection itself.

    Measured with a thousand streams of one job: Django's generic streaming path (its iterator
    wrappers, bytes mapping and chunking) cost ~80 µs per stream per event on top of the ~25 µs
    of the socket write; one frame per write needs none of it.
    """

    async def send_response(self, response, send):
        if not isinstance(response, EventStreamResponse):
            return await super().send_response(response, send)
        headers = [(name.encode("ascii"), value.encode("latin-1")) for name, value in response.items()]
        headers += [(b"Set-Cookie", cookie.output(header="").encode("ascii").strip())
                    for cookie in response.cookies.values()]
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        async with contextlib.aclosing(response.frames) as frames:
            async for text in frames:
                await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
        await send({"type": "http.response.body"})


@functools.lru_cache(maxsize=20_000)
def _resolved(resolver, path: str):
    """The URL resolver's match for `path`, once per path (raises Resolver404 every time)."""
    return resolver.resolve(path)


class WSGIHandlerResolvingOnce(WSGIHandler):
    """Django's WSGI handler, taking each path's view from the match ServeByViewKind already
    made: a path was resolved twice per request (once to pick the thread or the event loop,
    once by Django), a walk through every URL pattern each time (measured: a twentieth of a
    new-name request's own time). Pollers ask for the same paths again and again."""

    def resolve_request(self, request):
        if hasattr(request, "urlconf"):  # set per request by a middleware: Django's own way
            return super().resolve_request(request)
        request.resolver_match = _resolved(get_resolver(), request.path_info)
        return request.resolver_match


class ServeByViewKind:
    """Async views to Django's ASGI handler, every other request to the request threads."""

    def __init__(self):
        self.streams = StreamsASGIHandler()
        self.requests = WsgiOnRequestThreads(
            WSGIHandlerResolvingOnce(), threads=settings.WEB_THREADS, queue_timeout=settings.WEB_QUEUE_TIMEOUT
        )

    @staticmethod
    def _is_async_view(path: str) -> bool:
        try:
            match = _resolved(get_resolver(), path)
        except Resolver404:
            return False
        return iscoroutinefunction(match.func)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.streams(scope, receive, send)
        # The listener behind live streams and the read cache (jobs.read_cache) runs in every web
        # process from its first request on, whether or not a stream is open.
        streams.hub.ensure_running()
        if self._is_async_view(scope["path"]):
            return await self.streams(scope, receive, send)
        return await self.requests(scope, receive, send)
