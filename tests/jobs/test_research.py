"""Research stage: BM25 notes from stored reels and documents, and the trending-topic pick."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest

from jobs import research
from jobs.errors import PermanentJobError
from profiles.models import Content, PrimaryProfile

pytestmark = pytest.mark.django_db

START = datetime(2026, 10, 1, 12, 0, tzinfo=dt_timezone.utc)


@pytest.fixture
def reel():
    """Create a stored reel; each call is one day older than the previous one."""
    profiles: dict[str, PrimaryProfile] = {}
    made = []

    def make(shortcode: str, caption: str, transcript: str = "", *, username: str = "baker", outlier: float = 1.0,
             views: int = 1_000) -> Content:
        profile = profiles.get(username) or PrimaryProfile.objects.create(username=username)
        profiles[username] = profile
        made.append(shortcode)
        return Content.objects.create(
            content_id=f"id-{shortcode}", shortcode=shortcode, url=f"https://www.instagram.com/reel/{shortcode}/",
            description=caption, transcript=transcript, username=username, profile=profile,
            outlier_score=outlier, view_count=views, date_posted=START - timedelta(days=len(made)),
        )

    return make


@pytest.fixture
def documents(tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "starter-guide.md").write_text(
        "# Starter guide\n\n"
        "A starter is a culture of wild yeast and bacteria.\n\n"
        "## Hydration\n\n"
        "Keep the hydration ratio at 100 percent: equal weights of flour and water at every feeding.\n\n"
        "## Storage\n\n"
        "Label the jar with the date you started it.\n"
    )
    (folder / "gym-notes.md").write_text("# Gym\n\nSquats and deadlifts build the legs.\n\nRest two minutes between sets.\n")
    (folder / "ignored.pdf").write_text("hydration ratio hydration ratio")
    return folder


def titles(notes) -> list[str]:
    return [note.title for note in notes]


def test_the_reel_about_the_query_ranks_first_and_unrelated_reels_are_left_out(reel, tmp_path):
    reel("FEED1", "How I feed my sourdough starter every morning", "Discard half, then feed the starter flour and water.")
    reel("LOAF1", "Crumb shot of today's sourdough loaf")
    reel("LEGS1", "Leg day workout for busy people", "Squats, lunges and a long walk.")

    notes = research.gather_notes(query="feeding a sourdough starter", documents_dir=tmp_path)

    assert titles(notes) == ["@baker reel FEED1", "@baker reel LOAF1"]
    assert notes[0].score > notes[1].score > 0
    assert notes[0].source == "reel" and notes[0].url == "https://www.instagram.com/reel/FEED1/"


def test_the_document_paragraph_about_the_query_ranks_first_and_unrelated_files_are_left_out(reel, documents):
    reel("LOAF1", "Crumb shot of today's sourdough loaf")

    notes = research.gather_notes(query="starter hydration ratio", documents_dir=documents)

    assert notes[0].source == "document" and notes[0].title == "starter-guide.md"
    assert notes[0].text.startswith("Keep the hydration ratio at 100 percent")
    assert "gym-notes.md" not in titles(notes) and "ignored.pdf" not in titles(notes)
    assert "@baker reel LOAF1" not in titles(notes)
    # Each paragraph is its own note: the other starter paragraph matches "starter" only.
    assert [n.text for n in notes[1:]] == ["A starter is a culture of wild yeast and bacteria."]


def test_a_paragraph_is_found_through_the_heading_of_its_section(tmp_path):
    (tmp_path / "notes.txt").write_text("## Levain\n\nMix it the night before and let it double.\n")
    notes = research.gather_notes(query="levain", documents_dir=tmp_path)
    assert [(n.title, n.text) for n in notes] == [("notes.txt", "Mix it the night before and let it double.")]


def test_only_the_most_recent_reels_are_read_in_a_single_query(reel, tmp_path, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(research, "MAX_REELS", 2)
    reel("NEW001", "Starter one")
    reel("NEW002", "Starter two")
    reel("OLD001", "Starter three, posted before the others")

    with django_assert_num_queries(1):
        notes = research.gather_notes(query="starter", documents_dir=tmp_path)

    assert set(titles(notes)) == {"@baker reel NEW001", "@baker reel NEW002"}


def test_keywords_widen_the_match_to_reels_that_use_other_words(reel, tmp_path):
    reel("LEVAIN", "Building a levain the night before bake day")
    reel("STARTR", "My starter doubled in four hours")

    assert titles(research.gather_notes(query="starter", documents_dir=tmp_path)) == ["@baker reel STARTR"]
    widened = research.gather_notes(query="starter", keywords=["levain"], documents_dir=tmp_path)
    assert set(titles(widened)) == {"@baker reel STARTR", "@baker reel LEVAIN"}


def test_the_outlier_boost_breaks_a_tie_between_equally_relevant_reels(reel, tmp_path):
    # Same caption, so the same BM25 score; the title tie-break alone would put @aaa first.
    reel("AAA001", "Sourdough starter feeding routine", username="aaa", outlier=1.0)
    reel("ZZZ001", "Sourdough starter feeding routine", username="zzz", outlier=5.0)

    notes = research.gather_notes(query="sourdough starter", documents_dir=tmp_path)

    assert titles(notes) == ["@zzz reel ZZZ001", "@aaa reel AAA001"]
    boost = (1 + 0.1 * math.log(6)) / (1 + 0.1 * math.log(2))
    assert notes[0].score / notes[1].score == pytest.approx(boost, rel=1e-3)


def test_the_limit_is_respected_and_the_order_is_deterministic(reel, tmp_path):
    for n in range(12):
        reel(f"SAME{n:02d}", "Sourdough starter tips", username=f"user{n % 3}")

    first = research.gather_notes(query="sourdough starter", limit=5, documents_dir=tmp_path)
    second = research.gather_notes(query="sourdough starter", limit=5, documents_dir=tmp_path)

    assert len(first) == 5
    assert first == second
    assert titles(first) == sorted(titles(first))


def test_notes_carry_clean_text_without_hashtags_and_hashtags_still_count_for_ranking(reel, tmp_path):
    reel("TAGGED", "Morning bake 🍞 #sourdough #homebaking https://example.com/recipe", "Shaping the dough before the oven.")

    notes = research.gather_notes(query="sourdough", documents_dir=tmp_path)

    assert titles(notes) == ["@baker reel TAGGED"]
    assert notes[0].text == "Morning bake\n\nShaping the dough before the oven."


def test_plural_forms_and_stop_words_match_the_same_terms(reel, tmp_path):
    reel("BERRY1", "Three berries on a starter")
    notes = research.gather_notes(query="the best berry for your starters", documents_dir=tmp_path)
    assert titles(notes) == ["@baker reel BERRY1"]


def test_a_query_of_only_stop_words_finds_nothing(reel, tmp_path):
    reel("ANY001", "Anything at all")
    assert research.gather_notes(query="what is the", documents_dir=tmp_path) == []


def test_progress_is_reported_from_start_to_finish(reel, documents):
    reel("FEED1", "Feed the starter")
    calls = []

    research.gather_notes(query="starter", documents_dir=documents, on_progress=lambda f, m: calls.append((f, m)))

    fractions = [f for f, _ in calls]
    assert len(calls) >= 3 and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(isinstance(message, str) and message for _, message in calls)


def test_trending_topic_is_the_phrase_that_dominates_the_high_outlier_reels(reel):
    reel("HIGH01", "My sourdough starter finally doubled", outlier=9.0, views=90_000)
    reel("HIGH02", "Sourdough starter rescue after a week away", outlier=7.0, views=70_000)
    reel("HIGH03", "Feeding schedule for a sluggish sourdough starter", outlier=6.0, views=60_000)
    # More reels use this phrase, but they did not outperform their accounts.
    for n in range(6):
        reel(f"LOW{n:03d}", f"Protein shake recipe number {n}", outlier=0.5)

    trend = research.pick_trending_topic()

    assert trend.keyphrase == "sourdough starter"
    assert trend.topic == "Sourdough starter"
    assert trend.source_reels == ("HIGH01", "HIGH02", "HIGH03")
    assert "protein" not in trend.keyphrase and "shake" not in trend.keyphrase
    assert "sourdough" not in trend.keywords and "starter" not in trend.keywords


def test_a_three_word_phrase_wins_when_the_top_reels_all_use_it(reel):
    reel("TIPS01", "Sourdough starter tips for beginners", outlier=8.0)
    reel("TIPS02", "More sourdough starter tips from my kitchen", outlier=6.0)
    reel("OTHER1", "Croissant lamination", outlier=1.0)

    trend = research.pick_trending_topic()

    assert trend.keyphrase == "sourdough starter tips"
    assert trend.topic == "Sourdough starter tips"
    assert trend.source_reels == ("TIPS01", "TIPS02")


def test_a_single_word_wins_when_no_phrase_repeats(reel):
    reel("KOMB01", "Homemade kombucha in a week", outlier=5.0)
    reel("KOMB02", "Second ferment: ginger kombucha", outlier=4.0)
    reel("KOMB03", "Kombucha scoby hotel tour", outlier=3.0)

    trend = research.pick_trending_topic()

    assert trend.keyphrase == "kombucha" and trend.topic == "Kombucha"
    assert trend.source_reels == ("KOMB01", "KOMB02", "KOMB03")


def test_only_the_top_reels_by_outlier_then_views_are_considered(reel):
    reel("PASTA1", "Fresh pasta dough by hand", outlier=3.0, views=5_000)
    reel("PASTA2", "Fresh pasta dough shapes", outlier=3.0, views=9_000)
    reel("SALAD1", "Summer salad dressing", outlier=3.0, views=1_000)
    reel("SALAD2", "Summer salad bowls", outlier=2.0, views=8_000)

    trend = research.pick_trending_topic(limit_reels=2)

    assert trend.keyphrase == "fresh pasta dough"
    assert trend.source_reels == ("PASTA2", "PASTA1")


def test_caption_filler_and_hashtags_are_not_trends(reel):
    for n in range(3):
        reel(f"CTA{n:03d}", f"Follow for more, link in bio! Cold brew coffee at home #coffee{n}", outlier=5.0 - n)

    trend = research.pick_trending_topic()

    assert trend.keyphrase == "cold brew coffee"


def test_hook_wording_and_verbs_are_not_trends(reel):
    reel("HOOK01", "Nobody tells you this about cast iron pans. Keep it dry.", outlier=6.0)
    reel("HOOK02", "Nobody tells you this about cast iron care. Keep it oiled.", outlier=5.0)
    reel("HOOK03", "Nobody tells you this about sunscreen. Keep it handy.", outlier=4.0)

    assert research.pick_trending_topic().keyphrase == "cast iron"


def test_a_phrase_every_reel_uses_loses_to_one_that_sets_the_top_reels_apart(reel):
    for n in range(3):
        reel(f"FRYER{n}", f"Air fryer meal prep, week {n}", outlier=6.0)
    for n in range(10):
        reel(f"PREP{n:03d}", f"Meal prep for the week, take {n}", outlier=0.8)

    trend = research.pick_trending_topic()

    assert trend.keyphrase == "air fryer"


def test_no_stored_reels_is_a_permanent_no_trend_data_error():
    with pytest.raises(PermanentJobError) as caught:
        research.pick_trending_topic()
    assert caught.value.error_code == "NO_TREND_DATA"
    assert "fetch some profiles first" in caught.value.message
