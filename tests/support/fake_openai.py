"""A local server that speaks the OpenAI chat completions protocol, for tests of the model path.

A real ThreadingHTTPServer on 127.0.0.1 answering POST /v1/chat/completions, so the client under
test does its real HTTP, SSE and error handling; only the model behind the endpoint is fake. What
it answers, first match wins:

1. `replies`: a queue, one reply per request — a str is the completion's content (streamed as SSE
   chunks when the request asks to stream, else one JSON body), HttpError an error status, Silence
   an answer that does not come in time
2. `respond`: a function of the request body giving a reply, for answers that depend on the prompt
3. `behaviour`: a named canned behaviour (behave_* below), "stream" by default

Every request is kept in `requests` as {"path", "headers", "body"}.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_NAME = "fake-model-1"
# Content pieces of a streamed reply; small, so a stream is many SSE events.
STREAM_CHUNK_CHARS = 40


@dataclass(frozen=True)
class HttpError:
    """Answer with this HTTP status and an OpenAI-style error body."""

    status: int
    message: str = "error"
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Silence:
    """Send nothing for `seconds` (longer than the client's timeout), then hang up."""

    seconds: float = 5.0


Reply = str | HttpError | Silence


def stream_pieces(text: str) -> list[str]:
    """The text cut the way a model streams it: a word or two per chunk, whitespace kept."""
    pieces, current = [], ""
    for char in text:
        current += char
        if char == " " and len(current) > 6:
            pieces.append(current)
            current = ""
    return pieces + ([current] if current else [])


def schema_name(request: dict) -> str | None:
    """The json_schema name a request asked for (its response_format), or None."""
    response_format = (request.get("body") or {}).get("response_format") or {}
    return (response_format.get("json_schema") or {}).get("name")


def prompt_of(request: dict) -> str:
    """The last user message of a request (on a retry: what the model is told was wrong)."""
    messages = (request.get("body") or request).get("messages") or []
    return next((message["content"] for message in reversed(messages) if message.get("role") == "user"), "")


def task_of(request: dict) -> str:
    """The first user message of a request: the task, also when the conversation goes on with a retry."""
    messages = (request.get("body") or request).get("messages") or []
    return next((message["content"] for message in messages if message.get("role") == "user"), "")


def listed_objects(prompt: str) -> list[dict]:
    """The JSON objects a prompt lists one per line with an "id" (how the model steps number their items)."""
    found = []
    for line in prompt.splitlines():
        if line.startswith("{"):
            try:
                document = json.loads(line)
            except ValueError:
                continue
            if isinstance(document, dict) and "id" in document:
                found.append(document)
    return found


class QuietServer(ThreadingHTTPServer):
    """Timeout tests hang up on purpose; the server's late writes to them are expected to fail."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


class FakeOpenAIServer:
    """A ThreadingHTTPServer on 127.0.0.1 answering POST /v1/chat/completions (module docstring)."""

    def __init__(self, *, pieces: list[str] | None = None):
        self.behaviour = "stream"
        self.expected_key = ""
        self.pieces = list(pieces or stream_pieces("Hello from the fake model."))
        self.requests: list[dict] = []
        self.replies: list[Reply] = []
        self.respond: Callable[[dict], Reply] | None = None
        self.failures_before_success = 0
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002 - the base class names it so
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                with outer.lock:
                    outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    queued = outer.replies.pop(0) if outer.replies else None
                if self.path != "/v1/chat/completions":
                    return self.send_json(404, {"error": {"message": f"unknown path {self.path}"}})
                if outer.expected_key and self.headers.get("Authorization") != f"Bearer {outer.expected_key}":
                    return self.send_json(401, {"error": {"message": "missing or wrong API key"}})
                if not isinstance(body, dict) or not body.get("model") or not isinstance(body.get("messages"), list):
                    return self.send_json(400, {"error": {"message": "model and messages are required"}})
                if queued is not None:
                    return self.reply(queued, body)
                if outer.respond is not None:
                    return self.reply(outer.respond(body), body)
                getattr(self, "behave_" + outer.behaviour)(body)

            # --- plumbing

            def reply(self, reply: Reply, body: dict):
                if isinstance(reply, HttpError):
                    return self.send_json(reply.status, {"error": {"message": reply.message}}, reply.headers)
                if isinstance(reply, Silence):
                    outer.stopping.wait(reply.seconds)
                    self.close_connection = True
                    return None
                if body.get("stream"):
                    return self.stream_text(reply)
                return self.complete(reply)

            def send_json(self, status, document, headers=None, raw=None):
                payload = raw if raw is not None else json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def complete(self, content):
                self.send_json(200, {
                    "id": "chatcmpl-2",
                    "object": "chat.completion",
                    "model": MODEL_NAME,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 80, "total_tokens": 180},
                })

            def stream_text(self, text):
                self.start_stream()
                self.delta("")
                for start in range(0, len(text), STREAM_CHUNK_CHARS):
                    self.delta(text[start : start + STREAM_CHUNK_CHARS])
                self.delta(None, finish_reason="stop")
                self.chunk("data: [DONE]\n\n")
                self.end_stream()

            def start_stream(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()

            def chunk(self, text):
                data = text.encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def event(self, document):
                self.chunk(f"data: {json.dumps(document)}\n\n")

            def delta(self, content, finish_reason=None):
                self.event({
                    "id": "chatcmpl-1",
                    "object": "chat.completion.chunk",
                    "model": MODEL_NAME,
                    "choices": [{"index": 0, "delta": {"content": content} if content is not None else {}, "finish_reason": finish_reason}],
                })

            def end_stream(self):
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

            # --- behaviours

            def behave_stream(self, body):
                self.start_stream()
                self.delta("")  # servers open with an empty role-only delta
                for piece in outer.pieces:
                    self.delta(piece)
                self.delta(None, finish_reason="stop")
                self.event({"choices": [], "usage": {"prompt_tokens": 120, "completion_tokens": 90, "total_tokens": 210}})
                self.chunk("data: [DONE]\n\n")
                self.end_stream()

            def behave_keepalive(self, body):
                self.start_stream()
                self.chunk(": keep-alive\n\n")
                for piece in outer.pieces:
                    self.chunk(": ping\n\n")
                    self.chunk("event: message\n")
                    self.delta(piece)
                self.chunk("\n")
                self.chunk("data: [DONE]\n\n")
                self.end_stream()

            def behave_json(self, body):
                self.complete("".join(outer.pieces))

            def behave_rate_limited(self, body):
                self.send_json(429, {"error": {"message": "Rate limit reached for requests", "type": "requests"}}, {"Retry-After": "7"})

            def behave_server_error(self, body):
                self.send_json(500, {"error": {"message": "The server had an error while processing your request"}})

            def behave_bad_gateway(self, body):
                self.send_json(502, None, raw=b"<html>502 Bad Gateway</html>")

            def behave_unauthorized(self, body):
                # Some servers quote the key they were given; the client must not pass it on.
                given = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                self.send_json(401, {"error": {"message": f"Incorrect API key provided: {given}", "type": "invalid_request_error"}})

            def behave_unknown_model(self, body):
                self.send_json(404, {"error": {"message": f"The model `{body['model']}` does not exist", "code": "model_not_found"}})

            def behave_ollama_error(self, body):
                self.send_json(400, {"error": f"model '{body['model']}' not found, try pulling it first"})

            def behave_invalid_json(self, body):
                self.send_json(200, None, raw=b"{this is not json")

            def behave_no_choices(self, body):
                self.send_json(200, {"object": "chat.completion", "model": MODEL_NAME, "choices": []})

            def behave_empty_content(self, body):
                self.send_json(200, {"model": MODEL_NAME, "choices": [{"message": {"content": ""}, "finish_reason": "stop"}]})

            def behave_cut_off(self, body):
                self.start_stream()
                for piece in outer.pieces[:5]:
                    self.delta(piece)
                self.close_connection = True  # dies mid-body: no final chunk, no [DONE]

            def behave_ends_early(self, body):
                self.start_stream()
                for piece in outer.pieces[:5]:
                    self.delta(piece)
                self.end_stream()  # a clean end, but neither [DONE] nor a finish_reason

            def behave_slow(self, body):
                outer.stopping.wait(1.5)
                self.behave_json(body)

            def behave_trickle(self, body):
                # Alive but never finishing: only the total deadline can stop the client.
                self.start_stream()
                try:
                    for _ in range(40):
                        self.chunk(": still thinking\n\n")
                        if outer.stopping.wait(0.1):
                            break
                except OSError:
                    pass
                self.close_connection = True

            def behave_flaky(self, body):
                if outer.failures_before_success > 0:
                    outer.failures_before_success -= 1
                    return self.send_json(503, {"error": {"message": "overloaded"}}, {"Retry-After": "0"})
                self.behave_stream(body)

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def requests_for(self, name: str) -> list[dict]:
        """The requests that asked for the json_schema `name`."""
        return [request for request in self.requests if schema_name(request) == name]

    def __enter__(self) -> FakeOpenAIServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


# The name the client tests have always used.
FakeLLMServer = FakeOpenAIServer
