"""OpenAPI for the endpoints drf-spectacular cannot see (plain Django views, see plain_api_view),
and the names of the components it does see."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema


class ViewNamedAutoSchema(AutoSchema):
    """drf-spectacular's schema, naming a view's nested serializer after the view.

    Every view keeps its input in a nested class called Input (the conventions' thin views), and
    drf-spectacular names a component by the class name alone: the views' different Inputs all
    became one component "Input", and all but one endpoint were documented with the wrong body.
    ProfileBulkRequestApi.Input is now "ProfileBulkRequestApiInput"; top-level serializers keep
    their names.
    """

    def get_serializer_name(self, serializer, direction):
        name = super().get_serializer_name(serializer, direction)
        outer, _, inner = type(serializer).__qualname__.rpartition(".")
        if not outer or "<locals>" in outer or inner != name:
            return name
        return outer.rpartition(".")[2] + inner

_ERROR = {"$ref": "#/components/schemas/Error"}


def _answer(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {
        "type": "object",
        "properties": {"success": {"type": "boolean"}, "data": {"type": "object", "additionalProperties": {}}},
        "required": ["success", "data"],
    }}}}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


PLAIN_VIEW_PATHS = {
    "/api/profile/{username}/request": {
        "post": {
            "operationId": "api_profile_request_create",
            "summary": "Queue a profile (new, already_in_queue, already_processed, recently_completed)",
            "tags": ["api"],
            "parameters": [
                {"in": "path", "name": "username", "required": True, "schema": {"type": "string"}},
                {"in": "query", "name": "source", "required": False,
                 "schema": {"type": "string", "enum": ["frontend", "api", "admin", "crawler", "bulk"]}},
            ],
            "responses": {
                "200": _answer("The request answer of profile-request.md"),
                "400": _error("Invalid username or source"),
                "405": _error("Only POST"),
                "429": _error("Throttled"),
                "503": _error("The queue could not be written (nothing was queued)"),
            },
        },
    },
    "/api/profile/{username}/status": {
        "get": {
            "operationId": "api_profile_status_retrieve",
            "summary": "Where a profile stands: exists, PENDING, PROCESSING, FAILED, CANCELLED or NOT_FOUND",
            "tags": ["api"],
            "parameters": [{"in": "path", "name": "username", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": _answer("The status answer of profile-status.md"),
                "400": _error("Invalid username"),
                "405": _error("Only GET"),
                "429": _error("Throttled"),
                "503": _error("The check itself failed (data.status is ERROR)"),
            },
        },
    },
}


def add_plain_view_paths(result, generator, request, public):
    """drf-spectacular postprocessing hook."""
    result.setdefault("paths", {}).update(PLAIN_VIEW_PATHS)
    return result


def _stream(summary: str, parameter: str, parameter_schema: dict, *, needs_login: bool) -> dict:
    operation = {
        "operationId": f"stream_{parameter}_events",
        "summary": summary,
        "description": (
            "Server-Sent Events: `event: progress` frames (id = the event's id; send `Last-Event-ID` "
            "to resume), `: keep-alive` comments, and one `event: error` frame for a problem "
            "(unknown id, invalid input). The stream ends when the job does."
        ),
        "tags": ["streams"],
        "parameters": [
            {"in": "path", "name": parameter, "required": True, "schema": parameter_schema},
            {"in": "header", "name": "Last-Event-ID", "required": False, "schema": {"type": "integer", "minimum": 0}},
        ],
        "responses": {
            "200": {"description": "The event stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
            "400": {"description": "Invalid input, as one error frame",
                    "content": {"text/event-stream": {"schema": {"type": "string"}}}},
        },
    }
    if needs_login:
        operation["responses"]["401"] = {"description": "Not signed in, as one error frame",
                                         "content": {"text/event-stream": {"schema": {"type": "string"}}}}
    return {"get": operation}


_UUID = {"type": "string", "format": "uuid"}
_NAME = {"type": "string", "pattern": "^@?[A-Za-z0-9._]{1,30}$"}

STREAM_PATHS = {
    "/api/jobs/{job_id}/progress": _stream("A generation job's progress, live", "job_id", _UUID, needs_login=True),
    "/api/bulk-jobs/{bulk_id}/progress": _stream("A bulk job's progress, live", "bulk_id", _UUID, needs_login=True),
    "/api/profile/{username}/events": _stream("A profile job's progress, live", "username", _NAME, needs_login=False),
    "/api/viral-ideas/queue/{session_id}/events": _stream("A viral analysis's progress, live", "session_id",
                                                          {"type": "string"}, needs_login=False),
}

# Ids that are UUIDs whatever the URL converter says (a viral entry's id is matched as text so
# that a malformed one gets the documented 400 INVALID_UUID_FORMAT, not a bare 404).
UUID_PATH_PARAMETERS = {"queue_id", "job_id", "bulk_id"}

# The answers every operation can give besides its own, as the API gives them.
COMMON_ANSWERS = {
    "429": "Throttled: too many requests; Retry-After says when to come back",
    "503": "The database or the queue is unavailable; nothing was changed; Retry-After",
}


def add_stream_paths(result, generator, request, public):
    """drf-spectacular postprocessing hook: the Server-Sent Events streams (async views)."""
    result.setdefault("paths", {}).update(STREAM_PATHS)
    return result


def document_common_answers(result, generator, request, public):
    """drf-spectacular postprocessing hook: UUID path ids, and the error answers every operation
    can give (400 for any input, 401 where a login is required, 404 for a path id, 429, 503)."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                if parameter.get("in") == "path" and parameter.get("name") in UUID_PATH_PARAMETERS:
                    parameter["schema"] = dict(_UUID)
            responses = operation["responses"]
            is_stream = "text/event-stream" in responses.get("200", {}).get("content", {})
            if is_stream:
                continue
            answers = dict(COMMON_ANSWERS)
            if parameters or "requestBody" in operation:
                answers["400"] = "Invalid input (the field or parameter is named in errors)"
            if any(parameter.get("in") == "path" for parameter in parameters):
                answers["404"] = "No such item (or not yours)"
            security = operation.get("security")
            if security and {} not in security:
                answers["401"] = "Not signed in (token or session)"
            for code, description in answers.items():
                responses.setdefault(code, _error(description))
    return result
