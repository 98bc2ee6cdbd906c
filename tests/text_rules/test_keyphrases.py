"""Keyphrases of briefs and captions (text_rules.keyphrases): what a creator would call the subject."""

from __future__ import annotations

import pytest

from text_rules.keyphrases import JOINING_WORDS, KEYPHRASE_STOP_WORDS, focus_keyphrase, keyphrases, reel_keyphrases
from text_rules.text import STOP_WORDS, is_number

# (niche, brief, phrases that must be among the first five, the phrase that must come first or None)
BRIEFS = [
    ("fitness", "5 ways to fix your posture", {"fix your posture", "posture"}, "fix your posture"),
    ("fitness", "Why you're not losing belly fat 🔥 #fitness #gym", {"losing belly fat", "belly"}, "losing belly fat"),
    ("fitness", "How to do a proper deadlift without hurting your back", {"proper deadlift"}, None),
    ("fitness", "Stop doing crunches if you want a flat stomach", {"flat stomach", "crunches"}, "flat stomach"),
    ("cooking", "Sourdough starter tips for beginners", {"sourdough starter", "beginners"}, "sourdough starter"),
    ("cooking", "One pot creamy garlic pasta in 20 minutes", {"creamy garlic pasta", "garlic"}, None),
    ("cooking", "Meal prep for the week on a budget 🥗 #mealprep", {"meal prep", "budget"}, "meal prep"),
    ("cooking", "Cold brew coffee at home", {"cold brew coffee", "coffee at home"}, "cold brew coffee"),
    ("finance", "How to build an emergency fund on a low income", {"emergency fund", "low income"}, None),
    ("finance", "Index funds vs individual stocks: which is better?", {"index funds", "individual stocks"}, None),
    ("finance", "My monthly budget breakdown as a nurse", {"monthly budget breakdown", "nurse"}, None),
    ("finance", "3 credit card mistakes that cost me $2,000", {"credit card"}, "credit card"),
    ("tech", "The best budget laptop for students in 2024", {"budget laptop", "laptop for students"}, "budget laptop"),
    ("tech", "My iPhone SEO tricks for TikTok growth", {"iPhone SEO", "SEO", "growth"}, None),
    ("tech", "How to set up a home network for gaming", {"home network", "gaming"}, None),
    ("tech", "Python tips every beginner should know", {"python", "beginner"}, "python"),
    ("beauty", "My 5 step skincare routine for oily skin", {"skincare routine", "oily skin"}, None),
    ("beauty", "Drugstore foundation that doesn't look cakey", {"drugstore foundation"}, "drugstore foundation"),
    ("beauty", "How to stop frizzy hair in humid weather", {"frizzy hair", "humid weather"}, None),
    ("beauty", "Retinol mistakes that ruin your skin barrier ✨ @dermdoc", {"skin barrier", "retinol"}, None),
    ("parenting", "POV: your toddler refuses to eat vegetables again 😩 #parenting", {"toddler", "eat vegetables"}, None),
    ("parenting", "Bedtime routine that finally got my kids to sleep", {"bedtime routine", "sleep"}, "bedtime routine"),
    ("parenting", "Screen time rules for teenagers that actually work", {"screen time", "teenagers"}, "screen time"),
    ("parenting", "Morning routine for busy moms with toddlers", {"morning routine", "busy moms"}, "morning routine"),
    ("travel", "Cheap flights to Japan: how I booked mine for $600", {"cheap flights", "Japan"}, None),
    ("travel", "Hidden beaches in Portugal nobody talks about", {"hidden beaches", "Portugal"}, None),
    ("travel", "What to eat in Mexico City on a budget", {"Mexico City", "budget"}, "Mexico City"),
    ("travel", "Packing a carry-on for two weeks in Europe", {"carry-on", "Europe"}, None),
    ("productivity", "How I plan my week with time blocking", {"time blocking"}, "time blocking"),
    ("productivity", "The Pomodoro technique changed how I study", {"Pomodoro technique", "study"}, "Pomodoro technique"),
    ("productivity", "Notion template for tracking habits", {"notion template"}, "notion template"),
    ("comedy", "When your mom finds out you ate the last slice of pizza 😂", {"slice of pizza", "mom"}, None),
    ("comedy", "Me trying to parallel park in front of my crush", {"parallel park", "crush"}, None),
    ("comedy", "Every group project ever be like", {"group project"}, "group project"),
    ("education", "How photosynthesis works in 60 seconds", {"photosynthesis"}, "photosynthesis"),
    ("education", "The French Revolution explained in 5 minutes", {"French Revolution"}, "French Revolution"),
    ("education", "Tips for passing the SAT math section", {"SAT math section", "SAT"}, "SAT math section"),
    ("education", "Learn Spanish verbs the easy way", {"Spanish verbs", "Spanish"}, "Spanish verbs"),
]

CAPTIONS = [
    "My account is losing followers, here is how I fixed it in 30 minutes",
    "STOP BUYING EXPENSIVE SKINCARE 🛑 link in bio",
    "The 3 Air Fryer Recipes I Make Every Week. Air fryers are the best. Save this for later! Follow @chef for more",
    "3 freezer dinners under ten dollars",
    "Training for my first half marathon 🏃‍♀️\nweek 6 of 16\n#running #marathontraining",
    "10 things I wish I knew before moving abroad https://example.com/blog",
    "Is it worth it? Honestly yes. 100% yes.",
    *(brief for _, brief, _, _ in BRIEFS),
]


def test_the_brief_table_covers_ten_niches_and_thirty_briefs():
    assert len(BRIEFS) >= 30
    assert {niche for niche, _, _, _ in BRIEFS} == {
        "fitness", "cooking", "finance", "tech", "beauty", "parenting", "travel", "productivity", "comedy", "education",
    }


@pytest.mark.parametrize(
    ("brief", "expected", "first"), [row[1:] for row in BRIEFS], ids=[f"{row[0]}-{i:02d}" for i, row in enumerate(BRIEFS)]
)
def test_each_brief_yields_the_phrases_a_creator_would_name(brief, expected, first):
    found = keyphrases(brief)
    assert expected <= set(found), found
    if first is not None:
        assert found[0] == first, found
        assert focus_keyphrase(brief) == first


def test_a_listicle_brief_keeps_the_whole_phrase_not_its_verb():
    # The hand heuristic this replaces turned this brief into "fix".
    assert focus_keyphrase("5 ways to fix your posture") == "fix your posture"


def test_a_count_and_its_unit_are_no_keyphrase_and_a_clause_is_cut():
    found = keyphrases("My account is losing followers, here is how I fixed it in 30 minutes", limit=10)
    assert found[0] == "losing followers"
    assert "minutes" not in found and "account is losing" not in found


def test_calls_to_action_links_and_mentions_are_not_keyphrases():
    found = keyphrases(
        "The 3 Air Fryer Recipes I Make Every Week. Air fryers are the best. Save this for later! Follow @chef for more",
        limit=10,
    )
    assert found[0] == "air fryer recipes"
    assert not {"chef", "later", "save", "follow"} & {word for phrase in found for word in phrase.lower().split()}
    assert "blog" not in " ".join(keyphrases("10 things I wish I knew before moving abroad https://example.com/blog"))


def test_case_insensitive_and_plural_duplicates_are_listed_once():
    found = keyphrases("Air fryer dinners. AIR FRYER dinner ideas. Air fryers for beginners.", limit=10)
    assert len(found) == len({phrase.lower().rstrip("s") for phrase in found}), found
    assert "air fryer dinners" in found or "air fryer dinner" in found


def test_a_phrase_inside_a_better_one_is_dropped_but_its_single_words_stay():
    found = keyphrases("Cold brew coffee at home", limit=10)
    assert found[0] == "cold brew coffee"
    assert "brew coffee" not in found
    assert "coffee" in found


# --- properties ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", CAPTIONS)
def test_no_stop_word_is_a_keyphrase_or_either_end_of_one(text):
    for phrase in keyphrases(text, limit=20):
        words = phrase.lower().split()
        assert words[0] not in STOP_WORDS and words[-1] not in STOP_WORDS, phrase
        assert words[0] not in KEYPHRASE_STOP_WORDS and words[-1] not in KEYPHRASE_STOP_WORDS, phrase
        # Inside a phrase only joining words ("fix your posture"), never a clause ("account is losing").
        assert all(word in JOINING_WORDS or word not in KEYPHRASE_STOP_WORDS for word in words), phrase


@pytest.mark.parametrize("text", CAPTIONS)
def test_numbers_are_never_a_keyphrase_or_either_end_of_one(text):
    for phrase in keyphrases(text, limit=20):
        words = phrase.split()
        assert not is_number(words[0]) and not is_number(words[-1]), phrase
        assert not any(char.isdigit() for char in phrase), phrase


@pytest.mark.parametrize("text", CAPTIONS)
def test_keyphrases_are_the_same_every_time_and_respect_the_limits(text):
    first = keyphrases(text, limit=6, max_words=3)
    assert keyphrases(text, limit=6, max_words=3) == first
    assert len(first) <= 6 and all(len(phrase.split()) <= 3 for phrase in first)
    assert all(len(phrase.split()) <= 2 for phrase in keyphrases(text, limit=6, max_words=2))


def test_multi_word_phrases_are_kept_across_the_briefs():
    multi_word_firsts = [keyphrases(brief)[0] for _, brief, _, _ in BRIEFS if " " in keyphrases(brief)[0]]
    # Most briefs are about a phrase, not a word: "sourdough starter", not "sourdough".
    assert len(multi_word_firsts) >= 0.75 * len(BRIEFS)


@pytest.mark.parametrize("text", ["", "   ", "😂😂😂", "#fyp #viral 🔥🔥", "@someone @another", "https://example.com", "123 456", None])
def test_empty_emoji_only_hashtag_only_and_number_only_text_gives_nothing(text):
    assert keyphrases(text) == []
    assert focus_keyphrase(text) == ""
    assert reel_keyphrases(text) == ()


def test_a_zero_limit_gives_nothing():
    assert keyphrases("Sourdough starter tips", limit=0) == []


def test_reel_keyphrases_are_short_lower_case_and_keep_the_words_that_repeat_across_reels():
    one = reel_keyphrases("5 freezer meals that save my week", "")
    other = reel_keyphrases("3 freezer dinners under ten dollars", "")
    assert "freezer" in set(one) & set(other)
    assert all(len(phrase.split()) <= 2 for phrase in one + other)
    assert reel_keyphrases("Hidden beaches in Portugal", "") == tuple(p.lower() for p in reel_keyphrases("Hidden beaches in Portugal"))
    assert all(phrase == phrase.lower() for phrase in reel_keyphrases("Hidden beaches in Portugal, Lisbon to Lagos"))
