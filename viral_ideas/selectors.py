"""Read answers of viral ideas: the status page (two queries), results and analysed content."""

from __future__ import annotations

from django.utils import timezone

from viral_ideas.models import ViralAnalysisResult, ViralIdeasCompetitor, ViralIdeasQueue, ViralQueueSummary

Status = ViralIdeasQueue.Status
OVERDUE_AFTER_MINUTES = 30

# The spec's progress stages by percentage band.
PROGRESS_STAGES = ((0, "not_started"), (1, "initializing"), (25, "processing"), (50, "analyzing"), (75, "finalizing"))


def progress_stage(status: str, percentage: float) -> str:
    if status == Status.COMPLETED:
        return "completed"
    if status == Status.PENDING and percentage <= 0:
        return "not_started"
    stage = "not_started"
    for floor, name in PROGRESS_STAGES:
        if percentage >= floor:
            stage = name
    return stage


# The spec's styling classes. It names no class for cancelled: it shares "warning" with paused
# (stopped by someone, not broken, may be run again), where "error" would tell a user who
# cancelled on purpose that something failed.
STATUS_CATEGORIES = {
    Status.PENDING: "waiting",
    Status.PROCESSING: "active",
    Status.COMPLETED: "success",
    Status.FAILED: "error",
    Status.PAUSED: "warning",
    Status.CANCELLED: "warning",
}


def status_category(status: str) -> str:
    return STATUS_CATEGORIES.get(status, "unknown")


def competitor_document(competitor: ViralIdeasCompetitor) -> dict:
    return {
        "username": competitor.competitor_username,
        "processing_status": competitor.processing_status,
        "selection_method": competitor.selection_method,
        "added_at": competitor.added_at,
        "reels_analyzed": competitor.reels_analyzed,
        "error_message": competitor.error_message,
    }


def entry_status(session_id: str) -> dict | None:
    """Everything the status endpoint answers: the summary view row plus active competitors."""
    summary = ViralQueueSummary.objects.filter(session_id=session_id).first()
    if summary is None:
        return None
    competitors = list(ViralIdeasCompetitor.objects.filter(queue_id=summary.id, is_active=True).order_by("added_at"))
    now = timezone.now()
    started, completed = summary.started_processing_at, summary.completed_at
    processing_minutes = None
    if started and completed and summary.status == Status.COMPLETED:
        processing_minutes = round((completed - started).total_seconds() / 60, 2)
    running_minutes = (now - started).total_seconds() / 60 if started and summary.status == Status.PROCESSING else 0
    return {
        "id": str(summary.id),
        "session_id": summary.session_id,
        "primary_username": summary.primary_username,
        "status": summary.status,
        "priority": summary.priority,
        "progress_percentage": round(summary.progress_percentage, 1),
        "current_step": summary.current_step,
        "error_message": summary.error_message,
        "content_type": summary.content_type,
        "target_audience": summary.target_audience,
        "main_goals": summary.main_goals,
        "full_content_strategy": summary.full_content_strategy,
        "analysis_settings": summary.analysis_settings,
        "competitors": [c.competitor_username for c in competitors],
        "competitor_details": [competitor_document(c) for c in competitors],
        "active_competitors_count": summary.active_competitors_count,
        "total_competitors_count": summary.total_competitors_count,
        "submitted_at": summary.submitted_at,
        "started_processing_at": started,
        "completed_at": completed,
        "auto_rerun_enabled": summary.auto_rerun_enabled,
        "rerun_frequency_hours": summary.rerun_frequency_hours,
        "total_runs": summary.total_runs,
        "last_analysis_at": summary.last_analysis_at,
        "next_scheduled_run": summary.next_scheduled_run,
        "processing_duration": processing_minutes,
        "is_overdue": running_minutes > OVERDUE_AFTER_MINUTES,
        "estimated_time_remaining": _minutes_left(summary, now),
        "estimated_completion": summary.estimated_completion if summary.status == Status.PROCESSING else None,
        "can_be_cancelled": summary.status in (Status.PENDING, Status.PROCESSING),
        "can_be_rerun": summary.status in (Status.COMPLETED, Status.FAILED, Status.CANCELLED),
        "status_category": status_category(summary.status),
        "progress_stage": progress_stage(summary.status, summary.progress_percentage),
        "events_url": f"/api/viral-ideas/queue/{summary.session_id}/events",
    }


def _minutes_left(summary: ViralQueueSummary, now) -> float | None:
    """From the ETA the worker wrote with its last report (measured pace + recent runs)."""
    if summary.status == Status.COMPLETED:
        return 0
    if summary.status != Status.PROCESSING or summary.estimated_completion is None:
        return None
    return round(max(0.0, (summary.estimated_completion - now).total_seconds() / 60), 1)


def result_for(entry: ViralIdeasQueue, run: int | None) -> ViralAnalysisResult | None:
    results = ViralAnalysisResult.objects.filter(queue=entry)
    if run is not None:
        return results.filter(analysis_run=run).first()
    return results.order_by("-analysis_run").first()


def result_document(entry: ViralIdeasQueue, result: ViralAnalysisResult) -> dict:
    """A run's results: what was analysed, the outlier reels, hooks, patterns and ideas."""
    data = result.analysis_data or {}
    competitors = data.get("competitors", [])
    outlier_reels = sorted(
        (reel for account in competitors for reel in account.get("outliers", [])),
        key=lambda reel: -reel.get("outlier_multiplier", 0),
    )
    hooks_by_type: dict[str, list] = {}
    for reel in outlier_reels:
        hook = {"hook": reel.get("hook"), "username": reel.get("reel", {}).get("username"),
                "shortcode": reel.get("reel", {}).get("shortcode"), "outlier_multiplier": reel.get("outlier_multiplier")}
        # Why it has this type; results stored before hooks carried their evidence have none to give.
        hook.update({key: reel[key] for key in ("hook_confidence", "hook_cue", "hook_source") if key in reel})
        hooks_by_type.setdefault(reel.get("hook_type", "statement"), []).append(hook)
    return {
        "analysis": {
            "id": str(result.pk),
            "queue_id": str(entry.pk),
            "analysis_run": result.analysis_run,
            "analysis_type": result.analysis_type,
            "status": result.status,
            "workflow_version": result.workflow_version,
            "started_at": result.started_at,
            "analysis_completed_at": result.analysis_completed_at,
            "duration_seconds": result.duration_seconds,
            "total_reels_analyzed": result.total_reels_analyzed,
            "primary_reels_count": result.primary_reels_count,
            "competitor_reels_count": result.competitor_reels_count,
            "outliers_count": result.outliers_count,
            "ideas_count": result.ideas_count,
        },
        "runs": list(entry.results.order_by("analysis_run").values_list("analysis_run", flat=True)),
        "primary_profile": data.get("primary"),
        "outlier_reels": outlier_reels,
        "hooks_by_type": hooks_by_type,
        "patterns": data.get("patterns", []),
        "ideas": data.get("ideas", []),
        "scripts": [idea.get("script") for idea in data.get("ideas", [])],
        "new_outliers": data.get("new_outliers", []),
        "analysis_summary": data.get("summary", {}),
        "analysis_data": data,
    }


def entry_stream(entry: ViralIdeasQueue):
    """Stream source of one entry: progress frames carry the status endpoint's main fields."""
    from jobs.selectors import latest_event_id
    from jobs.streams import Snapshot, StreamSource

    def snapshot() -> Snapshot:
        state = entry_status(entry.session_id)
        finished = state["status"] in (Status.COMPLETED, Status.FAILED, Status.CANCELLED)
        progress = {key: state[key] for key in ("progress_percentage", "current_step", "progress_stage",
                                                "estimated_time_remaining", "competitor_details")}
        complete = None
        if finished:
            complete = {"queue_id": state["id"], "session_id": entry.session_id, "status": state["status"],
                        "error_message": state["error_message"], "total_runs": state["total_runs"],
                        "results_url": f"/api/viral-analysis/{state['id']}/results"}
        return Snapshot(
            progress={"queue_id": state["id"], "status": state["status"], "progress": progress, "timestamp": timezone.now()},
            finished=finished,
            complete=complete,
            last_event_id=latest_event_id("viral_ideas", [entry.pk]),
        )

    def event_payload(event) -> dict:
        return {"queue_id": str(entry.pk), "status": event.status,
                "progress": {"progress_percentage": round(event.percentage, 1), "current_step": event.message,
                             "progress_stage": progress_stage(event.status, event.percentage), "stage": event.stage},
                "timestamp": event.created_at}

    return StreamSource(
        kind="viral_ideas", job_ids=[entry.pk], snapshot=snapshot, event_payload=event_payload, payload_reads_db=False
    )
