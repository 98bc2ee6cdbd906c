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
