from django.urls import path

from jobs import generation_api as api
from jobs import stream_views

urlpatterns = [
    path("jobs", api.JobListCreateApi.as_view(), name="jobs"),
    path("jobs/bulk", api.BulkJobCreateApi.as_view(), name="jobs-bulk"),
    path("jobs/<uuid:job_id>", api.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<uuid:job_id>/cancel", api.JobCancelApi.as_view(), name="job-cancel"),
    path("jobs/<uuid:job_id>/retry", api.JobRetryApi.as_view(), name="job-retry"),
    path("jobs/<uuid:job_id>/events", api.JobEventsApi.as_view(), name="job-events"),
    path("jobs/<uuid:job_id>/progress", stream_views.generation_job_progress, name="job-progress"),
    path("bulk-jobs/<uuid:bulk_id>", api.BulkJobDetailApi.as_view(), name="bulk-job-detail"),
    path("bulk-jobs/<uuid:bulk_id>/cancel", api.BulkJobCancelApi.as_view(), name="bulk-job-cancel"),
    path("bulk-jobs/<uuid:bulk_id>/progress", stream_views.bulk_job_progress, name="bulk-job-progress"),
]
