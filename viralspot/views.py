"""The dashboard, the helpers every server-rendered page shares, and the site's error pages."""

from __future__ import annotations

import logging
import sys

from django.db import DatabaseError, DataError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache

from jobs.api_envelope import error_body, json_response
from jobs.eta import describe_seconds
from jobs.selectors import queue_dashboard

# Seconds between two refreshes of a page that still has work in flight: live.js re-reads the
# page's partial (dashboard) and, with JavaScript off, <noscript> reloads the whole page.
REFRESH_SECONDS = 5
DASHBOARD_FAILURES_SHOWN = 10

logger = logging.getLogger(__name__)


def render_live(request, template: str, partial: str, context: dict):
    """The whole page, or only its live region when live.js asks for it with ?partial=1.

    The page includes the same partial inside its live region, so a re-read after a stream's
    `complete` (or a poll) shows exactly what a full reload would.
    """
    context = {**context, "refresh_seconds": REFRESH_SECONDS}
    return render(request, partial if request.GET.get("partial") else template, context)


def seconds_until(moment) -> float | None:
    if moment is None:
        return None
    return max(0.0, (moment - timezone.now()).total_seconds())


def eta_text(moment) -> str:
    """'about 40 seconds left' from an estimated completion time (or 'unknown')."""
    seconds = seconds_until(moment)
    if seconds is None:
        return "unknown"
    return "any moment now" if seconds < 1 else f"about {describe_seconds(seconds)} left"


def http_url(url: str | None) -> str:
    """The URL when it is a web address, else "": provider data never becomes a javascript: link."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


def duration_text(seconds: float | None) -> str:
    """Durations on the dashboard: '8.4 s', '3.2 min' (more precise than an ETA's wording)."""
    if seconds is None:
        return "—"
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _may_see_details(user, job) -> bool:
    """Articles are private to their creator (and staff); every other job kind is public."""
    owner_id = getattr(job, "owner_id", None)
    return owner_id is None or user.is_staff or owner_id == user.id


@never_cache
def dashboard(request):
    overview = queue_dashboard()
    running = [
        {"kind": kind["kind"], "job": job, "stage": (job.stage or "starting").replace("_", " "),
         "details": _may_see_details(request.user, job)}
        for kind in overview for job in kind["running"]
    ]
    failures = sorted(
        ({"kind": kind["kind"], "job": job, "details": _may_see_details(request.user, job)}
         for kind in overview for job in kind["failures"]),
        key=lambda row: row["job"].finished_at or row["job"].updated_at,
        reverse=True,
    )
    kinds = [
        {**kind, "duration_texts": {name: duration_text(kind["durations"][name])
                                    for name in ("mean", "recent_median", "fastest", "slowest")}}
        for kind in overview
    ]
    context = {
        "overview": overview,
        "kinds": kinds,
        "running": running,
        "failures": failures[:DASHBOARD_FAILURES_SHOWN],
        "active": any(kind["active"] for kind in overview),
        # No stream covers every job at once, so the dashboard re-reads its partial instead.
        "poll_seconds": REFRESH_SECONDS,
    }
    return render_live(request, "dashboard.html", "_dashboard_live.html", context)


def wants_json(request) -> bool:
    """Whether the request is the API's (answered in the JSON envelope) rather than a page's."""
    return request.path.startswith("/api/") or request.path == "/healthz"


# What the API's answers say too (jobs/api_envelope.py): a client waits this long before retrying.
DATABASE_RETRY_AFTER_SECONDS = 30


def not_found(request, exception=None):
    if wants_json(request):
        return JsonResponse(
            {"success": False, "detail": "Not found.", "error_code": "NOT_FOUND", "timestamp": timezone.now().isoformat()},
            status=404,
        )
    return render(request, "404.html", status=404)


def bad_request_page() -> HttpResponse:
    """The 400 page, rendered without the request: nothing of the bad request is read again."""
    return HttpResponse(loader.render_to_string("400.html"), status=400)


def database_error_response(request, error: DatabaseError) -> HttpResponse:
    """A database error as the API answers it: DataError (a value refused) 400, any other 503."""
    if isinstance(error, DataError):
        if wants_json(request):
            return json_response(error_body("A value in the request cannot be stored or searched for.", "INVALID_INPUT"),
                                 status_code=400)
        return bad_request_page()
    logger.error("database error in %s %s", request.method, request.path, exc_info=error)
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
    if wants_json(request):
        return json_response(error_body("The database is not available right now; please retry shortly.",
                                        "SERVICE_UNAVAILABLE"), status_code=503, headers=headers)
    # Rendered without the request: its context processors would read the session and the user,
    # which is the database again.
    page = loader.render_to_string("503.html", {"retry_after": DATABASE_RETRY_AFTER_SECONDS})
    return HttpResponse(page, status=503, headers=headers)


def server_error(request):
    # Django calls this inside its `except`: a database error raised outside a view (a session
    # saved by its middleware on the way out) is answered like one raised in a view.
    error = sys.exc_info()[1]
    if isinstance(error, DatabaseError):
        return database_error_response(request, error)
    if wants_json(request):
        return JsonResponse(
            {"success": False, "detail": "Internal server error.", "error_code": "INTERNAL_ERROR",
             "timestamp": timezone.now().isoformat()},
            status=500,
        )
    return render(request, "500.html", status=500)


def livez(request):
    return JsonResponse({"status": "alive"})
