"""Input PostgreSQL cannot hold is a 4xx before it reaches a query; a failing database a 503.

PostgreSQL text (and jsonb) cannot hold a NUL character: psycopg refuses such a parameter, and
the page that passed it answered 500. A page's input comes in through three doors, all checked
here before any view (or the session and user lookups) runs: the path (no page has such an
address: 404), the query string and a form body (400). Other characters PostgreSQL refuses
cannot come through these doors (Django decodes paths, query strings and forms as UTF-8 and
replaces what is not); JSON bodies, the API's door, are checked by their parser
(jobs.api_envelope.JSONBodyParser).

The API (/api/, /healthz) keeps its own per-field answers for such input (INVALID_SESSION_ID,
"Null characters are not allowed."): its serializers refuse NUL and lone surrogates, and the
database's refusal of whatever still gets through is a 400 INVALID_INPUT (the exception handler
and plain_api_view).

A database error in a view is answered as the API answers it (jobs/api_envelope.py): a value
the database refused (DataError) is the client's 400; any other database error (unreachable
server, pool exhausted, lock timeout, read-only) is a 503 with Retry-After, a page in the site's
look for pages and the JSON envelope for API views that are not DRF's (DRF's and the plain
views' own handlers answer theirs before this sees them).
"""

from __future__ import annotations

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.db import DatabaseError, DataError

from viralspot import views

logger = logging.getLogger(__name__)

_FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _holds_nul(query_dict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query_dict.lists())


class BadInputAndOutageMiddleware:
    """404/400 for a NUL in a page's path, query or form; 400/503 for database errors in views."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        # The live streams are async views: they pass without a hop to a thread and back.
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        return self.refusal(request) or self.get_response(request)

    async def __acall__(self, request):
        return self.refusal(request) or await self.get_response(request)

    @staticmethod
    def refusal(request):
        """The 4xx answer for a page request carrying a NUL, else None."""
        if views.wants_json(request):
            return None
        if "\x00" in request.path_info:
            return views.not_found(request)
        # Query strings are checked raw first: almost none holds "%00", so almost none is parsed here.
        query = request.META.get("QUERY_STRING", "")
        if ("%00" in query or "\x00" in query) and _holds_nul(request.GET):
            return views.bad_request_page()
        if request.method == "POST" and request.content_type in _FORM_CONTENT_TYPES and _holds_nul(request.POST):
            return views.bad_request_page()
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, DatabaseError):
            return views.database_error_response(request, exception)
        return None
