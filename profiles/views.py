"""Profile pages: the request form, and one profile's status page that follows its job live."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from profiles.forms import ProfileRequestForm
from profiles.metrics import OUTLIER_AT
from profiles.models import Content, PrimaryProfile, ProfileJob, Source
from profiles.selectors import profile_status
from profiles.services import InvalidUsername, QueueUnavailable, normalize_username, profile_request
from viralspot.charts import ReelPoint, views_over_time_chart
from viralspot.views import http_url, render_live

REELS_ON_PAGE = 12
# The chart draws every stored reel up to this many (the latest): far more than one fetch stores,
# so only an account refetched for years would be cut, and the page stays light.
REELS_IN_CHART = 1000
QUEUED_ON_PAGE = 10
# The status endpoint's words, as a reader says them ("exists" is the profile being there).
STATUS_WORDS = {
    "exists": "done",
    "COMPLETED": "done",
    "PENDING": "queued",
    "PROCESSING": "processing",
    "FAILED": "failed",
    "CANCELLED": "cancelled",
    "NOT_FOUND": "not requested yet",
}
ACTIVE = (ProfileJob.Status.PENDING, ProfileJob.Status.PROCESSING)


def stage_label(stage: str | None) -> str:
    """'fetching_profile_data' → 'fetching profile data' (live.js writes stages the same way)."""
    return (stage or "").replace("_", " ")


def profiles_page(request):
    form = ProfileRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        try:
            answer = profile_request(username=username, source=Source.FRONTEND)
        except QueueUnavailable as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, answer["message"])
            return redirect("profile-page", username=username)
    return render(request, "profiles/request.html", {
        "form": form,
        "recent_profiles": PrimaryProfile.objects.for_profiles_page(),
        "queued_jobs": ProfileJob.objects.active().order_by("priority_rank", "timestamp")[:QUEUED_ON_PAGE],
    })


@never_cache
def profile_page(request, username):
    try:
        username = normalize_username(username)
    except InvalidUsername:
        raise Http404("Not an Instagram username") from None
    state = profile_status(username)
    active = state["status"] in ACTIVE
    seconds_left = state.get("estimated_seconds_remaining")
    context = {
        "username": username,
        "state": state,
        "active": active,
        "status_word": STATUS_WORDS.get(state["status"], state["status"].lower()),
        "stage_label": stage_label(state.get("processing_stage")),
        # Absolute, so live.js can count it down between stream frames.
        "eta_at": timezone.now() + timedelta(seconds=seconds_left) if active and seconds_left is not None else None,
        "stream_url": reverse("profile-events", args=[username]) if active else "",
    }
    if state["status"] == "exists":
        context["profile"] = PrimaryProfile.objects.filter(username=username).first()
        reels = list(Content.objects.for_reels_page(username, sort_by="popular")[:REELS_ON_PAGE])
        for reel in reels:
            reel.href = http_url(reel.url)
        context["reels"] = reels
        context["chart"] = views_chart(username)
    return render_live(request, "profiles/status.html", "profiles/_status_live.html", context)


def views_chart(username: str) -> dict | None:
    """The views-over-time chart of the username's stored reels (viralspot.charts)."""
    rows = list(Content.objects.for_profile_chart(username, limit=REELS_IN_CHART + 1))
    chart = views_over_time_chart(
        [ReelPoint(shortcode, posted_at, views, score) for shortcode, posted_at, views, score in rows[:REELS_IN_CHART]],
        outlier_at=OUTLIER_AT,
    )
    if chart is not None:
        chart["capped_at"] = REELS_IN_CHART if len(rows) > REELS_IN_CHART else None
    return chart
