"""Keyphrases of briefs, captions and patterns, by YAKE (Campos et al., 2020) plus a few caption rules.

YAKE scores every run of one to `max_words` words of a single text from statistics of that text
alone (position, frequency, casing, how many different words a word sits next to); a lower score
is a better keyphrase. It needs no model and no corpus: the `yake` package is pure Python, and we
hand it our own stop-word list (text_rules.text), so nothing is read from the network or a model
file. Lemmatisation (which would need spaCy or NLTK data) stays off.

What YAKE gets wrong on captions, and what is done about it:

1. Caption noise would score as words: links, hashtags, mentions and emoji are cleaned out first
   (text_rules.text.clean_text), spoken lead-ins ("Real quick: …") and calls to action or stock
   lines ("save this for later", "link in bio", "comment GUIDE …", "no notes, just vibes") are cut
   to the end of their sentence (text_rules.text.CALL_TO_ACTION_RE, the rule the article writer
   drops such sentences by), and every line ends a sentence so a phrase never runs from one line
   into the next.
2. "… in 30 minutes" yields "minutes" and "5 ways to …" yields "ways": a count's unit or list
   format says how much, not what about. The stop words handed to YAKE are STOP_WORDS plus
   COUNT_WORDS plus platform words (reel, fyp, pov …), interjections, hype ("best", "ultimate"),
   hook wording ("wish", "sooner", "underrated") and verbs that go with any subject ("stop",
   "try", "use"), so none of them is a keyphrase on its own or the first or last word of one
   ("the best budget laptop" → "budget laptop"). Numbers never are either: YAKE discards digit
   tokens, and a number word ("ten") may only sit inside a phrase.
3. YAKE lets any stop word sit inside a phrase, so "account is losing" comes out whole. Inside a
   phrase only a joining word is kept: an article, a possessive or a preposition ("fix your
   posture", "tips for beginners", "salt and pepper"); a phrase with any other stop word inside
   (is, was, you, it, that …) is a clause, not a keyphrase, and is dropped.
4. Duplicates: two phrases are the same when their lower-cased words match with plurals folded
   ("Air fryer" and "air fryers"); the better-scored spelling is kept.
5. Containment: a multi-word phrase that lies inside a better one ("brew coffee" inside "cold
   brew coffee") is dropped, since it only repeats part of it. Single words are kept even when a
   better phrase contains them ("posture" after "fix your posture"): they are what repeats
   across different texts, which the viral-ideas "keyword" pattern counts.
6. Case: a phrase is lower-cased, except words spelled with capitals inside (iPhone, TikTok),
   short all-capital acronyms (SEO, HIIT) and names: words capitalised in mid-sentence
   ("flights to Japan"), unless the sentence is title-cased or written in capitals throughout.

Ties keep YAKE's order (the order phrases first appear), so the same text always gives the same
keyphrases.
"""

from __future__ import annotations

import re
from functools import lru_cache

import yake

from text_rules.text import (
    CALL_TO_ACTION_RE,
    COUNT_WORDS,
    SPOKEN_LEAD_IN_RE,
    STOP_WORDS,
    WORD_RE,
    clean_text,
    is_number,
)

# Words about the platform, not the reel's subject; and interjections.
PLATFORM_WORDS = frozenset(
    """reel reels video videos fyp foryou foryoupage viral trending explore explorepage pov
    instagram insta tiktok ig subscribe dm bio link links""".split()
)
INTERJECTIONS = frozenset("oh omg lol lmao haha yeah yep yes hey hi ok okay wow guys y'all ugh pls please".split())
# Hype says how the creator feels about the subject, not what it is ("the best budget laptop").
HYPE_WORDS = frozenset(
    """best better worst ultimate top amazing awesome perfect incredible insane crazy favorite favourite
    literally actually honestly totally super absolutely seriously definitely probably basically sadly
    hype worth""".split()
)
# Verbs that go with any subject ("stop", "try", "start"): the phrase is what follows them.
COMMON_VERBS = frozenset(
    """stop start try tried use used using need needs needed keep kept let go going goes went gone put
    take took give gave look looks feel feels think thought see saw say said show find found come came
    made making done seem seems tell told works worked learn happen happens happened""".split()
    # and the verbs of a video format: "the French Revolution explained", "… ranked".
    + "explained changed ranked reviewed tested debunked revealed".split()
)
# Hook wording creators put around any subject ("I wish I knew this sooner", "nobody talks about …").
HOOK_WORDS = frozenset("wish sooner knew talk talks talking underrated overrated advice".split())
# Order words qualify the subject ("my first half marathon"), never name it.
ORDER_WORDS = frozenset("first second third last next final".split())
KEYPHRASE_STOP_WORDS = (
    STOP_WORDS | COUNT_WORDS | PLATFORM_WORDS | INTERJECTIONS | HYPE_WORDS | COMMON_VERBS | HOOK_WORDS | ORDER_WORDS
)

# The only stop words allowed inside a keyphrase: they join nouns rather than make a clause.
JOINING_WORDS = frozenset(
    """a an the my your our their his her its of for to in on at with without from into by about
    and or vs via per over under after before around""".split()
)

# Acronyms are short; a longer all-capital word is shouting.
MAX_ACRONYM_LETTERS = 5

_SENTENCE_RE = re.compile(r"[^.!?]+[.!?]*")
# A call to action or stock line (text_rules.text) runs to the end of its sentence: "Comment GUIDE and
# I'll send it" is about the account, not the reel. Added here: the shapes not worth dropping a whole
# sentence of an article for ("save it", "tag someone who …", "comment below").
_CALL_TO_ACTION_CLAUSE_RE = re.compile(
    rf"(?:{CALL_TO_ACTION_RE.pattern})[^.!?\n]*"
    r"|\b(?:save|share|send) (?:this|it)\b[^.!?\n]*"
    r"|\blink (?:is )?in (?:my |the )?bio\b"
    r"|\btag (?:someone|somebody)\b[^.!?\n]*"
    r"|\bcomment (?:below|down below)\b[^.!?\n]*",
    re.IGNORECASE,
)


@lru_cache(maxsize=8)
def _extractor(max_words: int) -> yake.KeywordExtractor:
    # dedup_lim=1.0 turns YAKE's own string-similarity de-duplication off: rules 4 and 5 replace it.
    return yake.KeywordExtractor(
        lan="en", n=max_words, dedup_lim=1.0, top=200, stopwords=set(KEYPHRASE_STOP_WORDS)
    )


def _prepared(text: str) -> str:
    """Cleaned text, calls to action cut, one sentence per line."""
    lines = []
    for line in clean_text(text, keep_lines=True, keep_mentions=False).splitlines():
        line = _CALL_TO_ACTION_CLAUSE_RE.sub(" ", SPOKEN_LEAD_IN_RE.sub("", line.strip())).strip(" -–—*•>:")
        if any(char.isalpha() for char in line):
            lines.append(line if line[-1] in ".!?" else f"{line}.")
    return " ".join(lines)


def _fold(word: str) -> str:
    """A word's identity for duplicates: lower case, a plain plural folded ("fryers" → "fryer")."""
    word = word.lower().replace("’", "'")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _is_keyphrase(tokens: list[str]) -> bool:
    lowered = [token.lower().replace("’", "'") for token in tokens]
    if not lowered or lowered[0] in KEYPHRASE_STOP_WORDS or lowered[-1] in KEYPHRASE_STOP_WORDS:
        return False
    if is_number(lowered[0]) or is_number(lowered[-1]):
        return False
    if any(sum(char.isalpha() for char in token) < 2 and not is_number(token) for token in lowered):
        return False
    return all(word in JOINING_WORDS or word not in KEYPHRASE_STOP_WORDS for word in lowered[1:-1])


def _spellings(prepared: str) -> dict[str, str]:
    """How the text writes each word that keeps its capitals, by its lower-case form (first spelling wins).

    A word keeps them when spelled with capitals inside (iPhone, TikTok), as a short acronym (SEO,
    HIIT), or capitalised in mid-sentence (Portugal, Mexico City); a sentence's first word and the
    words of a title-cased or all-capitals sentence say nothing about names. A word the text also
    writes in lower case ("Air fryer … AIR FRYER … air fryers") is no name and no acronym.
    """
    kept: dict[str, str] = {}
    written_plainly: set[str] = set()
    for sentence in _SENTENCE_RE.findall(prepared):
        sentence_words = WORD_RE.findall(sentence)
        initials = [word[0] for word in sentence_words if word[0].isalpha()]
        title_cased = len(initials) >= 3 and sum(char.isupper() for char in initials) > 0.6 * len(initials)
        letters = [char for char in sentence if char.isalpha()]
        shouting = sum(char.isupper() for char in letters) > len(letters) / 2
        for position, word in enumerate(sentence_words):
            lowered = word.lower()
            inner_capitals = any(char.isupper() for char in word[1:]) and any(char.islower() for char in word)
            acronym = not shouting and word.isupper() and 1 < sum(char.isalpha() for char in word) <= MAX_ACRONYM_LETTERS
            named = position > 0 and not title_cased and word[0].isupper() and word[1:].islower()
            if inner_capitals or acronym or named:
                kept.setdefault(lowered, word)
            elif word == lowered or (word[1:].islower() and position > 0 and not title_cased):
                written_plainly.add(lowered)
            elif word[1:].islower() and lowered in kept and kept[lowered].isupper():
                written_plainly.add(lowered)  # "Air" beside "AIR": a shouted word, not an acronym
    return {lowered: word for lowered, word in kept.items() if lowered not in written_plainly}


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    size = len(shorter)
    return any(longer[i : i + size] == shorter for i in range(len(longer) - size + 1))


def keyphrases(text: str, *, limit: int = 5, max_words: int = 3) -> list[str]:
    """The keyphrases of a brief, caption or pattern, best first (at most `limit`, each ≤ `max_words` words)."""
    if limit <= 0 or max_words <= 0:
        return []
    prepared = _prepared(text or "")
    if not prepared:
        return []
    spellings = _spellings(prepared)

    chosen: list[tuple[str, tuple[str, ...]]] = []
    for phrase, _score in _extractor(max_words).extract_keywords(prepared):
        tokens = WORD_RE.findall(phrase)
        if len(tokens) != len(phrase.split()) or not _is_keyphrase(tokens):
            continue  # a token YAKE kept with punctuation inside ("u.s", "5-min") is not a clean phrase
        identity = tuple(_fold(token) for token in tokens)
        if any(identity == seen for _, seen in chosen):
            continue
        if len(identity) > 1 and any(_contains(seen, identity) for _, seen in chosen):
            continue
        chosen.append((" ".join(spellings.get(token.lower(), token.lower()) for token in tokens), identity))
        if len(chosen) >= limit:
            break
    return [spelling for spelling, _ in chosen]


def focus_keyphrase(text: str) -> str:
    """The one phrase an article about `text` optimises for ("5 ways to fix your posture" → "fix your posture")."""
    found = keyphrases(text, limit=1, max_words=3)
    return found[0] if found else ""


# A reel's keyphrases are one or two words: short phrases repeat across reels and accounts, which is
# what the profile's top keywords and the viral-ideas "keyword" pattern count.
REEL_KEYPHRASE_LIMIT = 8
REEL_KEYPHRASE_MAX_WORDS = 2


def reel_keyphrases(caption: str, transcript: str = "") -> tuple[str, ...]:
    """The keyphrases of a reel's caption and transcript, one or two words each, lower-cased, best first.

    Lower case throughout: these are counted across reels, where "Portugal" at the start of one
    caption and mid-sentence in another must be one value.
    """
    text = f"{caption or ''}\n{transcript or ''}"
    found = keyphrases(text, limit=REEL_KEYPHRASE_LIMIT, max_words=REEL_KEYPHRASE_MAX_WORDS)
    return tuple(dict.fromkeys(phrase.lower() for phrase in found))
