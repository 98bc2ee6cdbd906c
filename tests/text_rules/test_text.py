"""The shared text rules (text_rules.text): cleaning, sentences, words and word lists."""

from __future__ import annotations

import pytest

from text_rules.text import (
    COUNT_WORDS,
    STOP_WORDS,
    clean_lines,
    clean_text,
    count_words,
    is_emoji,
    is_number,
    split_sentences,
    title_case,
    words,
)


def test_clean_text_removes_links_hashtags_and_emoji_and_collapses_whitespace():
    caption = "Best  pasta 🍝🔥 ever!!\nRecipe: https://example.com/pasta www.example.org #pasta #food ❤️ 👍🏽"
    assert clean_text(caption) == "Best pasta ever!! Recipe:"


def test_clean_text_keeps_mentions_unless_asked_and_lines_when_asked():
    caption = "Made this with @chef.anna\n\nso   good #yum"
    assert clean_text(caption) == "Made this with @chef.anna so good"
    assert clean_text(caption, keep_mentions=False) == "Made this with so good"
    assert clean_text(caption, keep_lines=True, keep_mentions=False) == "Made this with\n\nso good"
    # An e-mail address is not a mention.
    assert clean_text("write to hello@example.com", keep_mentions=False) == "write to hello@example.com"


def test_clean_text_of_nothing_is_empty():
    assert clean_text("") == "" and clean_text(None) == "" and clean_text("🔥 #fyp 🙌") == ""


@pytest.mark.parametrize("char", ["🔥", "❤", "\ufe0f", "\u200d", "\U0001F3FD", "\u20e3"])
def test_emoji_and_the_marks_that_shape_them_are_emoji(char):
    assert is_emoji(char)


@pytest.mark.parametrize("char", ["a", "é", "1", "^", "—", "€", " "])
def test_letters_digits_punctuation_and_currency_are_not_emoji(char):
    assert not is_emoji(char)


def test_clean_lines_drops_mentions_keeps_lines_and_ends_sentences_at_an_ellipsis():
    assert clean_lines("Wait for it… @me\nthen this...  #tag") == "Wait for it.\nthen this."


def test_sentences_end_at_punctuation_before_a_capital_and_at_every_line_break():
    found = split_sentences("5 pasta mistakes\nSalt the water. It matters! Does it? yes it does.\n- Taste as you go")
    assert [(s.text, s.terminal, s.line_start) for s in found] == [
        ("5 pasta mistakes", False, True),
        ("Salt the water.", True, True),
        ("It matters!", True, False),
        ("Does it? yes it does.", True, False),
        ("Taste as you go", False, True),
    ]


def test_words_keep_inner_apostrophes_and_hyphens_and_any_script():
    assert words("Don't over-mix the crème brûlée, it’s 2x harder") == [
        "Don't", "over-mix", "the", "crème", "brûlée", "it’s", "2x", "harder",
    ]
    assert count_words("## Crème brûlée for beginners") == 4


@pytest.mark.parametrize("word", ["30", "2024", "10k", "1st", "3x", "$600", "2,000", "100%", "ten", "Twenty"])
def test_figures_counts_and_number_words_are_numbers(word):
    assert is_number(word)


@pytest.mark.parametrize("word", ["posture", "x", "k9", "first", "half", "iphone15"])
def test_words_are_not_numbers(word):
    assert not is_number(word)


def test_title_case_leaves_acronyms_digits_and_small_joining_words_alone():
    assert title_case("the best SEO tips for well-known iPhone apps in 2024") == (
        "The Best SEO Tips for Well-Known iPhone Apps in 2024"
    )


def test_stop_words_are_function_words_and_count_words_are_what_a_count_counts():
    assert {"the", "your", "is", "without", "never", "i've"} <= STOP_WORDS
    assert {"ways", "minutes", "tips", "years"} <= COUNT_WORDS
    # Subjects stay out of both lists.
    assert not {"posture", "pasta", "budget", "skincare", "time"} & (STOP_WORDS | COUNT_WORDS)
