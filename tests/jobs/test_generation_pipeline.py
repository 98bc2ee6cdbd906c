"""The generation pipeline run by the real job runner: research → writing → SEO, per mode.

Jobs are queued with the real service and run with `jobs.runner.run_jobs` on PostgreSQL. The
stored reels come from real profile jobs over the shipped sample accounts, or from Content rows
planted with the ORM when a test needs to know exactly what the reels say. The offline writer is
the default LLM provider; the OpenAI-compatible path talks to a local server speaking the protocol.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from jobs.generation import keyphrase_of
from jobs.models import GenerationJob, ProgressEvent
from jobs.runner import run_jobs
from jobs.services import generation_job_create
from profiles.models import Content, PrimaryProfile
from profiles.services import profile_request
from support.waiting import wait_until

pytestmark = pytest.mark.django_db

Status = GenerationJob.Status
BANDS = {"research": (0.0, 33.0), "writing": (33.0, 66.0), "seo": (66.0, 100.0)}
SAMPLE_ACCOUNTS = ("chef.tomas", "sourdough_sadie", "weeknight.wok")

SPIN_SOURCE = """# Cold brew coffee at home

Cold brew is coffee steeped in cold water for many hours instead of brewed with hot water. The slow
extraction pulls out fewer bitter compounds, so the result tastes smooth and naturally sweet.

## Choosing the beans

Pick a medium or dark roast with chocolate or nutty notes. Grind the beans coarse, like rough sea
salt, because a fine grind turns the brew muddy and makes it hard to filter.

## The ratio and the wait

Use one part coffee to eight parts water for a concentrate you dilute later. Stir once, cover the jar
and leave it in the fridge for fourteen to eighteen hours; longer steeping adds bitterness, not strength.

## Filtering without mess

Pour the brew through a paper filter or a clean cloth set in a sieve. Let gravity do the work and
never squeeze the grounds, which pushes fine sediment and harsh flavours into the jar.

## Storing and serving

Keep the concentrate in a sealed bottle in the fridge for up to a week. Serve it over ice with equal
parts water or milk, and taste before adding any sugar because cold brew is sweeter than you expect.
"""


# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def sample_reels(settings):
    """The reels of three shipped sample accounts, stored by running real profile jobs."""
    settings.OFFLINE_DATA_DIR = django_settings.BASE_DIR / "sample_data" / "instagram"
    for username in SAMPLE_ACCOUNTS:
        profile_request(username=username, source="api")
    run_jobs("profile", time_budget_seconds=60)
    assert Content.objects.filter(username__in=SAMPLE_ACCOUNTS).count() > 50
    return SAMPLE_ACCOUNTS


@pytest.fixture
def plant_reel():
    """Create a stored reel with the ORM; each call is one day older than the previous one."""
    profiles: dict[str, PrimaryProfile] = {}
    made: list[str] = []
    start = timezone.now() - timedelta(days=1)

    def make(shortcode: str, caption: str, *, username: str = "planted", outlier: float = 1.0,
             views: int = 1_000, transcript: str = "", hashtags: list[str] | None = None) -> Content:
        profile = profiles.get(username) or PrimaryProfile.objects.create(username=username)
        profiles[username] = profile
        made.append(shortcode)
        return Content.objects.create(
            content_id=f"id-{shortcode}", shortcode=shortcode, url=f"https://www.instagram.com/reel/{shortcode}/",
            description=caption, transcript=transcript, hashtags=hashtags or [], username=username,
            profile=profile, outlier_score=outlier, view_count=views, date_posted=start - timedelta(days=len(made)),
        )

    return make


def queue(owner, **brief) -> GenerationJob:
    brief.setdefault("word_count", 800)
    brief.setdefault("tone", "informative")
    return generation_job_create(owner=owner, **brief)


def run_generation() -> int:
    return run_jobs("generation", time_budget_seconds=60)


def events_of(job) -> list[ProgressEvent]:
    return list(ProgressEvent.objects.filter(job_kind="generation", job_id=job.pk).order_by("id"))


def describe(job) -> str:
    return "\n".join(
        f"  {e.id} {e.status} {e.stage} {e.percentage:.1f}% sp={e.stage_progress} {e.message!r} {e.data}"
        for e in events_of(job)
    )


def document(client, job) -> dict:
    response = client.get(f"/api/jobs/{job.pk}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def stages_in_order(events) -> list[str]:
    """The stages of the processing events, consecutive repeats collapsed (the claim's 'starting' left out)."""
    order: list[str] = []
    for event in events:
        if event.status == Status.PROCESSING and event.stage in BANDS and (not order or order[-1] != event.stage):
            order.append(event.stage)
    return order


def assert_progress_follows_the_bands(job, expected_stages: list[str]) -> None:
    events = events_of(job)
    history = describe(job)
    assert stages_in_order(events) == expected_stages, history
    processing = [e for e in events if e.status == Status.PROCESSING]
    for event in processing:
        if event.stage == "starting":
            assert event.percentage == 0, history
            continue
        assert event.stage in BANDS, history
        low, high = BANDS[event.stage]
        assert low <= event.percentage <= high, f"{event.stage} at {event.percentage}%\n{history}"
        if event.stage_progress is not None:
            # stage_progress is the position inside the band the overall percentage is in.
            assert 0 <= event.stage_progress <= 100, history
            expected = low + (high - low) * event.stage_progress / 100
            assert event.percentage == pytest.approx(expected, abs=0.1), history
    percentages = [e.percentage for e in events]
    assert percentages == sorted(percentages), f"percentages went backwards:\n{history}"
    for stage in expected_stages:
        low, high = BANDS[stage]
        inside = [e for e in processing if e.stage == stage and low < e.percentage < high]
        assert len(inside) >= 2, f"{stage} reported only its boundaries:\n{history}"
    assert events[-1].status == Status.COMPLETED and events[-1].percentage == 100, history


def assert_real_result(result: dict, *, keyphrase: str, word_count: int | None) -> None:
    content = result["content"]
    lines = content.splitlines()
    assert lines[0].startswith("# ") and len(lines[0]) > 4, content[:200]
    assert sum(line.startswith("## ") for line in lines) >= 3, content
    assert result["keyphrase"] == keyphrase
    assert 50 <= len(result["meta_title"]) <= 60, result["meta_title"]
    assert keyphrase.lower() in result["meta_title"].lower(), result["meta_title"]
    assert 120 <= len(result["meta_description"]) <= 160, result["meta_description"]
    if word_count is not None:
        assert abs(result["word_count"] - word_count) <= 0.1 * word_count, (result["word_count"], word_count)
    assert isinstance(result["seo_score"], int) and 0 <= result["seo_score"] <= 100
    assert result["seo_score"] == sum(check["earned"] for check in result["seo_checks"]), result["seo_checks"]
    assert {check["name"] for check in result["seo_checks"]} >= {"meta_title_length", "keyphrase_density", "readability"}
    assert isinstance(result["readability_score"], float)


# --- each mode -----------------------------------------------------------------------------------


def test_a_topic_job_researches_writes_and_optimises_a_complete_article(alice, alice_client, sample_reels):
    job = queue(alice, mode="topic", topic="Sourdough starter tips for beginners", word_count=700)

    assert run_generation() == 1

    data = document(alice_client, job)
    assert data["status"] == "completed", describe(job)
    assert data["error"] is None
    assert data["attempts"] == 1
    result = data["result"]
    assert result["topic"] == "Sourdough starter tips for beginners"
    assert_real_result(result, keyphrase="sourdough starter", word_count=700)
    # The research stage really read the stored reels: some notes cite the sample accounts.
    reel_sources = [s for s in result["sources"] if s["source"] == "reel"]
    assert reel_sources and all(s["title"].split()[0].lstrip("@") in SAMPLE_ACCOUNTS for s in reel_sources)
    assert data["progress"]["percentage"] == 100
    assert data["progress"]["stage"] == "completed"
    assert data["progress"]["completed_at"] is not None
    assert data["progress"]["estimated_completion"] is None
    assert_progress_follows_the_bands(job, ["research", "writing", "seo"])


def test_a_keywords_job_reports_keyword_coverage_and_optimises_for_the_first_keyword(alice, alice_client, plant_reel):
    plant_reel("IRON1", "Cast iron care in three steps", hashtags=["castiron"])
    plant_reel("IRON2", "Why my cast iron pan never sticks", transcript="Heat the cast iron slowly.")
    plant_reel("IRON3", "Restoring a rusty skillet", hashtags=["castiron", "skillet"])
    plant_reel("SEAS1", "Seasoning a pan with flaxseed oil is overrated")
    plant_reel("OTHER", "Leg day for busy people")
    job = queue(alice, mode="keywords", keywords=["skillet", "cast iron", "seasoning", "zabaglione"], word_count=900)

    assert run_generation() == 1

    data = document(alice_client, job)
    assert data["status"] == "completed", describe(job)
    coverage = [e.message for e in events_of(job) if e.stage == "research" and "coverage" in e.message.lower()]
    assert len(coverage) == 1, describe(job)
    # The focus keyword stays first; the others follow by how many stored reels mention them.
    assert coverage[0] == (
        "Keyword coverage: skillet (1 reels), cast iron (3 reels), seasoning (1 reels), zabaglione (0 reels)"
    )
    assert_real_result(data["result"], keyphrase="skillet", word_count=900)
    assert data["result"]["topic"] == "skillet, cast iron, seasoning"
    assert_progress_follows_the_bands(job, ["research", "writing", "seo"])


def test_a_trends_job_writes_about_the_phrase_the_highest_outlier_reels_share(alice, alice_client, plant_reel):
    # Five reels that beat their accounts by far all talk about matcha lattes…
    for number, caption in enumerate([
        "Matcha latte at home without a whisk",
        "My matcha latte with oat milk every morning",
        "Iced matcha latte in two minutes",
        "Why your matcha latte tastes bitter",
        "Matcha latte or coffee for focus?",
    ]):
        plant_reel(f"TOP{number}", caption, username=f"tea_{number}", outlier=9.0 + number, views=90_000)
    # …while many ordinary reels talk about sourdough bread, and one lone viral reel about a skillet.
    for number in range(12):
        plant_reel(f"BREAD{number}", f"Sourdough bread crumb shot number {number}", username="bread_bo",
                   outlier=0.6 + number / 20, views=2_000)
    plant_reel("LONE1", "Restoring a rusty skillet", username="iron_ian", outlier=14.0, views=80_000)
    job = queue(alice, mode="trends", word_count=600)

    assert run_generation() == 1

    data = document(alice_client, job)
    assert data["status"] == "completed", describe(job)
    result = data["result"]
    assert result["keyphrase"] == "matcha latte"
    assert "matcha latte" in result["topic"].lower()
    assert "sourdough" not in result["topic"].lower() and "skillet" not in result["topic"].lower()
    picked = [e.message for e in events_of(job) if e.message.startswith("Trending topic:")]
    assert picked == ["Trending topic: Matcha latte (from 5 reels)"], describe(job)
    assert_real_result(result, keyphrase="matcha latte", word_count=600)
    assert_progress_follows_the_bands(job, ["research", "writing", "seo"])


@pytest.mark.parametrize(("topic", "keyphrase"), [
    ("5 ways to fix your posture", "fix your posture"),  # the old heuristic said "fix"
    ("Sourdough starter tips for beginners", "sourdough starter"),
    ("The best budget laptop for students in 2024", "budget laptop"),
    ("Cheap flights to Japan: how I booked mine for $600", "flights to Japan"),
    # Nothing but numbers and stop words: the first two words, without the hashtag.
    ("#tbt 2024 and 2025", "2024 and"),
])
def test_a_topic_without_a_keyphrase_gets_its_focus_keyphrase_from_the_keyphrase_rules(topic, keyphrase):
    assert keyphrase_of(topic) == keyphrase


def test_a_spin_job_rewrites_the_source_without_a_research_stage(alice, alice_client, sample_reels):
    job = queue(alice, mode="spin", source_text=SPIN_SOURCE, word_count=400)

    assert run_generation() == 1

    data = document(alice_client, job)
    assert data["status"] == "completed", describe(job)
    result = data["result"]
    assert result["topic"] == "Cold brew coffee at home"
    assert result["sources"] == []
    # The focus keyphrase is the topic's whole noun phrase (text_rules.keyphrases); the old
    # two-word cut made it "cold brew".
    assert_real_result(result, keyphrase="cold brew coffee", word_count=None)
    assert result["content"] != SPIN_SOURCE
    events = events_of(job)
    assert not [e for e in events if e.stage == "research"], describe(job)
    assert_progress_follows_the_bands(job, ["writing", "seo"])


# --- failures --------------------------------------------------------------------------------------


def test_a_trends_job_without_stored_reels_fails_for_good_with_no_trend_data(alice, alice_client):
    assert not Content.objects.exists()
    job = queue(alice, mode="trends")

    assert run_generation() == 1

    job.refresh_from_db()
    history = describe(job)
    assert job.status == Status.FAILED, history
    assert job.error_code == "NO_TREND_DATA"
    assert job.error_retryable is False
    assert job.attempts == 1
    assert job.finished_at is not None
    # Permanent: nothing is left to retry.
    assert run_generation() == 0
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.FAILED, 1)
    events = events_of(job)
    assert sum(e.message.startswith("Attempt") and "started" in e.message for e in events) == 1, history
    assert events[-1].status == Status.FAILED and events[-1].data["error_code"] == "NO_TREND_DATA", history
    assert events[-1].data["retryable"] is False
    data = document(alice_client, job)
    assert data["result"] is None
    assert data["error"]["code"] == "NO_TREND_DATA"
    assert data["error"]["stage"] == "research"
    assert data["error"]["will_retry"] is False
    assert data["error"]["message"]


# --- ETA -------------------------------------------------------------------------------------------


def completed_history(owner, mode: str, seconds: float, count: int = 3) -> None:
    for index in range(count):
        GenerationJob.objects.create(
            owner=owner, mode=mode, topic=f"earlier {mode} {index}", status=Status.COMPLETED, stage="completed",
            progress_percentage=100, attempts=1, duration_seconds=seconds,
            finished_at=timezone.now() - timedelta(minutes=10 + index),
        )


def eta_lead_seconds(event: ProgressEvent) -> float | None:
    raw = event.data.get("estimated_completion")
    if raw is None:
        return None
    return (datetime.fromisoformat(raw) - event.created_at).total_seconds()


def test_early_etas_lean_on_the_typical_duration_of_recent_jobs_of_the_same_mode(alice, bob, sample_reels):
    completed_history(bob, "topic", 100.0)
    job = queue(alice, mode="topic", topic="Weeknight pasta dinners")

    run_generation()

    job.refresh_from_db()
    assert job.status == Status.COMPLETED, describe(job)
    research = [e for e in events_of(job) if e.status == Status.PROCESSING and e.stage == "research"]
    first = research[0]
    lead = eta_lead_seconds(first)
    # typical (100 s) minus the few seconds elapsed at the first report.
    assert lead is not None, describe(job)
    assert 60 <= lead <= 101, describe(job)


def test_without_history_of_its_mode_the_eta_follows_the_jobs_own_pace(alice, bob, sample_reels):
    completed_history(bob, "spin", 100.0)  # another mode's history must not count
    job = queue(alice, mode="topic", topic="Weeknight pasta dinners")

    run_generation()

    job.refresh_from_db()
    assert job.status == Status.COMPLETED, describe(job)
    leads = [eta_lead_seconds(e) for e in events_of(job) if e.status == Status.PROCESSING]
    known = [lead for lead in leads if lead is not None]
    assert known, describe(job)
    # The run itself takes a second or two; 100-second estimates would mean the spin history leaked in.
    assert all(-1 <= lead <= 30 for lead in known), describe(job)


# --- cancel ----------------------------------------------------------------------------------------


def run_in_thread(target, *args, **kwargs) -> threading.Thread:
    def body():
        try:
            target(*args, **kwargs)
        finally:
            connection.close()

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_cancel_between_reports_stops_the_job_at_its_next_report(alice, alice_client, sample_reels, settings):
    settings.GENERATION_STEP_DELAY_SECONDS = 0.3
    job = queue(alice, mode="topic", topic="Sourdough starter tips")

    worker = run_in_thread(run_generation)
    writing = wait_until(lambda: ProgressEvent.objects.filter(job_id=job.pk, stage="writing").first())
    assert writing is not None, describe(job)
    response = alice_client.post(f"/api/jobs/{job.pk}/cancel")
    worker.join(timeout=30)

    assert not worker.is_alive()
    assert response.status_code == 200 and response.json()["data"]["status"] == "cancelled"
    job.refresh_from_db()
    history = describe(job)
    assert job.status == Status.CANCELLED, history
    assert job.attempts == 1
    assert job.result_content == "" and job.seo_score is None, history
    events = events_of(job)
    cancelled = [e for e in events if e.status == Status.CANCELLED]
    assert len(cancelled) == 1 and events[-1] == cancelled[0], history
    assert not [e for e in events if e.stage == "seo"], history
    assert not [e for e in events if e.status == Status.COMPLETED], history
    data = document(alice_client, job)
    assert data["status"] == "cancelled" and data["result"] is None


# --- the OpenAI-compatible provider against a local server -----------------------------------------

ARTICLE = (
    "# Salt Your Pasta Water Like a Pro\n\n"
    "Pasta water is the one chance to season the pasta itself, and most home cooks under-salt it.\n\n"
    "## Why pasta water matters\n\n"
    "Salted water seasons every strand from the inside, so the sauce does not have to do all the work. "
    "A good rule is a tablespoon of salt for every four litres of water, added once the water boils.\n\n"
    "## Save a cup before you drain\n\n"
    "Starchy pasta water binds butter and cheese into a glossy sauce. Keep a mug of it next to the pot "
    "and add it a splash at a time while you toss the pasta in the pan.\n\n"
    "## Finish the pasta in the sauce\n\n"
    "Pull the pasta a minute early and let it finish in the pan with the sauce and a little pasta water. "
    "It soaks up flavour instead of water and the sauce clings to every piece.\n\n"
    "## Conclusion\n\n"
    "Salt the water, save a cup, and taste as you go. Try it tonight and see the difference.\n"
)


class LocalChatServer:
    """A ThreadingHTTPServer answering POST /v1/chat/completions: `stream` (the article) or `unavailable` (503)."""

    def __init__(self, behaviour: str):
        self.behaviour = behaviour
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"null")
                outer.requests.append({"path": self.path, "body": body})
                if outer.behaviour == "unavailable":
                    payload = json.dumps({"error": {"message": "model is overloaded"}}).encode()
                    self.send_response(503)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                words = re.findall(r"\S+\s*", ARTICLE)
                for start in range(0, len(words), 3):
                    self.event({"choices": [{"index": 0, "delta": {"content": "".join(words[start:start + 3])},
                                             "finish_reason": None}], "model": "local-model-7"})
                self.event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "model": "local-model-7"})
                self.chunk("data: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

            def chunk(self, text: str) -> None:
                data = text.encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def event(self, document: dict) -> None:
                self.chunk(f"data: {json.dumps(document)}\n\n")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.httpd.shutdown()
        self.httpd.server_close()


def use_local_llm(settings, server: LocalChatServer) -> None:
    settings.LLM_PROVIDER = "openai"
    settings.LLM_BASE_URL = server.url + "/v1"
    settings.LLM_MODEL = "local-model-7"
    settings.LLM_API_KEY = ""
    settings.LLM_TIMEOUT_SECONDS = 10


def test_an_unavailable_llm_sends_the_job_back_to_the_queue_with_a_backoff(alice, alice_client, sample_reels, settings):
    with LocalChatServer("unavailable") as server:
        use_local_llm(settings, server)
        job = queue(alice, mode="topic", topic="Pasta water secrets")

        assert run_generation() == 1

    assert len(server.requests) == 1 and server.requests[0]["path"] == "/v1/chat/completions"
    job.refresh_from_db()
    history = describe(job)
    assert job.status == Status.QUEUED, history
    assert job.error_code == "LLM_UNAVAILABLE", history
    assert job.error_retryable is True
    assert job.error_stage == "writing"
    assert job.attempts == 1
    assert job.next_attempt_at > timezone.now() + timedelta(seconds=60)
    assert job.result_content == ""
    # Not due yet: a worker finds nothing to do.
    assert run_generation() == 0
    last = events_of(job)[-1]
    assert last.status == Status.QUEUED and last.data["error_code"] == "LLM_UNAVAILABLE", history
    assert last.data["retryable"] is True
    data = document(alice_client, job)
    assert data["status"] == "queued" and data["result"] is None
    assert data["error"]["code"] == "LLM_UNAVAILABLE" and data["error"]["will_retry"] is True


def test_a_streaming_llm_server_writes_the_article_end_to_end(alice, alice_client, sample_reels, settings):
    with LocalChatServer("stream") as server:
        use_local_llm(settings, server)
        job = queue(alice, mode="topic", topic="Pasta water secrets", keyphrase="pasta water", word_count=150)

        assert run_generation() == 1

    data = document(alice_client, job)
    assert data["status"] == "completed", describe(job)
    result = data["result"]
    assert result["content"].startswith("# Salt Your Pasta Water Like a Pro\n")
    assert "Keep a mug of it next to the pot" in result["content"]
    assert result["writer"] == "local-model-7"
    assert 50 <= len(result["meta_title"]) <= 60 and "pasta water" in result["meta_title"].lower()
    assert result["seo_score"] == sum(check["earned"] for check in result["seo_checks"])
    # The prompt carried the brief and the research notes gathered from the stored reels.
    prompt = server.requests[0]["body"]["messages"][-1]["content"]
    assert "Pasta water secrets" in prompt and "pasta water" in prompt
    assert "[1] " in prompt
    assert server.requests[0]["body"]["stream"] is True
    assert_progress_follows_the_bands(job, ["research", "writing", "seo"])
