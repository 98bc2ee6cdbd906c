"""WSGI entry point, for servers without ASGI (live streams need ASGI: see asgi.py)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "viralspot.settings")
if not settings.configured:
    # A web process: its requests share a bounded connection pool (see DB_POOL in settings).
    os.environ.setdefault("VIRALSPOT_PROCESS", "web")

application = get_wsgi_application()
