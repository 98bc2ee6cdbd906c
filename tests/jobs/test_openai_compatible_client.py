"""The OpenAI-compatible client against a real local HTTP server that speaks the protocol.

Nothing in the client is mocked: each test switches the server's behaviour (tests/support/fake_openai.py)
and checks what the client sends and which typed error (and retryable flag) it turns each answer into.
"""

from __future__ import annotations

import socket
import time

import pytest

from jobs.errors import JobInterrupted, PermanentJobError
from jobs.providers.llm import get_llm_provider
from jobs.providers.llm.base import (
    ArticleBrief,
    LLMBadResponse,
    LLMRateLimited,
    LLMRequestRejected,
    LLMTimeout,
    LLMUnavailable,
    ResearchNote,
)
from jobs.providers.llm.offline import OfflineWriter
from jobs.providers.llm.openai_compatible import ChatCompletionsClient, OpenAICompatibleProvider
from support.fake_openai import FakeLLMServer, stream_pieces

API_KEY = "sk-test-SECRET-0123456789"
ARTICLE = (
    "# Salt Your Pasta Water Like a Pro\n\n"
    "Pasta water is the one chance to season the pasta itself, and most home cooks under-salt it.\n\n"
    "## Why pasta water matters\n\n"
    "Salted water seasons every strand from the inside, so the sauce does not have to do all the work. "
    "A good rule is a tablespoon of salt for every four litres of water.\n\n"
    "## Save a cup before you drain\n\n"
    "Starchy pasta water binds butter and cheese into a glossy sauce. Keep a mug of it next to the pot "
    "and add it a splash at a time.\n\n"
    "## Conclusion\n\n"
    "Salt the water, save a cup, and taste as you go. Try it tonight and see the difference.\n"
)


@pytest.fixture
def server():
    with FakeLLMServer(pieces=stream_pieces(ARTICLE)) as running:
        yield running


def client_for(server: FakeLLMServer, *, api_key: str = "", timeout: float = 5.0, suffix: str = "/v1", retries: int = 0):
    return ChatCompletionsClient(server.url + suffix, "fake-model-1", api_key=api_key, timeout_seconds=timeout, max_retries=retries)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


MESSAGES = [{"role": "system", "content": "You write articles."}, {"role": "user", "content": "Write about pasta water."}]


# --- the happy paths


def test_a_streamed_answer_is_assembled_and_every_piece_reaches_on_delta_in_order(server):
    seen: list[str] = []
    result = client_for(server).chat(MESSAGES, on_delta=seen.append)

    assert result.text == ARTICLE
    assert seen == server.pieces  # the opening empty delta is not passed on
    assert result.finish_reason == "stop"
    assert result.usage == {"prompt_tokens": 120, "completion_tokens": 90, "total_tokens": 210}
    assert result.model == "fake-model-1"


def test_the_request_carries_model_messages_stream_flag_and_the_bearer_key_when_one_is_set(server):
    server.expected_key = API_KEY
    client_for(server, api_key=API_KEY).chat(MESSAGES, temperature=0.2, max_tokens=500)

    request = server.requests[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["body"] == {"model": "fake-model-1", "messages": MESSAGES, "temperature": 0.2, "stream": True, "max_tokens": 500}


def test_no_authorization_header_is_sent_without_an_api_key(server):
    client_for(server).chat(MESSAGES)

    assert "Authorization" not in server.requests[-1]["headers"]
    assert "max_tokens" not in server.requests[-1]["body"]


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/", "/v1/chat/completions"])
def test_the_base_url_works_with_or_without_the_v1_suffix(server, suffix):
    client = client_for(server, suffix=suffix)

    assert client.chat(MESSAGES).text == ARTICLE
    assert server.requests[-1]["path"] == "/v1/chat/completions"


def test_a_non_streaming_call_reads_the_message_content(server):
    server.behaviour = "json"
    result = client_for(server).chat(MESSAGES, stream=False)

    assert result.text == ARTICLE
    assert result.usage["total_tokens"] == 180
    assert server.requests[-1]["body"]["stream"] is False
    assert server.requests[-1]["headers"]["Accept"] == "application/json"


def test_a_server_that_ignores_stream_still_delivers_its_whole_answer_as_one_piece(server):
    server.behaviour = "json"
    seen: list[str] = []

    assert client_for(server).chat(MESSAGES, stream=True, on_delta=seen.append).text == ARTICLE
    assert seen == [ARTICLE]


def test_keep_alive_comments_and_event_lines_in_the_stream_are_ignored(server):
    server.behaviour = "keepalive"
    seen: list[str] = []

    assert client_for(server).chat(MESSAGES, on_delta=seen.append).text == ARTICLE
    assert seen == server.pieces


# --- failures become typed errors


@pytest.mark.parametrize(
    ("behaviour", "error_type", "retryable", "quoted"),
    [
        ("rate_limited", LLMRateLimited, True, "Rate limit reached"),
        ("server_error", LLMUnavailable, True, "server had an error"),
        ("bad_gateway", LLMUnavailable, True, "502"),
        ("unauthorized", LLMRequestRejected, False, "Incorrect API key provided"),
        ("unknown_model", LLMRequestRejected, False, "does not exist"),
        ("ollama_error", LLMRequestRejected, False, "try pulling it first"),
        ("invalid_json", LLMBadResponse, True, "invalid JSON"),
        ("no_choices", LLMBadResponse, True, "without any choices"),
        ("empty_content", LLMBadResponse, True, "empty content"),
        ("cut_off", LLMBadResponse, True, "complete"),
        ("ends_early", LLMBadResponse, True, "before the answer was complete"),
    ],
)
def test_each_failure_maps_to_its_typed_error_with_the_right_retryable_flag(server, behaviour, error_type, retryable, quoted):
    server.behaviour = behaviour

    with pytest.raises(error_type) as caught:
        client_for(server, api_key=API_KEY).chat(MESSAGES)

    assert caught.value.retryable is retryable
    assert quoted in caught.value.message
    assert API_KEY not in caught.value.message
    assert API_KEY not in str(caught.value)


def test_a_rate_limit_mentions_when_to_retry(server):
    server.behaviour = "rate_limited"

    with pytest.raises(LLMRateLimited) as caught:
        client_for(server).chat(MESSAGES)

    assert "retry after 7 s" in caught.value.message
    assert caught.value.error_code == "LLM_RATE_LIMITED"


def test_the_api_key_quoted_back_by_the_server_is_masked(server):
    server.behaviour = "unauthorized"

    with pytest.raises(LLMRequestRejected) as caught:
        client_for(server, api_key=API_KEY).chat(MESSAGES)

    assert "HTTP 401" in caught.value.message
    assert "Incorrect API key provided: ***" in caught.value.message


def test_a_server_that_answers_too_slowly_times_out(server):
    server.behaviour = "slow"
    started = time.monotonic()

    with pytest.raises(LLMTimeout) as caught:
        client_for(server, timeout=0.5).chat(MESSAGES)

    assert caught.value.retryable is True
    assert time.monotonic() - started < 1.4


def test_a_stream_that_never_finishes_is_cut_at_the_total_deadline(server):
    server.behaviour = "trickle"
    started = time.monotonic()

    with pytest.raises(LLMTimeout):
        client_for(server, timeout=0.5).chat(MESSAGES)

    # Keep-alives arrive every 0.1 s, so only the total deadline can end this.
    assert time.monotonic() - started < 1.5


def test_a_refused_connection_means_the_endpoint_is_unavailable():
    client = ChatCompletionsClient(f"http://127.0.0.1:{closed_port()}/v1", "fake-model-1", api_key=API_KEY, timeout_seconds=2)

    with pytest.raises(LLMUnavailable) as caught:
        client.chat(MESSAGES)

    assert caught.value.retryable is True
    assert "refused" in caught.value.message
    assert API_KEY not in caught.value.message


def test_max_retries_lets_the_client_ride_out_a_brief_outage(server):
    server.behaviour = "flaky"
    server.failures_before_success = 1

    assert client_for(server, retries=1).chat(MESSAGES).text == ARTICLE
    assert len(server.requests) == 2


def test_without_retries_the_first_failure_is_returned_to_the_job_core(server):
    server.behaviour = "flaky"
    server.failures_before_success = 1

    with pytest.raises(LLMUnavailable):
        client_for(server).chat(MESSAGES)
    assert len(server.requests) == 1


@pytest.mark.parametrize("base_url", ["", "localhost:11434", "ftp://example.com/v1"])
def test_an_unusable_base_url_is_a_permanent_configuration_error(base_url):
    with pytest.raises(PermanentJobError) as caught:
        ChatCompletionsClient(base_url, "llama3")

    assert caught.value.error_code == "LLM_NOT_CONFIGURED"
    assert caught.value.retryable is False


def test_https_base_urls_default_to_port_443():
    client = ChatCompletionsClient("https://api.example.com/v1/", "gpt-4o-mini", api_key=API_KEY)

    assert client.endpoint == "https://api.example.com:443/v1/chat/completions"


# --- the provider


BRIEF = ArticleBrief(
    mode="topic",
    topic="seasoning pasta at home",
    keyphrase="pasta water",
    keywords=("salt", "sauce"),
    tone="casual",
    word_count=60,
    notes=(
        ResearchNote("reel", "@chef.tomas reel DfHoK5H8uY6", "Salt the pasta water well, it's your only chance to season the pasta itself.", 3.2),
        ResearchNote("document", "pasta-notes.md", "Save a cup of pasta water before you drain.", 1.1, url="https://example.com/pasta"),
    ),
)


def test_write_article_returns_the_parsed_title_and_reports_increasing_progress(server):
    reports: list[tuple[float, str]] = []
    provider = OpenAICompatibleProvider(client_for(server))

    article = provider.write_article(BRIEF, on_progress=lambda fraction, message: reports.append((fraction, message)))

    assert article.title == "Salt Your Pasta Water Like a Pro"
    assert article.markdown.startswith("# Salt Your Pasta Water Like a Pro\n")
    assert article.model == "fake-model-1"
    assert article.usage["total_tokens"] == 210
    fractions = [fraction for fraction, _ in reports]
    assert len(fractions) >= 5
    assert fractions == sorted(fractions) and len(set(fractions)) == len(fractions)
    assert max(fractions[:-1]) <= 0.99
    assert fractions[-1] == 1.0


def test_progress_reports_are_throttled_to_about_every_five_percent(server):
    reports: list[float] = []
    provider = OpenAICompatibleProvider(client_for(server))

    provider.write_article(ArticleBrief(mode="topic", topic="pasta", keyphrase="pasta water", word_count=2000), on_progress=lambda f, m: reports.append(f))

    # ~100 words of a 2000-word target is 5 %: one report while writing, plus the start and the end.
    assert len(server.pieces) > 30
    assert len(reports) <= 4


def test_the_prompt_carries_the_brief_and_numbered_research_notes(server):
    OpenAICompatibleProvider(client_for(server)).write_article(BRIEF)

    body = server.requests[-1]["body"]
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    prompt = user["content"]
    for expected in ("pasta water", "seasoning pasta at home", "salt, sauce", "casual", "60 words", "# Title", "## "):
        assert expected in prompt
    assert "[1] reel: @chef.tomas reel DfHoK5H8uY6" in prompt
    assert "[2] document: pasta-notes.md <https://example.com/pasta>" in prompt
    assert "Save a cup of pasta water before you drain." in prompt
    assert body["stream"] is True and body["max_tokens"] >= 1024


def test_spin_mode_sends_the_source_text_to_rewrite(server):
    source = "Pasta water is liquid gold. Keep a cup of it before draining."
    OpenAICompatibleProvider(client_for(server)).write_article(ArticleBrief(mode="spin", topic="pasta", keyphrase="pasta water", source_text=source))

    prompt = server.requests[-1]["body"]["messages"][1]["content"]
    assert source in prompt
    assert "Rewrite the source text" in prompt


def test_an_answer_without_a_title_line_gets_one_from_the_topic(server):
    server.pieces = stream_pieces("Pasta water deserves more respect.\n\n## Salt it\n\nUse plenty of salt.\n")

    article = OpenAICompatibleProvider(client_for(server)).write_article(BRIEF)

    assert article.title == "Seasoning pasta at home"
    assert article.markdown.startswith("# Seasoning pasta at home\n\nPasta water deserves more respect.")


def test_chatter_before_the_title_and_a_code_fence_are_dropped(server):
    server.pieces = stream_pieces("<think>plan the piece</think>\nSure! Here is your article:\n\n```markdown\n" + ARTICLE + "```")

    article = OpenAICompatibleProvider(client_for(server)).write_article(BRIEF)

    assert article.title == "Salt Your Pasta Water Like a Pro"
    assert article.markdown.startswith("# Salt Your Pasta Water")
    assert "```" not in article.markdown and "Sure!" not in article.markdown


def test_a_cancel_raised_from_a_progress_report_stops_the_stream(server):
    def cancel(fraction: float, message: str) -> None:
        if fraction > 0.2:
            raise JobInterrupted("cancelled by the user")

    with pytest.raises(JobInterrupted):
        OpenAICompatibleProvider(client_for(server)).write_article(BRIEF, on_progress=cancel)


# --- choosing the provider


def test_the_offline_writer_is_the_default(settings):
    settings.LLM_PROVIDER = "offline"

    assert isinstance(get_llm_provider(), OfflineWriter)


def test_the_openai_setting_builds_a_client_from_the_llm_settings(settings):
    settings.LLM_PROVIDER = "openai"
    settings.LLM_BASE_URL = "http://127.0.0.1:11434/v1"
    settings.LLM_MODEL = "llama3.1:8b"
    settings.LLM_API_KEY = ""
    settings.LLM_TIMEOUT_SECONDS = 12

    provider = get_llm_provider()

    assert isinstance(provider, OpenAICompatibleProvider)
    assert provider.name == "openai-compatible"
    assert provider.client.endpoint == "http://127.0.0.1:11434/v1/chat/completions"
    assert provider.client.model == "llama3.1:8b"
    assert provider.client.timeout_seconds == 12
