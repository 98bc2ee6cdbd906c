"""Viral-ideas pages: the new-analysis form, an entry's live progress page, and a run's results."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jobs.services import JobStateError
from viral_ideas import selectors, services
from viral_ideas.analysis import HOOK_TYPE_ORDER, HOOK_TYPES
from viral_ideas.forms import ViralIdeasForm
from viral_ideas.models import ViralIdeasQueue
from viralspot.charts import Breakout, breakout_grid_chart, outlier_bar_chart
from viralspot.views import duration_text, eta_text, http_url, render_live

Status = ViralIdeasQueue.Status
ACTIVE = (Status.PENDING, Status.PROCESSING)


def new_session_id() -> str:
    """The page's handle on a new entry (API clients bring their own session ids)."""
    return f"web-{secrets.token_hex(8)}"


# Session key of the owner tokens of the entries this browser created without an account.
OWNER_TOKENS_KEY = "viral_owner_tokens"


def keep_owner_token(request, entry: ViralIdeasQueue) -> None:
    """Remember an anonymous creation's owner token in the browser's session.

    A page visitor has nowhere else to keep it, and the session is already the credential that
    stands for this browser: whoever could read the token from the session store could take
    over the session itself. The entry row still stores only the token's hash.
    """
    if entry.owner_token:
        tokens = request.session.get(OWNER_TOKENS_KEY, {})
        request.session[OWNER_TOKENS_KEY] = {**tokens, str(entry.pk): entry.owner_token}


def may_write(request, entry: ViralIdeasQueue) -> bool:
    """The one ownership rule (services.viral_entry_may_write), with the token this browser kept."""
    owner_token = request.session.get(OWNER_TOKENS_KEY, {}).get(str(entry.pk))
    return services.viral_entry_may_write(entry=entry, user=request.user, owner_token=owner_token)


def viral_new(request):
    form = ViralIdeasForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entry = services.viral_entry_create(
            session_id=new_session_id(),
            primary_username=form.cleaned_data["primary_username"],
            competitors=form.cleaned_data["competitors"],
            content_strategy=form.content_strategy(),
            owner=request.user,
        )
        keep_owner_token(request, entry)
        messages.success(request, f"Analysis queued for @{entry.primary_username}.")
        return redirect("viral-progress", session_id=entry.session_id)
    return render(request, "viral_ideas/new.html", {"form": form})


@never_cache
def viral_progress(request, session_id):
    state = selectors.entry_status(session_id)
    if state is None:
        raise Http404("No analysis with this session id")
    active = state["status"] in ACTIVE
    estimated = state["estimated_completion"]
    # Only a visitor who may cancel sees the button (the ownership read only when it could show).
    can_cancel = state["can_be_cancelled"] and may_write(
        request, ViralIdeasQueue.objects.for_ownership_check().get(pk=state["id"])
    )
    context = {
        "can_cancel": can_cancel,
        "state": state,
        "active": active,
        "strategy": state["full_content_strategy"] or {},
        "stage_label": state["progress_stage"].replace("_", " "),
        "eta": eta_text(estimated) if state["status"] == Status.PROCESSING else "",
        "eta_at": estimated if state["status"] == Status.PROCESSING else None,
        "stream_url": reverse("viral-queue-events", args=[session_id]) if active else "",
        "has_results": state["total_runs"] > 0,
        "took": duration_text(state["processing_duration"] * 60) if state["processing_duration"] is not None else "",
    }
    return render_live(request, "viral_ideas/progress.html", "viral_ideas/_progress_live.html", context)


@require_POST
def viral_cancel(request, session_id):
    entry = get_object_or_404(ViralIdeasQueue, session_id=session_id)
    if not may_write(request, entry):
        raise PermissionDenied("Only the analysis's creator or staff may cancel it")
    by = request.user.get_username() if request.user.is_authenticated else "the progress page"
    try:
        services.viral_entry_cancel(entry=entry, by=by)
    except JobStateError as error:
        messages.warning(request, f"Nothing to cancel: {error.message}.")
    else:
        messages.success(request, "Analysis cancelled.")
    return redirect("viral-progress", session_id=session_id)


def viral_results(request, session_id):
    entry = get_object_or_404(ViralIdeasQueue, session_id=session_id)
    run = request.GET.get("run")
    if run is not None and not run.isdigit():
        raise Http404("Runs are numbered 1, 2, …")
    result = selectors.result_for(entry, int(run) if run else None)
    if result is None:
        if run:
            raise Http404(f"This analysis has no run {run}")
        messages.info(request, "No results yet: they appear here when the first run completes.")
        return redirect("viral-progress", session_id=session_id)
    document = selectors.result_document(entry, result)
    data = document["analysis_data"]
    threshold = (data.get("settings") or {}).get("outlier_threshold", 2.0)
    for reel in document["outlier_reels"]:
        reel["href"] = http_url(reel.get("reel", {}).get("url"))
        reel["hook_label"] = (reel.get("hook_type") or "").replace("_", " ")
        reel["typing"] = hook_typing(reel)
    ideas = document["ideas"]
    for idea in ideas:
        idea["hook_label"] = (idea.get("hook_type") or "").replace("_", " ")
        for source in idea.get("sources", []):
            source["href"] = http_url(source.get("url"))
    breakouts = [breakout_of(reel) for reel in document["outlier_reels"]]
    competitors = [account.get("username", "?") for account in data.get("competitors", [])]
    return render(request, "viral_ideas/results.html", {
        "entry": entry,
        "document": document,
        "analysis": document["analysis"],
        "summary": document["analysis_summary"],
        "strategy": entry.content_strategy or {},
        "grid": breakout_grid_chart(competitors, breakouts, type_order=HOOK_TYPE_ORDER),
        "chart": outlier_bar_chart(breakouts, threshold=threshold),
        "threshold": threshold,
        "hook_groups": hook_groups(document["hooks_by_type"], document["outlier_reels"]),
        "patterns": [{**pattern, "kind_label": pattern["kind"].replace("_", " ")} for pattern in document["patterns"]],
        "ideas": ideas,
    })


def breakout_of(reel: dict) -> Breakout:
    """A stored outlier reel (analysis.AnalysedReel.to_dict) as the charts take it."""
    data = reel.get("reel", {})
    return Breakout(
        account=data.get("username", "?"),
        shortcode=data.get("shortcode", ""),
        multiplier=float(reel.get("outlier_multiplier", 0)),
        hook_type=reel.get("hook_type") or "statement",
        hook=reel.get("hook") or "",
        views=int(data.get("view_count", 0)),
    )


def hook_typing(reel: dict) -> dict | None:
    """How a stored hook was typed, for the page: confidence as "92 %", the cue, and who typed it.

    Results stored before hooks carried their evidence have none of the three fields: None, and
    the page shows the type alone rather than a made-up confidence.
    """
    if "hook_confidence" not in reel:
        return None
    return {
        "confidence": f"{round(float(reel['hook_confidence']) * 100)} %",
        "cue": reel.get("hook_cue") or "",
        "source": reel.get("hook_source") or "",
    }


def hook_groups(hooks_by_type: dict, outlier_reels: list[dict]) -> list[dict]:
    """Hooks grouped by type in the taxonomy's order, each type with its definition, and each hook
    with how it was typed (hook_typing of its outlier reel)."""
    typings = {(reel.get("reel", {}).get("username"), reel.get("reel", {}).get("shortcode")): reel.get("typing")
               for reel in outlier_reels}
    for hooks in hooks_by_type.values():
        for hook in hooks:
            hook["typing"] = typings.get((hook.get("username"), hook.get("shortcode")))
    order = [name for name in HOOK_TYPE_ORDER if name in hooks_by_type] + sorted(set(hooks_by_type) - set(HOOK_TYPE_ORDER))
    return [
        {"type": name, "label": name.replace("_", " "), "definition": HOOK_TYPES.get(name, ""), "hooks": hooks_by_type[name]}
        for name in order
    ]
