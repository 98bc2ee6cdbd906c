"""A writer backed by a real language model behind any OpenAI-compatible chat completions endpoint.

Works with OpenAI itself and with local servers that speak the same protocol (Ollama, vLLM,
llama.cpp). Only the standard library is used, so no HTTP client dependency is needed.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import json
import re
import socket
import ssl
import time
from typing import Any, Callable
from urllib.parse import urlsplit

from jobs.errors import PermanentJobError, RetryableJobError
from jobs.providers.llm.base import (
    Article,
    ArticleBrief,
    ChatResult,
    ContentIdea,
    IdeasBrief,
    IdeaSource,
    LLMBadResponse,
    LLMRateLimited,
    LLMRequestRejected,
    LLMTimeout,
    LLMUnavailable,
    ProgressCallback,
)
from jobs.providers.llm.offline import HOOK_TYPES, clean_text, describe_pattern, normalize_hook_type, source_hook_type
from text_rules.text import capitalize

NOT_CONFIGURED = "LLM_NOT_CONFIGURED"

_REJECTED_STATUSES = {400, 401, 403, 404, 409, 413, 415, 422}
_UNAVAILABLE_STATUSES = {500, 502, 503, 504}
# An error body is only read to quote its message; a proxy's HTML page can be large.
_MAX_ERROR_BODY = 64 * 1024
_MAX_QUOTED_MESSAGE = 300


class ChatCompletionsClient:
    """POSTs to `{base_url}/v1/chat/completions` and maps every failure to a typed job error."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout_seconds: float = 60.0,
        max_retries: int = 0,
    ):
        parts = urlsplit((base_url or "").strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PermanentJobError(
                f"LLM base URL must look like http(s)://host[:port][/v1], got {_without_credentials(base_url)!r}",
                error_code=NOT_CONFIGURED,
            )
        if not (model or "").strip():
            raise PermanentJobError("LLM model name is not set", error_code=NOT_CONFIGURED)
        self.model = model.strip()
        self.api_key = api_key or ""
        self.timeout_seconds = float(timeout_seconds)
        self.max_retries = max(0, int(max_retries))
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        prefix = parts.path.rstrip("/")
        # People paste the base URL in every shape the various servers document.
        for suffix in ("/chat/completions", "/v1"):
            if prefix.endswith(suffix):
                prefix = prefix[: -len(suffix)]
        self.path = f"{prefix}/v1/chat/completions"
        host_for_url = f"[{self._host}]" if ":" in self._host else self._host
        self.endpoint = f"{self._scheme}://{host_for_url}:{self._port}{self.path}"

    def chat(
        self,
        messages: list[dict],
        *,
        temperature: float = 0.7,
        max_tokens: int | None = None,
        stream: bool = True,
        on_delta: Callable[[str], None] | None = None,
        response_format: dict | None = None,
    ) -> ChatResult:
        """One completion for `messages`; with stream=True every content piece goes to on_delta as it arrives.

        response_format is passed through as the protocol defines it, e.g. {"type": "json_schema",
        "json_schema": {"name": ..., "schema": ..., "strict": true}} (OpenAI, vLLM and Ollama accept it).
        """
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": temperature, "stream": stream}
        if max_tokens is not None:
            body["max_tokens"] = int(max_tokens)
        if response_format is not None:
            body["response_format"] = response_format
        payload = json.dumps(body).encode("utf-8")
        attempt = 0
        while True:
            delivered = False

            def forward(piece: str) -> None:
                nonlocal delivered
                delivered = True
                if on_delta is not None:
                    on_delta(piece)

            try:
                return self._attempt(payload, stream=stream, on_delta=forward)
            except RetryableJobError as error:
                # Once text reached the caller a retry would repeat it, so only clean failures are retried.
                if delivered or attempt >= self.max_retries:
                    raise
                time.sleep(_retry_delay(error, attempt, self.timeout_seconds))
                attempt += 1

    def _attempt(self, payload: bytes, *, stream: bool, on_delta: Callable[[str], None]) -> ChatResult:
        deadline = time.monotonic() + self.timeout_seconds
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream" if stream else "application/json",
            "User-Agent": "ViralSpot",
        }
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        if self._scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                self._host, self._port, timeout=self.timeout_seconds, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout_seconds)
        response: http.client.HTTPResponse | None = None
        try:
            try:
                connection.connect()
                # Kept because http.client drops its own reference once a response takes the socket over.
                sock = connection.sock
                connection.request("POST", self.path, body=payload, headers=headers)
                response = connection.getresponse()
                if not 200 <= response.status < 300:
                    self._raise_for_status(response)
                content_type = (response.getheader("Content-Type") or "").lower()
                if stream and "text/event-stream" in content_type:
                    return self._read_stream(response, sock, deadline, on_delta)
                self._arm(sock, deadline)
                result = self._parse_completion(response.read())
                if stream:
                    # The server ignored "stream": the whole answer is one piece.
                    on_delta(result.text)
                return result
            except TimeoutError as error:
                raise LLMTimeout(self._redact(f"timed out waiting for {self.endpoint} (limit {self.timeout_seconds:g} s)")) from error
            except ssl.SSLCertVerificationError as error:
                raise LLMRequestRejected(self._redact(f"TLS certificate of {self.endpoint} was rejected: {error}")) from error
            except socket.gaierror as error:
                raise LLMUnavailable(self._redact(f"cannot resolve {self._host} ({error})")) from error
            except ConnectionRefusedError as error:
                raise LLMUnavailable(self._redact(f"connection to {self.endpoint} refused")) from error
            except ConnectionError as error:
                raise LLMUnavailable(self._redact(f"connection to {self.endpoint} lost ({error})")) from error
            except http.client.IncompleteRead as error:
                raise LLMBadResponse(self._redact(f"{self.endpoint} closed the answer before it was complete")) from error
            except http.client.HTTPException as error:
                raise LLMBadResponse(self._redact(f"{self.endpoint} sent a malformed HTTP answer ({error!r})")) from error
            except OSError as error:
                raise LLMUnavailable(self._redact(f"cannot talk to {self.endpoint} ({error})")) from error
        finally:
            if response is not None:
                response.close()
            connection.close()

    def _raise_for_status(self, response: http.client.HTTPResponse) -> None:
        status = response.status
        message = _error_message(response.read(_MAX_ERROR_BODY))
        detail = f": {message}" if message else ""
        where = f"{self.endpoint} answered HTTP {status}"
        if status == 429:
            retry_after = _retry_after_seconds(response.getheader("Retry-After"))
            hint = f"; retry after {retry_after:g} s" if retry_after is not None else ""
            error: Exception = LLMRateLimited(self._redact(f"rate limited: {where}{hint}{detail}"))
            error.retry_after_seconds = retry_after  # type: ignore[attr-defined]
        elif status in _UNAVAILABLE_STATUSES:
            error = LLMUnavailable(self._redact(f"{where}{detail}"))
            error.retry_after_seconds = _retry_after_seconds(response.getheader("Retry-After"))  # type: ignore[attr-defined]
        elif status == 408:
            error = LLMTimeout(self._redact(f"{where}{detail}"))
        elif status in _REJECTED_STATUSES or 300 <= status < 400:
            location = response.getheader("Location")
            moved = f" (redirects to {_without_credentials(location)}; point the base URL there)" if location else ""
            error = LLMRequestRejected(self._redact(f"{where}{moved}{detail}"))
        elif status >= 500:
            error = LLMUnavailable(self._redact(f"{where}{detail}"))
        else:
            error = LLMRequestRejected(self._redact(f"{where}{detail}"))
        raise error

    def _read_stream(
        self,
        response: http.client.HTTPResponse,
        sock: socket.socket | None,
        deadline: float,
        on_delta: Callable[[str], None],
    ) -> ChatResult:
        pieces: list[str] = []
        finish_reason = ""
        usage: dict = {}
        model = ""
        done = False
        data_lines: list[str] = []

        def dispatch() -> None:
            """Handle one complete event."""
            nonlocal finish_reason, usage, model
            data = "\n".join(data_lines)
            data_lines.clear()
            chunk = self._json(data.encode("utf-8"))
            if not isinstance(chunk, dict):
                raise LLMBadResponse(self._redact(f"{self.endpoint} streamed a chunk that is not a JSON object"))
            if "error" in chunk:
                raise LLMBadResponse(self._redact(f"{self.endpoint} reported an error mid-stream: {_error_message_from(chunk)}"))
            model = str(chunk.get("model") or model)
            if isinstance(chunk.get("usage"), dict):
                usage = chunk["usage"]
            choices = chunk.get("choices") or []
            if choices and isinstance(choices[0], dict):
                choice = choices[0]
                delta = choice.get("delta") or {}
                content = delta.get("content") if isinstance(delta, dict) else None
                if isinstance(content, str) and content:
                    pieces.append(content)
                    on_delta(content)
                if choice.get("finish_reason"):
                    finish_reason = str(choice["finish_reason"])

        while True:
            self._arm(sock, deadline)
            raw = response.readline()
            if not raw:
                if data_lines:
                    dispatch()
                break
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as error:
                raise LLMBadResponse(self._redact(f"{self.endpoint} streamed bytes that are not UTF-8")) from error
            if not line:
                if data_lines:
                    dispatch()
                continue
            if line.startswith(":"):
                continue  # an SSE comment: servers send these as keep-alives
            name, _, value = line.partition(":")
            if name != "data":
                continue  # event:, id: and retry: fields carry nothing a completion needs
            value = value[1:] if value.startswith(" ") else value
            if value.strip() == "[DONE]":
                # Some servers omit the blank line before the end marker.
                if data_lines:
                    dispatch()
                done = True
                break
            data_lines.append(value)
        text = "".join(pieces)
        if not done and not finish_reason:
            raise LLMBadResponse(self._redact(f"{self.endpoint} ended the stream before the answer was complete"))
        if not text.strip():
            raise LLMBadResponse(self._redact(f"{self.endpoint} streamed an answer without any text"))
        return ChatResult(text=text, finish_reason=finish_reason or "stop", usage=usage, model=model or self.model)

    def _parse_completion(self, raw: bytes) -> ChatResult:
        document = self._json(raw)
        choices = document.get("choices") if isinstance(document, dict) else None
        if not choices or not isinstance(choices, list) or not isinstance(choices[0], dict):
            raise LLMBadResponse(self._redact(f"{self.endpoint} answered without any choices"))
        message = choices[0].get("message") or {}
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            # Some servers return content as typed parts.
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        if not isinstance(content, str) or not content.strip():
            raise LLMBadResponse(self._redact(f"{self.endpoint} answered with empty content"))
        usage = document.get("usage") if isinstance(document.get("usage"), dict) else {}
        return ChatResult(
            text=content,
            finish_reason=str(choices[0].get("finish_reason") or ""),
            usage=usage,
            model=str(document.get("model") or self.model),
        )

    def _json(self, raw: bytes) -> Any:
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise LLMBadResponse(self._redact(f"{self.endpoint} answered with invalid JSON")) from error

    def _arm(self, sock: socket.socket | None, deadline: float) -> None:
        """Bound the next read by the per-read timeout and by what is left of the total deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LLMTimeout(self._redact(f"{self.endpoint} did not finish its answer within {self.timeout_seconds:g} s"))
        if sock is not None:
            sock.settimeout(min(self.timeout_seconds, remaining))

    def _redact(self, text: str) -> str:
        if self.api_key:
            text = text.replace(self.api_key, "***")
        return text


class OpenAICompatibleProvider:
    """Writes articles and content ideas with a real model through ChatCompletionsClient, streaming progress.

    It is also a StructuredModel: complete_json asks for an answer that follows a JSON schema, which
    the viral-ideas analysis steps use (viral_ideas.model_steps).
    """

    name = "openai-compatible"
    # Lower than for prose: a typing or a check should not change from one run to the next.
    json_temperature = 0.2

    def __init__(self, client: ChatCompletionsClient, *, temperature: float = 0.7):
        self.client = client
        self.temperature = temperature

    @property
    def model(self) -> str:
        return self.client.model

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
        """One completion asked to follow `schema` (response_format json_schema, strict); the text is not checked here."""
        return self.client.chat(
            messages,
            temperature=self.json_temperature,
            max_tokens=max_tokens,
            stream=stream,
            on_delta=on_delta,
            response_format=json_schema_format(schema_name, schema),
        )

    def write_article(self, brief: ArticleBrief, *, on_progress: ProgressCallback | None = None) -> Article:
        """A Markdown article for the brief, written by the model and streamed."""
        tracker = _ProgressTracker(brief.word_count, on_progress)
        tracker.start()
        result = self.client.chat(
            build_messages(brief),
            temperature=self.temperature,
            # Room for Markdown and a model that runs a little long, but a bound on one that rambles.
            max_tokens=max(1024, int(brief.word_count * 2.5)),
            stream=True,
            on_delta=tracker.feed,
        )
        title, markdown = title_and_markdown(result.text, brief)
        if on_progress is not None:
            on_progress(1.0, "Article written")
        return Article(title=title, markdown=markdown, model=result.model or self.client.model, usage=dict(result.usage))

    def compose_ideas(self, brief: IdeasBrief, *, on_progress: ProgressCallback | None = None) -> list[ContentIdea]:
        """Up to brief.count ideas written by the model as JSON, each mapped back to the brief's reels.

        The model's own numbers are ignored: every score is the mean outlier multiplier of the
        reels an idea cites. An answer without a single usable idea raises LLMBadResponse.

        This is the LLMProvider interface's lenient reader (an unknown shortcode is dropped, an
        unknown hook type read as a statement). The viral-ideas pipeline asks through
        viral_ideas.model_steps instead: a JSON-schema answer, one retry, and the offline
        composer's idea for every slot the model got wrong.
        """
        if not brief.outliers:
            raise PermanentJobError("No outlier reels to base ideas on", error_code="NO_OUTLIERS")
        wanted = max(0, int(brief.count))
        if wanted == 0:
            return []
        tracker = IdeasProgress(wanted, on_progress)
        tracker.start()
        result = self.client.chat(
            build_ideas_messages(brief),
            temperature=self.temperature,
            # An idea with its script runs to about 250 tokens; the margin covers verbose models.
            max_tokens=max(1024, wanted * 500),
            stream=True,
            on_delta=tracker.feed,
        )
        try:
            ideas = parse_ideas(result.text, brief)
        except LLMBadResponse as error:
            raise LLMBadResponse(f"{self.client.endpoint} ({result.model or self.client.model}): {error}") from error
        if on_progress is not None:
            on_progress(1.0, f"{len(ideas)} of {wanted} ideas composed")
        return ideas


def json_schema_format(name: str, schema: dict) -> dict:
    """The response_format that asks an OpenAI-compatible server for JSON following `schema`."""
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


_SYSTEM_PROMPT = (
    "You are an experienced content writer who turns research notes into well-structured, "
    "accurate web articles. You write in Markdown, never invent statistics or quotes that are "
    "not in the notes, and never mention that you are an AI."
)

# Notes come from scraped captions and documents; a bound keeps the prompt inside small local context windows.
_MAX_NOTE_CHARS = 1500
_MAX_NOTES_CHARS = 12000


def build_messages(brief: ArticleBrief) -> list[dict]:
    """The system and user messages that ask for the article described by `brief`."""
    keyphrase = brief.keyphrase or brief.topic
    lines = [
        f"Write an article in Markdown of about {brief.word_count} words.",
        "",
        f"Mode: {brief.mode}",
        f"Topic: {brief.topic}",
        f"Focus keyphrase: {keyphrase}",
    ]
    if brief.keywords:
        lines.append(f"Secondary keywords: {', '.join(brief.keywords)}")
    lines.append(f"Tone: {brief.tone}")
    lines += [
        "",
        "Structure:",
        "- The first line is the title as '# Title'; it should contain the focus keyphrase.",
        "- Then an introduction of one or two paragraphs that uses the focus keyphrase in its first paragraph.",
        "- Then 3 to 6 sections, each starting with a '## ' heading; at least one heading contains the focus keyphrase.",
        "- End with a '## ' conclusion section that closes with a call to action.",
        "- Use the secondary keywords naturally; do not stuff them.",
        "- Answer with the article only: no preamble, no code fences.",
    ]
    if brief.mode == "spin" and brief.source_text.strip():
        lines += [
            "",
            "Rewrite the source text below in new words. Keep its meaning, facts and order of ideas, "
            "but do not copy its sentences: change wording and sentence structure, and add the headings above.",
            "",
            "Source text:",
            '"""',
            brief.source_text.strip(),
            '"""',
        ]
    notes = _notes_block(brief)
    if notes:
        lines += [
            "",
            "Research notes (numbered sources; base the content on them, and prefer the higher-ranked ones):",
            "",
            *notes,
        ]
    return [{"role": "system", "content": _SYSTEM_PROMPT}, {"role": "user", "content": "\n".join(lines)}]


def _notes_block(brief: ArticleBrief) -> list[str]:
    lines: list[str] = []
    budget = _MAX_NOTES_CHARS
    for number, note in enumerate(brief.notes, start=1):
        text = " ".join(note.text.split())
        if len(text) > _MAX_NOTE_CHARS:
            text = text[:_MAX_NOTE_CHARS].rsplit(" ", 1)[0] + " …"
        if budget - len(text) < 0:
            break
        budget -= len(text)
        source = f" <{note.url}>" if note.url else ""
        lines.append(f"[{number}] {note.source}: {note.title}{source}")
        lines.append(text)
        lines.append("")
    return lines


_THINK_RE = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_FENCE_RE = re.compile(r"^```[a-zA-Z]*\s*\n(.*?)\n```\s*$", re.DOTALL)


def title_and_markdown(text: str, brief: ArticleBrief) -> tuple[str, str]:
    """The title and the Markdown of a model's answer, with a `# ` title line guaranteed."""
    # Reasoning models may prepend their thinking; some wrap the whole answer in a code fence.
    cleaned = _THINK_RE.sub("", text).strip()
    fenced = _FENCE_RE.match(cleaned)
    if fenced:
        cleaned = fenced.group(1).strip()
    lines = cleaned.splitlines()
    title = ""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("# ") and stripped[2:].strip():
            title = stripped[2:].strip().strip("*").strip()
            # Anything before the title is chatter such as "Here is your article:".
            lines = [f"# {title}"] + lines[index + 1 :]
            break
    fences = [line for line in lines if line.strip().startswith("```")]
    if len(fences) % 2 and lines[-1].strip().startswith("```"):
        lines.pop()  # the closing half of a fence whose opening was chatter
    body = "\n".join(lines).strip()
    if not title:
        title = _title_from_topic(brief)
        body = f"# {title}\n\n{body}"
    return title, body + "\n"


def _title_from_topic(brief: ArticleBrief) -> str:
    topic = (brief.topic or brief.keyphrase or "Article").strip().rstrip(".")
    return capitalize(topic)


class _ProgressTracker:
    """Turns streamed text into throttled progress reports (words so far / target words)."""

    STEP = 0.05

    def __init__(self, target_words: int, on_progress: ProgressCallback | None):
        self.target = max(1, int(target_words))
        self.on_progress = on_progress
        self.words = 0
        self.in_word = False
        self.last_reported = 0.0

    def start(self) -> None:
        if self.on_progress is not None:
            self.on_progress(0.0, "Waiting for the model's first words")

    def feed(self, piece: str) -> None:
        # Counting word starts piece by piece keeps this linear however long the answer gets.
        for char in piece:
            if char.isspace():
                self.in_word = False
            elif not self.in_word:
                self.in_word = True
                self.words += 1
        if self.on_progress is None:
            return
        fraction = min(0.99, self.words / self.target)
        if fraction - self.last_reported >= self.STEP:
            self.last_reported = fraction
            self.on_progress(fraction, f"Writing: {self.words} of about {self.target} words")


# --- Viral ideas ----------------------------------------------------------------------------

_IDEAS_SYSTEM_PROMPT = (
    "You are a short-form video strategist. You study reels that outperformed their accounts and "
    "adapt what made them work to another creator's strategy. You never copy a reel word for word, "
    "never invent numbers, and you answer with JSON only."
)
# Hooks are scraped captions; bounds keep the prompt inside small local context windows.
_MAX_PROMPT_OUTLIERS = 40
_MAX_PROMPT_PATTERNS = 10
_MAX_PROMPT_KEYWORDS = 20
_MAX_HOOK_CHARS = 200
_MAX_STRATEGY_CHARS = 500
_MAX_SOURCES_PER_IDEA = 3
_STRATEGY_LABELS = (
    ("contentType", "Content type"),
    ("targetAudience", "Target audience"),
    ("goals", "Goals"),
    ("additionalNotes", "Additional notes"),
)
_IDEAS_SHAPE = (
    '{"ideas": [{"title": "...", "hook": "...", "hook_type": "question", '
    '"script": {"hook": "...", "body": ["...", "...", "..."], "call_to_action": "..."}, '
    '"source_shortcodes": ["..."], "why_it_works": "..."}]}'
)


def _one_line(value: object, limit: int) -> str:
    text = " ".join(clean_text(str(value)).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def build_ideas_messages(brief: IdeasBrief) -> list[dict]:
    """The system and user messages that ask for brief.count ideas as one JSON object."""
    strategy = brief.content_strategy if isinstance(brief.content_strategy, dict) else {}
    lines = [f"Write {brief.count} reel ideas for @{brief.primary_username.lstrip('@')}.", "", "The creator's strategy:"]
    labelled = {key for key, _ in _STRATEGY_LABELS}
    extra = [(key, key) for key in strategy if key not in labelled]
    for key, label in (*_STRATEGY_LABELS, *extra):
        value = strategy.get(key)
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(item) for item in value if item)
        if value:
            lines.append(f"- {label}: {_one_line(value, _MAX_STRATEGY_CHARS)}")
    if not any(strategy.get(key) for key in strategy):
        lines.append("- (not given: infer it from the reels below)")
    lines += [
        "",
        "Outlier reels from competitors, strongest first (multiplier = views ÷ that account's typical views):",
    ]
    for number, source in enumerate(brief.outliers[:_MAX_PROMPT_OUTLIERS], start=1):
        lines.append(
            f"[{number}] @{source.username} | shortcode {source.shortcode} | hook type {source_hook_type(source)} | "
            f"{float(source.outlier_multiplier):.1f}× | {source.url}"
        )
        lines.append(f'    Hook: "{_one_line(source.hook, _MAX_HOOK_CHARS)}"')
    primary = brief.primary_username.lstrip("@").lower()
    competitors = len({source.username.lower() for source in brief.outliers if source.username.lower() != primary})
    patterns = [pattern for pattern in brief.patterns if isinstance(pattern, dict)][:_MAX_PROMPT_PATTERNS]
    if patterns:
        lines += ["", "Patterns that held across competitors:"]
        lines += [f"- {describe_pattern(pattern, competitors)}" for pattern in patterns]
    if brief.keywords:
        lines += ["", f"Keywords: {', '.join(str(k) for k in brief.keywords[:_MAX_PROMPT_KEYWORDS])}"]
    lines += [
        "",
        "Rules:",
        f"- Exactly {brief.count} ideas, each with a different title and hook.",
        "- Each idea adapts one to three of the reels above to the creator's topic and audience, "
        "keeping the hook type of the reel it adapts.",
        f"- hook_type is one of: {', '.join(HOOK_TYPES)}.",
        "- script.body holds 3 to 5 short beats; script.call_to_action serves the creator's goals.",
        "- source_shortcodes lists the shortcodes of the reels the idea adapts.",
        "- why_it_works cites those reels' multipliers and any pattern above that applies.",
        "- Answer with one JSON object and nothing else, in this shape:",
        _IDEAS_SHAPE,
    ]
    return [{"role": "system", "content": _IDEAS_SYSTEM_PROMPT}, {"role": "user", "content": "\n".join(lines)}]


_FENCE_MARK_RE = re.compile(r"```[a-zA-Z]*")
_JSON_START_RE = re.compile(r"[\[{]")
_REEL_URL_RE = re.compile(r"/(?:reels?|p|tv)/([A-Za-z0-9_-]+)")
_INDEX_REF_RE = re.compile(r"^\[?#?(\d{1,3})\]?$")
_IDEA_FIELDS = ("script", "hook_type", "source_shortcodes", "sources", "why_it_works")


def _looks_like_idea(value: object) -> bool:
    return isinstance(value, dict) and ("title" in value or "hook" in value) and any(key in value for key in _IDEA_FIELDS)


def _idea_list(document: object) -> list | None:
    """The ideas in a decoded answer: {"ideas": [...]}, a bare list, or a single idea."""
    if isinstance(document, list):
        return document if any(_looks_like_idea(item) for item in document) else None
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("ideas"), list):
        return document["ideas"]
    for value in document.values():
        # Models rename the wrapper ("content_ideas", "reels"); the list of ideas is what counts.
        if isinstance(value, list) and any(_looks_like_idea(item) for item in value):
            return value
    return [document] if _looks_like_idea(document) else None


def idea_items(text: str) -> list:
    """The idea objects in a model's answer, past reasoning, chatter and code fences.

    The first complete JSON document holding ideas wins; from an answer cut off mid-document the
    ideas that did arrive whole are kept.
    """
    cleaned = _FENCE_MARK_RE.sub("", _THINK_RE.sub("", text))
    decoder = json.JSONDecoder()
    salvaged: list = []
    position = 0
    while match := _JSON_START_RE.search(cleaned, position):
        try:
            document, end = decoder.raw_decode(cleaned, match.start())
        except ValueError:
            position = match.start() + 1
            continue
        if _looks_like_idea(document):
            salvaged.append(document)
            position = end
            continue
        found = _idea_list(document)
        if found is not None and not salvaged:
            return found
        position = end if found is not None else match.start() + 1
    return salvaged


def _text(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _beats(value: object) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list):
        return []
    beats = []
    for item in value:
        if isinstance(item, dict):
            # {"beat": "..."} or {"shot": "...", "line": "..."}: the first words are the beat.
            item = next((v for v in item.values() if isinstance(v, str) and v.strip()), "")
        text = _text(item).lstrip("-*• ").strip()
        if text:
            beats.append(text)
    return beats


def _source_refs(item: dict) -> list:
    for key in ("source_shortcodes", "sources", "source_shortcode", "source"):
        value = item.get(key)
        if value:
            return value if isinstance(value, list) else [value]
    return []


def _resolve_source(ref: object, brief: IdeasBrief, by_code: dict[str, IdeaSource]) -> IdeaSource | None:
    if isinstance(ref, dict):
        ref = ref.get("shortcode") or ref.get("url") or ""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return brief.outliers[ref - 1] if 1 <= ref <= len(brief.outliers) else None
    if not isinstance(ref, str):
        return None
    token = ref.strip().strip("\"'`")
    url = _REEL_URL_RE.search(token)
    if url:
        token = url.group(1)
    found = by_code.get(token) or by_code.get(token.lower())
    if found is not None:
        return found
    index = _INDEX_REF_RE.match(token)
    if index and 1 <= int(index.group(1)) <= len(brief.outliers):
        return brief.outliers[int(index.group(1)) - 1]
    return None


def _fallback_source(brief: IdeasBrief, hook_type: str) -> IdeaSource:
    """The strongest reel with the idea's hook type, else the brief's first (best) reel."""
    same_type = [source for source in brief.outliers if source_hook_type(source) == hook_type]
    if not same_type:
        return brief.outliers[0]
    return max(same_type, key=lambda source: float(source.outlier_multiplier))


def _idea_from(item: object, brief: IdeasBrief, by_code: dict[str, IdeaSource]) -> ContentIdea | None:
    if not isinstance(item, dict):
        return None
    script = item.get("script") if isinstance(item.get("script"), dict) else {}
    hook = _text(item.get("hook")) or _text(script.get("hook"))
    title = _text(item.get("title")) or hook
    hook = hook or title
    if not hook:
        return None
    hook_type = normalize_hook_type(item.get("hook_type")) or "statement"
    sources: list[IdeaSource] = []
    for ref in _source_refs(item):
        source = _resolve_source(ref, brief, by_code)
        if source is not None and source not in sources:
            sources.append(source)
    sources = sources[:_MAX_SOURCES_PER_IDEA] or [_fallback_source(brief, hook_type)]
    why = _text(item.get("why_it_works")) or "Adapted from " + ", ".join(
        f"@{source.username}'s reel ({float(source.outlier_multiplier):.1f}× that account's typical views)" for source in sources
    ) + "."
    return ContentIdea(
        title=title,
        hook=hook,
        hook_type=hook_type,
        script={
            "hook": _text(script.get("hook")) or hook,
            "body": _beats(script.get("body")),
            "call_to_action": _text(script.get("call_to_action")) or _text(item.get("call_to_action")),
        },
        sources=tuple(sources),
        why_it_works=why,
        score=sum(float(source.outlier_multiplier) for source in sources) / len(sources),
    )


def parse_ideas(text: str, brief: IdeasBrief) -> list[ContentIdea]:
    """At most brief.count distinct ideas from a model's answer; none at all raises LLMBadResponse."""
    by_code: dict[str, IdeaSource] = {}
    for source in brief.outliers:
        by_code.setdefault(source.shortcode, source)
        by_code.setdefault(source.shortcode.lower(), source)
    ideas: list[ContentIdea] = []
    seen: set[str] = set()
    for item in idea_items(text):
        idea = _idea_from(item, brief, by_code)
        if idea is None:
            continue
        keys = {" ".join(idea.title.lower().split()), " ".join(idea.hook.lower().split())}
        if keys & seen:
            continue
        seen |= keys
        ideas.append(idea)
        if len(ideas) >= brief.count:
            break
    if not ideas:
        raise LLMBadResponse("the answer held no usable ideas (expected a JSON object with an \"ideas\" list)")
    return ideas


class IdeasProgress:
    """Counts ideas as they stream in, by the field each idea is asked to end with."""

    MARKER = '"why_it_works"'

    def __init__(self, wanted: int, on_progress: ProgressCallback | None):
        self.wanted = max(1, wanted)
        self.on_progress = on_progress
        self.done = 0
        self.tail = ""

    def start(self) -> None:
        if self.on_progress is not None:
            self.on_progress(0.0, "Waiting for the model's first idea")

    def feed(self, piece: str) -> None:
        # The tail is one character short of the marker, so a marker split across pieces counts once.
        window = self.tail + piece
        found = window.count(self.MARKER)
        self.tail = window[-(len(self.MARKER) - 1) :]
        if found:
            self.done += found
            if self.on_progress is not None:
                drafted = min(self.done, self.wanted)
                self.on_progress(min(0.95, drafted / self.wanted), f"Drafted idea {drafted} of {self.wanted}")


def _retry_delay(error: Exception, attempt: int, cap: float) -> float:
    hinted = getattr(error, "retry_after_seconds", None)
    delay = hinted if hinted is not None else float(2**attempt)
    return max(0.0, min(delay, cap))


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (moment - dt.datetime.now(dt.timezone.utc)).total_seconds())


def _error_message(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").strip()
    try:
        document = json.loads(text)
    except ValueError:
        return _shorten(" ".join(text.split()))
    return _error_message_from(document) if isinstance(document, dict) else _shorten(text)


def _error_message_from(document: dict) -> str:
    # OpenAI and vLLM: {"error": {"message": ...}}; Ollama: {"error": "..."}; FastAPI-style: {"detail": ...}.
    error = document.get("error")
    if isinstance(error, dict) and error.get("message"):
        return _shorten(str(error["message"]))
    for key in ("error", "detail", "message"):
        if document.get(key):
            value = document[key]
            return _shorten(value if isinstance(value, str) else json.dumps(value))
    return _shorten(json.dumps(document))


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_QUOTED_MESSAGE else text[: _MAX_QUOTED_MESSAGE - 1] + "…"


def _without_credentials(url: str | None) -> str:
    return re.sub(r"//[^/@]*@", "//", url or "")
