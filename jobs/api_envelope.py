"""The one success envelope and the one error handler every endpoint answers with.

Success: {"success": true, "data": …, "message"?: …}
Error:   {"success": false, "detail": "…", "error_code": "…", "timestamp": "…", …}
"""

from __future__ import annotations

import functools
import json
import logging
import re

import orjson
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, DataError
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.utils import timezone
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import CSRFCheck
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import exception_handler as drf_exception_handler

from jobs.services import JobStateError

logger = logging.getLogger(__name__)


class ApiError(exceptions.APIException):
    """An error answer with our error_code and any extra fields (e.g. the existing entry's id)."""

    def __init__(self, detail: str, *, status_code: int, error_code: str, **extra):
        super().__init__(detail)
        self.status_code = status_code
        self.error_code = error_code
        self.extra = extra


# Deeper than any body we accept (a bulk request is 3 levels deep). Python's parser itself gives
# up near a thousand levels with a RecursionError, which is no ValueError and so was a 500; and a
# document a few hundred levels deep still parsed, then failed wherever it was walked again.
JSON_MAX_DEPTH = 32

# A lone UTF-16 surrogate ("\ud800" written as an escape; paired ones decode to one character)
# can be stored neither in text nor in jsonb, and psycopg's UTF-8 encoding of it raises a
# UnicodeEncodeError that no handler maps: refused with the rest of a malformed body.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONBodyParser(JSONParser):
    """DRF's JSON parser, refusing (400) what it let through as a 500: nesting too deep for
    Python's parser or for us, and strings PostgreSQL cannot hold (lone surrogates).

    A NUL in a string is left to the serializers: their fields refuse it by name ("Null
    characters are not allowed."), and a value that reaches the database anyway is refused
    there as a DataError, a 400 INVALID_INPUT (exception_handler).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            document = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(f"JSON parse error - nested more than {JSON_MAX_DEPTH} levels deep") from None
        _refuse_unstorable(document)
        return document


def _refuse_unstorable(document) -> None:
    """ParseError if `document` nests deeper than JSON_MAX_DEPTH or holds a lone surrogate.

    Walked with a list, not by recursion: the walk must not fail the way the parser did.
    """
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if _LONE_SURROGATE.search(value):
                raise exceptions.ParseError("JSON parse error - a string holds an unpaired surrogate (\\ud800-\\udfff)")
        elif isinstance(value, (dict, list)):
            if depth > JSON_MAX_DEPTH:
                raise exceptions.ParseError(f"JSON parse error - nested more than {JSON_MAX_DEPTH} levels deep")
            if isinstance(value, dict):
                pending.extend((key, depth) for key in value)
                pending.extend((item, depth + 1) for item in value.values())
            else:
                pending.extend((item, depth + 1) for item in value)


def validated(serializer_class, data, **kwargs) -> dict:
    """Validated input, or a 400 in the error shape (through the exception handler)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def ok(data, *, message: str | None = None, status_code: int = status.HTTP_200_OK) -> Response:
    body = {"success": True, "data": data}
    if message:
        body["message"] = message
    return Response(body, status=status_code)


def error_body(detail: str, error_code: str, **extra) -> dict:
    return {"success": False, "detail": detail, "error_code": error_code, "timestamp": timezone.now().isoformat(), **extra}


_CODES = {
    400: "VALIDATION_ERROR",
    401: "NOT_AUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "THROTTLED",
}


def _first_message(detail) -> str:
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        message = _first_message(value)
        return message if key in ("non_field_errors", "detail") else f"{key}: {message}"
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, ApiError):
        response = Response(error_body(str(exc.detail), exc.error_code, **exc.extra), status=exc.status_code)
        if exc.status_code == 503:
            response["Retry-After"] = "30"
        return response
    if isinstance(exc, JobStateError):
        return Response(
            error_body(exc.message, "INVALID_STATE", current_status=exc.current_status), status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, DataError):
        # The database refused a value (a NUL byte, an out-of-range number): the client's input.
        return Response(error_body("A value in the request cannot be stored or searched for.", "INVALID_INPUT"),
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DatabaseError):
        logger.exception("database error in %s", context.get("view"))
        response = Response(
            error_body("The database is not available right now; please retry shortly.", "SERVICE_UNAVAILABLE"),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = "30"
        return response
    if isinstance(exc, exceptions.ParseError):
        # A body that is no document at all (malformed, too deep): no field to name.
        return Response(error_body(str(exc.detail), "MALFORMED_BODY"), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    extra = {}
    if isinstance(exc, exceptions.ValidationError) and isinstance(detail, dict):
        extra["errors"] = detail
    response.data = error_body(_first_message(detail), _CODES.get(response.status_code, "ERROR"), **extra)
    return response


def envelope_schema(name: str, data=None):
    """OpenAPI shape of a success answer whose `data` is `data` (a serializer or free-form)."""
    from drf_spectacular.utils import inline_serializer

    return inline_serializer(
        name=name,
        fields={
            "success": serializers.BooleanField(),
            "data": data if data is not None else serializers.JSONField(),
            "message": serializers.CharField(required=False),
        },
    )


@functools.cache
def error_schema():
    from drf_spectacular.utils import inline_serializer

    return inline_serializer(
        name="Error",
        fields={
            "success": serializers.BooleanField(),
            "detail": serializers.CharField(),
            "error_code": serializers.CharField(),
            "timestamp": serializers.DateTimeField(),
        },
    )


# --- Plain views for the hottest reads ---------------------------------------------------------


_DRF_JSON = JSONEncoder()


def encode_json(body) -> bytes:
    """`body` as DRF renders it (ISO datetimes with Z, UUIDs as strings, compact, UTF-8).

    orjson writes the same bytes for what these answers hold (measured: 2.6 against 30 µs for a
    status answer, a tenth of a cached status call's own time) and asks DRF's encoder for what
    it does not know (Decimal, lazy strings, timedelta); anything orjson refuses (an integer
    beyond 64 bits) is encoded by the standard library as before.
    """
    try:
        return orjson.dumps(body, default=_DRF_JSON.default, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(body, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


def json_response(body: dict, *, status_code: int = 200, headers: dict | None = None) -> HttpResponse:
    """A JSON answer encoded as DRF renders it (encode_json)."""
    return HttpResponse(encode_json(body), status=status_code, headers=headers, content_type="application/json")


def _signed_in(request) -> bool:
    """Whether the request comes from a signed-in session. Without a session cookie nobody is
    signed in, and the session and user lookups (a third of a cached status call's own time,
    measured) are skipped: the pollers that call these views most are anonymous."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated


def plain_api_view(*, methods: tuple[str, ...] = ("GET", "HEAD"), throttles: tuple = ()):
    """An endpoint served as a plain Django view, answering in the envelope like every API view.

    DRF's request cycle (Request wrapper, authenticators, content negotiation, renderer) costs
    ~0.45 ms a request on our machines: measured, a bare DRF view serves 0.69× the requests of a
    bare Django view. The status and request endpoints are called by every client every few
    seconds, so they skip it and keep what matters: the allowed methods, the same throttles (by
    session user, else by address; an API token is not looked up, so token clients count by
    address), CSRF for unsafe methods from a signed-in browser session (as DRF enforces it), the
    error envelope for ApiError, and 503 with Retry-After when the database fails.
    The view returns the `data` of a success answer, or an HttpResponse of its own.
    """

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                return json_response(error_body(f'Method "{request.method}" not allowed.', "METHOD_NOT_ALLOWED"),
                                     status_code=405, headers={"Allow": ", ".join(methods)})
            signed_in = _signed_in(request)
            if request.method not in ("GET", "HEAD", "OPTIONS") and signed_in:
                refusal = CSRFCheck(lambda _: None).process_view(request, None, (), {})
                if refusal is not None:
                    return json_response(error_body(f"CSRF Failed: {refusal}", "PERMISSION_DENIED"), status_code=403)
            for throttle_class in throttles:
                throttle = throttle_class()
                if not throttle.applies_to(signed_in):
                    continue
                if not throttle.allow_request(request, None):
                    wait = throttle.wait()
                    return json_response(error_body(f"Request was throttled. Expected available in {wait} seconds.",
                                                    "THROTTLED"), status_code=429, headers={"Retry-After": str(wait)})
            try:
                answer = view(request, *args, **kwargs)
            except ApiError as error:
                response = json_response(error_body(str(error.detail), error.error_code, **error.extra),
                                         status_code=error.status_code)
                if error.status_code == 503:
                    response["Retry-After"] = "30"
                return response
            except DataError:
                return json_response(error_body("A value in the request cannot be stored or searched for.",
                                                "INVALID_INPUT"), status_code=400)
            except DatabaseError:
                logger.exception("database error in %s", view.__name__)
                return json_response(error_body("The database is not available right now; please retry shortly.",
                                                "SERVICE_UNAVAILABLE"), status_code=503, headers={"Retry-After": "30"})
            if isinstance(answer, HttpResponse):
                return answer
            return json_response({"success": True, "data": answer})

        return wrapper

    return decorate
