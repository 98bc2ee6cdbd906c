"""Viral-ideas analysis on planted data with known answers and on the sample accounts; no database."""

from __future__ import annotations

import json
import random
import statistics
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from jobs.providers.llm.base import IdeaSource
from viral_ideas.analysis import (
    HOOK_TYPES,
    PATTERN_KINDS,
    AccountAnalysis,
    AnalysedReel,
    Pattern,
    ReelInput,
    analyse_account,
    analysis_summary,
    classify_hook,
    duration_bucket,
    extract_hook,
    find_patterns,
    hook_length_bucket,
    posting_hour_bucket,
)

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "instagram"
COOKING_PRIMARY = "chef.tomas"
COOKING_COMPETITORS = ("weeknight.wok", "sourdough_sadie", "plantplate.lena", "grillmaster_ade")
DAY_ONE = datetime(2026, 10, 1, tzinfo=timezone.utc)


def make_reel(
    username: str, shortcode: str, views: int, hook: str = "Plain reel", *, hour: float = 12.0,
    tags: tuple[str, ...] = (), duration: float | None = 30.0, transcript: str = "", likes: int = 0,
    comments: int = 0, day: int = 0,
) -> ReelInput:
    caption = hook + ("\n\n" + " ".join(f"#{tag}" for tag in tags) if tags else "")
    return ReelInput(
        username=username,
        shortcode=shortcode,
        url=f"https://www.instagram.com/reel/{shortcode}/",
        caption=caption,
        transcript=transcript,
        view_count=views,
        like_count=likes,
        comment_count=comments,
        posted_at=DAY_ONE + timedelta(days=day, hours=hour),
        hashtags=tags,
        video_duration=duration,
    )


# --- The planted dataset --------------------------------------------------------------------------
# (shortcode, views, hook, expected hook type, UTC hour, hashtags, duration in seconds)
# Competitors A and B share the planted pattern: question hooks posted 18-21 UTC with #mealprep.
# Competitor C's outliers are a story and a contrarian hook (the contrarian one shared only with the
# primary), so neither may become a pattern. B and C share a weaker one: numbered freezer lists
# posted 6-9 UTC with #batchcooking. Non-outlier hooks are 7-12 words so "medium" is no pattern.
PLANTED: dict[str, list[tuple[str, int, str, str, float, tuple[str, ...], float]]] = {
    "comp_a": [
        ("A1", 1000, "Why does nobody freeze cooked rice?", "question", 19.0, ("mealprep", "cooking"), 22),
        ("A2", 600, "Is batch cooking on Sunday worth it?", "question", 20.5, ("mealprep", "cooking"), 28),
        ("A3", 90, "How to chop an onion without crying at all", "how_to", 9.0, ("cooking",), 45),
        ("A4", 100, "Are you salting your pasta water the right way?", "question", 12.0, ("cooking",), 50),
        ("A5", 110, "The only pasta recipe you will ever need again", "bold_claim", 19.5, ("mealprep", "cooking"), 40),
        ("A6", 120, "Stop rinsing your pasta after you drain it tonight", "contrarian", 10.0, ("cooking",), 35),
        ("A7", 80, "I burned this recipe six times before it finally worked", "story", 13.0, ("cooking",), 55),
        ("A8", 100, "The one thing about garlic that nobody ever tells you", "curiosity_gap", 20.0, ("cooking",), 65),
    ],
    "comp_b": [
        ("B1", 1500, "What do you actually eat on a busy Tuesday?", "question", 18.25, ("mealprep", "foodie"), 40),
        ("B2", 700, "5 freezer meals that save my week", "number_list", 7.5, ("batchcooking", "foodie"), 12),
        ("B3", 150, "Sunday meal prep with me and my two kids", "statement", 19.5, ("mealprep", "foodie"), 33),
        ("B4", 160, "How to make crispy rice in one pan tonight", "how_to", 11.0, ("foodie",), 45),
        ("B5", 140, "This fifteen minute dinner beats any takeaway in town", "bold_claim", 12.0, ("foodie",), 50),
        ("B6", 150, "My grandmother told me one rule for perfect soup", "story", 14.0, ("foodie",), 62),
        ("B7", 170, "Unpopular opinion: garlic powder is better than fresh", "contrarian", 10.0, ("foodie",), 38),
        ("B8", 130, "Cleaning out the fridge before the weekly shop", "statement", 16.0, ("foodie",), 70),
    ],
    "comp_c": [
        ("C1", 1200, "I quit takeout for a whole year", "story", 6 + 40 / 60, ("budget", "frugal"), 70),
        ("C2", 800, "Stop buying pre-cut vegetables.", "contrarian", 13.0, ("budget", "frugal"), 35),
        ("C3", 500, "3 freezer dinners under ten dollars", "number_list", 8.0, ("batchcooking", "frugal"), 14),
        ("C4", 100, "What I cook when money is really tight this month", "statement", 15.0, ("frugal",), 45),
        ("C5", 100, "How I plan a cheap week of family dinners", "how_to", 16.0, ("frugal",), 40),
        ("C6", 100, "This is the best cheap pasta you will ever make", "bold_claim", 17.0, ("frugal",), 50),
        ("C7", 100, "Why do rice prices keep going up every year?", "question", 12.0, ("frugal",), 55),
        ("C8", 100, "My pantry staples for a full month of dinners", "statement", 10.0, ("frugal",), 65),
    ],
    "me": [
        ("P1", 200, "Sunday meal prep for a family of five", "statement", 19.0, ("mealprep",), 40),
        ("P2", 210, "How to stretch one chicken into four dinners", "how_to", 12.0, (), 40),
        ("P3", 190, "5 pantry swaps that save real money", "number_list", 9.0, (), 40),
        ("P4", 205, "My weekly grocery haul for under sixty dollars", "statement", 10.0, (), 40),
        ("P5", 195, "Cleaning the kitchen after a long batch cook", "statement", 11.0, (), 40),
        ("P6", 1000, "Stop peeling your carrots.", "contrarian", 13.0, ("budget",), 30),
    ],
}
PLANTED_OUTLIERS = {
    "comp_a": {"A1": 10.0, "A2": 6.0},
    "comp_b": {"B1": 10.0, "B2": 4.667},
    "comp_c": {"C1": 12.0, "C2": 8.0, "C3": 5.0},
    "me": {"P6": 5.0},
}


def planted_reels(username: str) -> list[ReelInput]:
    return [
        make_reel(username, code, views, hook, hour=hour, tags=tags, duration=duration, day=index)
        for index, (code, views, hook, _, hour, tags, duration) in enumerate(PLANTED[username])
    ]


def planted_accounts(*, primary_role: str = "primary") -> tuple[AccountAnalysis, list[AccountAnalysis]]:
    primary = analyse_account("me", primary_role, planted_reels("me"))
    competitors = [analyse_account(name, "competitor", planted_reels(name)) for name in ("comp_a", "comp_b", "comp_c")]
    return primary, competitors


def pattern_keys(patterns: list[Pattern]) -> list[tuple[str, str]]:
    return [(p.kind, p.value) for p in patterns]


# --- Outliers -------------------------------------------------------------------------------------


def test_a_reel_at_nine_times_its_accounts_usual_views_has_a_baseline_of_the_other_reels_and_multiplier_nine():
    reels = [make_reel("solo", f"S{i}", 100) for i in range(7)] + [make_reel("solo", "S7", 900)]
    account = analyse_account("solo", "competitor", reels)
    viral = next(r for r in account.reels if r.reel.shortcode == "S7")
    assert viral.baseline_views == 100.0
    assert viral.outlier_multiplier == 9.0
    assert [r.reel.shortcode for r in account.outliers] == ["S7"]
    assert all(r.outlier_multiplier == 1.0 for r in account.reels if r.reel.shortcode != "S7")


def test_leaving_the_reel_out_of_its_own_baseline_changes_the_multiplier_it_would_get():
    views = [70, 80, 90, 100, 110, 120, 130, 900]
    account = analyse_account("solo", "competitor", [make_reel("solo", f"S{v}", v) for v in views])
    viral = account.reels[0]
    assert viral.reel.shortcode == "S900"
    assert viral.baseline_views == 100.0 and viral.outlier_multiplier == 9.0
    # Counted in its own baseline, the outlier would drag the median to 105 and score only 8.571.
    assert statistics.median(views) == 105.0
    assert round(900 / statistics.median(views), 3) == 8.571 != viral.outlier_multiplier


def test_two_viral_reels_of_four_are_both_outliers_though_an_inclusive_median_would_hide_them():
    views = [100, 100, 1000, 1000]
    account = analyse_account("solo", "competitor", [make_reel("solo", f"S{i}", v) for i, v in enumerate(views)])
    assert {r.reel.shortcode: r.outlier_multiplier for r in account.outliers} == {"S2": 10.0, "S3": 10.0}
    assert 1000 / statistics.median(views) < 2.0  # 1.818: not an outlier when it counts in its own baseline


def test_with_fewer_than_two_other_reels_the_baseline_is_the_median_of_all_the_accounts_reels():
    pair = analyse_account("duo", "competitor", [make_reel("duo", "D1", 100), make_reel("duo", "D2", 900)])
    assert {r.reel.shortcode: (r.baseline_views, r.outlier_multiplier) for r in pair.reels} == {
        "D2": (500.0, 1.8), "D1": (500.0, 0.2),
    }
    assert pair.outliers == []
    lone = analyse_account("solo", "competitor", [make_reel("solo", "L1", 4321)])
    assert lone.reels[0].baseline_views == 4321.0 and lone.reels[0].outlier_multiplier == 1.0
    assert analyse_account("empty", "competitor", []).median_views == 0.0


def test_zero_view_reels_stay_out_of_baselines_and_score_zero():
    reels = [make_reel("z", "Z0", 0), make_reel("z", "Z1", 100), make_reel("z", "Z2", 100),
             make_reel("z", "Z3", 100), make_reel("z", "Z4", 300)]
    account = analyse_account("z", "competitor", reels)
    by_code = {r.reel.shortcode: r for r in account.reels}
    assert by_code["Z4"].baseline_views == 100.0 and by_code["Z4"].outlier_multiplier == 3.0
    assert by_code["Z0"].outlier_multiplier == 0.0 and by_code["Z0"].engagement_rate == 0.0
    assert by_code["Z0"].baseline_views == 100.0


def test_engagement_rate_is_likes_and_comments_per_view():
    reels = [make_reel("e", "E1", 2000, likes=150, comments=50), make_reel("e", "E2", 1000), make_reel("e", "E3", 1000)]
    account = analyse_account("e", "competitor", reels)
    assert next(r for r in account.reels if r.reel.shortcode == "E1").engagement_rate == 0.1


def test_the_threshold_decides_which_reels_are_outliers():
    reels = [make_reel("t", f"T{i}", v) for i, v in enumerate([100, 100, 100, 150, 250])]
    assert [r.reel.shortcode for r in analyse_account("t", "competitor", reels).outliers] == ["T4"]
    assert [r.reel.shortcode for r in analyse_account("t", "competitor", reels, threshold=1.5).outliers] == ["T4", "T3"]
    assert analyse_account("t", "competitor", reels, threshold=3.0).outliers == []


def test_a_shortcode_listed_twice_is_analysed_once():
    reels = [make_reel("d", "X1", 100), make_reel("d", "X2", 100), make_reel("d", "X3", 100), make_reel("d", "X3", 100)]
    assert sorted(r.reel.shortcode for r in analyse_account("d", "competitor", reels).reels) == ["X1", "X2", "X3"]


def test_an_unknown_role_or_a_non_positive_threshold_is_refused():
    with pytest.raises(ValueError):
        analyse_account("x", "rival", [])
    with pytest.raises(ValueError):
        analyse_account("x", "competitor", [], threshold=0)


def test_the_planted_accounts_have_exactly_the_planted_outliers_with_exact_multipliers():
    primary, competitors = planted_accounts()
    found = {a.username: {r.reel.shortcode: r.outlier_multiplier for r in a.outliers} for a in [primary, *competitors]}
    assert found == PLANTED_OUTLIERS
    comp_a = competitors[0]
    assert [r.reel.shortcode for r in comp_a.outliers] == ["A1", "A2"]
    assert comp_a.reels[0].baseline_views == 100.0
    multipliers = [r.outlier_multiplier for r in comp_a.reels]
    assert multipliers == sorted(multipliers, reverse=True) and multipliers[0] == 10.0
    assert comp_a.median_views == 105.0


def test_every_planted_hook_is_extracted_and_classified_as_planted():
    primary, competitors = planted_accounts()
    analysed = {r.reel.shortcode: r for account in [primary, *competitors] for r in account.reels}
    for rows in PLANTED.values():
        for code, _, hook, hook_type, *_ in rows:
            assert analysed[code].hook == hook
            assert analysed[code].hook_type == hook_type, code


def test_hook_type_counts_cover_all_reels_most_used_first():
    _, competitors = planted_accounts()
    comp_a = competitors[0]
    assert comp_a.hook_type_counts == {
        "question": 3, "how_to": 1, "contrarian": 1, "story": 1, "curiosity_gap": 1, "bold_claim": 1,
    }
    assert next(iter(comp_a.hook_type_counts)) == "question"


def test_an_outlier_becomes_the_idea_source_the_composer_expects():
    _, competitors = planted_accounts()
    source = competitors[1].outliers[0].idea_source()
    assert source == IdeaSource(
        username="comp_b", shortcode="B1", url="https://www.instagram.com/reel/B1/",
        hook="What do you actually eat on a busy Tuesday?", hook_type="question",
        outlier_multiplier=10.0, view_count=1500,
    )


# --- Hooks ----------------------------------------------------------------------------------------


def test_the_hook_is_the_captions_first_line_without_emoji_hashtags_or_links():
    caption = "5 mistakes beginner cooks make 🔥 #cooking https://example.com/x\nSecond line\n\n#mealprep #foodie"
    assert extract_hook(caption, "Something else entirely.") == "5 mistakes beginner cooks make"


def test_a_first_line_of_only_emoji_and_hashtags_is_skipped_for_the_next_line():
    assert extract_hook("🔥🔥 #viral\nWhy does nobody salt the water? 👇\n#cooking") == "Why does nobody salt the water?"


def test_without_a_usable_caption_line_the_hook_is_the_transcripts_first_sentence():
    transcript = "Okay, why does nobody talk about pasta water? Save a cup before you drain. Follow for more."
    assert extract_hook("#pasta #cooking 🍝", transcript) == "Okay, why does nobody talk about pasta water?"
    assert extract_hook("", "Stop rinsing rice! It removes the starch.") == "Stop rinsing rice!"
    assert extract_hook("", "") == ""


def test_a_long_first_line_is_cut_to_about_150_characters():
    caption = "Here is what I learned " + "after baking bread every single day " * 10
    hook = extract_hook(caption)
    assert len(hook) <= 150 and hook.endswith("…")
    assert caption.startswith(hook[:-1])
    sentence = "This is a short first sentence about dough that ends here. " + "More words follow " * 10
    assert extract_hook(sentence) == "This is a short first sentence about dough that ends here."


HOOK_TABLE = [
    # question
    ("Why does nobody talk about pasta water?", "question"),
    ("Are air fryers really worth the hype? 😅", "question"),
    ("What actually happens when you use up every leftover for two weeks? 👇", "question"),
    ("How come nobody talks about this?", "question"),
    ("How do you store fresh herbs?", "question"),
    ("So, why does nobody salt the water?", "question"),
    ("Why do your cookies spread? The butter is too warm.", "question"),
    ("5 mistakes you're making with rice?", "number_list"),  # a list beats a question (HOOK_LABELS.md rule 2)
    ("Is this the best pasta ever?", "question"),  # … and a bold claim
    ("Last year I spent $2,000 on a desk setup. Was it worth it?", "question"),  # … and a story
    # number_list
    ("5 mistakes beginner cooks make with food waste", "number_list"),
    ("Three ways to fix a flat sauce", "number_list"),
    ("My top 10 of the year", "number_list"),
    ("Here are 7 cheap dinner ideas", "number_list"),
    ("10 things I wish I knew about sourdough sooner", "number_list"),  # beats curiosity_gap
    ("4 signs you're getting seasoning wrong", "contrarian"),  # a debunk beats a list (HOOK_LABELS.md rule 1)
    # how_to
    ("How to chop an onion without crying", "how_to"),
    ("How to make crispy rice in one pan?", "how_to"),  # an explicit how-to beats the question mark
    ("How I plan my week", "how_to"),
    ("Here's how I paid off my student loans", "how_to"),  # beats story
    ("Meal prep for beginners, step by step", "how_to"),
    ("A beginner's guide to sourdough starters", "how_to"),
    # contrarian
    ("Stop adding oil to pasta water.", "contrarian"),
    ("Okay, stop scrolling past the basics", "contrarian"),
    ("Unpopular opinion: garlic powder is fine.", "contrarian"),
    ("You don't need a gym to get strong.", "contrarian"),
    ("You're doing squats wrong", "contrarian"),
    ("Don't buy a rice cooker before you watch this", "contrarian"),
    ("Breakfast is the most overrated meal", "contrarian"),  # beats bold_claim
    ("The biggest protein myth", "contrarian"),
    # story
    ("I quit my desk job to coach full time. Here's what happened.", "story"),
    ("Last year I couldn't do a single pull-up.", "story"),
    ("Two years ago I hurt my back deadlifting, and this is what fixed it", "story"),  # not a list
    ("When I started running, nobody told me this", "story"),  # beats curiosity_gap
    ("My dermatologist told me one thing that changed my routine", "story"),
    ("I trained fasted for 60 days so you don't have to", "story"),  # not contrarian
    ("I stopped wearing foundation for a month", "story"),  # "stopped" is not "stop …"
    ("My client lost 12 kg without giving up pizza", "story"),
    ("I tried time blocking for 90 days", "story"),
    # curiosity_gap
    ("The one thing about pasta water nobody tells you", "curiosity_gap"),
    ("This changed everything about how I think about sleep", "curiosity_gap"),  # "how I" mid-sentence
    ("I wish someone had told me this about meal prep sooner", "curiosity_gap"),
    ("Nobody tells you this about sourdough…", "curiosity_gap"),
    ("Wait for it…", "curiosity_gap"),
    ("The secret to crispy potatoes", "curiosity_gap"),
    # bold_claim
    ("This is the best advice on seasoning you'll ever get 👇", "bold_claim"),
    ("The only sourdough recipe you'll ever need", "bold_claim"),
    ("This 15-minute dinner beats any takeaway", "bold_claim"),
    ("Every runner needs this stretch", "bold_claim"),
    ("This gadget is a total game changer", "bold_claim"),
    ("The #1 mistake in every kitchen", "bold_claim"),
    # statement
    ("Sunday meal prep with me", "statement"),
    ("What's for dinner tonight", "question"),  # wh- + inverted "is": a question without its "?"
    ("What I eat for dinner on a work night", "statement"),  # a question word before a plain clause
    ("Me at every family dinner", "statement"),  # "at every" is a frequency, not an absolute
    ("30 days of meal prep", "statement"),  # counts time, not items
    ("My monthly budget breakdown", "statement"),
    ("#mealprep 🔥", "statement"),
    ("", "statement"),
]


@pytest.mark.parametrize(("hook", "expected"), HOOK_TABLE, ids=[f"{i:02d}-{t}" for i, (_, t) in enumerate(HOOK_TABLE)])
def test_each_hook_sentence_gets_its_documented_type(hook, expected):
    assert classify_hook(hook) == expected


def test_the_hook_table_covers_every_type_of_the_documented_taxonomy():
    assert {expected for _, expected in HOOK_TABLE} == set(HOOK_TYPES)
    assert list(HOOK_TYPES) == [
        "question", "number_list", "how_to", "contrarian", "story", "curiosity_gap", "bold_claim", "statement",
    ]
    assert all(description.strip() for description in HOOK_TYPES.values())


# --- Buckets --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("hook", "bucket"), [
    ("One two three four five six", "short"),
    ("One two three four five six seven", "medium"),
    ("one two three four five six seven eight nine ten eleven twelve", "medium"),
    ("one two three four five six seven eight nine ten eleven twelve thirteen", "long"),
    ("", None),
])
def test_hook_length_buckets_are_short_up_to_6_words_medium_to_12_and_long_beyond(hook, bucket):
    assert hook_length_bucket(hook) == bucket


@pytest.mark.parametrize(("moment", "bucket"), [
    (datetime(2026, 10, 1, 18, 0, tzinfo=timezone.utc), "18-21"),
    (datetime(2026, 10, 1, 20, 59, tzinfo=timezone.utc), "18-21"),
    (datetime(2026, 10, 1, 21, 0, tzinfo=timezone.utc), "21-24"),
    (datetime(2026, 10, 1, 0, 30, tzinfo=timezone.utc), "0-3"),
    # 20:30 in New York (UTC-4 in October) is 00:30 UTC the next day.
    (datetime(2026, 10, 1, 20, 30, tzinfo=timezone(timedelta(hours=-4))), "0-3"),
    (datetime(2026, 10, 1, 7, 15), "6-9"),  # naive moments are read as UTC
    (None, None),
])
def test_posting_hours_fall_into_three_hour_utc_buckets(moment, bucket):
    assert posting_hour_bucket(moment) == bucket


@pytest.mark.parametrize(("seconds", "bucket"), [
    (7.2, "0-15s"), (15.0, "0-15s"), (15.01, "15-30s"), (30.0, "15-30s"), (45.5, "30-60s"), (60.0, "30-60s"),
    (60.5, "60s+"), (None, None), (0, None),
])
def test_durations_fall_into_the_documented_buckets(seconds, bucket):
    assert duration_bucket(seconds) == bucket


# --- Patterns -------------------------------------------------------------------------------------

EXPECTED_PATTERNS = [
    # (kind, value, accounts, outlier_count, avg_multiplier, score, lift)
    ("hook_type", "question", ("comp_a", "comp_b"), 3, 8.667, 17.333, 3.0),
    ("hashtag", "mealprep", ("comp_a", "comp_b"), 3, 8.667, 17.333, 2.4),
    ("posting_hour", "18-21", ("comp_a", "comp_b"), 3, 8.667, 17.333, 2.0),
    ("hook_length", "short", ("comp_a", "comp_c"), 3, 7.667, 15.333, 3.2),
    # Scores add the stored (3-place) multipliers: (4.667 + 12 + 5) × 2/3 = 14.4447 → 14.445.
    ("posting_hour", "6-9", ("comp_b", "comp_c"), 3, 7.222, 14.445, 3.2),
    # Same score, lift, accounts and outliers: PATTERN_KINDS order decides.
    ("hook_type", "number_list", ("comp_b", "comp_c"), 2, 4.833, 6.445, 3.2),
    ("hashtag", "batchcooking", ("comp_b", "comp_c"), 2, 4.833, 6.445, 3.2),
    ("keyword", "freezer", ("comp_b", "comp_c"), 2, 4.833, 6.445, 3.2),
    ("duration", "0-15s", ("comp_b", "comp_c"), 2, 4.833, 6.445, 3.2),
]


def test_the_planted_cross_competitor_pattern_ranks_first_with_its_exact_score_and_lift():
    primary, competitors = planted_accounts()
    patterns = find_patterns([primary, *competitors])
    top = patterns[0]
    assert (top.kind, top.value) == ("hook_type", "question")
    assert top.accounts == ("comp_a", "comp_b")
    assert top.examples == ("B1", "A1", "A2")  # equal multipliers: more views first
    # score = (10 + 6 + 10) × 2 competitors ÷ 3 competitors; lift = (3/4 outliers) ÷ (4/16 reels)
    assert top.score == round(26 * 2 / 3, 3) == 17.333
    assert top.lift == 3.0
    assert pattern_keys(patterns[1:3]) == [("hashtag", "mealprep"), ("posting_hour", "18-21")]


def test_find_patterns_reports_exactly_the_planted_patterns_in_rank_order():
    primary, competitors = planted_accounts()
    found = [
        (p.kind, p.value, p.accounts, p.outlier_count, p.avg_multiplier, p.score, p.lift)
        for p in find_patterns([primary, *competitors])
    ]
    assert found == EXPECTED_PATTERNS


def test_a_trait_of_only_one_competitors_outliers_is_not_a_pattern():
    primary, competitors = planted_accounts()
    keys = pattern_keys(find_patterns([primary, *competitors]))
    # comp_c's outliers alone: a story hook, #budget, an hour of 60 s or more.
    assert ("hook_type", "story") not in keys
    assert ("hashtag", "frugal") not in keys
    assert ("duration", "60s+") not in keys
    assert find_patterns([primary, *competitors], min_accounts=1)[0].score > 0
    assert ("hook_type", "story") in pattern_keys(find_patterns([primary, *competitors], min_accounts=1))


def test_the_primary_account_never_counts_towards_a_pattern():
    primary, competitors = planted_accounts()
    keys = pattern_keys(find_patterns([primary, *competitors]))
    # Contrarian hooks and #budget are outliers of comp_c and the primary only.
    assert ("hook_type", "contrarian") not in keys and ("hashtag", "budget") not in keys
    # Had the primary been a competitor, they would have held in two accounts.
    as_competitor, _ = planted_accounts(primary_role="competitor")
    relabelled = find_patterns([as_competitor, *competitors])
    contrarian = next(p for p in relabelled if (p.kind, p.value) == ("hook_type", "contrarian"))
    assert contrarian.accounts == ("comp_c", "me") and contrarian.score == 6.5
    assert find_patterns([primary, competitors[0]]) == []


def test_a_trait_as_common_on_ordinary_reels_as_on_outliers_is_no_pattern():
    primary, competitors = planted_accounts()
    # Medium-length hooks are on outliers of all three competitors, but on 21 of their 24 reels.
    assert ("hook_length", "medium") not in pattern_keys(find_patterns(competitors))
    medium = next(p for p in find_patterns(competitors, min_lift=0) if (p.kind, p.value) == ("hook_length", "medium"))
    assert medium.lift == round((4 / 7) / (21 / 24), 3) < 1
    assert medium.accounts == ("comp_a", "comp_b", "comp_c")


def test_generic_reach_hashtags_are_never_patterns():
    reels = {
        name: [
            make_reel(name, f"{name}{i}", v, f"Plain reel number {i} of the day", tags=("viral", "fyp") if v > 100 else ())
            for i, v in enumerate([100, 100, 100, 100, 900])
        ]
        for name in ("g1", "g2")
    }
    accounts = [analyse_account(name, "competitor", rs) for name, rs in reels.items()]
    assert not [p for p in find_patterns(accounts) if p.kind == "hashtag"]


def test_patterns_do_not_depend_on_the_order_of_accounts_or_reels():
    primary, competitors = planted_accounts()
    expected = find_patterns([primary, *competitors])
    rng = random.Random(7)
    for _ in range(5):
        shuffled = []
        for name in ("comp_a", "comp_b", "comp_c"):
            reels = planted_reels(name)
            rng.shuffle(reels)
            shuffled.append(analyse_account(name, "competitor", reels))
        rng.shuffle(shuffled)
        assert find_patterns([*shuffled, primary]) == expected


def test_find_patterns_refuses_a_repeated_competitor_and_a_minimum_below_one():
    _, competitors = planted_accounts()
    with pytest.raises(ValueError):
        find_patterns([competitors[0], competitors[0]])
    with pytest.raises(ValueError):
        find_patterns(competitors, min_accounts=0)


def test_pattern_kinds_are_documented_in_tie_break_order():
    assert list(PATTERN_KINDS) == ["hook_type", "hook_length", "posting_hour", "hashtag", "keyword", "duration"]
    primary, competitors = planted_accounts()
    tied = [p for p in find_patterns([primary, *competitors]) if p.score == 6.445]
    assert [p.kind for p in tied] == ["hook_type", "hashtag", "keyword", "duration"]


# --- Summary and storage --------------------------------------------------------------------------


def test_the_summary_gives_counts_top_hook_types_best_patterns_and_the_primarys_gaps():
    primary, competitors = planted_accounts()
    patterns = find_patterns([primary, *competitors])
    summary = analysis_summary(primary, competitors, patterns)
    assert json.loads(json.dumps(summary)) == summary
    assert (summary["total_reels"], summary["primary_reels"], summary["competitor_reels"]) == (30, 6, 24)
    assert summary["outliers_per_account"] == {"me": 1, "comp_a": 2, "comp_b": 2, "comp_c": 3}
    assert (summary["total_outliers"], summary["competitor_outliers"], summary["primary_outliers"]) == (8, 7, 1)
    assert [(t["hook_type"], t["outliers"], t["primary_uses"]) for t in summary["top_hook_types"]] == [
        ("question", 3, False), ("number_list", 2, True), ("contrarian", 1, True),
    ]
    assert summary["top_hook_types"][0]["share"] == round(3 / 7, 3)
    assert summary["primary_uses_top_hook_types"] is False
    assert summary["primary_missing_hook_types"] == ["question"]
    assert summary["top_pattern"]["value"] == "question"
    best = summary["best_pattern_per_kind"]
    assert {kind: (p or {}).get("value") for kind, p in best.items()} == {
        "hook_type": "question", "hook_length": "short", "posting_hour": "18-21",
        "hashtag": "mealprep", "keyword": "freezer", "duration": "0-15s",
    }
    # Primary median (200 + 205) ÷ 2; competitors' medians 105, 150 and 100 → 105.
    assert summary["median_views"] == {"primary": 202.5, "competitors": 105.0, "primary_vs_competitors": 1.929}
    assert summary["patterns_found"] == len(EXPECTED_PATTERNS)


def test_the_summary_of_an_analysis_without_outliers_or_patterns_is_still_complete():
    quiet = [make_reel("q", f"Q{i}", 100) for i in range(4)]
    primary = analyse_account("q", "primary", quiet)
    summary = analysis_summary(primary, [], [])
    assert summary["top_hook_types"] == [] and summary["top_pattern"] is None
    assert summary["median_views"] == {"primary": 100.0, "competitors": 0.0, "primary_vs_competitors": None}
    assert set(summary["best_pattern_per_kind"]) == set(PATTERN_KINDS)


def test_every_dataclass_survives_a_trip_through_json():
    primary, competitors = planted_accounts()
    patterns = find_patterns([primary, *competitors])
    for account in [primary, *competitors]:
        stored = json.loads(json.dumps(account.to_dict()))
        assert stored["reels"][0]["reel"]["posted_at"].endswith("+00:00")
        assert AccountAnalysis.from_dict(stored) == account
    for pattern in patterns:
        assert Pattern.from_dict(json.loads(json.dumps(pattern.to_dict()))) == pattern
    reel = competitors[0].reels[0]
    assert AnalysedReel.from_dict(json.loads(json.dumps(reel.to_dict()))) == reel
    undated = ReelInput("u", "U1", "", "", "", 1, 0, 0, None)
    assert undated.to_dict()["posted_at"] is None and ReelInput.from_dict(undated.to_dict()) == undated


# --- Sample data ----------------------------------------------------------------------------------


def sample_reels(username: str) -> list[ReelInput]:
    document = json.loads((SAMPLE_DIR / f"{username}.json").read_text(encoding="utf-8"))
    reels = []
    for item in document["reels"]:
        # Plays when the scraper has them, else views, as the offline provider reads them.
        plays = item.get("videoPlayCount")
        views = plays if plays is not None else item.get("videoViewCount")
        stamp = item.get("timestamp")
        reels.append(ReelInput(
            username=username,
            shortcode=item["shortCode"],
            url=item.get("url") or "",
            caption=item.get("caption") or "",
            transcript=item.get("transcript") or "",
            view_count=max(int(views or 0), 0),
            like_count=max(int(item.get("likesCount") or 0), 0),
            comment_count=max(int(item.get("commentsCount") or 0), 0),
            posted_at=datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None,
            hashtags=tuple(item.get("hashtags") or ()),
            video_duration=item.get("videoDuration"),
        ))
    return reels


def test_a_whole_niche_of_sample_accounts_yields_outliers_for_every_account_and_patterns():
    primary = analyse_account(COOKING_PRIMARY, "primary", sample_reels(COOKING_PRIMARY))
    competitors = [analyse_account(name, "competitor", sample_reels(name)) for name in COOKING_COMPETITORS]
    for account in [primary, *competitors]:
        assert len(account.reels) >= 24
        assert account.outliers, account.username
        assert all(reel.hook and reel.hook_type in HOOK_TYPES for reel in account.reels)
    patterns = find_patterns([primary, *competitors])
    assert patterns
    assert all(len(p.accounts) >= 2 and COOKING_PRIMARY not in p.accounts and p.lift > 1 for p in patterns)
    assert [p.score for p in patterns] == sorted((p.score for p in patterns), reverse=True)
    summary = analysis_summary(primary, competitors, patterns)
    assert summary["total_reels"] == sum(len(a.reels) for a in [primary, *competitors])
    assert json.loads(json.dumps(summary)) == summary
    # The sample's planted outliers lean toward questions, lists and curiosity gaps.
    assert {t["hook_type"] for t in summary["top_hook_types"]} & {"question", "number_list", "curiosity_gap"}
