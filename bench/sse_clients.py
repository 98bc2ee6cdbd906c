"""Many Server-Sent Events clients in one asyncio process, timing when each progress frame arrives.

    python bench/sse_clients.py http://127.0.0.1:8000/api/profile/bench_watch/events --streams 1000 --last 29

Prints "ready" once every stream has its first frame, then, when every stream has seen the
frame whose message is "report <last>" (or after --timeout), one JSON object:
{"arrivals": {"<report>": [monotonic seconds, ...]}, "streams": N, "complete": M}.
time.monotonic() is CLOCK_MONOTONIC, shared by every process of the machine, so the writer's
clock and these arrival times compare directly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlparse


MARK = b'"message": "report '


async def watch(url, arrivals: dict, ready: asyncio.Event, counter: list, total: int, last: int, done: list) -> None:
    """One stream: the first frame counts it as connected, then each "report N" frame is timed.

    It reads raw bytes and looks for the report marker instead of parsing HTTP chunks and JSON:
    these clients share the machine with the server, so they must cost it as little as possible.
    """
    parsed = urlparse(url)
    reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
    writer.write(f"GET {parsed.path} HTTP/1.1\r\nHost: {parsed.hostname}\r\nAccept: text/event-stream\r\n\r\n".encode())
    buffer = b""
    connected = False
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                return
            received = time.monotonic()
            buffer += data
            if not connected:
                if b"event: progress" not in buffer:
                    continue
                connected = True
                counter[0] += 1
                if counter[0] == total:
                    ready.set()
                buffer = buffer[buffer.index(b"event: progress") + 15:]
            while (at := buffer.find(MARK)) >= 0:
                end = buffer.find(b'"', at + len(MARK))
                if end < 0:
                    break  # the rest of this frame is still on its way
                report = int(buffer[at + len(MARK):end])
                arrivals.setdefault(report, []).append(received)
                buffer = buffer[end:]
                if report == last:
                    done[0] += 1
                    return
            buffer = buffer[-len(MARK):]
    finally:
        writer.close()


async def main(args) -> None:
    arrivals: dict[int, list[float]] = {}
    ready = asyncio.Event()
    counter, done = [0], [0]
    tasks = []
    for index in range(args.streams):
        tasks.append(asyncio.create_task(watch(args.url, arrivals, ready, counter, args.streams, args.last, done)))
        if index % 50 == 49:
            await asyncio.sleep(0.05)  # open them at a realistic pace, not in one burst
    await asyncio.wait_for(ready.wait(), timeout=args.timeout)
    print("ready", flush=True)
    await asyncio.wait(tasks, timeout=args.timeout)
    json.dump({"arrivals": {str(k): v for k, v in arrivals.items()}, "streams": args.streams, "complete": done[0]},
              sys.stdout)
    print(flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--last", type=int, required=True, help="number of the last report to wait for")
    parser.add_argument("--timeout", type=float, default=120)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main(parser.parse_args()))
