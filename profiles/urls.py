from django.urls import path, register_converter

from profiles import api, stream_views


class AnyUsernameConverter:
    """Also matches an empty segment, so `/api/profile//request` gets our 400, not a bare 404."""

    regex = "[^/]*"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(AnyUsernameConverter, "username")

urlpatterns = [
    path("profiles/bulk-request", api.ProfileBulkRequestApi.as_view(), name="profile-bulk-request"),
    path("profile/<username:username>/request", api.profile_request_api, name="profile-request"),
    path("profile/<username:username>/status", api.profile_status_api, name="profile-status"),
    path("profile/<username:username>/cancel", api.ProfileCancelApi.as_view(), name="profile-cancel"),
    path("profile/<username:username>/retry", api.ProfileRetryApi.as_view(), name="profile-retry"),
    path("profile/<username:username>/reels", api.ProfileReelsApi.as_view(), name="profile-reels"),
    path("profile/<username:username>/posts", api.ProfileReelsApi.as_view(), name="profile-posts"),
    path("profile/<username:username>/events", stream_views.profile_events, name="profile-events"),
    path("profile/<username:username>/similar", api.ProfileSimilarApi.as_view(), name="profile-similar"),
    path("profile/<username:username>", api.ProfileDetailApi.as_view(), name="profile-detail"),
]
