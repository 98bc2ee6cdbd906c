"""Server-rendered pages (the API lives under /api/)."""

from django.urls import path

from viralspot import views

urlpatterns = [
    path("", views.home, name="home"),
]
