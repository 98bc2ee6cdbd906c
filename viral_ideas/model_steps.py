"""The analysis steps a language model takes over with LLM_PROVIDER=openai, each falling back to offline per item.

step          asked of the model (JSON schema)                       offline result, per item
hook_typing   type, confidence and cue of every analysed reel's      text_rules.hooks.type_hook, already
              hook, outliers first, HOOKS_PER_REQUEST per request    on every reel (hook_source "offline")
patterns      a sentence for the creator on why each of the top      describe_pattern: the rule-based line
              MAX_EXPLAINED_PATTERNS patterns held                    ("question hooks were outliers for …")
ideas         brief.count ideas (title, hook, hook_type, cited        the offline composer's idea for the
              shortcodes, why_it_works) with a 3-5 beat script,       same slot
              streamed so the page shows progress

Every hook, pattern and idea records "source": "model" | "offline". How failures are treated:

- a malformed or schema-breaking answer is asked again once, quoting the problems
  (jobs.providers.llm.structured); items still wrong after that are offline, the rest are kept
- a transport failure (timeout, 5xx, 429, once the client's own retries are spent) makes the step
  offline for all its items and is recorded as the step's error; the job goes on, and the later
  steps of the run do not ask again, so a model that is down costs one timeout, not one per request
- a rejected request (wrong key, unknown model, a 400) is a configuration error: it fails the job
  (LLM_REQUEST_REJECTED), so a typo'd key is seen at once instead of every run going offline unnoticed
- a cancel raised from a progress report stops the run as everywhere else

ModelSteps.record() is what the run stores as analysis_data["model"]:
    {"provider": "offline" | "openai-compatible", "model": "llama3.1" | "",
     "steps": {"hook_typing" | "patterns" | "ideas": {"source": "model" | "offline" | "mixed",
               "items_from_model": int, "items_offline": int, "requests": int,
               "error": str | None, "problems": [str, ...]}}}
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from jobs.errors import PermanentJobError, RetryableJobError
from jobs.providers.llm.base import ContentIdea, IdeasBrief, IdeaSource, LLMProvider, ProgressCallback, StructuredModel
from jobs.providers.llm.offline import OfflineWriter, describe_pattern
from jobs.providers.llm.openai_compatible import IdeasProgress, build_ideas_messages
from jobs.providers.llm.structured import MAX_QUOTED_PROBLEMS, ItemsAnswer, ask_for_items, object_schema
from text_rules.hooks import HOOK_TYPE_ORDER, HOOK_TYPE_PRECEDENCE, HOOK_TYPES
from text_rules.text import finish_sentence
from viral_ideas.analysis import AccountAnalysis, AnalysedReel, Pattern, ordered_hook_type_counts

STEPS = ("hook_typing", "patterns", "ideas")
# About 40 hooks keep a request (and its answer) inside a small local model's context window.
HOOKS_PER_REQUEST = 40
# Five requests: every outlier and most ordinary reels of a run; the rest keep their rule-based type.
MAX_MODEL_HOOKS = 200
MAX_EXPLAINED_PATTERNS = 10
MAX_CUE_CHARS = 150
MIN_EXPLANATION_CHARS = 20
MAX_EXPLANATION_CHARS = 400
MIN_SCRIPT_BEATS, MAX_SCRIPT_BEATS = 3, 5
MAX_SOURCES_PER_IDEA = 3

_HOOKS_SYSTEM_PROMPT = (
    "You classify the opening line (the hook) of short-form videos by the promise it makes to the viewer. "
    "You judge what the creator means, not single words, and you answer with JSON only."
)
_PATTERNS_SYSTEM_PROMPT = (
    "You are a short-form video strategist. You explain to a creator, in plain words, why a trait of "
    "competitors' breakout reels worked for viewers. You never invent numbers and you answer with JSON only."
)


@dataclasses.dataclass
class StepReport:
    """How one step went: who produced its items, and why any went offline."""

    items_from_model: int = 0
    items_offline: int = 0
    requests: int = 0
    error: str | None = None
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def source(self) -> str:
        if self.items_from_model and self.items_offline:
            return "mixed"
        return "model" if self.items_from_model else "offline"

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "items_from_model": self.items_from_model,
            "items_offline": self.items_offline,
            "requests": self.requests,
            "error": self.error,
            "problems": self.problems[:MAX_QUOTED_PROBLEMS],
        }


class ModelSteps:
    """The model path of one analysis run; with a provider that cannot answer in JSON every step stays offline."""

    def __init__(self, writer: LLMProvider):
        self.writer = writer
        self.model: StructuredModel | None = writer if isinstance(writer, StructuredModel) else None
        self.reports = {step: StepReport() for step in STEPS}
        # Set by the first transport failure; later steps do not ask a model that is down.
        self.unavailable: str | None = None

    def record(self) -> dict[str, Any]:
        """analysis_data["model"] (module docstring)."""
        return {
            "provider": getattr(self.writer, "name", "offline"),
            "model": self.model.model if self.model is not None else "",
            "steps": {step: report.to_dict() for step, report in self.reports.items()},
        }

    # --- plumbing shared by the steps

    def _may_ask(self, step: str, items: int) -> bool:
        """Whether the step asks the model; if not, its items are counted offline (with the reason)."""
        report = self.reports[step]
        if self.model is not None and self.unavailable is None and items:
            return True
        report.items_offline += items
        if self.model is not None and self.unavailable is not None and items:
            report.error = f"not asked: the model failed earlier in this run ({self.unavailable})"
        return False

    def _ask(self, step: str, messages: list[dict], **options) -> ItemsAnswer | None:
        """ask_for_items with the failure rules of the module docstring; None after a transport failure."""
        report = self.reports[step]
        try:
            answer = ask_for_items(self.model, messages, **options)
        except RetryableJobError as error:
            self.unavailable = f"{error.error_code}: {error.message}"
            report.error = self.unavailable
            report.requests += 1
            return None
        except PermanentJobError as error:
            raise type(error)(
                f"The language model endpoint rejected the {step.replace('_', ' ')} request "
                f"(check LLM_BASE_URL, LLM_MODEL and LLM_API_KEY): {error.message}",
                error_code=error.error_code,
            ) from error
        report.requests += answer.requests
        report.problems += answer.problems
        if not answer.usable and answer.problems:
            report.error = f"no usable answer after {answer.requests} request(s): {answer.problems[0]}"
        return answer

    # --- 1. hook typing

    def type_hooks(
        self, accounts: Sequence[AccountAnalysis], *, on_progress: ProgressCallback | None = None
    ) -> list[AccountAnalysis]:
        """The accounts with their reels' hooks typed by the model where it answered (hook_source "model")."""
        reels = [reel for account in accounts for reel in account.reels]
        # Outliers first: they are the evidence the patterns and ideas stand on, so the cap and an
        # outage mid-way cost ordinary reels first. One question per distinct hook text.
        ordered = sorted(reels, key=lambda reel: not reel.is_outlier)
        hooks = list(dict.fromkeys(reel.hook for reel in ordered if reel.hook.strip()))[:MAX_MODEL_HOOKS]
        report = self.reports["hook_typing"]
        typed: dict[str, tuple[str, float, str]] = {}
        if self._may_ask("hook_typing", len(hooks)):
            batches = [hooks[start : start + HOOKS_PER_REQUEST] for start in range(0, len(hooks), HOOKS_PER_REQUEST)]
            for number, batch in enumerate(batches, start=1):
                if self.unavailable is not None:
                    break
                if on_progress is not None:
                    on_progress((number - 1) / len(batches), f"Typing hooks with the model: batch {number} of {len(batches)}")
                answer = self._ask("hook_typing", hook_messages(batch), **hook_request(batch))
                for item in answer.items if answer is not None else ():
                    hook = batch[item["id"] - 1] if item is not None else None
                    if hook is not None and hook not in typed:
                        typed[hook] = (item["type"], round(float(item["confidence"]), 3), item["cue"].strip())
        result = [_retyped(account, typed) for account in accounts]
        from_model = sum(reel.hook_source == "model" for account in result for reel in account.reels)
        report.items_from_model = from_model
        report.items_offline = len(reels) - from_model
        return result

    # --- 2. patterns

    def explain_patterns(self, patterns: Sequence[Pattern], *, competitors: int, hooks: dict[str, str]) -> list[dict]:
        """Every pattern as stored: its fields, an "explanation" for the creator and its "source".

        `hooks` maps shortcodes to hooks, so the model sees the reels behind a pattern.
        """
        stored = [
            {**pattern.to_dict(), "explanation": finish_sentence(describe_pattern(pattern.to_dict(), competitors)), "source": "offline"}
            for pattern in patterns
        ]
        top = stored[:MAX_EXPLAINED_PATTERNS]
        report = self.reports["patterns"]
        if self._may_ask("patterns", len(top)):
            answer = self._ask("patterns", pattern_messages(top, hooks), **pattern_request(len(top)))
            for item in answer.items if answer is not None else ():
                if item is not None and stored[item["id"] - 1]["source"] == "offline":
                    stored[item["id"] - 1].update(explanation=" ".join(item["explanation"].split()), source="model")
            report.items_from_model = sum(pattern["source"] == "model" for pattern in stored)
            report.items_offline = len(stored) - report.items_from_model
        else:
            report.items_offline = len(stored)
        return stored

    # --- 3. ideas and their scripts

    def compose_ideas(self, brief: IdeasBrief, *, on_progress: ProgressCallback | None = None) -> list[ContentIdea]:
        """brief.count ideas: the model's where they hold up, the offline composer's for the other slots."""
        report = self.reports["ideas"]
        wanted = max(0, int(brief.count))
        if self.model is None:
            ideas = self.writer.compose_ideas(brief, on_progress=on_progress)
            report.items_offline = len(ideas)
            return ideas
        if not brief.outliers:
            raise PermanentJobError("No outlier reels to base ideas on", error_code="NO_OUTLIERS")
        if not self._may_ask("ideas", wanted):
            return [dataclasses.replace(idea, source="offline") for idea in OfflineWriter().compose_ideas(brief)]
        tracker = IdeasProgress(wanted, on_progress)
        tracker.start()
        by_code = {source.shortcode: source for source in brief.outliers}
        answer = self._ask("ideas", build_ideas_messages(brief), **idea_request(wanted, by_code), on_delta=tracker.feed)
        items = answer.items if answer is not None else []
        ideas: list[ContentIdea | None] = []
        seen: set[str] = set()
        for slot in range(wanted):
            item = items[slot] if slot < len(items) else None
            idea = _model_idea(item, by_code) if item is not None else None
            keys = {" ".join(idea.title.lower().split()), " ".join(idea.hook.lower().split())} if idea else set()
            if idea is not None and keys & seen:
                report.problems.append(f"$.ideas[{slot}]: repeats the title or hook of an earlier idea")
                idea = None
            seen |= keys
            ideas.append(idea)
        if any(idea is None for idea in ideas):
            offline = OfflineWriter().compose_ideas(brief)
            ideas = [idea if idea is not None else offline[slot] for slot, idea in enumerate(ideas)]
        report.items_from_model = sum(idea.source == "model" for idea in ideas)
        report.items_offline = len(ideas) - report.items_from_model
        if on_progress is not None:
            on_progress(1.0, f"{report.items_from_model} of {wanted} ideas from the model")
        return ideas


# --- Hook typing: request, answer ---------------------------------------------------------------


def hook_messages(hooks: Sequence[str]) -> list[dict]:
    """The messages that ask for the type of each hook, numbered from 1."""
    lines = ["Classify each hook below as exactly one of these types:"]
    lines += [f"- {name}: {HOOK_TYPES[name]}" for name in HOOK_TYPE_PRECEDENCE]
    lines += [
        "",
        "When a hook is two types, the earlier type in this list wins (a hook that debunks a common belief is "
        "contrarian even with a number or a question in it), except that number_list and how_to go to whichever "
        "opens the hook: '5 ways to fix your posture' is number_list, 'How to fix your posture in 5 steps?' how_to.",
        "",
        "For every hook answer its id, its type, your confidence from 0 to 1, and the cue: the words of the "
        "hook that show the type, quoted from it (an empty string for a statement).",
        "",
        "Hooks:",
    ]
    lines += [json.dumps({"id": number, "hook": hook}, ensure_ascii=False) for number, hook in enumerate(hooks, start=1)]
    return [{"role": "system", "content": _HOOKS_SYSTEM_PROMPT}, {"role": "user", "content": "\n".join(lines)}]


HOOK_ITEM_SCHEMA = object_schema({
    "id": {"type": "integer", "minimum": 1},
    "type": {"type": "string", "enum": list(HOOK_TYPE_ORDER)},
    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    "cue": {"type": "string"},
})


def hook_request(hooks: Sequence[str]) -> dict[str, Any]:
    count = len(hooks)

    def check(item: dict) -> list[str]:
        problems = []
        if item["id"] > count:
            return [f"id {item['id']} was not asked (ids run from 1 to {count})"]
        cue = item["cue"].strip()
        if len(cue) > MAX_CUE_CHARS:
            problems.append(f"the cue must be a few words of the hook, not {len(cue)} characters")
        # The page shows the cue as the reason for the type, so it must be words the hook really has.
        elif cue and cue.lower() not in hooks[item["id"] - 1].lower():
            problems.append(f"the cue of id {item['id']} ({cue!r}) is not quoted from its hook")
        elif not cue and item["type"] != "statement":
            problems.append(f"id {item['id']} is {item['type']} but quotes no cue from its hook")
        return problems

    return dict(
        schema_name="hook_types",
        items_key="hooks",
        item_schema=HOOK_ITEM_SCHEMA,
        check_item=check,
        max_items=count,
        max_tokens=max(512, 60 * count),
    )


def _retyped(account: AccountAnalysis, typed: dict[str, tuple[str, float, str]]) -> AccountAnalysis:
    def retype(reel: AnalysedReel) -> AnalysedReel:
        if reel.hook not in typed:
            return reel
        hook_type, confidence, cue = typed[reel.hook]
        return dataclasses.replace(reel, hook_type=hook_type, hook_confidence=confidence, hook_cue=cue, hook_source="model")

    reels = [retype(reel) for reel in account.reels]
    return dataclasses.replace(
        account,
        reels=reels,
        outliers=[reel for reel in reels if reel.is_outlier],
        hook_type_counts=ordered_hook_type_counts(Counter(reel.hook_type for reel in reels)),
    )


# --- Patterns: request, answer ------------------------------------------------------------------


def pattern_messages(patterns: Sequence[dict], hooks: dict[str, str]) -> list[dict]:
    """The messages that ask why each pattern held, numbered from 1, with the hooks of the reels behind it."""
    lines = [
        "These traits were over-represented among competitors' reels that got far more views than their "
        "account usually gets (lift = how much more common the trait is among those reels than among all of them).",
        "For each, explain in one or two sentences, to the creator, why it likely held: what it does for the "
        "viewer. Use only the numbers given.",
        "",
        "Patterns:",
    ]
    for number, pattern in enumerate(patterns, start=1):
        lines.append(json.dumps({
            "id": number,
            "pattern": pattern["explanation"],
            "kind": pattern["kind"],
            "value": pattern["value"],
            "lift": pattern["lift"],
            "example_hooks": [hooks[code] for code in pattern["examples"] if hooks.get(code)][:3],
        }, ensure_ascii=False))
    return [{"role": "system", "content": _PATTERNS_SYSTEM_PROMPT}, {"role": "user", "content": "\n".join(lines)}]


PATTERN_ITEM_SCHEMA = object_schema({
    "id": {"type": "integer", "minimum": 1},
    "explanation": {"type": "string"},
})


def pattern_request(count: int) -> dict[str, Any]:
    def check(item: dict) -> list[str]:
        problems = []
        if item["id"] > count:
            problems.append(f"id {item['id']} was not asked (ids run from 1 to {count})")
        length = len(item["explanation"].strip())
        if not MIN_EXPLANATION_CHARS <= length <= MAX_EXPLANATION_CHARS:
            problems.append(f"the explanation must be a sentence or two ({length} characters)")
        return problems

    return dict(
        schema_name="pattern_explanations",
        items_key="patterns",
        item_schema=PATTERN_ITEM_SCHEMA,
        check_item=check,
        max_items=count,
        max_tokens=max(512, 120 * count),
    )




# --- Ideas: request, answer ---------------------------------------------------------------------

# why_it_works comes last: the streamed progress counts ideas by it (IdeasProgress).
IDEA_ITEM_SCHEMA = object_schema({
    "title": {"type": "string"},
    "hook": {"type": "string"},
    "hook_type": {"type": "string", "enum": list(HOOK_TYPE_ORDER)},
    "script": object_schema({
        "hook": {"type": "string"},
        "body": {"type": "array", "items": {"type": "string"}, "minItems": MIN_SCRIPT_BEATS, "maxItems": MAX_SCRIPT_BEATS},
        "call_to_action": {"type": "string"},
    }),
    "source_shortcodes": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": MAX_SOURCES_PER_IDEA},
    "why_it_works": {"type": "string"},
})


def idea_request(count: int, by_code: dict[str, IdeaSource]) -> dict[str, Any]:
    def check(item: dict) -> list[str]:
        problems = []
        texts = {"title": item["title"], "hook": item["hook"], "why_it_works": item["why_it_works"],
                 "script.hook": item["script"]["hook"], "script.call_to_action": item["script"]["call_to_action"]}
        problems += [f"{name} is empty" for name, text in texts.items() if not text.strip()]
        if any(not beat.strip() for beat in item["script"]["body"]):
            problems.append("script.body has an empty beat")
        unknown = [code for code in item["source_shortcodes"] if code.strip() not in by_code]
        problems += [f"source shortcode {code!r} is not one of the reels listed" for code in unknown]
        return problems

    return dict(
        schema_name="content_ideas",
        items_key="ideas",
        item_schema=IDEA_ITEM_SCHEMA,
        check_item=check,
        max_items=count,
        # An idea with its script runs to about 250 tokens; the margin covers verbose models.
        max_tokens=max(1024, count * 500),
        stream=True,
    )


def _model_idea(item: dict, by_code: dict[str, IdeaSource]) -> ContentIdea:
    sources = tuple(dict.fromkeys(by_code[code.strip()] for code in item["source_shortcodes"]))
    script = item["script"]
    return ContentIdea(
        title=" ".join(item["title"].split()),
        hook=" ".join(item["hook"].split()),
        hook_type=item["hook_type"],
        script={
            "hook": " ".join(script["hook"].split()),
            "body": [" ".join(beat.split()) for beat in script["body"]],
            "call_to_action": " ".join(script["call_to_action"].split()),
        },
        sources=sources,
        why_it_works=" ".join(item["why_it_works"].split()),
        # The model's numbers are never used: the score is the evidence's, as offline.
        score=sum(float(source.outlier_multiplier) for source in sources) / len(sources),
        source="model",
    )
