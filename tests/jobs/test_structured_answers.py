"""Asking a model for JSON that follows a schema, against a real local server that speaks the protocol.

The provider, the client and jobs.providers.llm.structured run for real; only the model behind
the endpoint is scripted (tests/support/fake_openai.py).
"""

from __future__ import annotations

import json
import time

import pytest

from jobs.providers.llm.base import LLMRateLimited, LLMRequestRejected, LLMTimeout, LLMUnavailable, StructuredModel
from jobs.providers.llm.offline import OfflineWriter
from jobs.providers.llm.openai_compatible import ChatCompletionsClient, OpenAICompatibleProvider
from jobs.providers.llm.structured import ask_for_items, decode_json_object, object_schema, schema_problems
from support.fake_openai import FakeOpenAIServer, HttpError, Silence, prompt_of, schema_name

COLOUR_SCHEMA = object_schema({
    "id": {"type": "integer", "minimum": 1},
    "colour": {"type": "string", "enum": ["red", "green", "blue"]},
    "share": {"type": "number", "minimum": 0, "maximum": 1},
})
MESSAGES = [{"role": "system", "content": "You answer with JSON."}, {"role": "user", "content": "Name three colours."}]


def colours(*items) -> str:
    return json.dumps({"colours": list(items)})


def colour(id_, name="red", share=0.5) -> dict:
    return {"id": id_, "colour": name, "share": share}


@pytest.fixture
def server():
    with FakeOpenAIServer() as running:
        yield running


def provider_for(server, *, timeout: float = 5.0) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(ChatCompletionsClient(server.url + "/v1", "fake-model-1", timeout_seconds=timeout))


def ask(server, *, stream=False, on_delta=None, timeout=5.0, check_item=None):
    return ask_for_items(
        provider_for(server, timeout=timeout), MESSAGES, schema_name="colours", items_key="colours",
        item_schema=COLOUR_SCHEMA, check_item=check_item, max_items=3, stream=stream, on_delta=on_delta,
    )


# --- the schema check, on its own


def test_a_value_that_follows_the_schema_has_no_problems():
    assert schema_problems({"colours": [colour(1), colour(2, "blue", 1)]},
                           object_schema({"colours": {"type": "array", "items": COLOUR_SCHEMA}})) == []


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ({"id": 1, "colour": "red"}, "$.share is missing"),
        ({**colour(1), "extra": 1}, "$.extra is not a field of this object"),
        (colour(1, "purple"), '$.colour is "purple", which is not one of "red", "green", "blue"'),
        (colour(0), "$.id must be at least 1"),
        (colour(1, share=1.5), "$.share must be at most 1"),
        (colour("1"), "$.id must be integer, not string"),
        (colour(True), "$.id must be integer, not boolean"),
        (colour(1.5), "$.id must be integer, not number"),
        ([1, 2], "$ must be object, not array"),
    ],
)
def test_each_broken_rule_is_named_with_its_path(item, problem):
    assert problem in schema_problems(item, COLOUR_SCHEMA)


def test_array_bounds_and_nested_paths_are_reported():
    schema = object_schema({"beats": {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 5}})

    assert schema_problems({"beats": ["one", 2]}, schema) == [
        "$.beats needs at least 3 items, has 2",
        "$.beats[1] must be string, not integer",
    ]
    assert schema_problems({"beats": ["a"] * 6}, schema) == ["$.beats allows at most 5 items, has 6"]


def test_an_answer_in_a_code_fence_or_after_reasoning_is_still_one_json_object():
    assert decode_json_object('<think>red first</think>\n```json\n{"colours": []}\n```') == {"colours": []}


# --- the request


def test_the_request_carries_response_format_with_the_schema_strict(server):
    server.replies = [colours(colour(1))]

    ask(server)

    body = server.requests[-1]["body"]
    assert body["response_format"]["type"] == "json_schema"
    spec = body["response_format"]["json_schema"]
    assert spec["name"] == "colours" and spec["strict"] is True
    assert spec["schema"] == {
        "type": "object",
        "properties": {"colours": {"type": "array", "items": COLOUR_SCHEMA, "maxItems": 3}},
        "required": ["colours"],
        "additionalProperties": False,
    }
    assert schema_name(server.requests[-1]) == "colours"
    assert body["messages"] == MESSAGES
    assert body["stream"] is False


def test_the_openai_compatible_provider_is_a_structured_model_and_the_offline_writer_is_not(server):
    assert isinstance(provider_for(server), StructuredModel)
    assert not isinstance(OfflineWriter(), StructuredModel)


# --- answers


def test_a_non_streamed_valid_answer_is_used_in_one_request(server):
    server.replies = [colours(colour(1), colour(2, "green", 0.25))]

    answer = ask(server)

    assert answer.items == [colour(1), colour(2, "green", 0.25)]
    assert answer.requests == 1 and answer.problems == []
    assert answer.model == "fake-model-1"


def test_a_streamed_answer_arrives_in_sse_chunks_and_is_assembled(server):
    text = colours(colour(1, "blue"), colour(2, "green"), colour(3))
    server.replies = [text]
    pieces: list[str] = []

    answer = ask(server, stream=True, on_delta=pieces.append)

    assert server.requests[-1]["body"]["stream"] is True
    assert len(pieces) > 1 and "".join(pieces) == text
    assert [item["colour"] for item in answer.items] == ["blue", "green", "red"]


def test_malformed_json_once_then_valid_uses_the_retry_and_tells_the_model_what_was_wrong(server):
    server.replies = ['{"colours": [{"id": 1, "colour": "red"', colours(colour(1), colour(2, "blue"))]

    answer = ask(server)

    assert answer.requests == 2
    assert answer.usable == 2 and answer.problems == []
    retry = server.requests[-1]["body"]["messages"]
    assert retry[:2] == MESSAGES
    assert retry[2] == {"role": "assistant", "content": '{"colours": [{"id": 1, "colour": "red"'}
    assert "not valid JSON" in prompt_of(server.requests[-1])
    assert "'colours'" in prompt_of(server.requests[-1])


def test_an_empty_completion_counts_as_malformed_and_gets_the_retry(server):
    server.replies = ["   ", colours(colour(1))]

    answer = ask(server)

    assert answer.requests == 2 and answer.usable == 1


def test_malformed_twice_gives_no_items_and_says_why(server):
    server.replies = ["Sure! Red, green and blue.", "[1, 2, 3]"]

    answer = ask(server)

    assert answer.requests == 2
    assert answer.items == []
    assert answer.problems == ["the answer must be a JSON object, not array"]
    assert len(server.requests) == 2, "one retry, never more"


def test_one_item_breaking_the_schema_costs_only_that_item(server):
    bad = colour(2, "purple")
    server.replies = [colours(colour(1), bad, colour(3, "blue"))] * 2

    answer = ask(server)

    assert answer.items == [colour(1), None, colour(3, "blue")]
    assert answer.requests == 2
    assert any("$.colours[1].colour" in problem for problem in answer.problems)
    assert '$.colours[1].colour is \\"purple\\"' in json.dumps(server.requests[-1]["body"]["messages"][-1])


def test_the_steps_own_check_rejects_items_the_schema_allows(server):
    server.replies = [colours(colour(1), colour(9))] * 2

    answer = ask(server, check_item=lambda item: [f"id {item['id']} was not asked"] if item["id"] > 3 else [])

    assert answer.items == [colour(1), None]
    assert "$.colours[1]: id 9 was not asked" in answer.problems


def test_a_retry_that_goes_worse_keeps_the_first_answers_items(server):
    server.replies = [colours(colour(1), colour(2, "purple")), "no JSON this time"]

    answer = ask(server)

    assert answer.items == [colour(1), None]
    assert answer.requests == 2
    assert any(problem.startswith("the retry was worse: ") for problem in answer.problems)


# --- transport failures reach the caller typed


@pytest.mark.parametrize(
    ("reply", "error_type", "retryable"),
    [
        (HttpError(500, "The server had an error"), LLMUnavailable, True),
        (HttpError(429, "Rate limit reached", {"Retry-After": "3"}), LLMRateLimited, True),
        (HttpError(401, "Incorrect API key provided"), LLMRequestRejected, False),
        (HttpError(404, "The model `fake-model-1` does not exist"), LLMRequestRejected, False),
    ],
)
def test_http_errors_are_not_retried_as_malformed_answers_but_raised_typed(server, reply, error_type, retryable):
    server.replies = [reply, colours(colour(1))]

    with pytest.raises(error_type) as caught:
        ask(server)

    assert caught.value.retryable is retryable
    assert len(server.requests) == 1


def test_a_server_that_never_answers_in_time_is_a_timeout(server):
    server.replies = [Silence(5)]
    started = time.monotonic()

    with pytest.raises(LLMTimeout):
        ask(server, timeout=0.5)

    assert time.monotonic() - started < 2
