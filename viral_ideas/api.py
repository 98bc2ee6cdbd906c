"""Viral-ideas endpoints: one APIView per operation.

Like the original, creating and reading entries needs no account (the session_id, or the
entry's UUID, is the client's handle; anonymous calls are throttled), and every read stays open
to anyone. Changing an entry (cancel, rerun, add or remove a competitor) is for its owner and
staff (viral_ideas.services.viral_entry_may_write):

- created while signed in (token or session), the entry belongs to that account;
- created anonymously, the creation answer carries `owner_token`, once; send it back in the
  `X-Owner-Token` header to change the entry (only its SHA-256 is stored: a lost token cannot
  be recovered, and the entry is then staff's alone);
- anyone else gets 403 NOT_ENTRY_OWNER. Not 404: entry ids are public (queue-status lists them,
  the status answer shows them), so hiding that an entry exists would protect nothing and only
  make a missing header look like a wrong id.

Processing on demand (`…/process`, `process-pending`) is for staff holding
viral_ideas.change_viralideasqueue, the permission the admin's operations need.
"""

from __future__ import annotations

import statistics
import uuid

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.views import APIView

from jobs.api_envelope import ApiError, envelope_schema, error_schema, ok, validated
from jobs.eta import recent_durations
from jobs.permissions import CHANGE_VIRAL_ENTRIES, staff_with_permission
from jobs.throttling import AnonThrottle, ScopedThrottle, UserThrottle
from profiles.models import Content
from profiles.services import InvalidUsername, normalize_username
from viral_ideas import selectors, services
from viral_ideas.models import ViralIdeasCompetitor, ViralIdeasQueue

Status = ViralIdeasQueue.Status



def entry_or_error(queue_id: str) -> ViralIdeasQueue:
    try:
        parsed = uuid.UUID(str(queue_id))
    except ValueError:
        raise ApiError(
            "queue_id must be a valid UUID", status_code=400, error_code="INVALID_UUID_FORMAT",
            troubleshooting="Use the entry's id, e.g. 12345678-1234-1234-1234-123456789012",
        ) from None
    entry = ViralIdeasQueue.objects.filter(pk=parsed).first()
    if entry is None:
        raise ApiError("Queue entry not found", status_code=404, error_code="QUEUE_NOT_FOUND",
                       troubleshooting="Check the id returned when the entry was created")
    return entry


OWNER_TOKEN_PARAMETER = OpenApiParameter(
    services.OWNER_TOKEN_HEADER, str, OpenApiParameter.HEADER, required=False,
    description="The owner_token answered when the entry was created without an account. Not needed by the "
                "account that created the entry, nor by staff.",
)


def writable_entry_or_error(request, queue_id: str) -> ViralIdeasQueue:
    """The entry, if the caller may change it: 400 for a bad id, 404 for none, 403 for a non-owner."""
    entry = entry_or_error(queue_id)
    try:
        services.viral_entry_check_write(entry=entry, user=request.user,
                                         owner_token=request.headers.get(services.OWNER_TOKEN_HEADER))
    except services.NotEntryOwner:
        raise ApiError(
            "Only the entry's creator or staff may change it", status_code=403, error_code="NOT_ENTRY_OWNER",
            troubleshooting=f"Sign in as the account that created the entry, or send the owner_token of the creation "
                            f"answer in the {services.OWNER_TOKEN_HEADER} header",
        ) from None
    return entry


def acting_as(request) -> str:
    """Who the job's history names for a change (an anonymous owner is known by the token only)."""
    return request.user.get_username() or "owner token"


def clean_session_id(raw: str) -> str:
    problem = services.session_id_problem(raw)
    if problem:
        raise ApiError(problem, status_code=400, error_code="INVALID_SESSION_ID")
    return raw.strip()


class UsernameField(serializers.CharField):
    def to_internal_value(self, data):
        try:
            return normalize_username(super().to_internal_value(data))
        except InvalidUsername as error:
            raise serializers.ValidationError(str(error)) from None


class ContentStrategyInput(serializers.Serializer):
    contentType = serializers.CharField(max_length=500)
    targetAudience = serializers.CharField(max_length=500)
    goals = serializers.CharField(max_length=1000)
    additionalNotes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AnalysisSettingsInput(serializers.Serializer):
    outlier_threshold = serializers.FloatField(min_value=1.0, max_value=100.0, required=False)
    max_competitor_reels = serializers.IntegerField(min_value=5, max_value=200, required=False)
    ideas_count = serializers.IntegerField(min_value=1, max_value=20, required=False)
    analysis_depth = serializers.ChoiceField(choices=["quick", "standard", "comprehensive"], required=False)
    include_transcripts = serializers.BooleanField(required=False)


class QueueCreatedOutput(serializers.Serializer):
    id = serializers.UUIDField()
    session_id = serializers.CharField()
    primary_username = serializers.CharField()
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    competitors = serializers.ListField(child=serializers.CharField())
    status_url = serializers.CharField()
    owner_token = serializers.CharField(
        allow_null=True,
        help_text="Only for an entry created without an account, and only in this answer: send it in the "
                  "X-Owner-Token header to cancel, rerun or edit the entry. null when the entry belongs to the "
                  "signed-in account.",
    )


def entry_created(entry: ViralIdeasQueue) -> dict:
    return {
        "id": str(entry.pk),
        "session_id": entry.session_id,
        "primary_username": entry.primary_username,
        "status": entry.status,
        "submitted_at": entry.submitted_at,
        "competitors": list(entry.competitors.filter(is_active=True).values_list("competitor_username", flat=True)),
        "status_url": f"/api/viral-ideas/queue/{entry.session_id}",
        "owner_token": entry.owner_token,
    }


class QueueCreateApi(APIView):
    # Anonymous creation is throttled twice: the global anon rate and this endpoint's own.
    throttle_classes = [AnonThrottle, UserThrottle, ScopedThrottle]
    throttle_scope = "viral_queue_create"
    class Input(serializers.Serializer):
        session_id = serializers.CharField(max_length=255, trim_whitespace=True)
        primary_username = UsernameField()
        selected_competitors = serializers.ListField(child=UsernameField(), min_length=1, max_length=20)
        content_strategy = ContentStrategyInput()
        analysis_settings = AnalysisSettingsInput(required=False, default=dict)
        priority = serializers.IntegerField(min_value=1, max_value=10, default=5)
        auto_rerun_enabled = serializers.BooleanField(default=False)
        rerun_frequency_hours = serializers.IntegerField(min_value=1, max_value=24 * 90, default=24)
        selection_method = serializers.ChoiceField(choices=ViralIdeasCompetitor.SelectionMethod.choices, default="manual")

        def validate(self, data):
            others = [name for name in data["selected_competitors"] if name != data["primary_username"]]
            if not others:
                raise serializers.ValidationError({"selected_competitors": "choose at least one competitor other than the creator"})
            return data

    @extend_schema(request=Input, responses={201: envelope_schema("ViralQueueCreated", QueueCreatedOutput()),
                                             400: error_schema(), 409: error_schema()})
    def post(self, request):
        data = validated(self.Input, request.data)
        try:
            entry = services.viral_entry_create(
                session_id=data["session_id"],
                primary_username=data["primary_username"],
                competitors=data["selected_competitors"],
                content_strategy=dict(data["content_strategy"]),
                analysis_settings=dict(data["analysis_settings"]),
                priority=data["priority"],
                auto_rerun_enabled=data["auto_rerun_enabled"],
                rerun_frequency_hours=data["rerun_frequency_hours"],
                selection_method=data["selection_method"],
                owner=request.user,
            )
        except services.SessionAlreadyUsed as error:
            raise ApiError(
                f"session_id {data['session_id']!r} is already used by another entry", status_code=409,
                error_code="SESSION_EXISTS", existing_id=str(error.entry.pk), existing_status=error.entry.status,
            ) from None
        return ok(entry_created(entry), status_code=status.HTTP_201_CREATED,
                  message=f"Viral ideas analysis queued for @{entry.primary_username}")


class QueueStatusApi(APIView):
    @extend_schema(responses={200: envelope_schema("ViralQueueStatus"), 400: error_schema(), 404: error_schema()})
    def get(self, request, session_id):
        state = selectors.entry_status(clean_session_id(session_id))
        if state is None:
            raise ApiError("Queue entry not found", status_code=404, error_code="QUEUE_NOT_FOUND")
        return ok(state)


class QueueProcessApi(APIView):
    permission_classes = [staff_with_permission(CHANGE_VIRAL_ENTRIES)]

    @extend_schema(request=None, responses={200: envelope_schema("ViralProcessStarted"), 400: error_schema(),
                                            401: error_schema(), 403: error_schema(), 404: error_schema(),
                                            409: error_schema()})
    def post(self, request, queue_id):
        entry = entry_or_error(queue_id)
        if not entry.primary_username:
            raise ApiError("Queue entry missing required primary_username", status_code=400,
                           error_code="MISSING_REQUIREMENTS")
        active = list(entry.competitors.filter(is_active=True).values_list("competitor_username", flat=True))
        if not active:
            raise ApiError("Queue entry has no active competitors", status_code=400, error_code="MISSING_REQUIREMENTS",
                           troubleshooting="Add a competitor with POST …/competitors first")
        task_id = services.viral_entry_process_now(entry=entry, by=request.user.get_username())
        durations = [d / 60 for d in recent_durations(ViralIdeasQueue)]
        broker = "redis" if settings.REDIS_URL else "orm"
        return ok({
            "immediate_processing": {
                "queue_id": str(entry.pk),
                "status": "processing_started",
                "execution_mode": "worker_task",
                "processor_type": "viral_ideas.pipeline.analyse_entry",
                "task_created": True,
                "task_id": task_id,
            },
            "processing_details": {
                "primary_username": entry.primary_username,
                "session_id": entry.session_id,
                "competitors_count": len(active),
                "competitors": active,
                "priority": entry.priority,
                "content_strategy_provided": bool(entry.content_strategy),
                "processing_mode": "sequential_competitor_analysis",
                "run_number": entry.total_runs + 1,
            },
            "resource_allocation": {
                "broker": broker,
                "cluster": settings.Q_CLUSTER["name"],
                "workers_per_cluster": settings.Q_WORKERS,
                "task_timeout_seconds": settings.JOB_TASK_TIMEOUT_SECONDS,
            },
            "monitoring": {
                "progress_endpoint": f"/api/viral-ideas/queue/{entry.session_id}",
                "events_endpoint": f"/api/viral-ideas/queue/{entry.session_id}/events",
                "results_endpoint": f"/api/viral-analysis/{entry.pk}/results",
                "status_tracking": "server_sent_events",
            },
            "estimated_completion": {
                "min_duration_minutes": round(min(durations), 2) if durations else None,
                "max_duration_minutes": round(max(durations), 2) if durations else None,
                "median_duration_minutes": round(statistics.median(durations), 2) if durations else None,
                "based_on_runs": len(durations),
                "factors": f"{len(active)} competitors; measured from the last {len(durations)} completed runs",
            },
            "timestamp": timezone.now(),
        }, message="Viral ideas processing started in a worker")


class QueueCancelApi(APIView):
    @extend_schema(request=None, parameters=[OWNER_TOKEN_PARAMETER],
                   responses={200: envelope_schema("ViralCancelled"), 400: error_schema(), 403: error_schema(),
                              404: error_schema(), 409: error_schema()})
    def post(self, request, queue_id):
        entry = services.viral_entry_cancel(entry=writable_entry_or_error(request, queue_id), by=acting_as(request))
        return ok(selectors.entry_status(entry.session_id), message="Analysis cancelled")


class QueueRerunApi(APIView):
    @extend_schema(request=None, parameters=[OWNER_TOKEN_PARAMETER],
                   responses={200: envelope_schema("ViralRerun"), 400: error_schema(), 403: error_schema(),
                              404: error_schema(), 409: error_schema()})
    def post(self, request, queue_id):
        entry = services.viral_entry_rerun(entry=writable_entry_or_error(request, queue_id), by=acting_as(request))
        return ok(selectors.entry_status(entry.session_id), message=f"Run {entry.total_runs + 1} queued")


class CompetitorAddApi(APIView):
    class Input(serializers.Serializer):
        username = UsernameField()
        selection_method = serializers.ChoiceField(choices=ViralIdeasCompetitor.SelectionMethod.choices, default="manual")

    @extend_schema(request=Input, parameters=[OWNER_TOKEN_PARAMETER],
                   responses={201: envelope_schema("ViralCompetitorAdded"), 400: error_schema(), 403: error_schema(),
                              404: error_schema()})
    def post(self, request, queue_id):
        entry = writable_entry_or_error(request, queue_id)
        data = validated(self.Input, request.data)
        try:
            competitor = services.viral_competitor_add(entry=entry, username=data["username"],
                                                      selection_method=data["selection_method"])
        except ValueError as error:
            raise ApiError(str(error), status_code=400, error_code="VALIDATION_ERROR") from None
        return ok(selectors.competitor_document(competitor), status_code=status.HTTP_201_CREATED)


class CompetitorRemoveApi(APIView):
    @extend_schema(request=None, parameters=[OWNER_TOKEN_PARAMETER],
                   responses={200: envelope_schema("ViralCompetitorRemoved"), 400: error_schema(), 403: error_schema(),
                              404: error_schema()})
    def delete(self, request, queue_id, username):
        entry = writable_entry_or_error(request, queue_id)
        try:
            competitor = services.viral_competitor_remove(entry=entry, username=username)
        except InvalidUsername as error:
            raise ApiError(str(error), status_code=400, error_code="INVALID_USERNAME") from None
        if competitor is None:
            raise ApiError("No active competitor with that username", status_code=404, error_code="COMPETITOR_NOT_FOUND")
        return ok({**selectors.competitor_document(competitor), "is_active": False, "removed_at": competitor.removed_at})


class QueueOverviewApi(APIView):
    @extend_schema(responses={200: envelope_schema("ViralQueueOverview")})
    def get(self, request):
        counts = ViralIdeasQueue.objects.aggregate(
            **{name: Count("pk", filter=Q(status=name)) for name in Status.values}, total=Count("pk")
        )
        recent = ViralIdeasQueue.objects.annotate(
            active_competitors_count=Count("competitors", filter=Q(competitors__is_active=True))
        ).order_by("-submitted_at")[:10]
        return ok({
            "statistics": counts,
            "recent_items": [
                {
                    "id": str(entry.pk),
                    "session_id": entry.session_id,
                    "primary_username": entry.primary_username,
                    "status": entry.status,
                    "progress_percentage": round(entry.progress_percentage, 1),
                    "current_step": entry.progress_message,
                    "submitted_at": entry.submitted_at,
                    "content_type": (entry.content_strategy or {}).get("contentType"),
                    "target_audience": (entry.content_strategy or {}).get("targetAudience"),
                    "active_competitors_count": entry.active_competitors_count,
                }
                for entry in recent
            ],
        })


class ProcessPendingApi(APIView):
    permission_classes = [staff_with_permission(CHANGE_VIRAL_ENTRIES)]

    @extend_schema(request=None, responses={200: envelope_schema("ViralProcessPending"), 401: error_schema(),
                                            403: error_schema()})
    def post(self, request):
        outcome = services.viral_process_pending()
        return ok({"status": "processing_started", **outcome, "timestamp": timezone.now()},
                  message=f"{outcome['pending']} pending entries handed to the workers")


class CheckExistingApi(APIView):
    @extend_schema(responses={200: envelope_schema("ViralExisting"), 404: error_schema()})
    def get(self, request, username):
        try:
            username = normalize_username(username)
        except InvalidUsername as error:
            raise ApiError(str(error), status_code=400, error_code="INVALID_USERNAME") from None
        entries = ViralIdeasQueue.objects.filter(primary_username=username)
        entry = (entries.filter(status=Status.COMPLETED).order_by("-last_analysis_at", "-submitted_at").first()
                 or entries.filter(status__in=[Status.PENDING, Status.PROCESSING]).order_by("-submitted_at").first())
        if entry is None:
            raise ApiError(f"No analysis for @{username}", status_code=404, error_code="QUEUE_NOT_FOUND")
        return ok(selectors.entry_status(entry.session_id))


class ResultsApi(APIView):
    class Input(serializers.Serializer):
        run = serializers.IntegerField(min_value=1, required=False)

    @extend_schema(parameters=[Input], responses={200: envelope_schema("ViralResults"), 404: error_schema()})
    def get(self, request, queue_id):
        entry = entry_or_error(queue_id)
        run = validated(self.Input, request.query_params).get("run")
        result = selectors.result_for(entry, run)
        if result is None:
            raise ApiError("No analysis results for this entry" + (f" (run {run})" if run else ""), status_code=404,
                           error_code="RESULTS_NOT_FOUND")
        return ok(selectors.result_document(entry, result))


class ContentApi(APIView):
    class Input(serializers.Serializer):
        content_type = serializers.ChoiceField(choices=["all", "primary", "competitor"], default="all")
        limit = serializers.IntegerField(min_value=1, max_value=200, default=100)
        offset = serializers.IntegerField(min_value=0, default=0)
        min_outlier_score = serializers.FloatField(min_value=0, required=False)

    @extend_schema(parameters=[Input], responses={200: envelope_schema("ViralContent"), 404: error_schema()})
    def get(self, request, queue_id):
        entry = entry_or_error(queue_id)
        params = validated(self.Input, request.query_params)
        competitors = list(entry.competitors.filter(is_active=True).values_list("competitor_username", flat=True))
        usernames = {"all": [entry.primary_username, *competitors], "primary": [entry.primary_username],
                     "competitor": competitors}[params["content_type"]]
        reels = Content.objects.filter(username__in=usernames).order_by("-outlier_score", "-view_count")
        if "min_outlier_score" in params:
            reels = reels.filter(outlier_score__gte=params["min_outlier_score"])
        total = reels.count()
        start, stop = params["offset"], params["offset"] + params["limit"]
        return ok({
            "content": [
                {
                    "content_id": reel.content_id, "shortcode": reel.shortcode, "url": reel.url,
                    "description": reel.description, "view_count": reel.view_count, "like_count": reel.like_count,
                    "comment_count": reel.comment_count, "date_posted": reel.date_posted, "username": reel.username,
                    "outlier_score": reel.outlier_score,
                    "reel_type": "primary" if reel.username == entry.primary_username else "competitor",
                }
                for reel in reels[start:stop]
            ],
            "total_count": total,
            "limit": params["limit"],
            "offset": params["offset"],
            "has_more": stop < total,
        })
