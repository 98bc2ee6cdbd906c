"""Article writers, chosen by settings.LLM_PROVIDER.

offline  (default) OfflineWriter: a deterministic composer that assembles the article from the research
         notes with fixed rules and templates. It is not a language model and needs no network;
         GENERATION_STEP_DELAY_SECONDS adds a pause per step so a local demo shows progress.
openai   OpenAICompatibleProvider: a real language model behind any OpenAI-compatible
         /v1/chat/completions endpoint (OpenAI, Ollama, vLLM, llama.cpp), configured by LLM_BASE_URL,
         LLM_MODEL, LLM_API_KEY and LLM_TIMEOUT_SECONDS. It is also a StructuredModel (base.py):
         it answers with JSON following a schema, which is how the viral-ideas analysis steps ask it
         (structured.py checks and retries the answer; viral_ideas/model_steps.py falls back per item).
"""

from __future__ import annotations

from django.conf import settings

from jobs.errors import PermanentJobError
from jobs.providers.llm.base import LLMProvider


def get_llm_provider() -> LLMProvider:
    """The writer the settings ask for; a misconfiguration fails the job for good instead of retrying."""
    choice = (getattr(settings, "LLM_PROVIDER", "offline") or "offline").strip().lower()
    if choice in ("openai", "openai-compatible"):
        from jobs.providers.llm.openai_compatible import ChatCompletionsClient, OpenAICompatibleProvider

        client = ChatCompletionsClient(
            base_url=getattr(settings, "LLM_BASE_URL", ""),
            model=getattr(settings, "LLM_MODEL", ""),
            api_key=getattr(settings, "LLM_API_KEY", ""),
            timeout_seconds=float(getattr(settings, "LLM_TIMEOUT_SECONDS", 60)),
            max_retries=int(getattr(settings, "LLM_MAX_RETRIES", 1)),
        )
        return OpenAICompatibleProvider(client)
    if choice == "offline":
        from jobs.providers.llm.offline import OfflineWriter

        return OfflineWriter(step_delay_seconds=float(getattr(settings, "GENERATION_STEP_DELAY_SECONDS", 0.0)))
    raise PermanentJobError(f"LLM_PROVIDER must be 'offline' or 'openai', not {choice!r}", error_code="LLM_NOT_CONFIGURED")
