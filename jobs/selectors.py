"""Read answers of generation and bulk jobs, in the shape of story VIP-10211's job document."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from jobs.models import BulkJob, GenerationJob, ProgressEvent

Status = GenerationJob.Status
FINISHED = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)


def public_stage(job: GenerationJob) -> str:
    """The spec's stage words (research | writing | seo | completed) for any internal stage."""
    if job.status == Status.COMPLETED:
        return "completed"
    stage = job.error_stage if job.status == Status.FAILED and job.error_stage else job.stage
    if stage in ("research", "writing", "seo"):
        return stage
    # Not started yet (queued / starting / recovered): the stage it will begin with.
    return "writing" if job.mode == GenerationJob.Mode.SPIN else "research"


def generation_progress(job: GenerationJob) -> dict:
    elapsed = job.elapsed_seconds
    return {
        "percentage": round(job.progress_percentage, 1),
        "stage": public_stage(job),
        "stage_progress": round(job.stage_progress, 1),
        "message": job.progress_message,
        "started_at": job.started_at,
        "completed_at": job.finished_at if job.status == Status.COMPLETED else None,
        "estimated_completion": job.estimated_completion if job.status == Status.PROCESSING else None,
        "elapsed_seconds": round(elapsed, 1) if elapsed is not None else 0.0,
    }


def generation_result(job: GenerationJob) -> dict | None:
    if job.status != Status.COMPLETED:
        return None
    return {
        "content": job.result_content,
        "meta_title": job.meta_title,
        "meta_description": job.meta_description,
        "word_count": job.result_word_count,
        "seo_score": job.seo_score,
        "readability_score": job.readability_score,
        "seo_checks": job.seo_checks,
        "keyphrase": job.keyphrase,
        "topic": job.resolved_topic,
        "sources": job.research_notes,
        "writer": job.writer,
    }


def generation_error(job: GenerationJob) -> dict | None:
    if not job.error_message:
        return None
    return {
        "message": job.error_message,
        "code": job.error_code,
        "stage": public_stage(job) if job.status == Status.FAILED else job.error_stage,
        "timestamp": job.finished_at or job.updated_at,
        "will_retry": job.status == Status.QUEUED,
    }


def generation_job_document(job: GenerationJob) -> dict:
    return {
        "id": str(job.pk),
        "bulk_job_id": str(job.bulk_job_id) if job.bulk_job_id else None,
        "bulk_position": job.bulk_position,
        "mode": job.mode,
        "topic": job.topic,
        "keyphrase": job.keyphrase,
        "keywords": job.keywords,
        "source_text": job.source_text if job.mode == GenerationJob.Mode.SPIN else None,
        "word_count": job.word_count,
        "tone": job.tone,
        "status": job.status,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "progress": generation_progress(job),
        "result": generation_result(job),
        "error": generation_error(job),
        "created_at": job.created_at,
        "updated_at": job.updated_at,
    }


def bulk_status(counts: dict, total: int, cancelled_at) -> str:
    finished = counts["completed"] + counts["failed"] + counts["cancelled"]
    if finished < total:
        return "queued" if counts["queued"] == total else "processing"
    if cancelled_at is not None and counts["completed"] < total:
        return "cancelled"
    if counts["failed"] == total:
        return "failed"
    return "completed"


def bulk_job_progress(bulk: BulkJob) -> dict:
    """X of Y done, the article being written now, and one combined percentage (one query)."""
    jobs = list(GenerationJob.objects.for_bulk_page(bulk).only(
        "id", "bulk_position", "status", "stage", "error_stage", "mode", "progress_percentage", "stage_progress",
        "progress_message", "resolved_topic", "topic", "seo_score", "error_message", "started_at", "finished_at",
    ))
    counts = {status: 0 for status in Status.values}
    for job in jobs:
        counts[job.status] += 1
    current = next((job for job in jobs if job.status == Status.PROCESSING), None)
    # Finished articles count as whole; running ones by their own percentage.
    done_share = sum(100.0 if job.status in FINISHED else job.progress_percentage for job in jobs)
    percentage = round(done_share / bulk.total, 1) if bulk.total else 100.0
    return {
        "id": str(bulk.pk),
        "status": bulk_status(counts, bulk.total, bulk.cancelled_at),
        "total": bulk.total,
        "completed": counts[Status.COMPLETED],
        "failed": counts[Status.FAILED],
        "cancelled": counts[Status.CANCELLED],
        "processing": counts[Status.PROCESSING],
        "queued": counts[Status.QUEUED],
        "summary": f"{counts[Status.COMPLETED]} of {bulk.total} completed",
        "percentage": percentage,
        "current": None if current is None else {
            "job_id": str(current.pk),
            "position": current.bulk_position,
            "stage": public_stage(current),
            "percentage": round(current.progress_percentage, 1),
            "stage_progress": round(current.stage_progress, 1),
            "message": current.progress_message,
        },
        "jobs": [
            {
                "id": str(job.pk),
                "position": job.bulk_position,
                "status": job.status,
                "stage": public_stage(job),
                "percentage": round(100.0 if job.status == Status.COMPLETED else job.progress_percentage, 1),
                "topic": job.resolved_topic or job.topic,
                "seo_score": job.seo_score,
                "error": job.error_message if job.status == Status.FAILED else None,
            }
            for job in jobs
        ],
        "cancelled_at": bulk.cancelled_at,
        "created_at": bulk.created_at,
    }


def event_document(event: ProgressEvent) -> dict:
    return {
        "id": event.pk,
        "status": event.status,
        "stage": event.stage,
        "percentage": round(event.percentage, 1),
        "stage_progress": event.stage_progress,
        "message": event.message,
        "attempt": event.attempt,
        "data": event.data,
        "created_at": event.created_at,
    }


# --- Live streams ----------------------------------------------------------------------------


def latest_event_id(kind: str, job_ids) -> int:
    return ProgressEvent.objects.for_job(kind, job_ids).order_by("-id").values_list("id", flat=True).first() or 0


def _stage_of_event(event: ProgressEvent, mode: str) -> str:
    if event.status == Status.COMPLETED:
        return "completed"
    stage = event.data.get("failed_stage", event.stage) if event.status == Status.FAILED else event.stage
    if stage in ("research", "writing", "seo"):
        return stage
    return "writing" if mode == GenerationJob.Mode.SPIN else "research"


def progress_from_event(event: ProgressEvent, mode: str) -> dict:
    """The progress object as it was when this event was written (for replaying history)."""
    started = event.data.get("started_at")
    started_at = datetime.fromisoformat(started) if started else None
    return {
        "percentage": round(event.percentage, 1),
        "stage": _stage_of_event(event, mode),
        "stage_progress": event.stage_progress if event.stage_progress is not None else 0.0,
        "message": event.message,
        "started_at": started_at,
        "completed_at": event.created_at if event.status == Status.COMPLETED else None,
        "estimated_completion": event.data.get("estimated_completion"),
        "elapsed_seconds": round((event.created_at - started_at).total_seconds(), 1) if started_at else 0.0,
    }


def generation_stream(job: GenerationJob):
    """Stream source of one generation job."""
    from jobs.streams import Snapshot, StreamSource

    job_id, mode = job.pk, job.mode

    def snapshot() -> Snapshot:
        job = GenerationJob.objects.get(pk=job_id)
        finished = job.status in FINISHED
        return Snapshot(
            progress={"job_id": str(job.pk), "status": job.status, "progress": generation_progress(job),
                      "timestamp": timezone.now()},
            finished=finished,
            complete={"job_id": str(job.pk), "status": job.status, "progress": generation_progress(job),
                      "result": generation_result(job), "error": generation_error(job)} if finished else None,
            last_event_id=latest_event_id("generation", [job.pk]),
        )

    def event_payload(event: ProgressEvent) -> dict:
        return {"job_id": str(job_id), "status": event.status, "progress": progress_from_event(event, mode),
                "timestamp": event.created_at}

    return StreamSource(
        kind="generation", job_ids=[job_id], snapshot=snapshot, event_payload=event_payload, payload_reads_db=False
    )


def bulk_stream(bulk: BulkJob):
    """Stream source of a bulk job: any article's event re-sends the bulk's combined progress."""
    from jobs.streams import Snapshot, StreamSource

    job_ids = list(bulk.jobs.values_list("pk", flat=True))

    def current() -> dict:
        bulk.refresh_from_db()
        return bulk_job_progress(bulk)

    def snapshot() -> Snapshot:
        state = current()
        finished = state["queued"] + state["processing"] == 0
        return Snapshot(
            progress={"bulk_job_id": str(bulk.pk), "status": state["status"], "progress": state, "timestamp": timezone.now()},
            finished=finished,
            complete={"bulk_job_id": str(bulk.pk), "status": state["status"], "progress": state} if finished else None,
            last_event_id=latest_event_id("generation", job_ids),
        )

    def event_payload(event: ProgressEvent) -> dict:
        state = current()
        return {"bulk_job_id": str(bulk.pk), "status": state["status"], "progress": state,
                "article": {"job_id": str(event.job_id), "status": event.status, "stage": event.stage,
                            "percentage": round(event.percentage, 1), "message": event.message},
                "timestamp": event.created_at}

    return StreamSource(kind="generation", job_ids=job_ids, snapshot=snapshot, event_payload=event_payload)


# --- Dashboard -------------------------------------------------------------------------------

DASHBOARD_KIND_ORDER = ("profile", "generation", "viral_ideas")
DASHBOARD_RUNNING_LIMIT = 10
DASHBOARD_FAILURES_LIMIT = 8


def _priority_field(model):
    """The kind's priority column, or None for a kind that runs first come, first served."""
    from django.core.exceptions import FieldDoesNotExist

    try:
        return model._meta.get_field("priority")
    except FieldDoesNotExist:
        return None


def queue_dashboard() -> list[dict]:
    """Every job kind's queue: counts by status and priority, running jobs, recent failures, durations.

    Five queries per kind, whatever the number of jobs.
    """
    from django.db.models import Avg, Count, Max, Min

    from jobs.eta import recent_durations, typical_duration
    from jobs.registry import job_models

    models = job_models()
    order = [kind for kind in DASHBOARD_KIND_ORDER if kind in models] + sorted(set(models) - set(DASHBOARD_KIND_ORDER))
    overview = []
    for kind in order:
        model = models[kind]
        statuses = model.job_statuses
        status_values = [value for value, _ in model._meta.get_field("status").choices]
        priority_field = _priority_field(model)
        group_by = ("priority", "status") if priority_field else ("status",)
        cells: dict = {}
        for row in model.objects.order_by().values(*group_by).annotate(count=Count("pk")):
            cells[(row.get("priority"), row["status"])] = row["count"]
        if priority_field is None:
            priorities = [(None, "All (first come, first served)")]
        elif priority_field.choices:
            priorities = list(priority_field.choices)  # declared in claim order
        else:
            # A numeric priority (1 = highest): the values that occur, best first.
            priorities = [(value, str(value)) for value in sorted({priority for priority, _ in cells})]
        rows = [
            {"priority": value, "label": label,
             "counts": [cells.get((value, status), 0) for status in status_values],
             "total": sum(cells.get((value, status), 0) for status in status_values)}
            for value, label in priorities
        ]
        totals = [sum(row["counts"][index] for row in rows) for index in range(len(status_values))]
        completed = model.objects.filter(status=statuses.completed, duration_seconds__isnull=False)
        durations = completed.aggregate(
            mean=Avg("duration_seconds"), fastest=Min("duration_seconds"), slowest=Max("duration_seconds"),
            count=Count("pk"),
        )
        overview.append({
            "kind": kind,
            "label": str(model._meta.verbose_name_plural),
            "statuses": status_values,
            "rows": rows,
            "totals": totals,
            "total": sum(totals),
            "active": sum(cells.get((p, s), 0) for p, _ in priorities for s in statuses.active),
            "running": list(model.objects.filter(status=statuses.processing)
                            .order_by(model.job_started_field)[:DASHBOARD_RUNNING_LIMIT]),
            "failures": list(model.objects.filter(status=statuses.failed)
                             .order_by("-finished_at")[:DASHBOARD_FAILURES_LIMIT]),
            "durations": {**durations, "recent_median": typical_duration(recent_durations(model))},
        })
    return overview
