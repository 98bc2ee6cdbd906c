"""A run over a small planted dataset whose answers are known, read through the results and content endpoints.

The planted accounts (views newest first; multiplier = views ÷ median of the account's OTHER reels):

  planted_creator  3000 1000 1000 1000 1000   reel 0 "What should I cook tonight?" → 3000/1000 = 3.0 (question)
  comp_alpha       1000 4000 1000 1000 1000   reel 1 → 4000/median(1000 ×4) = 4.0, question
  comp_bravo       2000 6000 10000 2000 2000  reel 2 → 10000/median(2000,2000,2000,6000) = 5.0, question
                                              reel 1 → 6000/median(2000,2000,2000,10000) = 3.0, number_list
  comp_charlie     3000 1000 4000 2000 12000  reel 4 → 12000/median(1000,2000,3000,4000) = 4.8, how_to
                                              (over the whole account it would be 12000/3000 = 4.0)

Every other reel stays under the 2.0 threshold (best: charlie's 4000 → 4000/2500 = 1.6). Question hooks are
outliers for two competitors (alpha and bravo): 2 of their 3 outliers, 2 of their 10 reels → lift 3.333,
score (5.0 + 4.0) × 2/3 = 6.0. Every reel shares one hashtag, posting hour and duration, so those are no patterns.
"""

from __future__ import annotations

import statistics
import uuid
from datetime import datetime

import pytest
from django.conf import settings

from jobs.runner import run_jobs
from profiles.pipeline import refresh_profile
from text_rules.hooks import type_hook
from viral_ideas.analysis import HOOK_TYPES, PATTERN_KINDS
from viral_ideas.models import ViralAnalysisResult
from viral_ideas.services import viral_entry_create

pytestmark = pytest.mark.django_db

STRATEGY = {"contentType": "Quick recipes", "targetAudience": "Busy parents", "goals": "Grow followers"}
COMPETITORS = ("comp_alpha", "comp_bravo", "comp_charlie")
PLANTED = {
    "planted_creator": (
        [3000, 1000, 1000, 1000, 1000],
        ["What should I cook tonight?", "Sunday meal prep with me", "Plating a weeknight pasta", "Kitchen reset",
         "Lunchbox ideas for kids"],
    ),
    "comp_alpha": (
        [1000, 4000, 1000, 1000, 1000],
        ["Sunday meal prep", "Why does nobody talk about this?", "Lunch at the studio", "Dinner plating",
         "Market haul"],
    ),
    "comp_bravo": (
        [2000, 6000, 10000, 2000, 2000],
        ["Pantry tour", "5 mistakes beginners make", "Are you salting your pasta water wrong?", "Breakfast bowl",
         "Stock pot"],
    ),
    "comp_charlie": (
        [3000, 1000, 4000, 2000, 12000],
        ["Noodle bar", "Rice cooker", "Tea time", "Soup pot", "How to fold dumplings in one minute"],
    ),
}
# (username, shortcode, multiplier, baseline, hook, hook type), highest multiplier first.
COMPETITOR_OUTLIERS = [
    ("comp_bravo", "compbr00002", 5.0, 2000.0, "Are you salting your pasta water wrong?", "question"),
    ("comp_charlie", "compch00004", 4.8, 2500.0, "How to fold dumplings in one minute", "how_to"),
    ("comp_alpha", "compal00001", 4.0, 1000.0, "Why does nobody talk about this?", "question"),
    ("comp_bravo", "compbr00001", 3.0, 2000.0, "5 mistakes beginners make", "number_list"),
]
OUTLIER_MULTIPLIERS = {(user, code): multiplier for user, code, multiplier, *_ in COMPETITOR_OUTLIERS}


def plant(write_account):
    for name, (views, captions) in PLANTED.items():
        write_account(name, views, captions=captions, hashtags=[["homecooking"]] * len(views))


@pytest.fixture
def analysed(write_account):
    """The planted dataset, queued and run once by the job core."""
    plant(write_account)
    entry = viral_entry_create(session_id="sess-planted", primary_username="planted_creator",
                               competitors=list(COMPETITORS), content_strategy=dict(STRATEGY))
    assert run_jobs("viral_ideas", time_budget_seconds=60) == 1
    entry.refresh_from_db()
    assert entry.status == "completed", entry.error_message
    return entry


def results_of(client, entry, query: str = "") -> dict:
    response = client.get(f"/api/viral-analysis/{entry.pk}/results{query}")
    assert response.status_code == 200, response.content
    assert response.json()["success"] is True
    return response.json()["data"]


def content_of(client, entry, query: str = "") -> dict:
    response = client.get(f"/api/viral-analysis/{entry.pk}/content{query}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def assert_error_shape(body: dict, error_code: str) -> None:
    assert body["success"] is False
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["error_code"] == error_code
    assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None


# --- The results endpoint -------------------------------------------------------------------------


def test_the_results_describe_the_run(anonymous, analysed):
    data = results_of(anonymous, analysed)

    analysis = data["analysis"]
    result = ViralAnalysisResult.objects.get(queue=analysed)
    assert analysis["id"] == str(result.pk)
    assert analysis["analysis_run"] == 1
    assert analysis["analysis_type"] == "initial"
    assert analysis["status"] == "completed"
    assert analysis["workflow_version"] == "2.0"
    assert datetime.fromisoformat(analysis["started_at"]) <= datetime.fromisoformat(analysis["analysis_completed_at"])
    assert analysis["total_reels_analyzed"] == 20
    assert analysis["primary_reels_count"] == 5
    assert analysis["competitor_reels_count"] == 15
    assert analysis["outliers_count"] == 4
    assert analysis["ideas_count"] == settings.VIRAL_IDEAS_PER_RUN
    assert data["runs"] == [1]


def test_the_outlier_reels_are_exactly_the_planted_ones_with_their_multipliers(anonymous, analysed):
    reels = results_of(anonymous, analysed)["outlier_reels"]

    found = [(r["reel"]["username"], r["reel"]["shortcode"], r["outlier_multiplier"], r["baseline_views"], r["hook"],
              r["hook_type"]) for r in reels]
    assert found == COMPETITOR_OUTLIERS
    assert all(r["is_outlier"] is True for r in reels)


def test_hooks_are_grouped_by_their_type(anonymous, analysed):
    hooks = results_of(anonymous, analysed)["hooks_by_type"]

    assert {kind: [(h["username"], h["shortcode"], h["outlier_multiplier"], h["hook"]) for h in items]
            for kind, items in hooks.items()} == {
        "question": [("comp_bravo", "compbr00002", 5.0, "Are you salting your pasta water wrong?"),
                     ("comp_alpha", "compal00001", 4.0, "Why does nobody talk about this?")],
        "how_to": [("comp_charlie", "compch00004", 4.8, "How to fold dumplings in one minute")],
        "number_list": [("comp_bravo", "compbr00001", 3.0, "5 mistakes beginners make")],
    }
    assert set(hooks) <= set(HOOK_TYPES)


def test_each_grouped_hook_says_why_it_has_its_type(anonymous, analysed):
    hooks = results_of(anonymous, analysed)["hooks_by_type"]

    for hook_type, items in hooks.items():
        for item in items:
            typing = type_hook(item["hook"])
            assert (hook_type, item["hook_confidence"], item["hook_cue"], item["hook_source"]) == (
                typing.type, typing.confidence, typing.cue, "offline")
            assert item["hook_cue"] and item["hook_cue"].lower() in item["hook"].lower()


def test_question_hooks_that_broke_out_for_two_competitors_are_a_pattern(anonymous, analysed):
    patterns = results_of(anonymous, analysed)["patterns"]

    question = [p for p in patterns if (p["kind"], p["value"]) == ("hook_type", "question")]
    assert len(question) == 1
    pattern = question[0]
    assert pattern["accounts"] == ["comp_alpha", "comp_bravo"]
    assert pattern["outlier_count"] == 2
    assert pattern["examples"] == ["compbr00002", "compal00001"]
    assert pattern["avg_multiplier"] == 4.5
    assert pattern["score"] == 6.0
    assert pattern["lift"] == pytest.approx(3.333)


def test_only_traits_that_set_outliers_apart_in_two_competitors_are_patterns(anonymous, analysed):
    patterns = results_of(anonymous, analysed)["patterns"]

    # Medium-length hooks (7-12 words) broke out for bravo (5.0) and charlie (4.8): score 9.8 × 2/3.
    assert [(p["kind"], p["value"], p["accounts"], p["score"]) for p in patterns] == [
        ("hook_length", "medium", ["comp_bravo", "comp_charlie"], pytest.approx(6.533)),
        ("hook_type", "question", ["comp_alpha", "comp_bravo"], 6.0),
    ]
    assert all("planted_creator" not in p["accounts"] for p in patterns)


def test_the_primary_profile_is_measured_but_never_counted_as_competitor_evidence(anonymous, analysed):
    data = results_of(anonymous, analysed)

    primary = data["primary_profile"]
    assert primary["username"] == "planted_creator"
    assert primary["role"] == "primary"
    assert [(r["reel"]["shortcode"], r["outlier_multiplier"], r["hook_type"]) for r in primary["outliers"]] == [
        ("plante00000", 3.0, "question")
    ]
    assert primary["median_views"] == 1000
    assert "plante00000" not in {r["reel"]["shortcode"] for r in data["outlier_reels"]}


def test_every_idea_cites_planted_outliers_and_scores_their_mean_multiplier(anonymous, analysed):
    data = results_of(anonymous, analysed)

    ideas = data["ideas"]
    assert len(ideas) == settings.VIRAL_IDEAS_PER_RUN
    for idea in ideas:
        assert idea["sources"], idea["title"]
        for source in idea["sources"]:
            key = (source["username"], source["shortcode"])
            assert key in OUTLIER_MULTIPLIERS, key
            assert source["outlier_multiplier"] == OUTLIER_MULTIPLIERS[key]
        assert idea["score"] == pytest.approx(statistics.fmean(s["outlier_multiplier"] for s in idea["sources"]))
        assert idea["hook_type"] in HOOK_TYPES
    assert data["scripts"] == [idea["script"] for idea in ideas]
    # The strongest outlier inspires the first idea.
    assert ideas[0]["sources"][0]["shortcode"] == "compbr00002"


def test_the_summary_counts_what_was_analysed(anonymous, analysed):
    summary = results_of(anonymous, analysed)["analysis_summary"]

    assert summary["total_reels"] == 20
    assert summary["primary_reels"] == 5
    assert summary["competitor_reels"] == 15
    assert summary["competitors"] == 3
    assert summary["total_outliers"] == 5
    assert summary["primary_outliers"] == 1
    assert summary["competitor_outliers"] == 4
    assert summary["outliers_per_account"] == {"planted_creator": 1, "comp_alpha": 1, "comp_bravo": 2,
                                               "comp_charlie": 1}
    assert [item["hook_type"] for item in summary["top_hook_types"]] == ["question", "number_list", "how_to"]
    assert summary["top_hook_types"][0]["outliers"] == 2
    assert summary["top_hook_types"][0]["primary_uses"] is True
    assert summary["patterns_found"] == 2


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_analysed_reel(item: dict) -> None:
    assert set(item) == {"reel", "baseline_views", "outlier_multiplier", "engagement_rate", "is_outlier", "hook",
                         "hook_type", "hook_confidence", "hook_cue", "hook_source", "keywords"}
    reel = item["reel"]
    assert set(reel) == {"username", "shortcode", "url", "caption", "transcript", "view_count", "like_count",
                         "comment_count", "posted_at", "hashtags", "video_duration"}
    for key in ("username", "shortcode", "url", "caption", "transcript"):
        assert isinstance(reel[key], str)
    for key in ("view_count", "like_count", "comment_count"):
        assert isinstance(reel[key], int) and not isinstance(reel[key], bool)
    assert datetime.fromisoformat(reel["posted_at"]).tzinfo is not None
    assert isinstance(reel["hashtags"], list) and all(isinstance(tag, str) for tag in reel["hashtags"])
    assert reel["video_duration"] is None or _is_number(reel["video_duration"])
    for key in ("baseline_views", "outlier_multiplier", "engagement_rate"):
        assert _is_number(item[key])
    assert isinstance(item["is_outlier"], bool)
    assert item["is_outlier"] == (item["outlier_multiplier"] >= 2.0)
    assert isinstance(item["hook"], str)
    assert item["hook_type"] in HOOK_TYPES
    assert _is_number(item["hook_confidence"]) and 0 <= item["hook_confidence"] <= 1
    assert isinstance(item["hook_cue"], str)
    assert item["hook_source"] in ("offline", "model")
    assert isinstance(item["keywords"], list) and all(isinstance(word, str) for word in item["keywords"])


def _check_account(account: dict, role: str) -> None:
    assert set(account) == {"username", "role", "reels", "median_views", "outliers", "hook_type_counts", "threshold"}
    assert isinstance(account["username"], str)
    assert account["role"] == role
    assert _is_number(account["median_views"]) and _is_number(account["threshold"])
    for item in account["reels"] + account["outliers"]:
        _check_analysed_reel(item)
    assert [r["reel"]["shortcode"] for r in account["outliers"]] == [
        r["reel"]["shortcode"] for r in account["reels"] if r["is_outlier"]
    ]
    counts = account["hook_type_counts"]
    assert set(counts) <= set(HOOK_TYPES)
    assert all(isinstance(n, int) for n in counts.values())
    assert sum(counts.values()) == len(account["reels"])


def test_the_stored_analysis_data_follows_its_schema(analysed):
    data = ViralAnalysisResult.objects.get(queue=analysed).analysis_data

    assert set(data) == {"workflow_version", "analysis_type", "settings", "primary", "competitors",
                         "competitor_failures", "patterns", "summary", "new_since_last_run", "new_outliers", "ideas",
                         "writer", "model"}
    assert data["workflow_version"] == "2.0"
    assert data["analysis_type"] == "initial"
    assert data["settings"] == {"outlier_threshold": 2.0, "max_reels_per_account": 50,
                                "profile_freshness_hours": settings.VIRAL_PROFILE_FRESHNESS_HOURS}
    _check_account(data["primary"], "primary")
    assert isinstance(data["competitors"], list) and len(data["competitors"]) == 3
    for account in data["competitors"]:
        _check_account(account, "competitor")
    assert data["competitor_failures"] == []
    for pattern in data["patterns"]:
        assert set(pattern) == {"kind", "value", "accounts", "outlier_count", "avg_multiplier", "score", "examples",
                                "lift", "explanation", "source"}
        assert pattern["source"] == "offline" and pattern["explanation"]
        assert pattern["kind"] in PATTERN_KINDS
        assert isinstance(pattern["value"], str)
        assert isinstance(pattern["accounts"], list) and len(pattern["accounts"]) >= 2
        assert isinstance(pattern["outlier_count"], int)
        assert all(_is_number(pattern[key]) for key in ("avg_multiplier", "score", "lift"))
        assert set(pattern["examples"]) <= {code for _, code in OUTLIER_MULTIPLIERS}
    assert isinstance(data["summary"], dict) and data["summary"]["total_reels"] == 20
    assert data["new_since_last_run"] == []
    assert data["new_outliers"] == []
    for idea in data["ideas"]:
        assert set(idea) == {"title", "hook", "hook_type", "script", "sources", "why_it_works", "score", "source"}
        assert idea["source"] == "offline"
        assert all(isinstance(idea[key], str) and idea[key] for key in ("title", "hook", "why_it_works"))
        assert set(idea["script"]) == {"hook", "body", "call_to_action"}
        assert isinstance(idea["script"]["body"], list) and all(isinstance(line, str) for line in idea["script"]["body"])
        assert _is_number(idea["score"])
        for source in idea["sources"]:
            assert set(source) == {"username", "shortcode", "url", "hook", "hook_type", "outlier_multiplier",
                                   "view_count"}
    assert isinstance(data["writer"], str) and data["writer"]


def test_the_results_carry_the_raw_analysis_data(anonymous, analysed):
    data = results_of(anonymous, analysed)

    assert data["analysis_data"] == ViralAnalysisResult.objects.get(queue=analysed).analysis_data


def test_the_entrys_outlier_threshold_and_ideas_count_are_used(anonymous, write_account):
    plant(write_account)
    entry = viral_entry_create(session_id="sess-strict", primary_username="planted_creator",
                               competitors=list(COMPETITORS), content_strategy=dict(STRATEGY),
                               analysis_settings={"outlier_threshold": 4.5, "ideas_count": 2})
    run_jobs("viral_ideas", time_budget_seconds=60)

    data = results_of(anonymous, entry)

    assert [(r["reel"]["shortcode"], r["outlier_multiplier"]) for r in data["outlier_reels"]] == [
        ("compbr00002", 5.0), ("compch00004", 4.8)
    ]
    assert data["analysis_data"]["settings"]["outlier_threshold"] == 4.5
    assert data["primary_profile"]["outliers"] == []
    assert data["analysis"]["outliers_count"] == 2
    assert len(data["ideas"]) == 2
    assert {s["shortcode"] for idea in data["ideas"] for s in idea["sources"]} <= {"compbr00002", "compch00004"}


# --- Results errors -------------------------------------------------------------------------------


def test_an_entry_without_results_is_a_404(anonymous, db):
    entry = viral_entry_create(session_id="sess-not-run", primary_username="planted_creator",
                               competitors=["comp_alpha"], content_strategy=dict(STRATEGY))

    response = anonymous.get(f"/api/viral-analysis/{entry.pk}/results")

    assert response.status_code == 404
    assert_error_shape(response.json(), "RESULTS_NOT_FOUND")


def test_asking_for_a_run_that_does_not_exist_is_a_404(anonymous, analysed):
    response = anonymous.get(f"/api/viral-analysis/{analysed.pk}/results?run=2")

    assert response.status_code == 404
    assert_error_shape(response.json(), "RESULTS_NOT_FOUND")
    assert results_of(anonymous, analysed, "?run=1")["analysis"]["analysis_run"] == 1


@pytest.mark.parametrize("run", ["0", "-1", "first"])
def test_a_run_number_that_is_not_a_positive_integer_is_a_400(anonymous, analysed, run):
    response = anonymous.get(f"/api/viral-analysis/{analysed.pk}/results?run={run}")

    assert response.status_code == 400
    assert_error_shape(response.json(), "VALIDATION_ERROR")


@pytest.mark.parametrize("endpoint", ["results", "content"])
def test_unknown_and_malformed_queue_ids_are_404_and_400(anonymous, db, endpoint):
    unknown = anonymous.get(f"/api/viral-analysis/{uuid.uuid4()}/{endpoint}")
    malformed = anonymous.get(f"/api/viral-analysis/not-a-uuid/{endpoint}")

    assert unknown.status_code == 404
    assert_error_shape(unknown.json(), "QUEUE_NOT_FOUND")
    assert malformed.status_code == 400
    assert_error_shape(malformed.json(), "INVALID_UUID_FORMAT")


# --- The content endpoint -------------------------------------------------------------------------


CONTENT_FIELDS = {"content_id", "shortcode", "url", "description", "view_count", "like_count", "comment_count",
                  "date_posted", "username", "outlier_score", "reel_type"}


def test_all_content_lists_the_creators_and_the_competitors_reels_best_first(anonymous, analysed, write_account):
    write_account("outsider", [500, 900, 100])
    refresh_profile("outsider")

    data = content_of(anonymous, analysed)

    assert data["total_count"] == 20
    assert data["has_more"] is False
    reels = data["content"]
    assert len(reels) == 20
    assert all(set(reel) == CONTENT_FIELDS for reel in reels)
    assert {reel["username"] for reel in reels} == {"planted_creator", *COMPETITORS}
    for reel in reels:
        assert reel["reel_type"] == ("primary" if reel["username"] == "planted_creator" else "competitor")
    scores = [reel["outlier_score"] for reel in reels]
    assert scores == sorted(scores, reverse=True)
    by_code = {reel["shortcode"]: reel for reel in reels}
    # The stored outlier_score is the profile's own (views ÷ the account's median), not the leave-one-out one.
    assert by_code["compch00004"]["outlier_score"] == 4.0
    assert by_code["compbr00002"]["view_count"] == 10000
    assert by_code["compbr00002"]["description"].startswith("Are you salting your pasta water wrong?")


@pytest.mark.parametrize(("content_type", "usernames", "reel_type"), [
    ("primary", {"planted_creator"}, "primary"),
    ("competitor", set(COMPETITORS), "competitor"),
])
def test_content_can_be_limited_to_the_creator_or_the_competitors(anonymous, analysed, content_type, usernames,
                                                                   reel_type):
    data = content_of(anonymous, analysed, f"?content_type={content_type}")

    assert data["total_count"] == 5 * len(usernames)
    assert {reel["username"] for reel in data["content"]} == usernames
    assert {reel["reel_type"] for reel in data["content"]} == {reel_type}


def test_content_pages_with_limit_and_offset_and_says_when_there_is_more(anonymous, analysed):
    everything = [reel["shortcode"] for reel in content_of(anonymous, analysed, "?limit=200")["content"]]

    pages, offset = [], 0
    while True:
        page = content_of(anonymous, analysed, f"?limit=6&offset={offset}")
        assert page["total_count"] == 20
        assert page["limit"] == 6 and page["offset"] == offset
        pages.append(page)
        offset += 6
        if not page["has_more"]:
            break

    assert [len(page["content"]) for page in pages] == [6, 6, 6, 2]
    assert [page["has_more"] for page in pages] == [True, True, True, False]
    assert [reel["shortcode"] for page in pages for reel in page["content"]] == everything
    beyond = content_of(anonymous, analysed, "?offset=40")
    assert beyond["content"] == [] and beyond["has_more"] is False


@pytest.mark.parametrize("query", ["?limit=0", "?limit=201", "?limit=many", "?offset=-1", "?content_type=video"])
def test_content_parameters_out_of_range_are_a_400(anonymous, analysed, query):
    response = anonymous.get(f"/api/viral-analysis/{analysed.pk}/content{query}")

    assert response.status_code == 400
    assert_error_shape(response.json(), "VALIDATION_ERROR")


def test_content_limits_one_and_two_hundred_are_accepted(anonymous, analysed):
    assert len(content_of(anonymous, analysed, "?limit=1")["content"]) == 1
    assert content_of(anonymous, analysed, "?limit=1")["has_more"] is True
    assert len(content_of(anonymous, analysed, "?limit=200")["content"]) == 20
