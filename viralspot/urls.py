from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from jobs.api import AuthTokenApi, HealthApi
from jobs.metrics import metrics
from viralspot import views
from viralspot.sign_in import ThrottledAdminAuthenticationForm, ThrottledAuthenticationForm

# Both sign-in forms count failures with the API's (viralspot.sign_in).
admin.site.login_form = ThrottledAdminAuthenticationForm

# Most-called first: Django tries the patterns in order, and pollers call the API all day.
urlpatterns = [
    path("api/", include("profiles.urls")),
    path("api/", include("jobs.urls")),
    path("api/", include("viral_ideas.urls")),
    path("livez", views.livez, name="livez"),
    path("healthz", HealthApi.as_view(), name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("api/auth/token", AuthTokenApi.as_view(), name="auth-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("viralspot.page_urls")),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
         name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "viralspot.views.not_found"
handler500 = "viralspot.views.server_error"
