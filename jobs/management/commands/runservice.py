"""Run the whole service in the foreground: the ASGI web server and the django-q2 worker cluster.

One Ctrl-C (or SIGTERM) stops both; if the worker cluster dies, the web is stopped too, so a
half-running service never looks healthy. The web server is WEB_WORKERS uvicorn processes, each
on a socket of its own sharing the port (SO_REUSEPORT: the kernel spreads connections evenly,
viralspot/web_process.py); one that dies is restarted, unless it keeps dying. Where the system
has no SO_REUSEPORT, uvicorn's own --workers runs them.
"""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from viralspot.web_process import UVICORN_OPTIONS, port_in_use, reuse_port_supported

# A web process that dies this many times within RESTART_WINDOW_SECONDS stops the service.
MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 60


class Command(BaseCommand):
    help = "Serve the site with uvicorn and run the django-q2 cluster, stopped together by Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=None, help="default: WEB_WORKERS")
        parser.add_argument("--web-only", action="store_true", help="no worker cluster (it runs elsewhere)")

    def handle(self, *args, host, port, web_workers, web_only, **options):
        python = sys.executable
        workers = web_workers or settings.WEB_WORKERS
        if port_in_use(host, port):
            raise CommandError(f"{host}:{port} is already in use (another ViralSpot still running?): stop it, "
                               "or choose another --port")
        if reuse_port_supported():
            def start_web():
                return subprocess.Popen([python, "-m", "viralspot.web_process", "--host", host, "--port", str(port)])

            children = {f"web {number}": start_web() for number in range(1, workers + 1)}
        else:
            start_web = None
            children = {"web": subprocess.Popen([
                python, "-m", "uvicorn", "viralspot.asgi:application", "--host", host, "--port", str(port),
                "--workers", str(workers), "--loop", UVICORN_OPTIONS["loop"], "--http", UVICORN_OPTIONS["http"],
                "--no-access-log", "--timeout-graceful-shutdown", str(UVICORN_OPTIONS["timeout_graceful_shutdown"]),
                "--no-proxy-headers",
            ])}
        if not web_only:
            children["worker"] = subprocess.Popen([python, "manage.py", "qcluster"])
        what = "web" if web_only else "web + worker"
        self.stdout.write(self.style.SUCCESS(
            f"ViralSpot on http://{host}:{port}/  ({what}, {workers} web processes; Ctrl-C stops it)"))
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        restarts: list[float] = []
        while not stopping:
            for name, child in list(children.items()):
                if child.poll() is None or stopping:
                    continue
                now = time.monotonic()
                restarts = [at for at in restarts if at > now - RESTART_WINDOW_SECONDS]
                if name.startswith("web ") and start_web is not None and len(restarts) < MAX_RESTARTS:
                    self.stderr.write(f"{name} exited with code {child.returncode}; starting it again")
                    restarts.append(now)
                    children[name] = start_web()
                    continue
                self.stderr.write(f"{name} exited with code {child.returncode}; stopping the service")
                exit_code = child.returncode or 1
                stopping = True
            time.sleep(0.5)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 20
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(exit_code)
