from django.urls import path

from profiles.urls import AnyUsernameConverter  # noqa: F401  (registers the "username" converter)
from viral_ideas import api, stream_views

urlpatterns = [
    path("viral-ideas/queue", api.QueueCreateApi.as_view(), name="viral-queue-create"),
    path("viral-ideas/queue-status", api.QueueOverviewApi.as_view(), name="viral-queue-status"),
    path("viral-ideas/process-pending", api.ProcessPendingApi.as_view(), name="viral-process-pending"),
    path("viral-ideas/check-existing/<username:username>", api.CheckExistingApi.as_view(), name="viral-check-existing"),
    path("viral-ideas/queue/<str:queue_id>/process", api.QueueProcessApi.as_view(), name="viral-queue-process"),
    path("viral-ideas/queue/<str:queue_id>/cancel", api.QueueCancelApi.as_view(), name="viral-queue-cancel"),
    path("viral-ideas/queue/<str:queue_id>/rerun", api.QueueRerunApi.as_view(), name="viral-queue-rerun"),
    path("viral-ideas/queue/<str:queue_id>/competitors", api.CompetitorAddApi.as_view(), name="viral-competitor-add"),
    path("viral-ideas/queue/<str:queue_id>/competitors/<username:username>", api.CompetitorRemoveApi.as_view(),
         name="viral-competitor-remove"),
    path("viral-ideas/queue/<username:session_id>/events", stream_views.queue_events, name="viral-queue-events"),
    path("viral-ideas/queue/<username:session_id>", api.QueueStatusApi.as_view(), name="viral-queue-status-detail"),
    path("viral-analysis/<str:queue_id>/results", api.ResultsApi.as_view(), name="viral-results"),
    path("viral-analysis/<str:queue_id>/content", api.ContentApi.as_view(), name="viral-content"),
]
