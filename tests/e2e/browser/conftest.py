"""Headless Chromium (Debian's package, driven by Playwright) against the live site and a real worker.

Fixtures:
  browser    one Chromium per test, kept off the network
  page       a fresh page (own context) per test; a failing test saves a screenshot to
             test-artifacts/screenshots/<test name>.png
  live_site  the ASGI app under uvicorn (asgi_server) plus a real `qcluster` worker, on the test
             database; returns the site's base URL
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
# Without these Chromium reaches for Google's services at start, and this machine has no network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


@pytest.fixture
def browser(monkeypatch):
    """One Chromium per test, so the flag below never outlives a browser test."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread while the browser is open, and
    # Django then refuses ORM calls from it; the test's own setup and assertions are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(request, asgi_server, browser):
    """A fresh page; set up after the live server, so it is torn down before the server is."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    new_page = context.new_page()
    yield new_page
    report = getattr(request.node, "_browser_report", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        new_page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()
    # With Playwright's loop running, the test body's ORM calls used connections of their own;
    # close them now, before the server's teardown ends every other session on the database.
    from django.db import connections

    connections.close_all()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item._browser_report = report


@pytest.fixture
def live_site(asgi_server, start_cluster):
    """The site's base URL, with a real worker cluster processing its jobs."""
    start_cluster()
    return asgi_server
