"""What the generation pipeline (and later the viral-ideas composer) needs from a language model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol, runtime_checkable

from jobs.errors import PermanentJobError, RetryableJobError


@dataclass(frozen=True)
class ResearchNote:
    """One ranked piece of the local knowledge base handed to the writer."""

    source: str  # "reel" | "document"
    title: str  # e.g. "@chef.tomas reel DcwVkAL172T" or a document's file name
    text: str
    score: float  # relevance to the brief, higher is better
    url: str = ""


@dataclass(frozen=True)
class ArticleBrief:
    mode: str  # topic | keywords | trends | spin
    topic: str  # the working topic (for trends: the topic picked from the stored reels)
    keyphrase: str  # the SEO focus keyphrase
    keywords: tuple[str, ...] = ()
    tone: str = "informative"
    word_count: int = 800
    notes: tuple[ResearchNote, ...] = ()
    source_text: str = ""  # spin mode: the text to rewrite


@dataclass(frozen=True)
class Article:
    title: str
    markdown: str  # "# Title" line, intro paragraph(s), "## " sections, a conclusion
    model: str = ""  # which model/composer wrote it
    usage: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ChatResult:
    """One completion: its text, why it stopped, the token usage and the model that answered."""

    text: str
    finish_reason: str
    usage: dict = field(default_factory=dict)
    model: str = ""


# Called while writing with (fraction done 0..1, short message); lets the job report progress
# and notice a cancel during a long generation.
ProgressCallback = Callable[[float, str], None]


class LLMUnavailable(RetryableJobError):
    error_code = "LLM_UNAVAILABLE"


class LLMRateLimited(RetryableJobError):
    error_code = "LLM_RATE_LIMITED"


class LLMTimeout(RetryableJobError):
    error_code = "LLM_TIMEOUT"


class LLMBadResponse(RetryableJobError):
    """The endpoint answered, but not with a usable completion."""

    error_code = "LLM_BAD_RESPONSE"


class LLMRequestRejected(PermanentJobError):
    """400/401/403/404/422: wrong key, unknown model, bad request — retrying will not help."""

    error_code = "LLM_REQUEST_REJECTED"


class LLMProvider(Protocol):
    name: str

    def write_article(self, brief: ArticleBrief, *, on_progress: ProgressCallback | None = None) -> Article:
        """A structured article for the brief, about brief.word_count words, in brief.tone."""

    def compose_ideas(self, brief: "IdeasBrief", *, on_progress: ProgressCallback | None = None) -> list["ContentIdea"]:
        """brief.count content ideas for the creator's strategy, each traceable to its source reels."""


@runtime_checkable
class StructuredModel(Protocol):
    """A language model that can be asked for JSON following a schema.

    The viral-ideas analysis steps take the model path when the configured provider is one
    (viral_ideas.model_steps); the offline writer is not, so with LLM_PROVIDER=offline every
    step keeps its rule-based result. The answer is returned as text: checking it against the
    schema, and retrying, is jobs.providers.llm.structured's work, the same for every provider.
    """

    name: str  # the provider, e.g. "openai-compatible"
    model: str  # the model asked, e.g. "llama3.1"

    def complete_json(
        self,
        messages: list[dict],
        *,
        schema_name: str,
        schema: dict,
        max_tokens: int | None = None,
        stream: bool = False,
        on_delta: Callable[[str], None] | None = None,
    ) -> ChatResult:
        """One completion asked to follow `schema`; transport failures raise the typed LLM errors above."""


# --- Viral ideas ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IdeaSource:
    """A reel that inspired an idea, with the numbers that make it worth copying."""

    username: str
    shortcode: str
    url: str
    hook: str
    hook_type: str
    outlier_multiplier: float
    view_count: int = 0


@dataclass(frozen=True)
class IdeasBrief:
    primary_username: str
    # The creator's form: contentType, targetAudience, goals, additionalNotes (all free text).
    content_strategy: dict
    count: int
    outliers: tuple[IdeaSource, ...]  # best first
    # Patterns that held across competitors, best first: {kind, value, accounts, outlier_count, score}.
    patterns: tuple[dict, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContentIdea:
    title: str
    hook: str
    hook_type: str
    # {"hook": str, "body": [str, ...], "call_to_action": str}
    script: dict
    sources: tuple[IdeaSource, ...]
    why_it_works: str
    score: float  # how strongly the evidence behind it performed (mean outlier multiplier of sources)
    source: str = "offline"  # who wrote it: "offline" (the rule-based composer) | "model" (the language model)
