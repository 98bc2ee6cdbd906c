"""SEO checklist and optimiser on hand-counted texts; no database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobs import seo

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KEYPHRASE = "sourdough starter"
GOOD_TITLE = "Sourdough starter care: feeding, storing and baking"  # 51 characters
GOOD_DESCRIPTION = (
    "Learn how to keep a sourdough starter alive: when to feed it, where to store it "
    "and how to tell it is ready to bake a loaf of bread."
)  # 132 characters
FILLER = "Bake the loaf at a high heat for best results. "  # 10 words, 11 syllables


def check(report: seo.SeoReport, name: str) -> dict:
    return next(c for c in report.checks if c["name"] == name)


def analyse(markdown: str, **overrides) -> seo.SeoReport:
    arguments = {
        "keyphrase": KEYPHRASE, "target_word_count": 300, "meta_title": GOOD_TITLE, "meta_description": GOOD_DESCRIPTION,
    }
    arguments.update(overrides)
    return seo.analyse(markdown, **arguments)


def text_of_length(start: str, length: int) -> str:
    text = (start + " " + "abcdefghij" * 20)[:length]
    assert len(text) == length and not text.endswith(" ")
    return text


def test_flesch_reading_ease_matches_a_hand_count_of_words_sentences_and_syllables():
    # 17 words, 3 sentences, 19 syllables ("sunny" and "outside" have two, every other word one):
    # 206.835 − 1.015 × 17/3 − 84.6 × 19/17 = 106.53
    text = "The cat sat on the mat. It was a sunny day. We played outside with the dog."
    assert seo.flesch_reading_ease([text]) == pytest.approx(106.53, abs=0.5)


def test_readability_score_counts_paragraphs_and_list_items_but_not_headings_or_markdown():
    # Two sentences of 6 words each, 12 words, 14 syllables ("happy" and "garden" have two):
    # 206.835 − 1.015 × 12/2 − 84.6 × 14/12 = 102.05
    markdown = (
        "# A long and complicated title nobody reads as a sentence\n\n"
        "The **dog** ran to the [park](https://example.com/park).\n\n"
        "## Another heading with several more words\n\n"
        "- A happy dog in the garden.\n"
    )
    report = analyse(markdown)
    assert report.readability_score == pytest.approx(102.05, abs=0.5)


def test_syllables_come_from_the_pronouncing_dictionary_with_hyphenation_for_unknown_words():
    assert [seo.syllables(w) for w in ("every", "area", "readability", "cat")] == [3, 3, 5, 1]
    assert seo.syllables("well-known") == 2
    assert seo.syllables("zorblaxing") >= 2


def test_keyphrase_density_is_occurrences_times_keyphrase_words_over_all_words():
    # 3 (title) + 7 (intro) + 10 (a sentence with "starters", which is not the keyphrase) + 8 × 10 = 100 words;
    # "Sourdough Starter" twice (any case), each 2 words: 2 × 2 ÷ 100 = 4 %.
    markdown = (
        "# Sourdough Starter care\n\n"
        "Feed your sourdough starter every single day.\n\n"
        "Many sourdough starters fail when bakers forget them too often. " + FILLER * 8
    )
    report = analyse(markdown)
    assert report.word_count == 100
    assert report.keyphrase_density == 4.0
    density = check(report, "keyphrase_density")
    assert not density["passed"] and "4.00 %" in density["detail"] and "2 occurrences" in density["detail"]


def test_hyphenated_and_longer_words_do_not_count_as_the_keyphrase():
    words = seo.words_of("A sourdough-starter jar, sourdough starters and the sourdough starter's lid.")
    assert seo.count_phrase(words, ["sourdough", "starter"]) == 0
    assert seo.count_phrase(seo.words_of("Sourdough  STARTER, sourdough\nstarter"), ["sourdough", "starter"]) == 2


@pytest.mark.parametrize(("length", "passed"), [(49, False), (50, True), (60, True), (61, False)])
def test_meta_title_length_passes_from_50_to_60_characters(length, passed):
    title = text_of_length("Sourdough starter", length)
    result = check(analyse("# T\n\nText.", meta_title=title), "meta_title_length")
    assert result["passed"] is passed
    assert result["earned"] == (10 if passed else 0)
    assert f"{length} characters" in result["detail"]


@pytest.mark.parametrize(("length", "passed"), [(119, False), (120, True), (160, True), (161, False)])
def test_meta_description_length_passes_from_120_to_160_characters(length, passed):
    description = text_of_length("Sourdough starter", length)
    result = check(analyse("# T\n\nText.", meta_description=description), "meta_description_length")
    assert result["passed"] is passed
    assert f"{length} characters" in result["detail"]


def test_meta_title_and_description_must_contain_the_keyphrase():
    report = analyse("# T\n\nText.", meta_title="Bread baking at home for beginners and experts alike",
                     meta_description="A description about something else entirely.")
    assert not check(report, "meta_title_keyphrase")["passed"]
    assert not check(report, "meta_description_keyphrase")["passed"]
    report = analyse("# T\n\nText.")
    assert check(report, "meta_title_keyphrase")["passed"]
    assert check(report, "meta_description_keyphrase")["passed"]


def test_keyphrase_missing_from_the_intro_fails_even_when_a_later_paragraph_has_it():
    markdown = "# Care\n\nBread is older than writing.\n\n## Feeding\n\nFeed the sourdough starter daily."
    result = check(analyse(markdown), "keyphrase_in_intro")
    assert not result["passed"] and result["earned"] == 0
    assert check(analyse("# Care\n\nA sourdough starter is flour and water.\n\n## Feeding"), "keyphrase_in_intro")["passed"]


def test_an_article_that_opens_with_a_subheading_has_no_intro():
    result = check(analyse("# Care\n\n## Sourdough starter basics\n\nText."), "keyphrase_in_intro")
    assert not result["passed"] and "no intro" in result["detail"]


def test_keyphrase_in_a_subheading_passes_only_when_a_subheading_not_the_title_has_it():
    without = "# Sourdough starter care\n\nIntro.\n\n## Feeding\n\nText.\n\n## Storing\n\nText."
    assert not check(analyse(without), "keyphrase_in_subheading")["passed"]
    with_it = without.replace("## Storing", "### Storing a sourdough starter")
    result = check(analyse(with_it), "keyphrase_in_subheading")
    assert result["passed"] and "1 of 2" in result["detail"]


def test_a_200_word_paragraph_fails_the_paragraph_length_check():
    markdown = "# T\n\nShort intro.\n\n" + FILLER * 20
    result = check(analyse(markdown), "paragraph_length")
    assert not result["passed"] and "200 words" in result["detail"]
    assert check(analyse("# T\n\nShort intro.\n\n" + FILLER * 15), "paragraph_length")["passed"]


def test_fewer_than_three_subheadings_fails():
    assert not check(analyse("# T\n\nIntro.\n\n## One\n\n## Two"), "subheadings")["passed"]
    assert check(analyse("# T\n\nIntro.\n\n## One\n\n## Two\n\n## Three"), "subheadings")["passed"]


@pytest.mark.parametrize(("target", "earned"), [(100, 10), (111, 10), (80, 5), (125, 5), (76, 0), (140, 0)])
def test_length_earns_full_points_within_10_percent_and_half_within_25_percent(target, earned):
    markdown = FILLER * 10  # 100 words
    assert check(analyse(markdown, target_word_count=target), "length")["earned"] == earned


def test_seo_score_is_the_sum_of_earned_weights():
    # Words: title 3 + intro 7 + headings 3 + 1 + 1 + paragraphs 160 + 120 + 5 = 300.
    # Keyphrase in title, intro and first heading: 3 × 2 ÷ 300 = 2.0 % density.
    markdown = (
        "# Sourdough starter care\n\n"
        "Feed your sourdough starter every single day.\n\n"
        "## Sourdough starter feeding\n\n"
        + FILLER * 16 + "\n\n"
        "## Storage\n\n"
        + FILLER * 12 + "\n\n"
        "## Baking\n\n"
        "Let the loaf cool down.\n"
    )
    report = analyse(markdown, target_word_count=250, meta_description="Feed your sourdough starter daily.")
    earned = {c["name"]: c["earned"] for c in report.checks}
    assert earned == {
        "meta_title_length": 10,
        "meta_title_keyphrase": 10,
        "meta_description_length": 0,  # 34 characters
        "meta_description_keyphrase": 10,
        "keyphrase_in_intro": 10,
        "keyphrase_in_subheading": 10,
        "keyphrase_density": 10,
        "length": 5,  # 300 words is +20 % of 250
        "readability": 10,
        "subheadings": 5,
        "paragraph_length": 0,  # the 160-word paragraph
    }
    assert report.word_count == 300 and report.keyphrase_density == 2.0
    assert report.seo_score == 80
    assert sum(c["weight"] for c in report.checks) == 100
    assert all({"name", "passed", "weight", "detail"} <= set(c) for c in report.checks)


def test_a_partial_check_is_not_passed_but_earns_its_partial_points():
    result = check(analyse(FILLER * 10, target_word_count=80), "length")
    assert result == {**result, "passed": False, "weight": 10, "earned": 5}
    assert "+25%" in result["detail"]


WEAK_ARTICLE = """# How I Keep Bread Going All Week

Baking at home is cheaper than buying bread. It also tastes better.

## Feeding the jar

Every morning I discard half of the jar. Then I add flour and water. A sourdough starter likes a warm spot.

## Storage

Keep the jar in the fridge when you bake less often. Take it out a day before baking.

## Baking day

Mix the dough, fold it a few times and let it rise overnight. Bake it hot in the morning.
"""


def test_optimise_fixes_meta_data_intro_and_subheading_and_raises_the_score():
    before = seo.analyse(WEAK_ARTICLE, keyphrase=KEYPHRASE, target_word_count=100, meta_title="", meta_description="")
    optimised = seo.optimise(WEAK_ARTICLE, keyphrase=KEYPHRASE, topic="Keeping a sourdough starter alive")
    after = seo.analyse(
        optimised.markdown, keyphrase=KEYPHRASE, target_word_count=100,
        meta_title=optimised.meta_title, meta_description=optimised.meta_description,
    )

    assert 50 <= len(optimised.meta_title) <= 60 and KEYPHRASE in optimised.meta_title.lower()
    assert 120 <= len(optimised.meta_description) <= 160 and KEYPHRASE in optimised.meta_description.lower()
    for name in ("meta_title_length", "meta_title_keyphrase", "meta_description_length", "meta_description_keyphrase",
                 "keyphrase_in_intro", "keyphrase_in_subheading"):
        assert check(after, name)["passed"], check(after, name)
    assert after.seo_score > before.seo_score
    # The intro keeps its own sentences after the added one, and the most related heading was renamed.
    assert "about sourdough starter. Baking at home is cheaper than buying bread." in optimised.markdown
    assert "## Sourdough starter: Feeding the jar" in optimised.markdown
    assert "## Storage" in optimised.markdown and "## Baking day" in optimised.markdown


def test_optimise_leaves_an_article_that_already_uses_the_keyphrase_well_alone():
    # Intro and one subheading have the keyphrase; 2 occurrences in 195 words is 2.05 % density.
    markdown = (
        WEAK_ARTICLE.replace("Baking at home", "A sourdough starter at home")
        .replace("A sourdough starter likes", "The jar likes")
        .replace("## Storage", "## Storing a sourdough starter")
    ) + "\n" + FILLER * 10 + "\n"
    assert 0.5 <= analyse(markdown).keyphrase_density <= 2.5
    assert seo.optimise(markdown, keyphrase=KEYPHRASE, topic="").markdown == markdown


def test_optimise_lowers_a_stuffed_keyphrase_density_by_shortening_later_mentions():
    markdown = (
        "# Sourdough starter notes\n\n"
        "A sourdough starter is flour and water.\n\n"
        "## Sourdough starter feeding\n\n"
        "Feed the sourdough starter daily. Sourdough starter loves warmth. "
        "Keep your sourdough starter covered. I check on sourdough starter often.\n"
    )
    before = analyse(markdown)
    optimised = seo.optimise(markdown, keyphrase=KEYPHRASE, topic="")
    after = analyse(optimised.markdown)
    assert before.keyphrase_density > 2.5
    assert after.keyphrase_density < before.keyphrase_density
    # Title, intro and heading keep the full keyphrase; body mentions become "the starter" style stand-ins.
    assert optimised.markdown.startswith("# Sourdough starter notes\n\nA sourdough starter is flour and water.")
    assert "## Sourdough starter feeding" in optimised.markdown
    assert "Feed the starter daily. This starter loves warmth. Keep your starter covered. I check on this starter often." \
        in optimised.markdown


def test_optimise_splits_an_over_long_paragraph_at_a_sentence_boundary_without_changing_its_words():
    long_paragraph = " ".join(f"Sentence number {n} is here with a few more plain words." for n in range(20))  # 220 words
    markdown = f"# A sourdough starter\n\nA sourdough starter intro.\n\n## Sourdough starter\n\n{long_paragraph}\n"
    optimised = seo.optimise(markdown, keyphrase=KEYPHRASE, topic="")
    assert check(analyse(optimised.markdown), "paragraph_length")["passed"]
    assert seo.words_of(optimised.markdown) == seo.words_of(markdown)


@pytest.mark.parametrize("keyphrase", ["yoga", "sourdough starter", "home workout plan", "ai tools for small business"])
@pytest.mark.parametrize("title", [
    "", "Bread", "Why the perfect loaf starts with patience",
    "The ultimate, exhaustive and occasionally opinionated handbook to everything about this: part one",
])
def test_meta_title_is_always_50_to_60_characters_and_contains_the_keyphrase(keyphrase, title):
    meta_title = seo.compose_meta_title(keyphrase, title, "")
    assert 50 <= len(meta_title) <= 60, meta_title
    assert keyphrase in meta_title.lower()


def test_meta_description_is_built_from_the_intro_sentences():
    optimised = seo.optimise(WEAK_ARTICLE, keyphrase=KEYPHRASE, topic="")
    assert optimised.meta_description.startswith(
        "Here is what you need to know about sourdough starter. Baking at home is cheaper than buying bread."
    )


def test_analyse_rejects_a_target_word_count_that_is_not_positive():
    with pytest.raises(ValueError):
        analyse("# T", target_word_count=0)


def test_syllable_counting_works_offline_on_the_first_ever_call(tmp_path):
    # A fresh interpreter with every socket connection refused, an empty home and no NLTK data:
    # the first syllable count loads the bundled dictionaries or fails.
    code = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('network access attempted')\n"
        "socket.socket.connect = refuse\n"
        "socket.socket.connect_ex = refuse\n"
        "socket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "from jobs import seo\n"
        "print(seo.syllables('every'), seo.syllables('zorblaxing'))\n"
        "print(seo.flesch_reading_ease(['The cat sat on the mat. It was a sunny day. We played outside with the dog.']))\n"
    )
    env = {
        **os.environ, "HOME": str(tmp_path), "NLTK_DATA": str(tmp_path / "nltk_data"), "XDG_CACHE_HOME": str(tmp_path),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    syllable_line, flesch_line = result.stdout.split("\n")[:2]
    every, made_up = map(int, syllable_line.split())
    assert every == 3  # from the CMU dictionary: hyphenation alone says "ev-ery", 2
    assert made_up >= 2  # from Pyphen's bundled patterns
    assert float(flesch_line) == pytest.approx(106.53, abs=0.5)


def test_meta_title_suffix_does_not_repeat_a_word_of_the_title():
    meta_title = seo.compose_meta_title("sourdough starter", "A Clear Guide to Sourdough Starter", "")
    assert meta_title == "A Clear Guide to Sourdough Starter: What You Need to Know"
