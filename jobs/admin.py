"""Staff console of the job core: what every job kind's admin shares, and the job core's own tables.

Job rows are read-only forms here. Their state changes only through the three operations —
cancel, retry, process now — offered as list actions and as change-page buttons, which call the
same services as the API (jobs.services, profiles.services, viral_ideas.services).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django_q.models import Task

from jobs import services
from jobs.api import worker_alive_within
from jobs.eta import describe_seconds, recent_durations, remaining_while_running, typical_duration, wait_in_queue
from jobs.models import BulkJob, GenerationJob, ProgressEvent, TrackedJob, WorkerHeartbeat
from jobs.registry import job_models
from jobs.scheduling import LEVEL_NAMES, claim_policy
from jobs.selectors import bulk_status
from jobs.services import JobStateError
from profiles.models import ProfileJob

admin.site.site_header = "ViralSpot staff console"
admin.site.site_title = "ViralSpot staff console"
admin.site.index_title = "Jobs, profiles and analyses"

# How many of a job's latest progress events its change page shows (the full history is one
# click away, in the progress-event list filtered to the job).
LATEST_EVENTS_SHOWN = 20

STATUS_ROLES = ("pending", "processing", "completed", "failed", "cancelled")

# Why an operation skipped a job, by the role of the status the job was in.
SKIP_REASONS = {
    "pending": "already queued",
    "processing": "already processing",
    "completed": "already completed",
    "failed": "already failed",
    "cancelled": "already cancelled",
}


# --- Rendering shared by every job list and change page -----------------------------------------


def status_role(job_statuses, status: str) -> str:
    """pending | processing | completed | failed | cancelled | other, whatever the kind's vocabulary."""
    for role in STATUS_ROLES:
        if status == getattr(job_statuses, role):
            return role
    return "other"


def status_badge(status: str, role: str, note: str = "") -> str:
    """The status word in a coloured badge; the word carries the meaning, the colour only helps."""
    return format_html(
        '<span class="vs-badge vs-badge--{}">{}</span>{}',
        role,
        status.upper(),
        format_html('<span class="vs-note">{}</span>', note) if note else "",
    )


def progress_bar(percentage: float, note: str = "") -> str:
    value = round(max(0.0, min(100.0, percentage or 0.0)))
    return format_html(
        '<span class="vs-progress"><progress max="100" value="{}">{}%</progress>'
        '<span class="vs-progress-text">{}%</span></span>{}',
        value,
        value,
        value,
        format_html('<span class="vs-note">{}</span>', note) if note else "",
    )


def describe_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} seconds"
    return f"{describe_seconds(seconds)} ({seconds:.0f} s)"


def compact_time(moment) -> str:
    """Today's times to the second (jobs are minutes apart), older ones by day; UTC like the server."""
    if moment is None:
        return "-"
    if moment.date() == timezone.now().date():
        return f"{moment:%H:%M:%S}"
    return f"{moment:%b %d, %H:%M}"


def heartbeat_age(job: TrackedJob) -> float | None:
    if job.heartbeat_at is None:
        return None
    return max(0.0, (timezone.now() - job.heartbeat_at).total_seconds())


def is_stalled(job: TrackedJob) -> bool:
    """Running, but silent for longer than its kind's timeout: the sweeper will recover it."""
    if job.status != job.job_statuses.processing:
        return False
    age = heartbeat_age(job)
    return age is not None and age > job.job_timeout_seconds()


def job_status_badge(job: TrackedJob, *, queue_position: int | None = None) -> str:
    """Badge plus the one fact a list reader needs next: place in line, next retry, a stall, the error."""
    role = status_role(job.job_statuses, job.status)
    note = ""
    if job.is_waiting_to_retry:
        note = f"retry {job.attempts + 1}/{job.max_attempts} at {job.next_attempt_at:%H:%M:%S} UTC"
    elif is_stalled(job):
        note = f"no heartbeat for {describe_seconds(heartbeat_age(job))}"
    elif role == "failed" and job.error_code:
        note = job.error_code
    elif role == "pending" and queue_position is not None:
        note = f"#{queue_position} in line"
    return status_badge(job.status, role, note)


def job_progress_bar(job: TrackedJob) -> str:
    return progress_bar(job.progress_percentage, job.stage)


def admin_change_url(model, pk) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[quote(pk)])
    except NoReverseMatch:
        return None


def pretty_json(value) -> str:
    return format_html('<pre class="vs-json">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False, default=str))


def summarize_operation(done: int, noun: tuple[str, str], verb: str, skipped: Counter) -> str:
    """'3 jobs retried; 2 skipped: already completed' — skip reasons grouped, most frequent first."""
    text = f"{done} {noun[0] if done == 1 else noun[1]} {verb}"
    if skipped:
        if len(skipped) == 1:
            reasons = next(iter(skipped))
        else:
            # Ties in alphabetical order, so the same selection always reads the same.
            grouped = sorted(skipped.items(), key=lambda item: (-item[1], item[0]))
            reasons = ", ".join(f"{count} {reason}" for reason, count in grouped)
        text += f"; {sum(skipped.values())} skipped: {reasons}"
    return text


@dataclass(frozen=True)
class JobOperation:
    key: str  # URL segment of the change-page button
    button: str  # its label
    verb: str  # past participle for messages: "3 jobs <verb>"
    help: str  # the button's tooltip


class TrackedJobAdmin(admin.ModelAdmin):
    """Admin of one job kind: badges, progress bars, timing fields, and cancel / retry / process now.

    A kind's admin overrides cancel_job / retry_job / process_job_now to call its own services
    (the ones its API calls); the defaults are the job core's.
    """

    change_form_template = "admin/job_change_form.html"
    actions = ["cancel_selected", "retry_selected", "process_selected_now"]
    job_noun = ("job", "jobs")
    operations = {
        "cancel": JobOperation(
            "cancel", "Cancel", "cancelled",
            "A pending job leaves the queue; a running worker stops at its next progress report.",
        ),
        "retry": JobOperation("retry", "Retry", "retried", "Back to the queue with a fresh attempt budget."),
        "process-now": JobOperation(
            "process-now", "Process now", "sent to a worker now",
            "Run it next in a worker, ahead of the queue (a finished job starts a new run).",
        ),
    }

    # --- The services each operation calls --------------------------------------------------

    def acting_as(self, request) -> str:
        return f"{request.user.get_username()} (admin)"

    def cancel_job(self, request, job) -> None:
        services.job_cancel(job, reason=f"Cancelled by {self.acting_as(request)}")

    def retry_job(self, request, job) -> None:
        services.job_retry(job, reason=f"Retry requested by {self.acting_as(request)}")

    def process_job_now(self, request, job) -> str:
        return services.job_process_now(job, by=self.acting_as(request))

    def retry_statuses(self, job) -> tuple[str, ...]:
        return (job.job_statuses.failed, job.job_statuses.cancelled)

    def is_eligible(self, key: str, job) -> bool:
        """Whether the job's status allows the operation (the service still has the last word)."""
        if key == "cancel":
            return job.can_be_cancelled
        if key == "retry":
            return job.status in self.retry_statuses(job)
        return job.status != job.job_statuses.processing

    def perform(self, request, key: str, job) -> tuple[bool, str]:
        """Run one operation through its service: (True, task id or "") or (False, why it was skipped)."""
        try:
            if key == "cancel":
                self.cancel_job(request, job)
                return True, ""
            if key == "retry":
                self.retry_job(request, job)
                return True, ""
            return True, self.process_job_now(request, job)
        except JobStateError as refusal:
            # The services refresh the job before refusing, so its status is the current one.
            if self.is_eligible(key, job):
                # The status allowed it and something else refused (another active job for the
                # same username, say): the service's own words say what.
                return False, refusal.message
            return False, SKIP_REASONS.get(status_role(job.job_statuses, job.status), job.status.lower())

    def run_on_selection(self, request, queryset, key: str) -> None:
        operation = self.operations[key]
        done, skipped = 0, Counter()
        for job in list(queryset):
            succeeded, detail = self.perform(request, key, job)
            if succeeded:
                done += 1
            else:
                skipped[detail] += 1
        self.message_user(
            request,
            summarize_operation(done, self.job_noun, operation.verb, skipped),
            messages.WARNING if skipped else messages.SUCCESS,
        )

    @admin.action(description="Cancel selected %(verbose_name_plural)s", permissions=["change"])
    def cancel_selected(self, request, queryset):
        self.run_on_selection(request, queryset, "cancel")

    @admin.action(description="Retry selected %(verbose_name_plural)s", permissions=["change"])
    def retry_selected(self, request, queryset):
        self.run_on_selection(request, queryset, "retry")

    @admin.action(description="Process selected %(verbose_name_plural)s now", permissions=["change"])
    def process_selected_now(self, request, queryset):
        self.run_on_selection(request, queryset, "process-now")

    # --- Change-page buttons ----------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                f"<path:object_id>/{key}/",
                self.admin_site.admin_view(self.operation_view),
                {"key": key},
                name=f"{info[0]}_{info[1]}_{key.replace('-', '_')}",
            )
            for key in self.operations
        ]
        # Before the default patterns: "<path:object_id>/" would swallow "<id>/retry/".
        return own + super().get_urls()

    def operation_view(self, request, object_id, key):
        """POST from a change-page button: run the operation, then back to the page with a message."""
        job = self.get_object(request, unquote(object_id))
        if job is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, job):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        operation = self.operations[key]
        succeeded, detail = self.perform(request, key, job)
        noun = self.job_noun[0].capitalize()
        if succeeded:
            text = f"{noun} {operation.verb}" + (f" (django-q2 task {detail})." if detail else ".")
            self.message_user(request, text, messages.SUCCESS)
        else:
            self.message_user(request, f"{noun} not {operation.verb}: {detail}.", messages.WARNING)
        return HttpResponseRedirect(admin_change_url(self.model, job.pk))

    def job_buttons(self, request, job) -> list[dict]:
        if not self.has_change_permission(request, job):
            return []
        info = self.opts.app_label, self.opts.model_name
        return [
            {
                "label": operation.button,
                "help": operation.help,
                "url": reverse(f"admin:{info[0]}_{info[1]}_{key.replace('-', '_')}", args=[quote(job.pk)]),
                "danger": key == "cancel",
            }
            for key, operation in self.operations.items()
            if self.is_eligible(key, job)
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            events = ProgressEvent.objects.filter(job_kind=obj.job_kind, job_id=obj.pk).order_by("-id")
            context.update(
                job_buttons=self.job_buttons(request, obj),
                progress_events=[
                    {"event": event, "badge": status_badge(event.status, status_role(obj.job_statuses, event.status))}
                    for event in events[:LATEST_EVENTS_SHOWN]
                ],
                progress_events_url=reverse("admin:jobs_progressevent_changelist")
                + f"?job_kind={obj.job_kind}&job_id={obj.pk}",
            )
        # Every field is read-only, so there is nothing to save; "Close" goes back to the list.
        context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def has_add_permission(self, request):
        # Jobs are created by their services (requests, API, schedules), never as bare rows.
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields] + list(self.readonly_fields)

    def save_model(self, request, obj, form, change):
        # A full-row save would race the worker's guarded UPDATEs and could undo its progress;
        # job state changes only through the operations above.
        pass

    # --- Columns and read-only computed fields -----------------------------------------------

    @admin.display(description="status", ordering="status")
    def status_badge(self, job):
        return job_status_badge(job)

    @admin.display(description="progress", ordering="progress_percentage")
    def progress_bar(self, job):
        return job_progress_bar(job)

    def eta_filters(self, job) -> dict:
        """Which completed jobs' durations predict this one's (all of the kind by default)."""
        return {}

    def compute_timing(self, job) -> tuple[int | None, float | None]:
        """(queue position, seconds left): 1 while running; 1 + the due jobs claimed before it."""
        statuses = job.job_statuses
        if job.status not in statuses.active:
            return None, None
        model = type(job)
        typical = typical_duration(recent_durations(model, **self.eta_filters(job)))
        if job.status == statuses.processing:
            remaining = remaining_while_running(
                percentage=job.progress_percentage, elapsed=job.elapsed_seconds or 0.0, typical=typical
            )
            return 1, remaining
        ahead = model.objects.claimed_before(job).count()
        wait = wait_in_queue(
            jobs_ahead=ahead, jobs_running=model.objects.running().count(), workers=settings.Q_WORKERS, typical=typical
        )
        backoff = max(0.0, (job.next_attempt_at - timezone.now()).total_seconds())
        return ahead + 1, None if wait is None else max(wait, backoff) + typical

    def job_timing(self, job) -> tuple[int | None, float | None]:
        # Position and ETA share one computation per page.
        if not hasattr(job, "_admin_timing"):
            job._admin_timing = self.compute_timing(job)
        return job._admin_timing

    @admin.display(description="queue position")
    def queue_position(self, job):
        position, _ = self.job_timing(job)
        if position is None:
            return "not in the queue"
        if job.status == job.job_statuses.processing:
            return "1 (running now)"
        text = f"{position} ({position - 1} due ahead of it)"
        if job.is_waiting_to_retry:
            text += f"; retry not before {job.next_attempt_at:%H:%M:%S} UTC"
        return text

    @admin.display(description="ETA")
    def eta(self, job):
        role = status_role(job.job_statuses, job.status)
        if role == "completed":
            return "complete"
        if role not in ("pending", "processing"):
            return "not scheduled"
        if is_stalled(job):
            return "unknown: the job has stopped reporting (see overdue)"
        _, seconds = self.job_timing(job)
        if seconds is None:
            return "unknown (no completed job of this kind to measure yet)"
        finish = timezone.now() + timedelta(seconds=seconds)
        return f"{describe_seconds(seconds)} (about {finish:%H:%M:%S} UTC)"

    @admin.display(description="duration")
    def duration(self, job):
        role = status_role(job.job_statuses, job.status)
        if role == "completed" and job.duration_seconds is not None:
            return describe_duration(job.duration_seconds)
        if role == "pending" or job.attempt_started_at is None:
            return "not running"
        elapsed = describe_duration(job.elapsed_seconds)
        if role == "processing":
            return f"running for {elapsed}"
        return f"ran {elapsed} before it {'failed' if role == 'failed' else 'was ' + job.status.lower()}"

    def overdue_reasons(self, job) -> list[str]:
        if is_stalled(job):
            return [
                f"no heartbeat for {describe_seconds(heartbeat_age(job))} (timeout "
                f"{describe_seconds(job.job_timeout_seconds())}); the sweeper will hand it back to the queue"
            ]
        return []

    @admin.display(description="overdue")
    def overdue(self, job):
        reasons = self.overdue_reasons(job)
        if not reasons:
            return "no"
        return format_html('<strong class="vs-overdue">YES</strong> — {}', "; ".join(reasons))

    @admin.display(description="django-q2 task")
    def django_q_task(self, job):
        if not job.q_task_id:
            return self.get_empty_value_display()
        task = Task.objects.filter(id=job.q_task_id).only("id", "name", "success").first()
        if task is None:
            # django-q2 saves a task when it ends (and keeps only the latest Q_CLUSTER save_limit).
            return format_html('{} <span class="vs-note">no saved result: still running, or no longer kept</span>',
                               job.q_task_id)
        url = reverse("admin:django_q_success_change" if task.success else "admin:django_q_failure_change",
                      args=[quote(task.pk)])
        outcome = "success" if task.success else "failure"
        return format_html('<a href="{}">{}</a> ({})', url, task.name or task.pk, outcome)

    timing_fields = ("queue_position", "eta", "duration", "overdue")
    # duration_seconds and q_task_id are shown through "duration" and "django_q_task".
    attempt_fields = ("attempts", "max_attempts", "next_attempt_at", "heartbeat_at", "finished_at", "worker_name",
                      "django_q_task")
    error_fields = ("error_code", "error_stage", "error_retryable")


# --- Generation and bulk jobs -------------------------------------------------------------------


@admin.register(GenerationJob)
class GenerationJobAdmin(TrackedJobAdmin):
    # Narrow enough to fit beside the nav sidebar and filters at 1280 px; attempts and timings
    # are on the change page.
    list_display = ("short_id", "owner", "topic_display", "status_badge", "progress_bar", "created")
    list_select_related = ("owner", "bulk_job")
    list_filter = ("status", "mode", "tone", "created_at", "finished_at", "error_retryable")
    search_fields = ("=id", "owner__username", "topic", "keyphrase", "resolved_topic", "=bulk_job__id", "q_task_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = (
        "status_badge", "progress_bar", "bulk_article", *TrackedJobAdmin.timing_fields, "django_q_task",
        "result_preview", "seo_checks_display",
    )
    fieldsets = (
        (None, {"fields": ("id", "owner", "status_badge", "mode", "topic", "keyphrase", "keywords", "word_count",
                           "tone", "bulk_article", "created_at")}),
        ("Progress", {"fields": ("progress_bar", "stage", "stage_progress", "progress_message", "started_at",
                                 "estimated_completion", *TrackedJobAdmin.timing_fields)}),
        ("Attempts", {"fields": TrackedJobAdmin.attempt_fields}),
        ("Error", {"fields": ("error_message", *TrackedJobAdmin.error_fields)}),
        ("Result", {"classes": ("collapse",), "fields": (
            "resolved_topic", "meta_title", "meta_description", "result_word_count", "seo_score", "readability_score",
            "seo_checks_display", "writer", "result_preview")}),
        ("Spin source", {"classes": ("collapse",), "fields": ("source_text",)}),
    )

    def eta_filters(self, job) -> dict:
        # Modes differ a lot (spin skips research), so a job is predicted from its own mode.
        return {"mode": job.mode}

    @admin.display(description="id", ordering="id")
    def short_id(self, job):
        return str(job.pk)[:8]

    @admin.display(description="topic", ordering="topic")
    def topic_display(self, job):
        topic = job.resolved_topic or job.topic or (", ".join(job.keywords) if job.keywords else "-")
        if job.bulk_job_id is None:
            return format_html('{}<span class="vs-note">{} mode</span>', topic, job.mode)
        return format_html('{}<span class="vs-note">{} mode, <a href="{}">bulk article {} of {}</a></span>', topic,
                           job.mode, admin_change_url(BulkJob, job.bulk_job_id), job.bulk_position, job.bulk_job.total)

    @admin.display(description="created (UTC)", ordering="created_at")
    def created(self, job):
        return compact_time(job.created_at)

    @admin.display(description="bulk")
    def bulk_article(self, job):
        if job.bulk_job_id is None:
            return "-"
        return format_html('<a href="{}">{} of {}</a>', admin_change_url(BulkJob, job.bulk_job_id),
                           job.bulk_position, job.bulk_job.total)

    @admin.display(description="article")
    def result_preview(self, job):
        return format_html('<pre class="vs-json">{}</pre>', job.result_content) if job.result_content else "-"

    @admin.display(description="SEO checks")
    def seo_checks_display(self, job):
        return pretty_json(job.seo_checks) if job.seo_checks else "-"


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows rows and never edits them: changes go through the services."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BulkArticleInline(ReadOnlyInline):
    model = GenerationJob
    fk_name = "bulk_job"
    verbose_name = "article"
    verbose_name_plural = "articles"
    fields = ("bulk_position", "mode", "topic", "status_badge", "progress_bar", "seo_score", "attempts")
    ordering = ("bulk_position",)
    show_change_link = True

    @admin.display(description="status")
    def status_badge(self, job):
        return job_status_badge(job)

    @admin.display(description="progress")
    def progress_bar(self, job):
        return job_progress_bar(job)


@admin.register(BulkJob)
class BulkJobAdmin(admin.ModelAdmin):
    list_display = ("short_id", "owner", "status_badge", "progress_bar", "articles", "created")
    list_select_related = ("owner",)
    list_filter = ("created_at", "cancelled_at")
    search_fields = ("=id", "owner__username")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = ("id", "owner", "total", "status_badge", "progress_bar", "articles", "cancelled_at",
                       "created_at", "updated_at")
    fields = readonly_fields
    inlines = (BulkArticleInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).with_article_counts()

    def has_add_permission(self, request):
        # Bulk jobs come from POST /api/jobs/bulk, which queues their articles with them.
        return False

    def has_change_permission(self, request, obj=None):
        # Nothing on a bulk job is edited by hand: its state is its articles', and each article
        # has its own page with the job operations. View-only keeps the Save buttons away.
        return False

    def counts(self, bulk) -> dict:
        return {status: getattr(bulk, f"articles_{status}") for status in GenerationJob.Status.values}

    @admin.display(description="id", ordering="id")
    def short_id(self, bulk):
        return str(bulk.pk)[:8]

    @admin.display(description="status")
    def status_badge(self, bulk):
        status = bulk_status(self.counts(bulk), bulk.total, bulk.cancelled_at)
        return status_badge(status, status_role(GenerationJob.job_statuses, status))

    @admin.display(description="progress")
    def progress_bar(self, bulk):
        # Finished articles count whole, running ones by their percentage (as the API's bulk answer).
        return progress_bar((bulk.done_share or 0.0) / bulk.total if bulk.total else 100.0)

    @admin.display(description="articles", ordering="total")
    def articles(self, bulk):
        counts = self.counts(bulk)
        parts = [f"{counts[status]} {status}" for status in GenerationJob.Status.values if counts[status]]
        return format_html('{} of {} completed<span class="vs-note">{}</span>', counts["completed"], bulk.total,
                           ", ".join(parts) or "no articles")

    @admin.display(description="created (UTC)", ordering="created_at")
    def created(self, bulk):
        return compact_time(bulk.created_at)


# --- The job core's own tables (read-only) -------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by workers only; staff look, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgressEvent)
class ProgressEventAdmin(ReadOnlyAdmin):
    list_display = ("created", "job_link", "status_badge", "progress_bar", "message")
    list_display_links = ("created",)
    # Each filter lists the table's distinct values; stage is left out because it has many.
    list_filter = ("job_kind", "status", "created_at")
    search_fields = ("=job_id", "message")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    # The history is long; an exact total on every page view would count all of it.
    show_full_result_count = False
    fields = ("id", "created_at", "job_link", "job_kind", "job_id", "status_badge", "stage", "percentage",
              "stage_progress", "attempt", "message", "data_display")
    readonly_fields = fields

    @admin.display(description="time (UTC)", ordering="created_at")
    def created(self, event):
        return compact_time(event.created_at)

    @admin.display(description="job")
    def job_link(self, event):
        model = job_models().get(event.job_kind)
        url = admin_change_url(model, event.job_id) if model else None
        label = f"{event.job_kind} {str(event.job_id)[:8]}"
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    @admin.display(description="status", ordering="status")
    def status_badge(self, event):
        model = job_models().get(event.job_kind)
        role = status_role(model.job_statuses, event.status) if model else "other"
        return status_badge(event.status, role)

    @admin.display(description="progress", ordering="percentage")
    def progress_bar(self, event):
        return progress_bar(event.percentage, event.stage)

    @admin.display(description="data")
    def data_display(self, event):
        return pretty_json(event.data)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("worker_name", "liveness", "beat_at")
    search_fields = ("worker_name",)
    list_filter = ("beat_at",)
    date_hierarchy = "beat_at"
    ordering = ("-beat_at",)
    fields = ("worker_name", "liveness", "beat_at")
    readonly_fields = fields

    @admin.display(description="liveness")
    def liveness(self, heartbeat):
        # The same window /healthz uses to call the worker tier alive.
        age = max(0.0, (timezone.now() - heartbeat.beat_at).total_seconds())
        alive = age < worker_alive_within().total_seconds()
        return status_badge("alive" if alive else "silent", "completed" if alive else "failed",
                            f"last beat {describe_seconds(age)} ago")


# --- The console's front page: the figures /metrics gives Prometheus (jobs/metrics.py) --------


@dataclass(frozen=True)
class QueueDepthRow:
    kind: str
    status: str
    role: str
    jobs: int
    # Share of the longest bar, in percent (the SVG bar's width: an attribute, not a style).
    bar_width: float


def queue_figures_for_dashboard() -> dict:
    """Jobs waiting and running per kind and status, and the workers alive: what /metrics reports,
    read by the same queries (one per job kind, one for the heartbeats)."""
    from jobs.metrics import queue_depth_for_metrics, worker_liveness

    per_status = Counter()
    for kind, status, _priority, jobs in queue_depth_for_metrics():
        per_status[(kind, status)] += jobs
    longest = max(per_status.values(), default=0)
    rows = []
    for kind, model in sorted(job_models().items()):
        for status in model.job_statuses.active:
            jobs = per_status[(kind, status)]
            rows.append(QueueDepthRow(kind, status, status_role(model.job_statuses, status), jobs,
                                      round(100 * jobs / longest, 1) if longest else 0.0))
    alive, silence = worker_liveness(timezone.now())
    return {"rows": rows, "workers_alive": alive,
            "last_beat": describe_seconds(silence) + " ago" if silence is not None else "never"}


# --- The front page, for the scheduler's operator: levels against their caps, the last hour ------


@dataclass(frozen=True)
class PriorityLevelRow:
    level: str  # HIGH, MEDIUM, LOW
    waiting: int  # pending and due: what a free worker would take
    waiting_to_retry: int  # pending until their back-off ends: not in line yet
    running: int
    cap: int  # most running at once (QUEUE_MAX_RUNNING_<LEVEL>); 0 is no cap
    longest_wait: str
    # Jobs across the full width of the row's bar: the same for every level, so the bars compare
    # (a long LOW bar is a long LOW queue).
    scale: int

    @property
    def cap_text(self) -> str:
        return str(self.cap) if self.cap else "no cap"

    @property
    def at_cap(self) -> bool:
        return bool(self.cap) and self.running >= self.cap

    def share(self, jobs: int) -> float:
        """Percent of the bar's width (SVG attributes, not styles)."""
        return round(100 * jobs / self.scale, 1) if self.scale else 0.0

    @property
    def running_width(self) -> float:
        return self.share(self.running)

    @property
    def waiting_width(self) -> float:
        return self.share(self.waiting)

    @property
    def cap_x(self) -> float | None:
        return self.share(self.cap) if self.cap else None


def priority_figures_for_dashboard(now: datetime | None = None) -> dict:
    """Profile jobs waiting and running per priority level beside the level's cap, and the
    scheduling settings that act on them: one query."""
    now = now or timezone.now()
    counts = {row["priority"]: row for row in ProfileJob.objects.by_priority_for_dashboard(now)}
    policy = claim_policy(ProfileJob)
    caps = {level: policy.level_caps.get(rank, 0) for rank, level in LEVEL_NAMES.items()}
    scale = max([row["running"] + row["waiting"] for row in counts.values()] + list(caps.values()))
    levels = []
    for _rank, level in sorted(LEVEL_NAMES.items()):
        row = counts.get(level, {})
        since = row.get("longest_waiting_since")
        levels.append(PriorityLevelRow(
            level=level, waiting=row.get("waiting", 0), waiting_to_retry=row.get("waiting_to_retry", 0),
            running=row.get("running", 0), cap=caps[level],
            longest_wait=describe_seconds((now - since).total_seconds()) if since else "-", scale=scale,
        ))
    return {
        "levels": levels,
        "kind_cap": policy.kind_cap,
        "aging_minutes": settings.QUEUE_AGING_MINUTES,
        "preemption": settings.QUEUE_PREEMPTION,
        "preempt_after_seconds": settings.QUEUE_PREEMPT_AFTER_SECONDS,
    }


# The last hour in twelve bars of five minutes, the last one ending now.
LAST_HOUR_BUCKETS = 12
LAST_HOUR_BUCKET = timedelta(minutes=5)
# The chart's drawing box (viewBox units): one slot of SLOT_WIDTH per bucket, bars CHART_HEIGHT high
# at most. The SVG is stretched to the column's width by CSS; heights and positions are attributes.
SLOT_WIDTH = 10
CHART_HEIGHT = 40
# A bucket with a job in it shows at least this high, however tall the tallest bar.
SHORTEST_BAR = 1.5


@dataclass(frozen=True)
class LastHourBar:
    title: str  # what the bar says to a screen reader and on hover: "14:05–14:10 UTC: 4 completed, 1 failed"
    completed: int
    failed: int
    slot_x: float  # the bucket's whole slot (it catches the hover of an empty bucket too)
    x: float
    completed_y: float
    completed_height: float
    failed_y: float
    failed_height: float


@dataclass(frozen=True)
class LastHourKindRow:
    kind: str
    completed: int
    failed: int
    tallest: int  # jobs in the kind's fullest bucket: its bars' scale
    bars: list[LastHourBar]


def last_hour_bars(kind_buckets: dict[int, tuple[int, int]], tallest: int, bucket_starts: list[datetime],
                   now: datetime) -> list[LastHourBar]:
    """A kind's twelve bars, completed below failed, scaled to the kind's own fullest bucket (the
    totals beside the chart say how many; each kind's shape stays readable at any volume)."""

    def height(jobs: int) -> float:
        return max(SHORTEST_BAR, round(CHART_HEIGHT * jobs / tallest, 2)) if jobs else 0.0

    bars = []
    for index, start in enumerate(bucket_starts):
        end = bucket_starts[index + 1] if index + 1 < len(bucket_starts) else now
        completed, failed = kind_buckets.get(index, (0, 0))
        completed_height = height(completed)
        failed_height = min(height(failed), CHART_HEIGHT - completed_height)
        bars.append(LastHourBar(
            title=f"{start:%H:%M}–{end:%H:%M} UTC: {completed} completed, {failed} failed",
            completed=completed, failed=failed, slot_x=index * SLOT_WIDTH, x=index * SLOT_WIDTH + 1,
            completed_y=CHART_HEIGHT - completed_height, completed_height=completed_height,
            failed_y=CHART_HEIGHT - completed_height - failed_height, failed_height=failed_height,
        ))
    return bars


def last_hour_figures_for_dashboard(now: datetime | None = None) -> dict:
    """Jobs completed and failed per kind in twelve five-minute buckets, and the pauses and
    promotions the scheduler made, over the last hour: one grouped query on the events."""
    now = now or timezone.now()
    bucket_starts = [now - LAST_HOUR_BUCKET * (LAST_HOUR_BUCKETS - index) for index in range(LAST_HOUR_BUCKETS)]
    per_kind: dict[str, dict[int, tuple[int, int]]] = {}
    paused = promoted = 0
    for row in ProgressEvent.objects.last_hour_for_dashboard(bucket_starts):
        if row["completed"] or row["failed"]:
            per_kind.setdefault(row["job_kind"], {})[row["bucket"]] = (row["completed"], row["failed"])
        paused += row["paused"]
        promoted += row["promoted"]
    kinds = []
    for kind in sorted(job_models()):
        buckets = per_kind.get(kind, {})
        tallest = max((completed + failed for completed, failed in buckets.values()), default=0)
        kinds.append(LastHourKindRow(
            kind=kind,
            completed=sum(completed for completed, _ in buckets.values()),
            failed=sum(failed for _, failed in buckets.values()),
            tallest=tallest,
            bars=last_hour_bars(buckets, tallest, bucket_starts, now),
        ))
    return {"kinds": kinds, "since": bucket_starts[0], "paused": paused, "promoted": promoted,
            "chart_width": LAST_HOUR_BUCKETS * SLOT_WIDTH, "chart_height": CHART_HEIGHT,
            "slot_width": SLOT_WIDTH, "bar_width": SLOT_WIDTH - 2}


_django_admin_index = admin.site.index


def index_with_queue_figures(request, extra_context=None):
    """Django's admin index with the queue and scheduler figures above the app list
    (templates/admin/index.html)."""
    now = timezone.now()
    return _django_admin_index(request, extra_context={
        **(extra_context or {}),
        "queue_figures": queue_figures_for_dashboard(),
        "priority_figures": priority_figures_for_dashboard(now),
        "last_hour_figures": last_hour_figures_for_dashboard(now),
    })


# Replaced on the site object before its URLs are built (admin.site.urls reads self.index then).
admin.site.index = index_with_queue_figures
