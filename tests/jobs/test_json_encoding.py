"""The plain views' JSON (orjson) is byte for byte what DRF's renderer would write."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework.utils.encoders import JSONEncoder

from jobs.api_envelope import encode_json
from profiles.models import Priority, ProfileJob


def drf_bytes(body) -> bytes:
    return json.dumps(body, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


BODIES = {
    "a status answer": {
        "success": True,
        "data": {"completed": False, "status": ProfileJob.Status.PENDING, "priority": Priority.HIGH,
                 "job_id": uuid.UUID("f2826a2a-d86a-4281-8ff2-a3a589cec353"), "queue_position": 12,
                 "timestamp": datetime(2026, 12, 3, 18, 27, 32, 352996, tzinfo=dt_timezone.utc),
                 "last_attempt": None, "progress": {"percentage": 37.5, "stage_progress": 0.1}},
    },
    "whole seconds, no microseconds": {"at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt_timezone.utc)},
    "the current time": {"at": timezone.now()},
    "another time zone": {"at": datetime(2026, 6, 1, 12, 0, tzinfo=dt_timezone(timedelta(hours=2)))},
    "a date": {"day": date(2026, 12, 3)},
    "text beyond ASCII and control characters": {"caption": "POV: café ☕ — “quotes” 😀\n\ttab \u2028 \\ \"", "emoji": "🔥"},
    "numbers": {"int": -7, "big": 2**62, "float": 0.1 + 0.2, "small": 1.5e-3, "bool": False},
    "a decimal, a lazy string and a duration (DRF's own rules)": {
        "price": Decimal("12.50"), "label": gettext_lazy("Queued"), "took": timedelta(seconds=90)},
    "nested lists and tuples": {"rows": [[1, "a"], (2, "b")], "empty": {}, "none": []},
}


@pytest.mark.parametrize("name", BODIES)
def test_encoded_as_drf_renders_it(name):
    assert encode_json(BODIES[name]) == drf_bytes(BODIES[name])


def test_an_integer_beyond_64_bits_is_still_encoded():
    assert encode_json({"huge": 2**70}) == drf_bytes({"huge": 2**70})


def test_a_status_answer_of_the_real_endpoint_parses_as_drf_would_write_it(client, db):
    from profiles.services import profile_request

    profile_request(username="encoded.one", source="api")
    response = client.get("/api/profile/encoded.one/status")

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert drf_bytes(body) == response.content
    assert body["data"]["timestamp"].endswith("Z")
