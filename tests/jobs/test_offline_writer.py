"""The offline writer: a deterministic composer that still does real work on the brief."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings

from jobs.providers.llm.base import ArticleBrief, ResearchNote
from jobs.providers.llm.offline import TONES, OfflineWriter, resolve_tone

SAMPLE_DIR = Path(settings.BASE_DIR) / "sample_data" / "instagram"
ACCOUNTS = ("chef.tomas", "sourdough_sadie", "weeknight.wok")


def sample_notes(accounts=ACCOUNTS, per_account: int = 4, *, collapse: bool = True) -> tuple[ResearchNote, ...]:
    """About a dozen reel notes: caption, blank line, transcript.

    The research stage collapses each caption's line breaks, gluing its title to the next line;
    hashtags and emoji are left in here so the writer's own cleaning is tested too.
    """
    notes = []
    for account in accounts:
        document = json.loads((SAMPLE_DIR / f"{account}.json").read_text())
        for reel in document["reels"][:per_account]:
            caption = " ".join(reel["caption"].split()) if collapse else reel["caption"]
            notes.append(ResearchNote(
                source="reel",
                title=f"@{account} reel {reel['shortCode']}",
                text=f"{caption}\n\n{reel.get('transcript', '')}",
                score=reel["videoViewCount"] / 1000,
                url=reel["url"],
            ))
    return tuple(notes)


def brief(**changes) -> ArticleBrief:
    values = dict(
        mode="topic",
        topic="weeknight cooking tips",
        keyphrase="weeknight cooking",
        keywords=("pasta water", "food waste"),
        tone="informative",
        word_count=800,
        notes=sample_notes(),
    )
    values.update(changes)
    return ArticleBrief(**values)


def words(markdown: str) -> int:
    return len(markdown.replace("#", " ").split())


def headings(markdown: str) -> list[str]:
    return [line[3:] for line in markdown.splitlines() if line.startswith("## ")]


def sentences(text: str) -> list[str]:
    plain = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return [" ".join(part.lower().split()) for part in re.split(r"(?<=[.!?])\s+", plain) if part.strip()]


def write(the_brief: ArticleBrief):
    return OfflineWriter().write_article(the_brief)


def test_the_same_brief_always_gives_the_same_article():
    assert write(brief()).markdown == write(brief()).markdown
    assert write(brief(mode="spin", source_text=SOURCE)).markdown == write(brief(mode="spin", source_text=SOURCE)).markdown


def test_the_article_has_one_title_an_intro_with_the_keyphrase_and_at_least_three_sections():
    article = write(brief())
    lines = [line for line in article.markdown.splitlines() if line.strip()]

    assert lines[0] == f"# {article.title}"
    assert sum(line.startswith("# ") for line in lines) == 1
    assert "weeknight cooking" in article.title.lower()
    assert not lines[1].startswith("#")
    assert "weeknight cooking" in lines[1].lower()
    assert len(headings(article.markdown)) >= 3
    assert any("weeknight cooking" in heading.lower() for heading in headings(article.markdown))
    assert article.model and article.usage["words"] > 0


@pytest.mark.parametrize("collapse", [True, False], ids=["research-stage-text", "raw-captions"])
def test_section_headings_come_from_the_strongest_themes_of_the_notes(collapse):
    found = " ".join(headings(write(brief(keywords=(), notes=sample_notes(collapse=collapse))).markdown)).lower()

    # Pasta water and food waste recur across many different reels of these cooks.
    assert "pasta water" in found
    assert "food waste" in found


def test_a_caption_title_glued_to_its_first_tip_is_separated_from_it():
    note = ResearchNote("reel", "@chef.tomas reel A", "5 mistakes beginner cooks make with food waste Taste as you go, not only at the end. #cooking"
                        "\n\nReal quick: 5 mistakes beginner cooks make with food waste. Salt the pasta water well.", 1.0)
    markdown = write(brief(notes=(note,), word_count=300)).markdown

    assert "Taste as you go, not only at the end." in markdown
    assert "food waste Taste" not in markdown


@pytest.mark.parametrize("target", [300, 800, 1500])
def test_the_length_is_within_fifteen_percent_of_the_target(target):
    article = write(brief(word_count=target))

    assert abs(words(article.markdown) - target) <= 0.15 * target


@pytest.mark.parametrize("target", [300, 1500])
def test_no_sentence_is_repeated_to_reach_the_length(target):
    found = sentences(write(brief(word_count=target)).markdown)

    assert len(found) == len(set(found))


def test_without_notes_the_article_is_built_from_the_keywords_and_still_has_its_length_and_shape():
    article = write(brief(notes=(), word_count=600))

    assert abs(words(article.markdown) - 600) <= 0.15 * 600
    assert len(headings(article.markdown)) >= 3
    assert "pasta water" in article.markdown


def test_the_notes_advice_appears_cleaned_and_lightly_attributed():
    markdown = write(brief()).markdown

    assert "Salt the pasta water well, it's your only chance to season the pasta itself." in markdown
    assert "reel" in markdown.lower()
    for filler in ("Follow for more", "Save this", "Tell me in the comments", "Real quick:", "Comment 'GUIDE'"):
        assert filler not in markdown


@pytest.mark.parametrize("target", [300, 1500])
def test_no_hashtags_mentions_or_emoji_leak_into_the_article(target):
    markdown = write(brief(word_count=target)).markdown

    assert not re.search(r"#\w", markdown)
    assert "@" not in markdown
    assert not [char for char in markdown if unicodedata.category(char) in ("So", "Cs", "Cf")]


def test_the_tone_changes_the_wording():
    articles = {tone: write(brief(tone=tone)) for tone in ("informative", "casual", "professional", "persuasive", "humorous")}

    assert len({article.title for article in articles.values()}) == 5
    assert len({article.markdown for article in articles.values()}) == 5
    informative, casual = sentences(articles["informative"].markdown), sentences(articles["casual"].markdown)
    assert len(set(informative) - set(casual)) >= 3


def test_an_unknown_tone_falls_back_to_informative():
    assert resolve_tone("sarcastic") == "informative"
    assert resolve_tone("Friendly") == "casual"
    assert set(TONES) == {"informative", "casual", "professional", "persuasive", "humorous"}
    assert write(brief(tone="sarcastic")).markdown == write(brief(tone="informative")).markdown


def test_progress_is_reported_per_section_without_going_backwards():
    reports: list[tuple[float, str]] = []

    article = OfflineWriter().write_article(brief(word_count=1500), on_progress=lambda f, m: reports.append((f, m)))

    fractions = [fraction for fraction, _ in reports]
    assert len(reports) >= len(headings(article.markdown))
    assert fractions == sorted(fractions)
    assert fractions[-1] >= 0.9
    assert all(0.0 <= fraction <= 1.0 for fraction in fractions)


SOURCE = """\
A sourdough starter is a living culture of wild yeast and bacteria. It is important to feed it regularly, \
because a hungry starter quickly loses its strength. Most bakers feed their starter once a day when it lives \
on the counter. If you keep it in the fridge, you can feed it once a week instead.

The flour you choose makes a big difference. Whole wheat and rye flour contain more nutrients, so the yeast \
becomes active very quickly. White flour works too, but the rise is usually slower. Many bakers use a mix of \
both flours for a balanced flavour.

Temperature is the next thing to watch. A warm kitchen speeds up fermentation. A cold kitchen slows it down. \
You should aim for a spot around 24 degrees Celsius if you want a predictable schedule.

Watch the starter after each feeding. A healthy starter doubles in size within four to eight hours. It smells \
pleasantly sour and has lots of bubbles on the surface. If it smells like nail polish remover, it is hungry \
and needs to be fed more often.

Do not worry if you see a layer of grey liquid on top. This liquid is called hooch, and it simply means the \
starter has used up its food. You can stir it back in for a more sour taste, or pour it off for a milder bread.

With a little patience, your starter will become strong and reliable. Once it doubles consistently, it is \
ready to bake with, and you can make your first loaf. #sourdough #baking 🍞
"""


def test_spin_mode_keeps_the_content_words_but_does_not_copy_the_sentences():
    article = write(brief(mode="spin", topic="sourdough starter care", keyphrase="sourdough starter", keywords=(), notes=(), source_text=SOURCE))
    markdown = article.markdown
    source_sentences = sentences(SOURCE.replace("#sourdough #baking 🍞", ""))
    copied = [sentence for sentence in source_sentences if sentence in sentences(markdown)]

    for word in ("sourdough", "starter", "yeast", "flour", "rye", "fermentation", "Celsius", "hooch", "nail polish", "loaf"):
        assert word in markdown
    assert len(copied) / len(source_sentences) < 0.6
    assert markdown.startswith(f"# {article.title}\n")
    assert len(headings(markdown)) >= 3
    assert "sourdough starter" in markdown.split("\n\n")[1].lower()
    assert not re.search(r"#\w", markdown) and "🍞" not in markdown


def test_spin_mode_keeps_the_order_of_the_source_paragraphs():
    markdown = write(brief(mode="spin", topic="sourdough starter care", keyphrase="sourdough starter", source_text=SOURCE)).markdown
    positions = [markdown.find(marker) for marker in ("wild yeast", "rye flour", "fermentation", "nail polish", "hooch", "first loaf")]

    assert -1 not in positions
    assert positions == sorted(positions)


@pytest.mark.parametrize(("tone", "known"), [("friendly", "casual"), ("Formal", "professional"), ("witty", "humorous"),
                                             ("calm but firm", "informative")])
def test_a_tone_in_other_words_is_written_in_the_nearest_known_tone(tone, known):
    assert write(brief(tone=tone)).markdown == write(brief(tone=known)).markdown


def test_accented_words_count_once_each_so_the_length_is_balanced_on_real_words():
    # The writer once counted ASCII runs only: "Crème brûlée" was five words ("Cr", "me", "br", "l", "e").
    article = OfflineWriter().write_article(brief(topic="Crème brûlée at home", keyphrase="crème brûlée", word_count=600))
    counted = len(re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", article.markdown))
    assert abs(counted - 600) <= 0.03 * 600 + 1, counted
    assert "crème brûlée" in article.markdown.lower()
