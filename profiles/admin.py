"""Staff console of profiles: the profile-job queue, fetched profiles and their reels."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from jobs.admin import TrackedJobAdmin, admin_change_url, compact_time, job_status_badge
from profiles.models import Content, PrimaryProfile, ProfileJob
from profiles.selectors import profile_job_timing
from profiles.services import profile_job_cancel, profile_job_retry

Status = ProfileJob.Status


@admin.register(ProfileJob)
class ProfileJobAdmin(TrackedJobAdmin):
    # Narrow enough to fit beside the nav sidebar and filters at 1280 px; attempts, source and
    # timings are on the change page (a waiting retry's "n/max" is in its badge).
    list_display = ("username", "status_badge", "progress_bar", "priority_word", "requested")
    list_filter = ("status", "priority", "source", "error_retryable", "error_code", "timestamp", "finished_at")
    search_fields = ("username", "=request_id", "=id", "worker_name", "q_task_id")
    date_hierarchy = "timestamp"
    ordering = ("-timestamp",)
    readonly_fields = ("status_badge", "progress_bar", "profile_link", *TrackedJobAdmin.timing_fields, "django_q_task")
    fieldsets = (
        (None, {"fields": ("id", "username", "profile_link", "status_badge", "priority", "source", "request_id",
                           "timestamp", "created_at", "updated_at")}),
        ("Progress", {"fields": ("progress_bar", "stage", "progress_message", "last_attempt",
                                 *TrackedJobAdmin.timing_fields)}),
        ("Attempts", {"fields": TrackedJobAdmin.attempt_fields}),
        ("Error", {"fields": ("error_message", *TrackedJobAdmin.error_fields)}),
    )

    def get_queryset(self, request):
        # Queue counts ride along in the list's single query (a subquery per row, no extra round trips).
        return super().get_queryset(request).with_queue_counts()

    def cancel_job(self, request, job) -> None:
        profile_job_cancel(job=job, by=self.acting_as(request))

    def retry_job(self, request, job) -> None:
        profile_job_retry(job=job, by=self.acting_as(request))

    def compute_timing(self, job):
        # The status endpoint's own answer, so the admin and the API never disagree.
        timing = profile_job_timing(job)
        return timing.queue_position, timing.seconds_remaining

    @admin.display(description="status", ordering="status")
    def status_badge(self, job):
        # jobs_ahead comes from with_queue_counts(); a job waiting for its retry is not in line
        # yet, and its badge says when it will be instead.
        return job_status_badge(job, queue_position=job.jobs_ahead + 1)

    @admin.display(description="priority", ordering="priority_rank")
    def priority_word(self, job):
        # The bare word keeps the column narrow; the filter and change page show the long label.
        return job.priority

    @admin.display(description="requested (UTC)", ordering="timestamp")
    def requested(self, job):
        return compact_time(job.timestamp)

    @admin.display(description="profile")
    def profile_link(self, job):
        profile_id = PrimaryProfile.objects.filter(username=job.username).values_list("pk", flat=True).first()
        if profile_id is None:
            return "not fetched"
        return format_html('<a href="{}">@{}</a>', admin_change_url(PrimaryProfile, profile_id), job.username)


@admin.register(PrimaryProfile)
class PrimaryProfileAdmin(admin.ModelAdmin):
    list_display = (
        "username", "full_name", "followers_count", "total_reels", "median_views", "primary_category",
        "is_verified", "is_private", "scraping_status", "last_scraped_at",
    )
    list_filter = ("scraping_status", "is_verified", "is_private", "is_business_account", "created_at",
                   "last_scraped_at")
    search_fields = ("username", "full_name", "primary_category")
    date_hierarchy = "created_at"
    ordering = ("username",)
    # Computed from the reels by the pipeline; editing them by hand would contradict the reels.
    readonly_fields = (
        "id", "reels_link", "instagram_link", "median_views", "mean_views", "std_views", "total_views", "total_likes",
        "total_comments", "total_reels", "content_stats", "engagement_metrics", "created_at", "updated_at",
    )

    @admin.display(description="reels")
    def reels_link(self, profile):
        url = reverse("admin:profiles_content_changelist") + f"?username={profile.username}"
        return format_html('<a href="{}">{} reels</a>', url, profile.total_reels)

    @admin.display(description="on Instagram")
    def instagram_link(self, profile):
        url = profile.instagram_url
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', url, url)


@admin.register(Content)
class ContentAdmin(admin.ModelAdmin):
    list_display = (
        "shortcode", "username", "content_type", "view_count", "like_count", "comment_count", "outlier",
        "date_posted", "is_pinned",
    )
    list_filter = ("content_type", "is_pinned", "date_posted")
    search_fields = ("username", "=shortcode", "=content_id", "description")
    date_hierarchy = "date_posted"
    ordering = ("-date_posted",)
    # A profile has thousands of siblings; a select box would load them all.
    raw_id_fields = ("profile",)
    readonly_fields = ("outlier_score", "engagement_rate", "created_at", "updated_at")

    @admin.display(description="outlier", ordering="outlier_score")
    def outlier(self, content):
        return f"{content.outlier_score:.1f}×"
