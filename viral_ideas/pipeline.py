"""The viral-ideas worker: a creator against competitors, from profiles to content ideas."""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jobs.errors import JobError, PermanentJobError
from jobs.eta import recent_durations, typical_duration
from jobs.progress import JobProgress
from jobs.providers.llm import get_llm_provider
from jobs.providers.llm.base import IdeasBrief
from profiles.models import Content
from profiles.pipeline import refresh_profile
from viral_ideas import analysis
from viral_ideas.model_steps import ModelSteps
from viral_ideas.models import ViralAnalysisResult, ViralIdeasCompetitor, ViralIdeasQueue
from viral_ideas.services import next_run_after

WORKFLOW_VERSION = "2.0"
DEFAULT_MAX_REELS = 50
DEFAULT_OUTLIER_THRESHOLD = 2.0
MIN_PATTERN_LIFT = 1.2
CompetitorStatus = ViralIdeasCompetitor.ProcessingStatus


def _reel_inputs(username: str, limit: int) -> list[analysis.ReelInput]:
    rows = Content.objects.filter(username=username).order_by("-date_posted", "-id")[:limit]
    return [
        analysis.ReelInput(
            username=row.username,
            shortcode=row.shortcode,
            url=row.url,
            caption=row.description,
            transcript=row.transcript,
            view_count=row.view_count,
            like_count=row.like_count,
            comment_count=row.comment_count,
            posted_at=row.date_posted,
            hashtags=tuple(row.hashtags or ()),
            video_duration=row.video_duration,
        )
        for row in rows
    ]


def _new_shortcodes(usernames: list[str], since) -> set[str]:
    """Reels stored after the previous run: what a recurring run reports as new."""
    if since is None:
        return set()
    return set(Content.objects.filter(username__in=usernames, created_at__gt=since).values_list("shortcode", flat=True))


def _set_competitor(competitor: ViralIdeasCompetitor, status: str, *, error: str | None = None, reels: int = 0) -> None:
    competitor.processing_status, competitor.error_message, competitor.reels_analyzed = status, error, reels
    competitor.save(update_fields=["processing_status", "error_message", "reels_analyzed"])


def analyse_entry(entry: ViralIdeasQueue, progress: JobProgress) -> None:
    """One analysis run of an entry.

    1. primary profile (→ 10 %): stored data younger than VIRAL_PROFILE_FRESHNESS_HOURS is reused,
       otherwise fetched; failing here fails the run
    2. competitors (25 → 50 %, per competitor): pending → processing → completed | failed; one
       failing competitor is reported, all failing fails the run
    3. analysis (50 → 75 %): baselines, outlier multipliers, hooks and their types, keywords,
       patterns that held across competitors and why each held
    4. ideas (75 → 90 %): content ideas for the creator's strategy, each traced to its reels
    5. finalise (→ 100 %): the run's result row, total_runs, last_analysis_at, next_scheduled_run

    With LLM_PROVIDER=openai the model types the hooks, explains the patterns and writes the ideas,
    each item falling back to its offline result (viral_ideas.model_steps); analysis_data["model"]
    records which items came from where.
    """
    progress.typical_duration = typical_duration(recent_durations(ViralIdeasQueue))
    started = timezone.now()
    settings_ = entry.analysis_settings or {}
    max_reels = int(settings_.get("max_competitor_reels", DEFAULT_MAX_REELS))
    threshold = float(settings_.get("outlier_threshold", DEFAULT_OUTLIER_THRESHOLD))
    freshness = settings.VIRAL_PROFILE_FRESHNESS_HOURS
    previous_run_at = entry.last_analysis_at
    analysis_type = ViralAnalysisResult.AnalysisType.RECURRING if entry.total_runs else ViralAnalysisResult.AnalysisType.INITIAL

    # 1. Primary profile
    progress.report("primary_profile", 2, f"Loading @{entry.primary_username}'s profile")
    try:
        _, fetched = refresh_profile(entry.primary_username, max_age_hours=freshness)
    except JobError as error:
        raise type(error)(f"Could not load the creator @{entry.primary_username}: {error.message}",
                          error_code=error.error_code) from error
    progress.report("primary_profile", 10, f"@{entry.primary_username} {'fetched' if fetched else 'reused (fresh)'}")

    # 2. Competitors
    competitors = list(entry.competitors.filter(is_active=True).order_by("added_at"))
    if not competitors:
        raise PermanentJobError("The entry has no active competitors to compare with", error_code="NO_COMPETITORS")
    progress.report("competitors", 25, f"Loading {len(competitors)} competitors")
    loaded: list[str] = []
    failures: list[str] = []
    for index, competitor in enumerate(competitors, start=1):
        name = competitor.competitor_username
        _set_competitor(competitor, CompetitorStatus.PROCESSING)
        try:
            refresh_profile(name, max_age_hours=freshness)
        except JobError as error:
            _set_competitor(competitor, CompetitorStatus.FAILED, error=error.message)
            failures.append(f"@{name}: {error.message}")
            outcome = f"failed ({error.error_code})"
        else:
            reels = Content.objects.filter(username=name).count()
            _set_competitor(competitor, CompetitorStatus.COMPLETED, reels=min(reels, max_reels))
            loaded.append(name)
            outcome = "loaded"
        progress.report("competitors", 25 + 25 * index / len(competitors),
                        f"Competitor {index} of {len(competitors)}: @{name} {outcome}")
    if not loaded:
        raise PermanentJobError("Every competitor failed: " + "; ".join(failures), error_code="ALL_COMPETITORS_FAILED")

    # 3. Analysis
    progress.report("analysis", 52, "Measuring each account's baseline and its outliers")
    writer = get_llm_provider()
    steps = ModelSteps(writer)
    primary = analysis.analyse_account(
        entry.primary_username, "primary", _reel_inputs(entry.primary_username, max_reels), threshold=threshold
    )
    rivals = [
        analysis.analyse_account(name, "competitor", _reel_inputs(name, max_reels), threshold=threshold)
        for name in loaded
    ]
    progress.report("analysis", 62, "Classifying hooks of "
                    f"{sum(len(a.outliers) for a in rivals)} competitor outliers")
    # Typed before the patterns are looked for: the hook type is one of the traits they count.
    primary, *rivals = steps.type_hooks(
        [primary, *rivals], on_progress=lambda fraction, message: progress.report("analysis", 62 + 8 * fraction, message)
    )
    # Only traits clearly over-represented among outliers (lift ≥ MIN_PATTERN_LIFT) explain them;
    # common ones (a popular hashtag) would rank high on volume alone.
    patterns = analysis.find_patterns([primary, *rivals], min_lift=MIN_PATTERN_LIFT)
    summary = analysis.analysis_summary(primary, rivals, patterns)
    new_codes = _new_shortcodes([entry.primary_username, *loaded], previous_run_at)
    progress.report("analysis", 71, f"{len(patterns)} patterns held across competitors; explaining them")
    hooks = {reel.reel.shortcode: reel.hook for account in rivals for reel in account.reels}
    stored_patterns = steps.explain_patterns(patterns, competitors=len(rivals), hooks=hooks)
    progress.report("analysis", 75, f"{len(patterns)} patterns held across competitors")

    # 4. Ideas
    outliers = sorted((r for a in rivals for r in a.outliers), key=lambda r: -r.outlier_multiplier)
    fresh = [r for r in outliers if r.reel.shortcode in new_codes]
    inspiration = fresh or outliers
    brief = IdeasBrief(
        primary_username=entry.primary_username,
        content_strategy=entry.content_strategy,
        count=int(settings_.get("ideas_count", settings.VIRAL_IDEAS_PER_RUN)),
        outliers=tuple(r.idea_source() for r in inspiration[:30]),
        patterns=tuple(p.to_dict() for p in patterns[:10]),
        keywords=tuple(p.value for p in patterns if p.kind == "keyword")[:10],
    )
    ideas = steps.compose_ideas(
        brief, on_progress=lambda fraction, message: progress.report("ideas", 76 + 14 * fraction, message)
    )
    progress.report("ideas", 90, f"{len(ideas)} ideas composed with {writer.name}")

    # 5. Finalise
    finished = timezone.now()
    analysis_data = {
        "workflow_version": WORKFLOW_VERSION,
        "analysis_type": analysis_type,
        "settings": {"outlier_threshold": threshold, "max_reels_per_account": max_reels, "profile_freshness_hours": freshness},
        "primary": primary.to_dict(),
        "competitors": [a.to_dict() for a in rivals],
        "competitor_failures": failures,
        "patterns": stored_patterns,
        "summary": summary,
        "new_since_last_run": sorted(new_codes),
        "new_outliers": [r.to_dict() for r in fresh],
        "ideas": [dataclasses.asdict(idea) for idea in ideas],
        "writer": writer.name,
        "model": steps.record(),
    }
    primary_reels = len(primary.reels)
    competitor_reels = sum(len(a.reels) for a in rivals)
    with transaction.atomic():
        run = ViralIdeasQueue.objects.select_for_update().values_list("total_runs", flat=True).get(pk=entry.pk) + 1
        ViralAnalysisResult.objects.create(
            queue=entry,
            analysis_run=run,
            analysis_type=analysis_type,
            total_reels_analyzed=primary_reels + competitor_reels,
            primary_reels_count=primary_reels,
            competitor_reels_count=competitor_reels,
            outliers_count=len(outliers),
            hooks_count=len(outliers) + len(primary.outliers),
            ideas_count=len(ideas),
            analysis_data=analysis_data,
            workflow_version=WORKFLOW_VERSION,
            started_at=started,
            analysis_completed_at=finished,
            duration_seconds=(finished - started).total_seconds(),
        )
        progress.complete(
            f"Run {run} done: {len(outliers)} outliers, {len(patterns)} patterns, {len(ideas)} ideas",
            fields={
                "total_runs": run,
                "last_analysis_at": finished,
                "next_scheduled_run": next_run_after(entry, finished),
                "estimated_completion": None,
            },
        )
