"""ASGI entry point (uvicorn): streams on the event loop, every other request on a request thread.

See viralspot/serving.py for why a web process splits its traffic this way.
"""

import gc
import os

import django
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "viralspot.settings")
if not settings.configured:
    # This process serves the web: its requests share a bounded connection pool (DB_POOL in
    # settings). Only when this module configures Django, so a test process that imports it
    # later does not pass "web" on to the worker processes it starts.
    os.environ.setdefault("VIRALSPOT_PROCESS", "web")

django.setup(set_prefix=False)

from viralspot.serving import ServeByViewKind  # noqa: E402

application = ServeByViewKind()

if settings.SERVE_STATIC:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    application = ASGIStaticFilesHandler(application)

# Everything imported so far lives as long as the process: keep it out of the garbage
# collector's full passes, which otherwise walk it all and stall every open stream.
gc.freeze()
