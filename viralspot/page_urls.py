"""Server-rendered pages (the API lives under /api/, login under /accounts/)."""

from django.urls import path

from jobs import views as job_views
from profiles import views as profile_views
from viral_ideas import views as viral_views
from viralspot import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("profiles/", profile_views.profiles_page, name="profiles"),
    path("profiles/<str:username>/", profile_views.profile_page, name="profile-page"),
    path("viral-ideas/new", viral_views.viral_new, name="viral-new"),
    path("viral-ideas/<str:session_id>/", viral_views.viral_progress, name="viral-progress"),
    path("viral-ideas/<str:session_id>/cancel", viral_views.viral_cancel, name="viral-cancel"),
    path("viral-ideas/<str:session_id>/results", viral_views.viral_results, name="viral-results-page"),
    path("jobs/", job_views.job_list, name="jobs-page"),
    path("jobs/new", job_views.job_new, name="job-new"),
    path("jobs/<uuid:job_id>/", job_views.job_page, name="job-page"),
    path("jobs/<uuid:job_id>/cancel", job_views.job_cancel, name="job-cancel-page"),
    path("jobs/bulk/<uuid:bulk_id>/", job_views.bulk_page, name="bulk-page"),
    path("jobs/bulk/<uuid:bulk_id>/cancel", job_views.bulk_cancel, name="bulk-cancel-page"),
]
