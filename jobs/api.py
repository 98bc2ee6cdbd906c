"""Cross-cutting endpoints: API tokens and the health check."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.api_envelope import envelope_schema, error_schema, ok
from jobs.models import WorkerHeartbeat
from jobs.throttling import LoginAttempt



def worker_alive_within() -> timedelta:
    """A worker that beat this recently is alive: the silence after which its jobs are recovered
    (jobs.services.sweep_lost_jobs), so health, the admin and recovery agree on who is lost."""
    return timedelta(seconds=settings.WORKER_HEARTBEAT_TIMEOUT_SECONDS)


class AuthTokenApi(APIView):
    """Exchange a username and password for an API token (`Authorization: Token …`).

    Besides the anonymous budget of every call, failed sign-ins are limited per username and
    per client address (LoginAttempt): 429 THROTTLED with Retry-After once either is spent.
    """

    authentication_classes = []

    @extend_schema(request=AuthTokenSerializer,
                   responses={200: envelope_schema("AuthTokenAnswer"), 400: error_schema(), 429: error_schema()})
    def post(self, request):
        attempt = LoginAttempt.begin(request)
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        if attempt is not None:
            attempt.succeeded()
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        return ok({"token": token.key, "username": user.get_username(), "is_staff": user.is_staff})


class HealthApi(APIView):
    """Database and worker liveness; 503 when the database does not answer."""

    authentication_classes = []
    throttle_classes = []

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT})
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            last_beat = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
        except DatabaseError as error:
            return Response(
                {"status": "down", "database": {"ok": False, "error": type(error).__name__}, "worker": {"ok": None}},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": str(settings.WEB_RETRY_AFTER_SECONDS)},
            )
        worker_ok = last_beat is not None and timezone.now() - last_beat < worker_alive_within()
        return Response({
            "status": "ok" if worker_ok else "degraded",
            "database": {"ok": True, "vendor": connection.vendor},
            "worker": {"ok": worker_ok, "last_seen": last_beat},
        })
