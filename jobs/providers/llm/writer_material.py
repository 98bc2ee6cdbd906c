"""What the offline writer takes from research notes: advice sentences, hooks and section themes.

gather_material splits every note into sentences (text_rules.text.split_sentences), drops calls to
action and spoken lead-ins ("Okay, …", "Pro tip: …"), tells a reel's title and hooks (questions,
"5 mistakes …", "nobody tells you …") from its advice, and merges advice repeated across notes:
a sentence found in several notes weighs the sum of their weights (1 to 2, by research score).

extract_themes ranks the words and two-word phrases of those sentences by how many sentences use
them (spread beats repetition), leaving out STOPWORDS, numbers, -ly adverbs and words used as verbs
("how to bake", an imperative opening), so section headings name things, not actions.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from jobs.providers.llm.base import ResearchNote
from text_rules.text import (
    CALL_TO_ACTION_RE,
    SPOKEN_LEAD_IN_RE,
    STOP_WORDS,
    WORD_RE,
    count_words,
    finish_sentence,
    normal_form,
    split_sentences,
    stem,
)

# Words that never head a section: the function words of text_rules.text plus what creators say about
# any topic ("tips", "people", "hype", "minutes", "easy").
STOPWORDS = STOP_WORDS | frozenset(
    """
    least less let ll made makes making many much need needs others re use used using well actually
    best better big bit day days first good great guide knew last lot lots new next okay ok part
    people quick real right says see seem seems show shows sooner start stop sure take tell think
    time times today tonight try tried tested two three four five week weeks year years full whole
    hype worth wish mistake mistakes sign signs tip tips step steps hour hours minute minutes reel
    reels video videos comment comments follow save share link bio viral trending fyp explore
    explorepage pov story true sadly single vibes notes note happens happen happened mean means work
    works worked still keep properly hard easy fast long little done going go goes went come comes
    came give gives put old young early late high low short free different fancy cheap expensive
    talk talking working said halfway advice idea ideas lesson lessons result results reason reasons
    update help helps helped look looks looking feel feels felt find found kept love loved hate
    honest ready nice
    """.split()
)

_HOOK_RE = re.compile(
    r"nobody (?:tells|talks)|you'll ever|you will ever|worth the hype|wish i knew|wish someone|changed everything|"
    r"signs you're|\bmistakes\b.*\bmake\b|\bways to\b|things i wish|^how to\b|^this is the best\b|^the only\b|"
    r"^the one thing\b|beats any\b|^\d+\s+(?:mistakes|ways|things|signs|tips|reasons|habits|rules|steps)\b",
    re.IGNORECASE,
)
_FIRST_PERSON_RE = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|my|me|mine|we|we're|our|us)\b")


def _content_words(text: str) -> list[str]:
    return [
        word.lower()
        for word in WORD_RE.findall(text)
        if word.lower() not in STOPWORDS and not word.isdigit() and len(word) > 2 and "'" not in word and "’" not in word
    ]


def stem_set(text: str) -> set[str]:
    """The stems of a text's content words: what a tip, a hook or a section is about."""
    return {stem(word) for word in _content_words(text)}


@dataclass
class Tip:
    text: str
    note: int
    weight: float
    stems: set[str]
    first_person: bool


@dataclass
class Hook:
    text: str
    kind: str  # question | list
    note: int
    weight: float
    stems: set[str]


@dataclass
class Material:
    tips: list[Tip]
    hooks: list[Hook]

    def sentences(self) -> list[tuple[str, float]]:
        """Every distinct sentence with its weight, so advice repeated across reels counts once."""
        return [(tip.text, tip.weight) for tip in self.tips] + [(hook.text, hook.weight) for hook in self.hooks]


def gather_material(notes: tuple[ResearchNote, ...]) -> Material:
    """Cleaned, de-duplicated advice sentences and hooks of the notes, most widespread first."""
    weights = _note_weights(notes)
    split = [split_sentences(note.text) for note in notes]
    # A reel's caption opens with its title, which the transcript's first sentence restates. Titles are
    # collected first so they are recognised wherever they reappear, even glued to the caption's next
    # line once whitespace has been collapsed ("… food waste Taste as you go …").
    titles = {
        normal_form(_strip_filler(sentences[0].text))
        for sentences in split
        if sentences and not sentences[0].terminal and sentences[0].line_start
    }
    for note in notes:
        for paragraph in re.split(r"\n\s*\n", note.text)[1:]:
            opening = split_sentences(paragraph)[:1]
            if opening and count_words(opening[0].text) >= 3:
                titles.add(normal_form(_strip_filler(opening[0].text)))
    tip_notes: dict[str, list[int]] = defaultdict(list)
    tip_text: dict[str, str] = {}
    hook_notes: dict[str, list[int]] = defaultdict(list)
    hook_text: dict[str, tuple[str, str]] = {}
    for index, sentences in enumerate(split):
        for sentence in sentences:
            for text in _unglue_title(_strip_filler(sentence.text), titles):
                text = _strip_filler(text)
                if not text or CALL_TO_ACTION_RE.search(text):
                    continue
                words = count_words(text)
                if words < 4 or words > 60:
                    continue
                key = normal_form(text)
                is_question = text.rstrip("\"”’").endswith("?")
                if is_question or _HOOK_RE.search(text) or key in titles:
                    kind = "question" if is_question else ("list" if _HOOK_RE.search(text) else "")
                    if kind:
                        hook_notes[key].append(index)
                        hook_text.setdefault(key, (text.rstrip(".").strip(), kind))
                    continue
                tip_notes[key].append(index)
                tip_text.setdefault(key, finish_sentence(text))
    tips = []
    for key, indexes in tip_notes.items():
        best = max(set(indexes), key=lambda i: (weights[i], -i))
        text = tip_text[key]
        tips.append(Tip(text, best, sum(weights[i] for i in set(indexes)), stem_set(text), bool(_FIRST_PERSON_RE.search(text))))
    hooks = []
    for key, indexes in hook_notes.items():
        best = max(set(indexes), key=lambda i: (weights[i], -i))
        text, kind = hook_text[key]
        hooks.append(Hook(text[:1].upper() + text[1:], kind, best, sum(weights[i] for i in set(indexes)), stem_set(text)))
    tips.sort(key=lambda tip: (-tip.weight, tip.note, tip.text))
    hooks.sort(key=lambda hook: (-hook.weight, hook.note, hook.text))
    return Material(tips, hooks)


def _strip_filler(text: str) -> str:
    while True:
        stripped = SPOKEN_LEAD_IN_RE.sub("", text)
        if stripped == text:
            return text.strip()
        text = stripped


def _unglue_title(text: str, titles: set[str]) -> list[str]:
    """`text` split after a known title it starts with, or `text` alone."""
    key = normal_form(text)
    for title in sorted(titles, key=lambda t: (-len(t), t)):
        if key.startswith(title + " ") and len(title.split()) >= 3:
            boundary = list(WORD_RE.finditer(text))[len(title.split()) - 1].end()
            return [text[:boundary], text[boundary:].lstrip(" ,.:;-–—")]
    return [text]


def _note_weights(notes: tuple[ResearchNote, ...]) -> list[float]:
    scores = [float(note.score) for note in notes]
    if not scores:
        return []
    low, high = min(scores), max(scores)
    if high - low < 1e-9:
        return [1.0] * len(scores)
    return [1.0 + (score - low) / (high - low) for score in scores]


def extract_themes(
    sentences: list[tuple[str, float]], *, keyphrase: str, keywords: tuple[str, ...] = (), limit: int
) -> list[str]:
    """The strongest themes of weighted sentences (the keywords first), distinct from the keyphrase."""
    keyphrase_stems = stem_set(keyphrase)
    scores: dict[str, float] = defaultdict(float)
    frequency: Counter[str] = Counter()
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    verbs = _verb_like_words(text for text, _ in sentences)
    for sentence, weight in sentences:
        seen: set[str] = set()
        originals = WORD_RE.findall(sentence)
        words = [word.lower() for word in originals]
        for position, word in enumerate(words):
            if not is_theme_word(word) or word in verbs:
                continue
            seen.add(word)
            surfaces[word][originals[position]] += 1
            if position + 1 < len(words) and is_theme_word(words[position + 1]):
                term = f"{word} {words[position + 1]}"
                seen.add(term)
                surfaces[term][f"{originals[position]} {originals[position + 1]}"] += 1
        for term in seen:
            # Spread beats repetition: a phrase in many different sentences is a theme, one repeated tip is not.
            scores[term] += (1.0 + 0.5 * math.log1p(weight)) * (1.6 if " " in term else 1.0)
            frequency[term] += 1
    minimum = 2 if len(sentences) >= 6 else 1
    ranked = sorted(
        (term for term in scores if frequency[term] >= minimum),
        key=lambda term: (-scores[term], term),
    )
    wanted = [keyword.strip().lower() for keyword in keywords if keyword.strip()]
    themes: list[str] = []
    taken: set[str] = set()
    phrases = [term for term in ranked if " " in term]
    for term in wanted + ranked:
        if " " not in term and term not in wanted:
            # "pasta water" makes a better heading than "pasta" when the phrase carries a fair share of the word.
            phrase = next((p for p in phrases if term in p.split() and scores[p] >= 0.4 * scores[term]), None)
            term = phrase or term
        stems = {stem(word) for word in term.split()}
        if not stems or stems <= keyphrase_stems or stems & taken:
            continue
        themes.append(_surface(term, surfaces))
        taken |= stems
        if len(themes) >= limit:
            break
    return themes


def _surface(term: str, surfaces: dict[str, Counter[str]]) -> str:
    """The term as the notes spell it when that spelling carries capitals inside a word (USB-C, iPhone)."""
    if term not in surfaces:
        return term
    spelling = max(surfaces[term].items(), key=lambda item: (item[1], item[0]))[0]
    if any(any(char.isupper() for char in word[1:]) for word in spelling.split()):
        return spelling
    return term


VERB_CUES = frozenset(
    "i you we they it he she that which who can can't will won't don't doesn't never always should must to "
    "actually really just still also often".split()
)


def _verb_like_words(sentences) -> set[str]:
    """Words used as verbs somewhere ("how to bake", "bread that rises", an imperative opening); headings need nouns."""
    verbs: set[str] = set()
    for sentence in sentences:
        words = [word.lower() for word in WORD_RE.findall(sentence)]
        if words:
            verbs.add(words[0])
        for position in range(1, len(words)):
            before = words[position - 1]
            if before in VERB_CUES:
                verbs.add(words[position])
    return verbs


def is_theme_word(word: str) -> bool:
    return (
        len(word) > 2
        and word not in STOPWORDS
        and not any(char.isdigit() for char in word)
        and "'" not in word
        and "’" not in word
        and not (word.endswith("ly") and word not in _NOUNS_ENDING_IN_LY)
    )


_NOUNS_ENDING_IN_LY = frozenset("family supply belly jelly rally italy july assembly anomaly butterfly".split())
