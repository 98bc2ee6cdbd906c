"""A keep-alive HTTP/1.1 load client on asyncio (no third-party HTTP library), as a separate process.

Two ways to load a server, the two ways users load it:

  closed   N clients, each sending its next request as soon as the last answer arrived
           (saturation: how many requests per second the server can answer);
  open     N clients, each polling every T seconds (a page watching a job): the offered rate
           is fixed, so the latency is what a user waits at that load.

Each client holds one keep-alive connection and reconnects only when the server closes it.
Prints one JSON object: requests, req/s, latency percentiles (ms), status counts, errors.

    python bench/loadgen.py closed http://127.0.0.1:8000 --path /livez --clients 200 --seconds 10
    python bench/loadgen.py open http://127.0.0.1:8000 --path '/api/profile/u{i}/status' --clients 200 --interval 2
    python bench/loadgen.py closed http://127.0.0.1:8000 --method POST --path '/api/profile/s{m}/request' \
        --modulo 200 --total 2000 --clients 100 --marker '"profile_type":"new"'

"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from urllib.parse import urlparse


class Connection:
    """One keep-alive HTTP/1.1 connection that sends a request and reads the whole answer."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Content-Length: 0"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = 0, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            body = b""
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                body += await self.reader.readexactly(size + 2)
        else:
            body = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Results:
    def __init__(self):
        self.latencies_ms: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.bodies: Counter[str] = Counter()
        self.timeline: list = []

    def summary(self, elapsed: float) -> dict:
        ordered = sorted(self.latencies_ms)

        def pct(fraction: float) -> float | None:
            if not ordered:
                return None
            return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 2)

        answered = len(ordered)
        bad = sum(count for status, count in self.statuses.items() if status >= 500) + sum(self.errors.values())
        return {
            "requests": answered,
            "seconds": round(elapsed, 2),
            "rps": round(answered / elapsed, 1) if elapsed else 0,
            "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99),
            "max_ms": round(ordered[-1], 2) if ordered else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": dict(self.errors),
            "error_count": bad,
            "markers": dict(self.bodies),
        }


async def _one(connection: Connection, method: str, path: str, results: Results, marker: bytes | None,
               headers: dict | None) -> None:
    start = time.perf_counter()
    try:
        status, body = await connection.request(method, path, headers)
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
        connection.close()
        results.errors[type(error).__name__] += 1
        return
    results.latencies_ms.append((time.perf_counter() - start) * 1000)
    results.timeline.append((start, results.latencies_ms[-1], path))
    results.statuses[status] += 1
    if marker is not None and marker in body:
        results.bodies[marker.decode()] += 1


class _Sequence:
    """Request numbers across all clients, for {g} (and {m} = {g} modulo --modulo)."""

    def __init__(self, modulo: int):
        self.next, self.modulo = 0, max(1, modulo)

    def take(self) -> int:
        self.next += 1
        return self.next - 1


def _paths(template: str, client: int, spread: int, sequence: _Sequence):
    """Path of client i's n-th request: {i} client, {n} its request number, {r} random < spread,
    {g} request number across clients, {m} = {g} % modulo (every name equally often)."""
    serial = 0
    while True:
        g = sequence.take()
        yield template.format(i=client, n=serial, r=random.randrange(max(1, spread)), g=g, m=g % sequence.modulo)
        serial += 1


async def closed_loop(base: str, template: str, *, clients: int, seconds: float, method: str = "GET",
                      total: int | None = None, spread: int = 1, modulo: int = 1, marker: str | None = None,
                      headers: dict | None = None) -> dict:
    """Every client sends back to back for `seconds` (or until `total` requests were sent)."""
    url = urlparse(base)
    results = Results()
    budget = [total]
    marker_bytes = marker.encode() if marker else None
    deadline = time.perf_counter() + seconds
    sequence = _Sequence(modulo)

    async def client(index: int) -> None:
        connection = Connection(url.hostname, url.port)
        paths = _paths(template, index, spread, sequence)
        try:
            while time.perf_counter() < deadline:
                if budget[0] is not None:
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                await _one(connection, method, next(paths), results, marker_bytes, headers)
        finally:
            connection.close()

    start = time.perf_counter()
    RESULTS[:] = [results]
    await asyncio.gather(*(client(i) for i in range(clients)))
    return results.summary(time.perf_counter() - start)


RESULTS: list = []


async def open_loop(base: str, template: str, *, clients: int, seconds: float, interval: float,
                    spread: int = 1, headers: dict | None = None) -> dict:
    """Every client sends one request every `interval` seconds (phases spread evenly), like pollers."""
    url = urlparse(base)
    results = Results()
    start = time.perf_counter()
    deadline = start + seconds
    sequence = _Sequence(1)

    async def client(index: int) -> None:
        connection = Connection(url.hostname, url.port)
        paths = _paths(template, index, spread, sequence)
        next_at = start + interval * index / clients
        try:
            while next_at < deadline:
                delay = next_at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await _one(connection, "GET", next(paths), results, None, headers)
                next_at += interval
        finally:
            connection.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    return results.summary(time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["closed", "open"])
    parser.add_argument("base", help="http://host:port")
    parser.add_argument("--path", required=True, help="path template; {i} client, {n} request, {r} random < --spread")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--interval", type=float, default=2.0, help="open mode: seconds between a client's requests")
    parser.add_argument("--total", type=int, help="closed mode: stop after this many requests")
    parser.add_argument("--spread", type=int, default=1, help="range of {r}")
    parser.add_argument("--modulo", type=int, default=1, help="{m} = {g} %% modulo")
    parser.add_argument("--marker", help="count answers whose body contains this text")
    args = parser.parse_args(argv)
    try:
        import uvloop  # a cheaper client leaves more of a shared machine to the server

        uvloop.install()
    except ImportError:
        pass
    if args.mode == "closed":
        summary = asyncio.run(closed_loop(args.base, args.path, clients=args.clients, seconds=args.seconds,
                                          method=args.method, total=args.total, spread=args.spread,
                                          modulo=args.modulo, marker=args.marker))
    else:
        summary = asyncio.run(open_loop(args.base, args.path, clients=args.clients, seconds=args.seconds,
                                        interval=args.interval, spread=args.spread))
    if os.environ.get("LOADGEN_TIMELINE"):
        with open(os.environ["LOADGEN_TIMELINE"], "w") as out:
            json.dump(RESULTS[0].timeline, out)
    json.dump(summary, sys.stdout)
    print()


if __name__ == "__main__":
    main()
