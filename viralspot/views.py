from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone


def home(request):
    return render(request, "home.html")


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse(
            {"success": False, "detail": "Not found.", "error_code": "NOT_FOUND", "timestamp": timezone.now().isoformat()},
            status=404,
        )
    return render(request, "404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return JsonResponse(
            {"success": False, "detail": "Internal server error.", "error_code": "INTERNAL_ERROR",
             "timestamp": timezone.now().isoformat()},
            status=500,
        )
    return render(request, "500.html", status=500)
