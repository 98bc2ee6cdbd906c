"""Staff console of viral-ideas analyses: queue entries (with competitors and runs) and run results.

ViralQueueSummary is a database view over the same rows; it is deliberately not registered.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html

from jobs.admin import (
    JobOperation,
    ReadOnlyAdmin,
    ReadOnlyInline,
    TrackedJobAdmin,
    admin_change_url,
    compact_time,
    describe_duration,
    pretty_json,
    status_badge,
)
from viral_ideas.models import ViralAnalysisResult, ViralIdeasCompetitor, ViralIdeasQueue
from viral_ideas.selectors import OVERDUE_AFTER_MINUTES
from viral_ideas.services import viral_entry_cancel, viral_entry_may_write, viral_entry_process_now, viral_entry_rerun


class CompetitorInline(ReadOnlyInline):
    # Competitors are added and removed through the API's services (removal keeps the row).
    model = ViralIdeasCompetitor
    verbose_name_plural = "competitors"
    fields = ("competitor_username", "selection_method", "is_active", "processing_status", "reels_analyzed",
              "error_message", "added_at", "removed_at")


class ResultInline(ReadOnlyInline):
    model = ViralAnalysisResult
    verbose_name = "run"
    verbose_name_plural = "runs"
    fields = ("analysis_run", "analysis_type", "status", "total_reels_analyzed", "outliers_count", "hooks_count",
              "ideas_count", "started_at", "duration_seconds")
    ordering = ("-analysis_run",)
    show_change_link = True

    def get_queryset(self, request):
        # The run's full analysis is large and is read on its own page only.
        return super().get_queryset(request).defer("analysis_data")


@admin.register(ViralIdeasQueue)
class ViralIdeasQueueAdmin(TrackedJobAdmin):
    job_noun = ("entry", "entries")
    operations = {
        **TrackedJobAdmin.operations,
        "retry": JobOperation(
            "retry", "Rerun", "queued for a rerun", "A new analysis run; the results of earlier runs are kept."
        ),
    }
    # Narrow enough to fit beside the nav sidebar and filters at 1280 px: secondary facts ride
    # as notes under the column they belong to.
    list_display = ("session", "creator", "status_badge", "progress_bar", "runs", "submitted")
    list_filter = ("status", "priority", "auto_rerun_enabled", "error_retryable", "submitted_at", "finished_at")
    search_fields = ("session_id", "primary_username", "competitors__competitor_username", "=id")
    date_hierarchy = "submitted_at"
    ordering = ("-submitted_at",)
    inlines = (CompetitorInline, ResultInline)
    readonly_fields = (
        "status_badge", "progress_bar", "content_strategy_display", "analysis_settings_display",
        *TrackedJobAdmin.timing_fields, "django_q_task",
    )
    fieldsets = (
        (None, {"fields": ("id", "session_id", "primary_username", "owner", "status_badge", "priority",
                           "submitted_at", "updated_at")}),
        ("Strategy", {"fields": ("content_strategy_display", "analysis_settings_display")}),
        ("Progress", {"fields": ("progress_bar", "stage", "progress_message", "started_processing_at",
                                 "estimated_completion", *TrackedJobAdmin.timing_fields)}),
        ("Reruns", {"fields": ("auto_rerun_enabled", "rerun_frequency_hours", "total_runs", "last_analysis_at",
                               "next_scheduled_run")}),
        ("Attempts", {"fields": TrackedJobAdmin.attempt_fields}),
        ("Error", {"fields": ("error_message", *TrackedJobAdmin.error_fields)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            active_competitors=Count("competitors", filter=Q(competitors__is_active=True))
        )

    def has_change_permission(self, request, obj=None):
        # The API's and the pages' ownership rule too, so the three entry points cannot drift
        # apart (for staff it asks for the same model permission as the admin itself).
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or viral_entry_may_write(entry=obj, user=request.user))

    def cancel_job(self, request, job) -> None:
        viral_entry_cancel(entry=job, by=self.acting_as(request))

    def retry_job(self, request, job) -> None:
        viral_entry_rerun(entry=job, by=self.acting_as(request))

    def process_job_now(self, request, job) -> str:
        return viral_entry_process_now(entry=job, by=self.acting_as(request))

    def retry_statuses(self, job) -> tuple[str, ...]:
        # A rerun also starts from a completed entry (viral_entry_rerun allows it).
        return (ViralIdeasQueue.Status.COMPLETED, ViralIdeasQueue.Status.FAILED, ViralIdeasQueue.Status.CANCELLED)

    @admin.action(description="Rerun selected %(verbose_name_plural)s", permissions=["change"])
    def retry_selected(self, request, queryset):
        self.run_on_selection(request, queryset, "retry")

    def overdue_reasons(self, job) -> list[str]:
        reasons = super().overdue_reasons(job)
        started = job.started_processing_at
        if job.status == ViralIdeasQueue.Status.PROCESSING and started is not None:
            minutes = (timezone.now() - started).total_seconds() / 60
            # The status endpoint's is_overdue threshold, so both say the same.
            if minutes > OVERDUE_AFTER_MINUTES:
                reasons.append(f"running for {minutes:.0f} minutes (more than {OVERDUE_AFTER_MINUTES})")
        return reasons

    @admin.display(description="session", ordering="session_id")
    def session(self, entry):
        return format_html('{}<span class="vs-note">priority {}</span>', entry.session_id, entry.priority)

    @admin.display(description="creator", ordering="primary_username")
    def creator(self, entry):
        count = entry.active_competitors
        return format_html('@{}<span class="vs-note">vs {} competitor{}</span>', entry.primary_username, count,
                           "" if count == 1 else "s")

    @admin.display(description="runs", ordering="total_runs")
    def runs(self, entry):
        if not entry.auto_rerun_enabled:
            return entry.total_runs
        return format_html('{}<span class="vs-note">rerun every {} h</span>', entry.total_runs,
                           entry.rerun_frequency_hours)

    @admin.display(description="submitted (UTC)", ordering="submitted_at")
    def submitted(self, entry):
        return compact_time(entry.submitted_at)

    @admin.display(description="content strategy")
    def content_strategy_display(self, entry):
        return pretty_json(entry.content_strategy)

    @admin.display(description="analysis settings")
    def analysis_settings_display(self, entry):
        return pretty_json(entry.analysis_settings)


@admin.register(ViralAnalysisResult)
class ViralAnalysisResultAdmin(ReadOnlyAdmin):
    list_display = ("run_label", "entry_link", "status_badge", "findings", "duration", "started")
    list_select_related = ("queue",)
    list_filter = ("analysis_type", "status", "workflow_version", "started_at")
    search_fields = ("queue__session_id", "queue__primary_username", "=queue__id")
    date_hierarchy = "started_at"
    ordering = ("-started_at",)
    fields = (
        "id", "entry_link", "analysis_run", "analysis_type", "status_badge", "workflow_version",
        "total_reels_analyzed", "primary_reels_count", "competitor_reels_count", "outliers_count", "hooks_count",
        "ideas_count", "started_at", "analysis_completed_at", "duration", "error_message", "analysis_data_display",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description="run", ordering="analysis_run")
    def run_label(self, result):
        return format_html('run {}<span class="vs-note">{}</span>', result.analysis_run, result.analysis_type)

    @admin.display(description="findings")
    def findings(self, result):
        return format_html(
            '{} ideas<span class="vs-note">{} reels, {} outliers, {} hooks</span>',
            result.ideas_count, result.total_reels_analyzed, result.outliers_count, result.hooks_count,
        )

    @admin.display(description="started (UTC)", ordering="started_at")
    def started(self, result):
        return compact_time(result.started_at)

    @admin.display(description="entry", ordering="queue__session_id")
    def entry_link(self, result):
        entry = result.queue
        return format_html('<a href="{}">{}</a> <span class="vs-note">@{}</span>',
                           admin_change_url(ViralIdeasQueue, entry.pk), entry.session_id, entry.primary_username)

    @admin.display(description="status", ordering="status")
    def status_badge(self, result):
        return status_badge(result.status, result.status)

    @admin.display(description="duration", ordering="duration_seconds")
    def duration(self, result):
        return describe_duration(result.duration_seconds)

    @admin.display(description="analysis")
    def analysis_data_display(self, result):
        return pretty_json(result.analysis_data)
