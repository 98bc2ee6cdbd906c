"""Both idea composers: the deterministic offline one, and the model one against a real local server.

No database: the composers take an IdeasBrief and return ContentIdeas. The OpenAI-compatible
provider talks HTTP to a small /v1/chat/completions server started here, so its prompt, its
parsing and its typed errors are exercised for real.
"""

from __future__ import annotations

import json

import pytest

from jobs.errors import PermanentJobError
from jobs.providers.llm.base import ContentIdea, IdeasBrief, LLMBadResponse
from jobs.providers.llm.offline import HOOK_TYPES, OfflineWriter, describe_pattern
from jobs.providers.llm.openai_compatible import ChatCompletionsClient, OpenAICompatibleProvider
from support.fake_openai import FakeOpenAIServer
from support.idea_sources import outlier_reel as reel
from viral_ideas.analysis import PATTERN_KINDS

STRATEGY = {
    "contentType": "Healthy meal prep for busy parents",
    "targetAudience": "Busy parents who work full time",
    "goals": "Grow my followers",
    "additionalNotes": "I film in my own kitchen.",
}


# Best first, as the analysis hands them over; sourdough_sadie holds the two strongest reels.
OUTLIERS = (
    reel("sourdough_sadie", "DaSadie0001", "5 mistakes beginners make with sourdough", "number_list", 9.4),
    reel("sourdough_sadie", "DaSadie0002", "Why does nobody talk about starter hydration?", "question", 8.8),
    reel("chef.tomas", "DbTomas0001", "Are you making this mistake with pasta water?", "question", 8.1),
    reel("weeknight.wok", "DcWok000001", "The one thing about stir fry nobody tells you", "curiosity_gap", 7.0),
    reel("fit_with_mara", "DdMara00001", "Stop doing crunches.", "contrarian", 6.5),
    reel("chef.tomas", "DbTomas0002", "3 ways to save dinner without takeout", "number_list", 5.2),
    reel("weeknight.wok", "DcWok000002", "I tried wok cooking for 30 days", "story", 4.1),
    reel("fit_with_mara", "DdMara00002", "This is the best leg exercise you'll ever do", "bold_claim", 3.3),
)
QUESTION_PATTERN = {"kind": "hook_type", "value": "question", "accounts": 3, "outlier_count": 5, "score": 6.2}


def ideas_brief(**changes) -> IdeasBrief:
    values = dict(
        primary_username="meal.prep.mia",
        content_strategy=STRATEGY,
        count=5,
        outliers=OUTLIERS,
        patterns=(QUESTION_PATTERN,),
        keywords=("meal prep",),
    )
    values.update(changes)
    return IdeasBrief(**values)


def normal(text: str) -> str:
    return " ".join(text.lower().split())


def mean_multiplier(idea: ContentIdea) -> float:
    return sum(source.outlier_multiplier for source in idea.sources) / len(idea.sources)


# --- offline: a deterministic composer, not a model


@pytest.mark.parametrize("count", [1, 5, 8, 20])
def test_offline_composes_exactly_count_distinct_ideas(count):
    ideas = OfflineWriter().compose_ideas(ideas_brief(count=count))

    assert len(ideas) == count
    assert len({normal(idea.title) for idea in ideas}) == count
    assert len({normal(idea.hook) for idea in ideas}) == count
    assert not {normal(idea.title) for idea in ideas} & {normal(idea.hook) for idea in ideas}


def test_offline_ideas_are_the_same_for_the_same_brief():
    assert OfflineWriter().compose_ideas(ideas_brief(count=10)) == OfflineWriter().compose_ideas(ideas_brief(count=10))


def test_offline_ideas_keep_their_sources_hook_type():
    for idea in OfflineWriter().compose_ideas(ideas_brief(count=8)):
        assert idea.hook_type in HOOK_TYPES
        assert {source.hook_type for source in idea.sources} == {idea.hook_type}


def test_a_number_list_hook_is_adapted_to_the_creators_audience_and_topic():
    first = OfflineWriter().compose_ideas(ideas_brief(count=1))[0]

    assert first.sources[0].shortcode == "DaSadie0001"
    assert first.hook == "5 mistakes busy parents make with healthy meal prep"
    assert first.title == "5 Healthy Meal Prep Mistakes to Avoid"


def test_offline_ideas_speak_about_the_creators_topic_and_audience():
    for idea in OfflineWriter().compose_ideas(ideas_brief(count=8)):
        text = f"{idea.title} {idea.hook}".lower()
        assert "meal prep" in text
        for source_words in ("sourdough", "pasta", "stir fry", "crunches", "wok", "leg exercise"):
            assert source_words not in idea.hook.lower()


def test_offline_ideas_cite_brief_reels_and_score_their_mean_multiplier():
    brief = ideas_brief(count=8)
    for idea in OfflineWriter().compose_ideas(brief):
        assert 1 <= len(idea.sources) <= 3
        assert all(source in brief.outliers for source in idea.sources)
        assert len({source.shortcode for source in idea.sources}) == len(idea.sources)
        assert idea.score == pytest.approx(mean_multiplier(idea))


def test_offline_ideas_spread_across_competitors_before_reusing_one():
    ideas = OfflineWriter().compose_ideas(ideas_brief(count=4))

    # sourdough_sadie has the two strongest reels, but every competitor gets a turn first.
    assert [idea.sources[0].username for idea in ideas] == ["sourdough_sadie", "chef.tomas", "weeknight.wok", "fit_with_mara"]


def test_why_it_works_cites_the_multipliers_and_a_matching_pattern():
    ideas = OfflineWriter().compose_ideas(ideas_brief(count=8))
    question_ideas = [idea for idea in ideas if idea.hook_type == "question"]
    other_ideas = [idea for idea in ideas if idea.hook_type != "question"]
    assert question_ideas and other_ideas

    for idea in ideas:
        assert f"{idea.sources[0].outlier_multiplier:.1f}×" in idea.why_it_works
    for idea in question_ideas:
        assert "question hooks were outliers for 3 of 4 competitors (avg 6.2×)" in idea.why_it_works
    for idea in other_ideas:
        assert "question hooks" not in idea.why_it_works


def test_a_timing_pattern_is_described_with_its_window():
    timing = {"kind": "posting_hour", "value": "18-21", "accounts": 2, "outlier_count": 4, "score": 4.4}
    idea = OfflineWriter().compose_ideas(ideas_brief(count=1, patterns=(timing,)))[0]

    assert "reels posted between 18:00 and 21:00 UTC were outliers for 2 of 4 competitors (avg 4.4×)" in idea.why_it_works


@pytest.mark.parametrize(
    "kind, value, subject",
    [
        ("hook_type", "question", "question hooks"),
        ("hook_type", "number_list", "number-list hooks"),
        ("hook_length", "short", "short hooks (6 words or fewer)"),
        ("hook_length", "medium", "medium-length hooks (7-12 words)"),
        ("hook_length", "long", "long hooks (more than 12 words)"),
        ("posting_hour", "18-21", "reels posted between 18:00 and 21:00 UTC"),
        ("posting_hour", "0-3", "reels posted between 00:00 and 03:00 UTC"),
        ("hashtag", "legday", "reels tagged #legday"),
        ("keyword", "pasta water", "reels about “pasta water”"),
        ("duration", "0-15s", "reels of 15 seconds or less"),
        ("duration", "15-30s", "reels of 15-30 seconds"),
        ("duration", "30-60s", "reels of 30-60 seconds"),
        ("duration", "60s+", "reels over a minute long"),
    ],
)
def test_every_kind_of_pattern_is_described_in_a_creators_words(kind, value, subject):
    # The values are the analysis's own buckets (viral_ideas.analysis.PATTERN_KINDS).
    pattern = {"kind": kind, "value": value, "accounts": ["a", "b"], "outlier_count": 3, "avg_multiplier": 5.0}

    assert describe_pattern(pattern, 4) == f"{subject} were outliers for 2 of 4 competitors (avg 5.0×)"
    assert describe_pattern(pattern, 2).startswith(f"{subject} were outliers for both competitors")
    three = {**pattern, "accounts": ["a", "b", "c"]}
    assert describe_pattern(three, 3).startswith(f"{subject} were outliers for all 3 competitors")


def test_every_pattern_kind_the_analysis_finds_has_wording_of_its_own():
    values = {"hook_type": "story", "hook_length": "long", "posting_hour": "6-9", "duration": "30-60s"}
    for kind in PATTERN_KINDS:
        line = describe_pattern({"kind": kind, "value": values.get(kind, "meal prep"), "accounts": 2}, 3)
        assert not line.startswith("reels with "), line  # the catch-all for kinds nobody worded


def test_offline_scripts_have_a_hook_three_to_five_beats_and_a_call_to_action_for_the_goals():
    for idea in OfflineWriter().compose_ideas(ideas_brief(count=6)):
        assert idea.script["hook"] == idea.hook
        assert 3 <= len(idea.script["body"]) <= 5
        assert "Follow" in idea.script["call_to_action"]

    selling = {**STRATEGY, "goals": "Sell my meal plan"}
    idea = OfflineWriter().compose_ideas(ideas_brief(count=1, content_strategy=selling))[0]
    assert "Comment" in idea.script["call_to_action"]


def test_offline_reports_progress_once_per_idea():
    reports: list[tuple[float, str]] = []
    OfflineWriter().compose_ideas(ideas_brief(count=4), on_progress=lambda fraction, message: reports.append((fraction, message)))

    assert [fraction for fraction, _ in reports] == [0.25, 0.5, 0.75, 1.0]
    assert reports[0][1].startswith("Composed idea 1 of 4")


def test_hook_type_aliases_and_unlabelled_hooks_are_read_into_the_taxonomy():
    outliers = (
        reel("chef.tomas", "DbTomas0002", "3 ways to save dinner without takeout", "number", 5.2),
        reel("weeknight.wok", "DcWok000003", "Why do stir fries go soggy?", "", 4.0),
    )
    ideas = OfflineWriter().compose_ideas(ideas_brief(count=2, outliers=outliers))

    assert [idea.hook_type for idea in ideas] == ["number_list", "question"]
    # The list keeps its source's structure ("3 ways to save …") with the creator's topic.
    assert ideas[0].hook == "3 ways to save your healthy meal prep"


def test_without_a_strategy_each_idea_takes_the_topic_of_its_own_source_without_copying_its_hook():
    ideas = OfflineWriter().compose_ideas(ideas_brief(count=8, content_strategy={}, keywords=()))

    assert ideas[0].hook == "5 mistakes most people make with sourdough"
    assert "pasta water" in ideas[1].hook
    competitor_hooks = {normal(source.hook.rstrip(".?")) for source in OUTLIERS}
    assert not {normal(idea.hook.rstrip(".?…")) for idea in ideas} & competitor_hooks


def test_no_outliers_is_a_permanent_error():
    with pytest.raises(PermanentJobError) as caught:
        OfflineWriter().compose_ideas(ideas_brief(outliers=()))

    assert caught.value.error_code == "NO_OUTLIERS"
    assert caught.value.retryable is False


# --- openai-compatible: a real HTTP server speaking /v1/chat/completions


@pytest.fixture
def server():
    """The shared fake endpoint, answering every request with `server.answer` (streamed when asked)."""
    with FakeOpenAIServer() as running:
        running.answer = ""
        running.respond = lambda body: running.answer
        yield running


def prompt_sent(server: FakeOpenAIServer) -> str:
    return "\n".join(message["content"] for message in server.requests[-1]["body"]["messages"])


def provider(server: FakeOpenAIServer) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(ChatCompletionsClient(server.url, "fake-model-1", timeout_seconds=5))


def model_idea(title: str, hook: str, hook_type: str, shortcodes: list, **extra) -> dict:
    return {
        "title": title,
        "hook": hook,
        "hook_type": hook_type,
        "script": {"hook": hook, "body": ["Beat one", "Beat two", "Beat three"], "call_to_action": "Follow for more."},
        "source_shortcodes": shortcodes,
        "why_it_works": f"Based on {', '.join(map(str, shortcodes))}.",
        **extra,
    }


MODEL_IDEAS = {
    "ideas": [
        model_idea("Meal Prep Mistakes", "5 mistakes busy parents make with meal prep", "number_list",
                   ["DaSadie0001", "DbTomas0002"], score=99.0),
        model_idea("The Prep Question", "Why does nobody talk about Sunday prep?", "question", ["DbTomas0001"]),
        model_idea("Prep Secret", "The one thing about meal prep nobody tells you", "curiosity_gap", ["DcWok000001"]),
    ]
}


def test_a_json_answer_becomes_ideas_mapped_to_the_brief_reels_with_our_scores(server):
    server.answer = json.dumps(MODEL_IDEAS)
    ideas = provider(server).compose_ideas(ideas_brief(count=3))

    assert [idea.title for idea in ideas] == ["Meal Prep Mistakes", "The Prep Question", "Prep Secret"]
    assert [source.shortcode for source in ideas[0].sources] == ["DaSadie0001", "DbTomas0002"]
    assert ideas[0].sources == (OUTLIERS[0], OUTLIERS[5])
    assert ideas[0].score == pytest.approx((9.4 + 5.2) / 2)  # the model's own 99.0 is ignored
    assert ideas[1].score == pytest.approx(8.1)
    assert ideas[0].script == {
        "hook": "5 mistakes busy parents make with meal prep",
        "body": ["Beat one", "Beat two", "Beat three"],
        "call_to_action": "Follow for more.",
    }
    assert server.requests[-1]["body"]["stream"] is True


def test_an_answer_wrapped_in_a_json_code_fence_with_chatter_is_parsed(server):
    server.answer = "Here are your ideas:\n\n```json\n" + json.dumps(MODEL_IDEAS, indent=2) + "\n```\nEnjoy!"
    ideas = provider(server).compose_ideas(ideas_brief(count=3))

    assert [idea.hook_type for idea in ideas] == ["number_list", "question", "curiosity_gap"]


def test_unknown_shortcodes_are_dropped_and_an_idea_without_any_gets_the_strongest_reel_of_its_type(server):
    server.answer = json.dumps({"ideas": [
        model_idea("Mixed", "5 prep tips", "number_list", ["NOPE0000000", "DbTomas0002"]),
        model_idea("Orphan", "Is meal prep worth it?", "question", ["MADEUP00001"]),
        model_idea("Lonely", "Meal prep, explained.", "statement", []),
    ]})
    mixed, orphan, lonely = provider(server).compose_ideas(ideas_brief(count=3))

    assert [source.shortcode for source in mixed.sources] == ["DbTomas0002"]
    assert orphan.sources == (OUTLIERS[1],)  # the strongest question reel
    assert lonely.sources == (OUTLIERS[0],)  # no statement reels: the brief's best one
    assert orphan.score == pytest.approx(8.8)


def test_a_hook_type_outside_the_taxonomy_becomes_statement(server):
    server.answer = json.dumps({"ideas": [
        model_idea("Meme", "When the meal prep hits", "meme", ["DcWok000002"]),
        model_idea("Numbers", "3 prep wins", "Number list", ["DbTomas0002"]),
    ]})
    meme, numbers = provider(server).compose_ideas(ideas_brief(count=2))

    assert meme.hook_type == "statement"
    assert numbers.hook_type == "number_list"


def test_fewer_ideas_than_asked_are_accepted_and_extra_or_repeated_ones_dropped(server):
    repeated = model_idea("Meal Prep Mistakes", "5 mistakes busy parents make with meal prep", "number_list", ["DaSadie0001"])
    server.answer = json.dumps({"ideas": [*MODEL_IDEAS["ideas"][:2], repeated]})

    assert len(provider(server).compose_ideas(ideas_brief(count=5))) == 2
    server.answer = json.dumps(MODEL_IDEAS)
    assert len(provider(server).compose_ideas(ideas_brief(count=1))) == 1


@pytest.mark.parametrize(
    "answer",
    [
        "I'm sorry, I can't help with that.",
        '{"ideas": [{"title": "cut off',
        '{"ideas": []}',
        '{"ideas": [{"why_it_works": "no title and no hook"}]}',
    ],
)
def test_an_answer_without_usable_ideas_is_a_retryable_bad_response(server, answer):
    server.answer = answer

    with pytest.raises(LLMBadResponse) as caught:
        provider(server).compose_ideas(ideas_brief(count=3))
    assert caught.value.retryable is True
    assert caught.value.error_code == "LLM_BAD_RESPONSE"


def test_the_prompt_carries_the_strategy_the_numbered_outliers_patterns_and_keywords(server):
    server.answer = json.dumps(MODEL_IDEAS)
    provider(server).compose_ideas(ideas_brief(count=3))
    prompt = prompt_sent(server)

    for value in STRATEGY.values():
        assert value in prompt
    for number, source in enumerate(OUTLIERS, start=1):
        assert f"[{number}] @{source.username} | shortcode {source.shortcode} | hook type {source.hook_type}" in prompt
        assert source.hook in prompt
        assert source.url in prompt
    assert "8.8×" in prompt
    assert "question hooks were outliers for 3 of 4 competitors (avg 6.2×)" in prompt
    assert "Keywords: meal prep" in prompt
    assert "Exactly 3 ideas" in prompt
    assert '"ideas"' in prompt


def test_progress_rises_as_ideas_stream_in_and_ends_at_one(server):
    server.answer = json.dumps(MODEL_IDEAS)
    reports: list[float] = []
    provider(server).compose_ideas(ideas_brief(count=3), on_progress=lambda fraction, message: reports.append(fraction))

    assert reports[0] == 0.0
    assert reports[-1] == 1.0
    assert reports == sorted(reports)
    assert len(reports) == 5  # the wait, one per idea, the end


def test_no_outliers_fails_before_asking_the_model(server):
    with pytest.raises(PermanentJobError) as caught:
        provider(server).compose_ideas(ideas_brief(outliers=()))

    assert caught.value.error_code == "NO_OUTLIERS"
    assert server.requests == []
