"""Profile endpoints: one APIView per operation, thin, in the spec's envelope."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from jobs.api_envelope import (
    ApiError,
    envelope_schema,
    error_body,
    error_schema,
    json_response,
    ok,
    plain_api_view,
    validated,
)
from jobs.permissions import CHANGE_PROFILE_JOBS, staff_with_permission
from jobs.throttling import AnonThrottle, UserThrottle
from profiles import selectors, services
from profiles.filters import ContentFilter
from profiles.models import Content, PrimaryProfile, ProfileJob, Source
from profiles.similarity import similar_profiles

logger = logging.getLogger(__name__)


def clean_username(raw: str) -> str:
    try:
        return services.normalize_username(raw)
    except services.InvalidUsername as error:
        raise ApiError(str(error), status_code=400, error_code="INVALID_USERNAME") from None



def _profile_or_404(username: str) -> PrimaryProfile:
    profile = PrimaryProfile.objects.filter(username=username).first()
    if profile is None:
        raise ApiError(f"Profile {username} not found", status_code=404, error_code="PROFILE_NOT_FOUND")
    return profile


@plain_api_view(methods=("POST",), throttles=(AnonThrottle, UserThrottle))
def profile_request_api(request, username):
    """POST /api/profile/{username}/request?source=…: a plain view, for storms of requests (plain_api_view)."""
    username = clean_username(username)
    source = request.GET.get("source", Source.FRONTEND)
    if source not in Source.values:
        raise ApiError(f'source: "{source}" is not a valid choice.', status_code=400, error_code="VALIDATION_ERROR",
                       errors={"source": [f'"{source}" is not a valid choice.']})
    try:
        return services.profile_request(username=username, source=source)
    except services.QueueUnavailable as error:
        raise ApiError(str(error), status_code=503, error_code="QUEUE_UNAVAILABLE", queued=False) from None


class ProfileBulkRequestApi(APIView):
    class Input(serializers.Serializer):
        usernames = serializers.ListField(child=serializers.CharField(allow_blank=True), min_length=1, max_length=100)
        source = serializers.ChoiceField(choices=Source.choices, default=Source.BULK)

    @extend_schema(request=Input, responses={200: envelope_schema("ProfileBulkRequestAnswer"), 400: error_schema()})
    def post(self, request):
        data = validated(self.Input, request.data)
        results = services.profile_bulk_request(usernames=data["usernames"], source=data["source"])
        answers = [r["data"] for r in results if r["success"]]
        return ok({
            "results": results,
            "total": len(results),
            "queued": sum(1 for a in answers if a["profile_type"] == "new"),
            "already_queued": sum(1 for a in answers if a.get("skip_reason") == "already_in_queue"),
            "already_processed": sum(1 for a in answers if a["status"] == "exists"),
            "failed": len(results) - len(answers),
        })


@plain_api_view(throttles=(AnonThrottle, UserThrottle))
def profile_status_api(request, username):
    """GET /api/profile/{username}/status: the busiest endpoint, so a plain view (see plain_api_view).

    Documented in the OpenAPI schema by jobs.schema_hooks (drf-spectacular only sees DRF views).
    """
    username = clean_username(username)
    try:
        return selectors.profile_status(username)
    except DatabaseError as error:
        # The spec's ERROR state, with an honest HTTP status: the check itself failed.
        logger.warning("status check of @%s failed: %s", username, error, exc_info=True)
        body = error_body("Failed to check profile status; please retry", "STATUS_CHECK_FAILED")
        body["data"] = {
            "completed": False,
            "status": "ERROR",
            "message": f"Error checking status: {type(error).__name__}",
            "error_type": "system_error",
            "retry_recommended": True,
            "next_action": "retry_status_check",
        }
        return json_response(body, status_code=503, headers={"Retry-After": "15"})


def _latest_job_or_404(username: str) -> ProfileJob:
    job = ProfileJob.objects.filter(username=username).order_by("-timestamp").first()
    if job is None:
        raise ApiError(f"No profile job for {username}", status_code=404, error_code="JOB_NOT_FOUND")
    return job


class ProfileCancelApi(APIView):
    permission_classes = [staff_with_permission(CHANGE_PROFILE_JOBS)]

    @extend_schema(request=None, responses={200: envelope_schema("ProfileCancelAnswer"), 401: error_schema(), 403: error_schema(),
                                            404: error_schema(), 409: error_schema()})
    def post(self, request, username):
        username = clean_username(username)
        services.profile_job_cancel(job=_latest_job_or_404(username), by=request.user.get_username())
        return ok(selectors.profile_status(username))


class ProfileRetryApi(APIView):
    permission_classes = [staff_with_permission(CHANGE_PROFILE_JOBS)]

    @extend_schema(request=None, responses={200: envelope_schema("ProfileRetryAnswer"), 401: error_schema(), 403: error_schema(),
                                            404: error_schema(), 409: error_schema()})
    def post(self, request, username):
        username = clean_username(username)
        services.profile_job_retry(job=_latest_job_or_404(username), by=request.user.get_username())
        return ok(selectors.profile_status(username))


class ProfileOutput(serializers.ModelSerializer):
    profile_name = serializers.CharField(source="full_name")
    followers = serializers.IntegerField(source="followers_count")
    following = serializers.IntegerField(source="following_count")
    profile_image_url = serializers.CharField(source="profile_pic_url")
    reels_count = serializers.IntegerField(source="total_reels")
    average_views = serializers.FloatField(source="mean_views")
    profile_type = serializers.SerializerMethodField()
    url = serializers.CharField(source="instagram_url")

    class Meta:
        model = PrimaryProfile
        fields = [
            "username", "profile_name", "followers", "following", "posts_count", "profile_image_url", "bio",
            "is_verified", "is_private", "is_business_account", "reels_count", "average_views", "median_views",
            "std_views", "total_views", "total_likes", "total_comments", "primary_category", "engagement_metrics",
            "content_stats", "profile_type", "url", "created_at", "last_scraped_at",
        ]

    def get_profile_type(self, profile) -> str:
        return "primary"


class ProfileDetailApi(APIView):
    @extend_schema(responses={200: envelope_schema("ProfileAnswer", ProfileOutput()), 404: error_schema()})
    def get(self, request, username):
        return ok(ProfileOutput(_profile_or_404(clean_username(username))).data)


class ReelOutput(serializers.ModelSerializer):
    class Meta:
        model = Content
        fields = [
            "content_id", "shortcode", "content_type", "url", "description", "transcript", "hashtags", "keywords",
            "view_count", "like_count", "comment_count", "engagement_rate", "outlier_score", "video_duration",
            "is_pinned", "date_posted", "username",
        ]


class ProfileReelsApi(APIView):
    class Input(serializers.Serializer):
        sort_by = serializers.ChoiceField(choices=["popular", "recent", "oldest"], default="popular")
        limit = serializers.IntegerField(min_value=1, max_value=100, default=20)
        offset = serializers.IntegerField(min_value=0, default=0)

    @extend_schema(parameters=[Input], responses={200: envelope_schema("ProfileReelsAnswer"), 400: error_schema()})
    def get(self, request, username):
        username = clean_username(username)
        paging = validated(self.Input, request.query_params)
        _profile_or_404(username)
        filterset = ContentFilter(request.query_params, queryset=Content.objects.for_reels_page(username, sort_by=paging["sort_by"]))
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        reels = filterset.qs
        total = reels.count()
        start, stop = paging["offset"], paging["offset"] + paging["limit"]
        return ok({
            "reels": ReelOutput(reels[start:stop], many=True).data,
            "total_count": total,
            "limit": paging["limit"],
            "offset": paging["offset"],
            "isLastPage": stop >= total,
        })


class ProfileSimilarApi(APIView):
    class Input(serializers.Serializer):
        limit = serializers.IntegerField(min_value=1, max_value=100, default=10)

    @extend_schema(parameters=[Input], responses={200: envelope_schema("SimilarProfilesAnswer"), 404: error_schema()})
    def get(self, request, username):
        base = _profile_or_404(clean_username(username))
        limit = validated(self.Input, request.query_params)["limit"]
        results = similar_profiles(base, limit=limit)
        return ok([
            {
                "rank": rank,
                "username": s.profile.username,
                "profile_name": s.profile.full_name,
                "followers": s.profile.followers_count,
                "profile_image_url": s.profile.profile_pic_url,
                "primary_category": s.profile.primary_category,
                "is_verified": s.profile.is_verified,
                "similarity_score": s.score,
                "score_components": s.components,
                "shared_hashtags": s.shared_hashtags,
            }
            for rank, s in enumerate(results, start=1)
        ])
