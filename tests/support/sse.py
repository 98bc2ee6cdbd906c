"""A minimal Server-Sent Events client over http.client, for tests against the live ASGI server."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlparse


class SseStream:
    def __init__(self, url: str, *, headers: dict | None = None, timeout: float = 15):
        parsed = urlparse(url)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        self.connection.request("GET", path, headers={"Accept": "text/event-stream", **(headers or {})})
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.content_type = self.response.getheader("Content-Type", "")

    def frames(self):
        """Each frame as a dict: id, event, data (parsed JSON), retry, comments."""
        frame: dict = {}
        while True:
            raw = self.response.readline()
            if not raw:
                if frame:
                    yield frame
                return
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "":
                if frame:
                    yield frame
                frame = {}
                continue
            if line.startswith(":"):
                frame.setdefault("comments", []).append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            frame[name] = json.loads(value) if name == "data" else (int(value) if name in ("id", "retry") else value)

    def events(self):
        """Only the frames that carry an event (skips the retry hint and keep-alives)."""
        return (frame for frame in self.frames() if "event" in frame)

    def read_until(self, event_name: str, limit: int = 200) -> list[dict]:
        seen = []
        for frame in self.events():
            seen.append(frame)
            if frame["event"] == event_name or len(seen) >= limit:
                break
        return seen

    def close(self) -> None:
        self.connection.close()
