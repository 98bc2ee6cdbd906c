"""ASGI entry point (uvicorn). Live event streams need it: a stream never ties up a sync worker."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "viralspot.settings")

application = get_asgi_application()

from django.conf import settings  # noqa: E402  (settings are configured by the line above)

if settings.SERVE_STATIC:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    application = ASGIStaticFilesHandler(application)
