"""Asking a model for a list of items as JSON that follows a schema: the request, the check, one retry.

Every model step of the viral-ideas analysis has the same shape: a JSON object holding one list
({"hooks": [...]}, {"patterns": [...]}, {"ideas": [...]}), whose items are used one by one and
replaced by the offline result where they are wrong. ask_for_items does the part that is the same:

1. send the messages with response_format json_schema (strict), the schema built from the step's
   item schema (list_schema)
2. read the answer: reasoning (<think>…</think>) and a code fence around the JSON are tolerated,
   anything else that is not one JSON object is malformed
3. check it with schema_problems (the subset of JSON Schema we send, below) and with the step's
   own check of an item (an unknown shortcode, an id that was not asked)
4. if anything was wrong, ask once more, quoting the problems to the model; of the two answers the
   one with more usable items is kept
5. return the items in the answer's order, None where an item is unusable, with the reasons

Servers that honour response_format (OpenAI, vLLM, Ollama) constrain the model to the schema, but
older servers ignore it and small models still drift, so the answer is always checked here.
Transport failures (timeouts, 5xx, 429, a refused key) are not handled here: they reach the step.

The schemas use only keywords that OpenAI's strict mode, vLLM's guided decoding and Ollama all
accept, and that schema_problems checks: type, properties, required, additionalProperties (false),
items, enum, minimum, maximum, minItems, maxItems. String lengths are not among them, so a step
checks those in its own check_item.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jobs.providers.llm.base import LLMBadResponse, StructuredModel

# Problems quoted back to the model on the retry, and kept in the record of a step.
MAX_QUOTED_PROBLEMS = 10
# The first answer is repeated to the model on the retry; a runaway one is cut.
MAX_REPEATED_ANSWER_CHARS = 6000

_THINK_RE = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_FENCED_RE = re.compile(r"^```[a-zA-Z]*\s*\n(.*?)\n?```$", re.DOTALL)
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "null": (type(None),),
}


def object_schema(properties: dict[str, dict]) -> dict:
    """A strict object schema: every property required, no others (what strict mode asks for)."""
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def list_schema(items_key: str, item_schema: dict, *, max_items: int | None = None) -> dict:
    """The answer's schema: one object whose `items_key` is a list of items."""
    array: dict[str, Any] = {"type": "array", "items": item_schema}
    if max_items is not None:
        array["maxItems"] = max_items
    return object_schema({items_key: array})


def _is_type(value: object, name: str) -> bool:
    if isinstance(value, bool) and name in ("number", "integer"):
        return False  # JSON's true is not 1
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _JSON_TYPES.get(name, ()))


def schema_problems(value: object, schema: dict, where: str = "$") -> list[str]:
    """What in `value` breaks `schema` (the subset in the module docstring), one line per problem; [] if nothing."""
    expected = schema.get("type")
    if expected is not None:
        names = expected if isinstance(expected, list) else [expected]
        if not any(_is_type(value, name) for name in names):
            return [f"{where} must be {' or '.join(names)}, not {_json_type(value)}"]
    problems: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(json.dumps(option) for option in schema["enum"])
        problems.append(f"{where} is {json.dumps(value)[:60]}, which is not one of {allowed}")
    if _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{where} must be at least {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{where} must be at most {schema['maximum']}")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            problems.append(f"{where} needs at least {schema['minItems']} items, has {len(value)}")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(f"{where} allows at most {schema['maxItems']} items, has {len(value)}")
        if "items" in schema:
            for index, item in enumerate(value):
                problems += schema_problems(item, schema["items"], f"{where}[{index}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                problems.append(f"{where}.{name} is missing")
        for name, item in value.items():
            if name in properties:
                problems += schema_problems(item, properties[name], f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{where}.{name} is not a field of this object")
    return problems


def _json_type(value: object) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is_type(value, name):
            return name
    return type(value).__name__


def decode_json_object(text: str) -> dict:
    """The one JSON object an answer holds, past reasoning and a code fence; LLMBadResponse if there is none."""
    cleaned = _THINK_RE.sub("", text).strip()
    fenced = _FENCED_RE.match(cleaned)
    if fenced:
        cleaned = fenced.group(1).strip()
    try:
        document = json.loads(cleaned)
    except ValueError as error:
        raise LLMBadResponse(f"the answer is not valid JSON ({error.msg} at character {error.pos})") from error
    if not isinstance(document, dict):
        raise LLMBadResponse(f"the answer must be a JSON object, not {_json_type(document)}")
    return document


@dataclass
class ItemsAnswer:
    """What a model answered for one request, item by item."""

    items: list[dict | None]  # in the answer's order; None where an item was unusable
    problems: list[str] = field(default_factory=list)  # why items (or the whole answer) were unusable
    requests: int = 0  # 1, or 2 when the retry was used
    model: str = ""  # the model that answered, as the server names it

    @property
    def usable(self) -> int:
        return sum(item is not None for item in self.items)


def ask_for_items(
    model: StructuredModel,
    messages: list[dict],
    *,
    schema_name: str,
    items_key: str,
    item_schema: dict,
    check_item: Callable[[dict], list[str]] | None = None,
    max_items: int | None = None,
    max_tokens: int | None = None,
    stream: bool = False,
    on_delta: Callable[[str], None] | None = None,
) -> ItemsAnswer:
    """The items of `model`'s answer to `messages`, checked, with one retry when anything was wrong (module docstring).

    Typed transport errors from the provider propagate; an answer that is malformed twice gives
    an ItemsAnswer without items, so the step falls back to offline for all of them.
    """
    schema = list_schema(items_key, item_schema, max_items=max_items)
    # The envelope is checked on its own so one bad item costs that item, not the whole answer.
    envelope = list_schema(items_key, {}, max_items=None)

    def ask(conversation: list[dict]) -> tuple[ItemsAnswer, str]:
        try:
            result = model.complete_json(
                conversation, schema_name=schema_name, schema=schema, max_tokens=max_tokens, stream=stream, on_delta=on_delta
            )
        except LLMBadResponse as error:
            # An empty or broken completion is a malformed answer like any other: it gets the retry.
            return ItemsAnswer(items=[], problems=[error.message]), ""
        answer = ItemsAnswer(items=[], model=result.model)
        try:
            document = decode_json_object(result.text)
        except LLMBadResponse as error:
            answer.problems.append(error.message)
            return answer, result.text
        outer = schema_problems(document, envelope)
        if outer:
            answer.problems += outer
            return answer, result.text
        listed = document[items_key]
        if max_items is not None and len(listed) > max_items:
            answer.problems.append(f"$.{items_key} allows at most {max_items} items, has {len(listed)}")
            listed = listed[:max_items]
        for index, item in enumerate(listed):
            where = f"$.{items_key}[{index}]"
            problems = schema_problems(item, item_schema, where)
            if not problems and check_item is not None:
                problems = [f"{where}: {problem}" for problem in check_item(item)]
            answer.items.append(None if problems else item)
            answer.problems += problems
        return answer, result.text

    first, first_text = ask(messages)
    first.requests = 1
    if not first.problems:
        return first
    quoted = "\n".join(f"- {problem}" for problem in first.problems[:MAX_QUOTED_PROBLEMS])
    retry = [
        *messages,
        {"role": "assistant", "content": first_text[:MAX_REPEATED_ANSWER_CHARS]},
        {
            "role": "user",
            "content": "Your answer could not be used:\n" + quoted + "\n\nAnswer again with one JSON object "
            f"that follows the schema {schema_name!r} exactly, and nothing else.",
        },
    ]
    second, _ = ask(retry)
    second.requests = 2
    # A retry that went worse (the model lost the thread) must not cost the items the first one had.
    kept = second if second.usable >= first.usable else first
    kept.requests = 2
    if kept is first:
        kept.problems = first.problems + [f"the retry was worse: {problem}" for problem in second.problems[:MAX_QUOTED_PROBLEMS]]
    return kept
