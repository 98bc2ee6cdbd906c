"""The model path of the viral-ideas analysis, against a real local server that speaks the OpenAI protocol.

With LLM_PROVIDER=openai the hooks are typed, the patterns explained and the ideas written by the
model behind the fake endpoint (tests/support/fake_openai.py); every item that the model gets wrong
falls back to its offline result, and analysis_data records which is which. The fake model answers
from the prompt it is sent, by rules of its own that differ from the offline ones, so a result that
came from it can be told apart.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from django.db.models.signals import post_save

from jobs.errors import PermanentJobError
from jobs.providers.llm.base import IdeasBrief
from jobs.providers.llm.offline import OfflineWriter
from jobs.providers.llm.openai_compatible import ChatCompletionsClient, OpenAICompatibleProvider
from jobs.models import ProgressEvent
from jobs.runner import run_jobs
from jobs.services import job_cancel
from support import planted_accounts as planted
from support.fake_openai import FakeOpenAIServer, HttpError, Silence, listed_objects, schema_name, task_of
from support.planted_accounts import COOKING_COMPETITOR_ACCOUNTS, COOKING_COMPETITORS
from text_rules.hooks import type_hook
from viral_ideas import analysis
from viral_ideas.model_steps import HOOKS_PER_REQUEST, ModelSteps
from viral_ideas.models import ViralAnalysisResult, ViralIdeasQueue
from viral_ideas.services import viral_entry_create

STRATEGY = {"contentType": "Quick recipes", "targetAudience": "Busy parents", "goals": "Grow followers"}
COMPETITORS = COOKING_COMPETITORS
PLANTED = {
    "planted_creator": ([3000, 1000, 1000, 1000, 1000],
                        ["What should I cook tonight?", "Sunday meal prep with me", "Plating a weeknight pasta",
                         "Kitchen reset", "Lunchbox ideas for kids"]),
    **COOKING_COMPETITOR_ACCOUNTS,
}
MODEL_CONFIDENCE = 0.77


# --- the fake model: answers from the prompt, by its own rules ---------------------------------


def model_hook_type(hook: str) -> str:
    """The fake model's typing: anything asked is a curiosity gap, everything else a statement.

    Deliberately unlike the offline rules (which read "…?" as a question), so a stored type shows who typed it.
    """
    return "curiosity_gap" if hook.rstrip().endswith("?") else "statement"


def answer_hooks(prompt: str) -> str:
    return json.dumps({"hooks": [
        {"id": item["id"], "type": model_hook_type(item["hook"]), "confidence": MODEL_CONFIDENCE,
         "cue": item["hook"].split()[-1]}
        for item in listed_objects(prompt)
    ]})


def model_explanation(pattern_line: str) -> str:
    return f"The model's reading: {pattern_line}, because viewers stop for it."


def answer_patterns(prompt: str) -> str:
    return json.dumps({"patterns": [
        {"id": item["id"], "explanation": model_explanation(item["pattern"])} for item in listed_objects(prompt)
    ]})


def listed_shortcodes(prompt: str) -> list[str]:
    return re.findall(r"\| shortcode (\S+) \|", prompt)


def wanted_ideas(prompt: str) -> int:
    return int(re.search(r"Write (\d+) reel ideas", prompt).group(1))


def model_idea(number: int, shortcode: str, **changes) -> dict:
    idea = {
        "title": f"Model idea {number}",
        "hook": f"Model hook number {number} for busy parents?",
        "hook_type": "question",
        "script": {"hook": f"Model hook number {number}", "body": ["Show the dish", "Name the trick", "Cook it fast"],
                   "call_to_action": "Follow for the next one."},
        "source_shortcodes": [shortcode],
        "why_it_works": f"Adapted from {shortcode}.",
    }
    return {**idea, **changes}


def answer_ideas(prompt: str) -> str:
    codes = listed_shortcodes(prompt)
    return json.dumps({"ideas": [model_idea(number, codes[(number - 1) % len(codes)])
                                 for number in range(1, wanted_ideas(prompt) + 1)]})


def fake_model(body: dict) -> str:
    """The answer for a request, by the schema it asks for."""
    request = {"body": body}
    prompt = task_of(request)
    answers = {"hook_types": answer_hooks, "pattern_explanations": answer_patterns, "content_ideas": answer_ideas}
    return answers[schema_name(request)](prompt)


@pytest.fixture
def server():
    with FakeOpenAIServer() as running:
        running.respond = fake_model
        yield running


def use_model(settings, server, *, timeout: float = 5.0) -> None:
    settings.LLM_PROVIDER = "openai"
    settings.LLM_BASE_URL = server.url + "/v1"
    settings.LLM_MODEL = "fake-model-1"
    settings.LLM_API_KEY = ""
    settings.LLM_TIMEOUT_SECONDS = timeout


def provider_for(server, *, timeout: float = 5.0) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(ChatCompletionsClient(server.url + "/v1", "fake-model-1", timeout_seconds=timeout))


# --- data without the database ----------------------------------------------------------------


def account(username: str, role: str, hooks: list[str], views: list[int]) -> analysis.AccountAnalysis:
    start = datetime(2026, 10, 31, 18, 0, tzinfo=timezone.utc)
    reels = [
        analysis.ReelInput(username=username, shortcode=f"{username[:5]}{index:05d}", url=f"https://www.instagram.com/reel/{username}{index}/",
                           caption=hook, transcript="", view_count=count, like_count=count // 20, comment_count=0,
                           posted_at=start - timedelta(days=index))
        for index, (hook, count) in enumerate(zip(hooks, views))
    ]
    return analysis.analyse_account(username, role, reels)


def planted_accounts() -> list[analysis.AccountAnalysis]:
    return [account(name, "primary" if name == "planted_creator" else "competitor", hooks, views)
            for name, (views, hooks) in PLANTED.items()]


def brief_from(accounts, count: int = 3) -> IdeasBrief:
    outliers = sorted((reel for a in accounts[1:] for reel in a.outliers), key=lambda r: -r.outlier_multiplier)
    return IdeasBrief(primary_username="planted_creator", content_strategy=dict(STRATEGY), count=count,
                      outliers=tuple(reel.idea_source() for reel in outliers))


# --- 1. hook typing -----------------------------------------------------------------------------


def test_every_hook_is_typed_by_the_model_and_records_it(server):
    steps = ModelSteps(provider_for(server))

    typed = steps.type_hooks(planted_accounts())

    for typed_account in typed:
        for reel in typed_account.reels:
            assert (reel.hook_type, reel.hook_confidence, reel.hook_source) == (model_hook_type(reel.hook), MODEL_CONFIDENCE, "model")
            assert reel.hook_cue == reel.hook.split()[-1]
        assert typed_account.outliers == [reel for reel in typed_account.reels if reel.is_outlier]
        assert sum(typed_account.hook_type_counts.values()) == len(typed_account.reels)
    assert steps.record()["steps"]["hook_typing"] == {
        "source": "model", "items_from_model": 20, "items_offline": 0, "requests": 1, "error": None, "problems": []}
    request = server.requests_for("hook_types")[0]["body"]
    assert request["response_format"]["json_schema"]["strict"] is True
    assert request["response_format"]["json_schema"]["schema"]["properties"]["hooks"]["items"]["properties"]["type"]["enum"] == [
        "question", "number_list", "how_to", "contrarian", "story", "curiosity_gap", "bold_claim", "statement"]


def test_hooks_are_asked_in_batches_with_the_outliers_first(server):
    hooks = [f"Hook number {index} about pasta" for index in range(HOOKS_PER_REQUEST + 5)]
    views = [1000] * len(hooks)
    views[-1] = 9000  # the last reel is the one outlier
    accounts = [account("busy_kitchen", "competitor", hooks, views)]

    typed = ModelSteps(provider_for(server)).type_hooks(accounts)

    batches = server.requests_for("hook_types")
    assert [len(listed_objects(task_of(request))) for request in batches] == [HOOKS_PER_REQUEST, 5]
    assert listed_objects(task_of(batches[0]))[0]["hook"] == hooks[-1]
    assert all(reel.hook_source == "model" for reel in typed[0].reels)


def test_a_hook_the_model_typed_wrongly_keeps_its_offline_typing_and_the_others_are_the_models(server):
    def one_bad_type(body):
        answer = json.loads(fake_model(body))
        if schema_name({"body": body}) == "hook_types":
            answer["hooks"][0]["type"] = "meme"
            del answer["hooks"][1]  # and one hook not answered at all
        return json.dumps(answer)

    server.respond = one_bad_type
    steps = ModelSteps(provider_for(server))
    accounts = planted_accounts()

    typed = steps.type_hooks(accounts)

    asked = listed_objects(task_of(server.requests_for("hook_types")[0]))
    wrong, missing = asked[0]["hook"], asked[1]["hook"]
    for reel in (reel for a in typed for reel in a.reels):
        if reel.hook in (wrong, missing):
            offline = type_hook(reel.hook)
            assert (reel.hook_type, reel.hook_confidence, reel.hook_cue, reel.hook_source) == (
                offline.type, offline.confidence, offline.cue, "offline")
        else:
            assert (reel.hook_type, reel.hook_source) == (model_hook_type(reel.hook), "model")
    report = steps.record()["steps"]["hook_typing"]
    assert (report["source"], report["items_from_model"], report["items_offline"], report["requests"]) == ("mixed", 18, 2, 2)
    assert any("meme" in problem for problem in report["problems"])


def test_a_cue_the_hook_does_not_contain_keeps_that_hooks_offline_typing(server):
    def invented_cues(body):
        answer = json.loads(fake_model(body))
        if schema_name({"body": body}) == "hook_types":
            answer["hooks"][0]["cue"] = "words the hook never said"
            answer["hooks"][1].update(type="question", cue="")  # a type with no reason quoted
        return json.dumps(answer)

    server.respond = invented_cues
    steps = ModelSteps(provider_for(server))

    typed = steps.type_hooks(planted_accounts())

    asked = listed_objects(task_of(server.requests_for("hook_types")[0]))
    invented, unquoted = asked[0]["hook"], asked[1]["hook"]
    for reel in (reel for a in typed for reel in a.reels):
        if reel.hook in (invented, unquoted):
            assert reel.hook_source == "offline" and reel.hook_cue == type_hook(reel.hook).cue
        else:
            assert reel.hook_source == "model" and reel.hook_cue.lower() in reel.hook.lower()
    problems = steps.record()["steps"]["hook_typing"]["problems"]
    assert any("not quoted from its hook" in problem for problem in problems)
    assert any("quotes no cue" in problem for problem in problems)


# --- 2. patterns --------------------------------------------------------------------------------


def test_the_model_explains_the_top_patterns_and_a_bad_explanation_keeps_the_rule_based_one(server):
    accounts = ModelSteps(provider_for(server)).type_hooks(planted_accounts())
    patterns = analysis.find_patterns(accounts, min_lift=1.2)
    assert len(patterns) >= 2, "the planted data holds patterns"

    def first_too_short(body):
        answer = json.loads(fake_model(body))
        answer["patterns"][0]["explanation"] = "Works."
        return json.dumps(answer)

    server.respond = first_too_short
    steps = ModelSteps(provider_for(server))
    stored = steps.explain_patterns(patterns, competitors=3, hooks={})

    assert stored[0]["source"] == "offline"
    assert stored[0]["explanation"][0].isupper() and "competitors" in stored[0]["explanation"]
    for pattern, line in zip(stored[1:], listed_objects(task_of(server.requests_for("pattern_explanations")[0]))[1:]):
        assert pattern["source"] == "model"
        assert pattern["explanation"] == model_explanation(line["pattern"])
    assert {key: stored[0][key] for key in patterns[0].to_dict()} == patterns[0].to_dict()
    assert steps.record()["steps"]["patterns"]["source"] == "mixed"


# --- 3. ideas and scripts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"source_shortcodes": ["NOPE0000000"]}, "'NOPE0000000' is not one of the reels listed"),
        ({"hook_type": "meme"}, "hook_type"),
        ({"script": {"hook": "Hi", "body": ["Only one beat", "and two"], "call_to_action": "Follow"}}, "at least 3 items"),
        ({"title": "  "}, "title is empty"),
    ],
)
def test_an_idea_the_model_got_wrong_is_replaced_by_the_offline_idea_for_that_slot(server, change, problem):
    def second_idea_wrong(body):
        answer = json.loads(fake_model(body))
        answer["ideas"][1].update(change)
        return json.dumps(answer)

    server.respond = second_idea_wrong
    brief = brief_from(planted_accounts(), count=3)
    steps = ModelSteps(provider_for(server))

    ideas = steps.compose_ideas(brief)

    offline = OfflineWriter().compose_ideas(brief)
    assert [idea.source for idea in ideas] == ["model", "offline", "model"]
    assert ideas[1] == offline[1]
    assert [idea.title for idea in (ideas[0], ideas[2])] == ["Model idea 1", "Model idea 3"]
    assert ideas[0].sources == (brief.outliers[0],)
    assert ideas[0].score == brief.outliers[0].outlier_multiplier
    report = steps.record()["steps"]["ideas"]
    assert (report["source"], report["items_from_model"], report["items_offline"], report["requests"]) == ("mixed", 2, 1, 2)
    assert any(problem in line for line in report["problems"])


def test_fewer_ideas_than_asked_are_completed_by_the_offline_composer_and_progress_streams(server):
    def one_idea(body):
        answer = json.loads(fake_model(body))
        answer["ideas"] = answer["ideas"][:1]
        return json.dumps(answer)

    server.respond = one_idea
    brief = brief_from(planted_accounts(), count=3)
    reports: list[float] = []

    ideas = ModelSteps(provider_for(server)).compose_ideas(brief, on_progress=lambda fraction, message: reports.append(fraction))

    assert [idea.source for idea in ideas] == ["model", "offline", "offline"]
    assert ideas[1:] == OfflineWriter().compose_ideas(brief)[1:]
    assert server.requests_for("content_ideas")[0]["body"]["stream"] is True
    assert reports[0] == 0.0 and reports[-1] == 1.0 and reports == sorted(reports)
    assert len(reports) >= 3, "an idea streamed in is reported before the end"


def test_a_rejected_request_is_a_permanent_error_that_names_the_settings(server):
    server.replies = [HttpError(401, "Incorrect API key provided")]

    with pytest.raises(PermanentJobError) as caught:
        ModelSteps(provider_for(server)).type_hooks(planted_accounts())

    assert caught.value.error_code == "LLM_REQUEST_REJECTED"
    assert "LLM_API_KEY" in caught.value.message and "HTTP 401" in caught.value.message


# --- end to end: the pipeline run by the job core -----------------------------------------------


def plant(write_account):
    planted.plant(write_account, PLANTED)


def run_entry(session_id: str):
    entry = viral_entry_create(session_id=session_id, primary_username="planted_creator", competitors=list(COMPETITORS),
                               content_strategy=dict(STRATEGY), analysis_settings={"ideas_count": 3})
    run_jobs("viral_ideas", time_budget_seconds=60)
    entry.refresh_from_db()
    return entry


def stored_reels(data: dict) -> list[dict]:
    return [reel for account in (data["primary"], *data["competitors"]) for reel in account["reels"] + account["outliers"]]


@pytest.mark.django_db
def test_with_the_model_every_step_is_the_models_and_analysis_data_says_so(write_account, settings, server):
    plant(write_account)
    use_model(settings, server)

    entry = run_entry("sess-model")

    assert entry.status == "completed", entry.error_message
    data = ViralAnalysisResult.objects.get(queue=entry).analysis_data
    for reel in stored_reels(data):
        assert (reel["hook_type"], reel["hook_confidence"], reel["hook_source"]) == (
            model_hook_type(reel["hook"]), MODEL_CONFIDENCE, "model")
    # The model's typing fed the patterns: its "curiosity_gap" held for the two competitors whose outliers ask.
    assert ("hook_type", "curiosity_gap") in {(pattern["kind"], pattern["value"]) for pattern in data["patterns"]}
    asked = {line["pattern"] for request in server.requests_for("pattern_explanations") for line in listed_objects(task_of(request))}
    for pattern in data["patterns"]:
        assert pattern["source"] == "model"
        assert pattern["explanation"] in {model_explanation(line) for line in asked}
    outlier_codes = {reel["reel"]["shortcode"] for account in data["competitors"] for reel in account["outliers"]}
    assert [idea["source"] for idea in data["ideas"]] == ["model"] * 3
    for idea in data["ideas"]:
        assert idea["title"].startswith("Model idea ")
        assert {source["shortcode"] for source in idea["sources"]} <= outlier_codes
        assert 3 <= len(idea["script"]["body"]) <= 5
    assert data["model"]["provider"] == "openai-compatible" and data["model"]["model"] == "fake-model-1"
    for step, items in (("hook_typing", 20), ("patterns", len(data["patterns"])), ("ideas", 3)):
        assert data["model"]["steps"][step] == {
            "source": "model", "items_from_model": items, "items_offline": 0, "requests": 1, "error": None, "problems": []}
    assert [schema_name(request) for request in server.requests] == ["hook_types", "pattern_explanations", "content_ideas"]
    assert all(request["body"]["response_format"]["type"] == "json_schema" for request in server.requests)
    # Only the ideas are streamed: they are what the progress bar waits for.
    assert [request["body"]["stream"] for request in server.requests] == [False, False, True]
    drafted = ProgressEvent.objects.filter(job_kind="viral_ideas", job_id=entry.pk, stage="ideas",
                                           message__startswith="Drafted idea")
    assert drafted.count() == 3


@pytest.mark.django_db
def test_malformed_answers_twice_fall_back_to_offline_and_the_run_completes(write_account, settings, server):
    plant(write_account)
    use_model(settings, server)
    server.respond = lambda body: '{"hooks": [{"id": 1, "type": "question"'

    entry = run_entry("sess-malformed")

    assert entry.status == "completed", entry.error_message
    data = ViralAnalysisResult.objects.get(queue=entry).analysis_data
    for reel in stored_reels(data):
        assert (reel["hook_type"], reel["hook_source"]) == (type_hook(reel["hook"]).type, "offline")
    assert data["patterns"] and all(pattern["source"] == "offline" for pattern in data["patterns"])
    assert [idea["source"] for idea in data["ideas"]] == ["offline"] * 3
    for step in ("hook_typing", "patterns", "ideas"):
        report = data["model"]["steps"][step]
        assert report["source"] == "offline" and report["items_from_model"] == 0 and report["requests"] == 2
        assert "not valid JSON" in report["error"]
    assert len(server.requests) == 6, "each step asked twice, never more"


@pytest.mark.parametrize(
    ("reply", "timeout", "error_code"),
    [
        (HttpError(500, "The server had an error"), 5.0, "LLM_UNAVAILABLE"),
        (HttpError(429, "Rate limit reached", {"Retry-After": "20"}), 5.0, "LLM_RATE_LIMITED"),
        (Silence(5), 0.5, "LLM_TIMEOUT"),
    ],
)
@pytest.mark.django_db
def test_a_transport_failure_makes_the_run_offline_records_why_and_asks_no_more(write_account, settings, server, reply, timeout, error_code):
    plant(write_account)
    use_model(settings, server, timeout=timeout)
    server.replies = [reply]

    entry = run_entry(f"sess-down-{error_code.lower()}")

    assert entry.status == "completed", entry.error_message
    data = ViralAnalysisResult.objects.get(queue=entry).analysis_data
    assert all(reel["hook_source"] == "offline" for reel in stored_reels(data))
    assert all(pattern["source"] == "offline" for pattern in data["patterns"])
    assert [idea["source"] for idea in data["ideas"]] == ["offline"] * 3
    steps = data["model"]["steps"]
    assert steps["hook_typing"]["error"].startswith(error_code + ":")
    assert steps["hook_typing"]["items_offline"] == 20
    for later in ("patterns", "ideas"):
        assert steps[later]["requests"] == 0 and steps[later]["source"] == "offline"
        assert steps[later]["error"].startswith("not asked: the model failed earlier in this run")
    assert len(server.requests) == 1


@pytest.mark.django_db
def test_a_rejected_key_fails_the_job_clearly_instead_of_running_offline(write_account, settings, server):
    plant(write_account)
    use_model(settings, server)
    settings.LLM_API_KEY = "sk-typo"
    server.expected_key = "sk-right"

    entry = run_entry("sess-bad-key")

    assert entry.status == "failed"
    assert entry.error_code == "LLM_REQUEST_REJECTED"
    assert "LLM_API_KEY" in entry.error_message and "HTTP 401" in entry.error_message
    assert "sk-typo" not in entry.error_message
    assert entry.attempts == 1, "a rejected key is permanent: no retry"
    assert not ViralAnalysisResult.objects.filter(queue=entry).exists()


@pytest.mark.django_db
def test_a_cancel_while_the_ideas_stream_in_stops_the_run_without_a_result(write_account, settings, server):
    plant(write_account)
    use_model(settings, server)
    entry = viral_entry_create(session_id="sess-model-cancel", primary_username="planted_creator",
                               competitors=list(COMPETITORS), content_strategy=dict(STRATEGY))

    def cancel_when_the_model_starts_on_ideas(sender, instance, created, **kwargs):
        if created and instance.job_id == entry.pk and instance.message.startswith("Waiting for the model's first idea"):
            job_cancel(ViralIdeasQueue.objects.get(pk=entry.pk), reason="Cancelled by the user")

    post_save.connect(cancel_when_the_model_starts_on_ideas, sender=ProgressEvent)
    try:
        run_jobs("viral_ideas", time_budget_seconds=60)
    finally:
        post_save.disconnect(cancel_when_the_model_starts_on_ideas, sender=ProgressEvent)

    entry.refresh_from_db()
    assert entry.status == "cancelled"
    assert len(server.requests_for("content_ideas")) == 1, "the stream was under way"
    assert not ViralAnalysisResult.objects.filter(queue=entry).exists()
    events = ProgressEvent.objects.filter(job_kind="viral_ideas", job_id=entry.pk)
    assert not events.filter(message__contains="ideas composed with").exists(), "stopped inside the stream"
    assert not events.filter(stage="completed").exists()


@pytest.mark.django_db
def test_offline_every_hook_pattern_and_idea_says_offline(write_account, settings):
    plant(write_account)
    settings.LLM_PROVIDER = "offline"

    entry = run_entry("sess-offline")

    data = ViralAnalysisResult.objects.get(queue=entry).analysis_data
    assert all(reel["hook_source"] == "offline" for reel in stored_reels(data))
    assert data["patterns"] and all(pattern["source"] == "offline" and pattern["explanation"] for pattern in data["patterns"])
    assert data["ideas"] and all(idea["source"] == "offline" for idea in data["ideas"])
    assert data["model"]["provider"] == "offline" and data["model"]["model"] == ""
    for step, report in data["model"]["steps"].items():
        assert (report["source"], report["items_from_model"], report["requests"], report["error"]) == ("offline", 0, 0, None), step
        assert report["items_offline"] > 0
    assert all(idea["sources"] for idea in data["ideas"]), "offline ideas still cite their reels"
