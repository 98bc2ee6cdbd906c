"""Run the whole service in the foreground: the ASGI web server and the django-q2 worker cluster.

One Ctrl-C (or SIGTERM) stops both; if either dies, the other is stopped too, so a half-running
service never looks healthy. The web server is uvicorn with WEB_WORKERS processes (uvloop and
httptools: the fastest event loop and HTTP parser it supports).
"""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


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
        children = {
            "web": subprocess.Popen([
                python, "-m", "uvicorn", "viralspot.asgi:application", "--host", host, "--port", str(port),
                "--workers", str(workers), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
                "--timeout-graceful-shutdown", "5",
            ]),
        }
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
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
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
