"""JSON request bodies the parser cannot or must not hand on are a 400 in the envelope, never a 500."""

from __future__ import annotations

import json

import pytest
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from jobs.api_envelope import JSON_MAX_DEPTH
from jobs.models import BulkJob, GenerationJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_browser(alice):
    """Alice's API client, answering what a real client would get (no exception raised to the test)."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(alice)
    return client


def post_raw(client, path: str, body: str):
    return client.post(path, data=body.encode("utf-8", "surrogatepass"), content_type="application/json")


def assert_malformed_body(response) -> dict:
    assert response.status_code == 400, response.content[:500]
    body = response.json()
    assert body["success"] is False and body["detail"]
    assert body["error_code"] == "MALFORMED_BODY"
    assert parse_datetime(body["timestamp"]) is not None
    return body


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_a_body_of_a_hundred_thousand_open_brackets_is_a_400_not_a_500(alice_browser):
    response = post_raw(alice_browser, "/api/jobs", "[" * 100_000)

    assert "nested" in assert_malformed_body(response)["detail"]
    assert not GenerationJob.objects.exists()


def test_nesting_python_can_parse_but_deeper_than_we_accept_is_a_400(alice_browser):
    assert_malformed_body(post_raw(alice_browser, "/api/jobs", nested(JSON_MAX_DEPTH + 1)))
    assert_malformed_body(post_raw(alice_browser, "/api/jobs", nested(900)))


def test_nesting_at_the_limit_reaches_the_serializer_which_names_what_is_wrong(alice_browser):
    response = post_raw(alice_browser, "/api/jobs", '{"mode": "topic", "topic": ' + nested(JSON_MAX_DEPTH - 1) + "}")

    assert response.status_code == 400
    assert response.json()["error_code"] == "VALIDATION_ERROR"


def test_malformed_json_is_a_400_malformed_body(alice_browser):
    assert_malformed_body(post_raw(alice_browser, "/api/jobs", '{"mode": "topic", '))


@pytest.mark.parametrize("where", ["value", "key"])
def test_a_lone_surrogate_anywhere_in_the_body_is_a_400(alice_browser, where):
    item = {"mode": "topic", "topic": "Sourdough"}
    raw = json.dumps({"items": [item]})
    raw = raw.replace('"Sourdough"', '"Sour\\ud800dough"') if where == "value" else raw.replace('"mode"', '"m\\udfffode"', 1)

    response = post_raw(alice_browser, "/api/jobs/bulk", raw)

    assert "surrogate" in assert_malformed_body(response)["detail"]
    assert not BulkJob.objects.exists()


def test_a_surrogate_pair_is_one_ordinary_character_and_is_accepted(alice_browser):
    response = post_raw(alice_browser, "/api/jobs", '{"mode": "topic", "topic": "Sourdough \\ud83c\\udf5e tips"}')

    assert response.status_code == 201, response.content
    assert GenerationJob.objects.get().topic == "Sourdough \U0001F35E tips"


def test_a_nul_in_a_field_is_still_named_by_the_field(alice_browser):
    response = post_raw(alice_browser, "/api/jobs", '{"mode": "topic", "topic": "Sour\\u0000dough"}')

    assert response.status_code == 400
    assert response.json()["errors"]["topic"] == ["Null characters are not allowed."]
