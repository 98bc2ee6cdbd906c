"""One web process of `manage.py runservice`: uvicorn on a listening socket of its own.

uvicorn's --workers N shares ONE listening socket between its processes, and whichever process
is awake accepts the next connection. Keep-alive clients connect once, so a burst of them ends
up wherever accept() happened to run: measured with 100 clients and two processes, 63/37,
97/3, 100/0 and 56/44 connections per process. A process holding every connection serves
them on one core (one GIL) while the other idles — the tail latency of a request storm
doubled from one run to the next for no other reason.

So each web process binds its own socket with SO_REUSEPORT, and the kernel spreads new
connections over the sockets of the port by a hash of the client's address and port: even,
and without any process having to be awake. runservice starts WEB_WORKERS of these and
restarts one that dies; where SO_REUSEPORT does not exist it falls back to uvicorn's --workers.

    python -m viralspot.web_process --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

import argparse
import socket

# uvicorn options of every web process: uvloop and httptools (the fastest event loop and HTTP
# parser it supports), no access log (a line per request costs more than a status answer), five
# seconds for open requests and streams to finish on shutdown, and the client's address as the
# connection gives it: uvicorn's own proxy headers would believe X-Forwarded-For from any
# loopback connection and rewrite the address before Django sees it, so a made-up header was a
# fresh throttle budget. Which proxies to believe is jobs.client_address's (NUM_PROXIES,
# TRUSTED_PROXIES).
UVICORN_OPTIONS = {"loop": "uvloop", "http": "httptools", "access_log": False, "timeout_graceful_shutdown": 5,
                   "proxy_headers": False}


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def port_in_use(host: str, port: int) -> bool:
    """Whether some process already listens on host:port. Our own sockets share the port
    (SO_REUSEPORT), so a second service started on a busy port would not fail: the kernel would
    quietly split the connections between the old service and the new one. A bind without
    SO_REUSEPORT is refused while anyone listens there, which is the question."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT is free
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def listening_socket(host: str, port: int, *, backlog: int = 2048) -> socket.socket:
    """A socket listening on host:port that other processes may bind as well (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="One web process on a port shared with its siblings.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)

    import uvicorn

    sock = listening_socket(args.host, args.port)
    server = uvicorn.Server(uvicorn.Config("viralspot.asgi:application", **UVICORN_OPTIONS))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn raises the SIGINT it was stopped with again once it has shut down gracefully;
        # a requested stop is a clean exit, not a traceback on the terminal.
        pass


if __name__ == "__main__":
    main()
