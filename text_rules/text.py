"""The shared text rules: cleaning captions, splitting sentences, word tokens and word lists.

Every app reads caption-shaped text (hashtags, mentions, links, emoji, line breaks); these rules
are written once here, so the profile insights, the viral-ideas analysis, the research stage and
the offline writer agree on what a word, a sentence and a stop word are.

Cleaning (clean_text)
    Links (http://, https://, www.), hashtags and emoji are always removed: they are not prose.
    An emoji is a character of Unicode category So (other symbol), Cs/Co/Cn (surrogate, private,
    unassigned: newer emoji than Python's Unicode tables), Cf (format: zero-width joiners), a
    variation selector, the keycap mark or a skin-tone modifier; other modifier letters (^, `)
    stay. Mentions are kept unless asked otherwise, since "@sarah made me try this" is about
    someone; the keyphrases and the writer's sentences drop them. Whitespace is collapsed into
    single spaces, within each line when the lines are kept.

Sentences (split_sentences)
    A sentence ends at ". ! ?" (optionally followed by a closing quote or bracket) before a
    capital or digit, and at every line break; an ellipsis ends a sentence too. Leading list
    and quote markers (- – — * • > #) are not part of a sentence.

Word lists
    STOP_WORDS       English function words (pronouns, auxiliaries, determiners, prepositions,
                     conjunctions, filler adverbs): never a keyword on their own.
    COUNT_WORDS      what a count counts in a caption ("5 ways", "in 30 minutes"): list formats
                     and units of time, money and weight, never a topic on their own.
    NUMBER_WORDS     numbers written as words ("ten dollars"); is_number knows them and figures.
    CAPTION_FILLER   call-to-action and hook wording creators reuse whatever the reel is about.
    PHRASE_BREAKERS  common verbs and adverbs that end a topic phrase (as index terms, plurals folded).
    LY_NOUNS         -ly words that are nouns, not adverbs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# English function words: enough to keep captions' filler out of keyword counts without
# downloading a corpus at run time.
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each even ever every
    few for from further get got had has have having he her here hers him his how i if in into is it
    its itself just like make me more most my myself no nor not now of off on once only or other our
    ours out over own really same she should so some such than that the their theirs them then there
    these they this those through to too under until up us very was we were what when where which
    while who whom why will with would you your yours yourself want thing things one way ways know
    don't it's i'm you're that's can't won't didn't doesn't isn't let's here's what's there's
    across almost already although always among amongst around cannot either else enough etc
    however may might must neither never often per perhaps quite rather shall since though thus
    unless upon via whether whose within without yet anyone anything everyone everything nobody
    nothing someone something somebody everybody whatever whenever wherever whoever
    i've i'll i'd we're we've we'll they're they've you've you'll you'd he's she's aren't wasn't
    weren't haven't hasn't hadn't couldn't shouldn't wouldn't ain't gonna wanna gotta gets getting
    herself himself themselves ourselves yourselves mine""".split()
)

# Words a count counts in a caption ("5 ways to …", "… in 30 minutes"): list formats and units of
# time say how much, never what about.
COUNT_WORDS = frozenset(
    """tip tips way ways thing things step steps mistake mistakes reason reasons sign signs hack hacks
    idea ideas trick tricks rule rules habit habits lesson lessons secret secrets fact facts
    second seconds minute minutes min mins hour hours hr hrs day days week weeks month months year years
    times part dollars bucks euros cents kg lbs""".split()
)

# Call-to-action and hook wording creators reuse whatever the reel is about ("nobody tells you",
# "follow for more"); as a "trend" it would win in every niche.
CAPTION_FILLER = frozenset({
    "follow", "link", "bio", "comment", "save", "share", "reel", "video", "post", "tag", "dm",
    "subscribe", "today", "check", "watch", "part", "nobody", "tell", "wish", "knew", "sooner",
    "someone", "everyone", "ever", "honestly", "literally", "pov", "fyp", "viral", "trending", "explore",
})

# Common verbs and adverbs end a topic phrase, the way RAKE's stop list does: without them
# "food goes" or "keep pans" would read as topics. Listed as index terms (plurals folded).
PHRASE_BREAKERS = frozenset({
    "goe", "going", "went", "gone", "get", "getting", "let", "keep", "kept", "turn", "send", "use",
    "used", "using", "take", "took", "put", "try", "tried", "start", "started", "need", "needed", "look",
    "feel", "think", "thought", "give", "find", "found", "come", "made", "making", "done", "seem", "say",
    "said", "see", "saw", "show", "still", "always", "never", "often", "everything", "nothing", "anything",
    "something", "everywhere", "okay", "well", "much", "many", "lot", "sure", "enough", "maybe", "already",
    "yet", "almost", "probably", "definitely", "simply", "instead", "back", "right", "next",
})

# Most longer -ly words are adverbs ("properly hot" is no topic); these nouns are not.
LY_NOUNS = frozenset({"family", "supply", "assembly", "butterfly", "anomaly", "monopoly", "italy", "july", "belly", "jelly"})

NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
    thousand million billion dozen""".split()
)

HASHTAG_RE = re.compile(r"#(\w+)")
MENTION_RE = re.compile(r"(?<![\w.])@[\w.]+")
URL_RE = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
# A word: letters and digits in any script, with inner apostrophes and hyphens ("don't", "well-known").
WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")

# A spoken lead-in before the point of a sentence ("Real quick: …", "Pro tip - …").
SPOKEN_LEAD_IN_RE = re.compile(
    r"^(?:real quick|quick tip|pro tip|okay|ok|so|alright|honestly|listen|look|pov|unpopular opinion|hot take|"
    r"storytime|fun fact|reminder)\s*[:,\-–—]\s*",
    re.IGNORECASE,
)
# Calls to action and the stock lines creators add to any reel ("no notes, just vibes").
CALL_TO_ACTION_RE = re.compile(
    r"\b(?:follow (?:me|us|for|@)|subscribe|like and|comment\b|tag (?:a|the|your)|send this|share this|save this|"
    r"save it for|link in (?:my )?bio|dm me|tell me in the comments|let me know|drop a|part (?:two|2|ii)\b|"
    r"stay with me|let me show you|here's the thing|here's what happened|i tested this so you don't have to|"
    r"every single time|no notes, just vibes|based on a true story|watch (?:till|until|to) the end|wait for it)",
    re.IGNORECASE,
)

_EMOJI_CATEGORIES = frozenset({"So", "Cs", "Co", "Cn", "Cf"})
_EMOJI_MARKS = frozenset("\ufe0e\ufe0f\u20e3")  # text/emoji variation selectors, keycap
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_SENTENCE_END = ".!?"
_CLOSING_QUOTES = "\"”’"
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")
SMALL_TITLE_WORDS = frozenset("a an and as at but by for in nor of on or the to with vs via".split())


def is_emoji(char: str) -> bool:
    """Whether a character is an emoji or other pictograph, or a mark that only shapes one."""
    if char in _EMOJI_MARKS or ord(char) in _SKIN_TONES:
        return True
    return unicodedata.category(char) in _EMOJI_CATEGORIES


def clean_text(text: str, *, keep_lines: bool = False, keep_mentions: bool = True) -> str:
    """Caption or transcript text without links, hashtags, emoji (and mentions) and extra whitespace."""
    text = URL_RE.sub(" ", text or "")
    text = HASHTAG_RE.sub(" ", text)
    if not keep_mentions:
        text = MENTION_RE.sub(" ", text)
    text = "".join(char for char in text if not is_emoji(char))
    if keep_lines:
        return "\n".join(" ".join(line.split()) for line in text.splitlines())
    return " ".join(text.split())


def clean_lines(text: str) -> str:
    """Text cleaned for splitting into sentences: no mentions either, lines kept, an ellipsis a full stop."""
    cleaned = clean_text(text, keep_lines=True, keep_mentions=False)
    return cleaned.replace("…", ".").replace("...", ".")


@dataclass
class Sentence:
    """One sentence of cleaned text, and where it stood."""

    text: str
    terminal: bool  # ended with punctuation in the source (a bare first line is a title)
    line_start: bool


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of `text` (cleaned with clean_lines); a line break ends a sentence too."""
    sentences: list[Sentence] = []
    for line in clean_lines(text).splitlines():
        line = line.strip(" -–—*•>#")
        if not line:
            continue
        for index, piece in enumerate(_SENTENCE_SPLIT_RE.split(line)):
            piece = piece.strip()
            if piece:
                terminal = piece[-1] in _SENTENCE_END or piece[-1] in _CLOSING_QUOTES
                sentences.append(Sentence(piece, terminal, index == 0))
    return sentences


def words(text: str) -> list[str]:
    """The words of `text` as written (letters and digits, inner apostrophes and hyphens kept)."""
    return WORD_RE.findall(text)


def count_words(text: str) -> int:
    """Words a reader sees in `text`, ignoring Markdown symbols."""
    return len(WORD_RE.findall(text))


def is_number(word: str) -> bool:
    """Whether a word is a count or a figure ("30", "10k", "2024", "1st", "3x", "ten"), not a word of prose."""
    word = word.lower()
    return word in NUMBER_WORDS or bool(re.fullmatch(r"[$€£]?\d[\d.,]*(?:k|m|x|st|nd|rd|th|s|%)?", word))


def title_case(text: str) -> str:
    """Headline capitalisation that leaves acronyms and small joining words alone."""
    result = []
    for index, word in enumerate(text.split()):
        if index and word.lower() in SMALL_TITLE_WORDS:
            result.append(word.lower())
        elif any(char.isupper() for char in word[1:]) or any(char.isdigit() for char in word):
            result.append(word)
        else:
            result.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(result)


def capitalize(text: str) -> str:
    """The text with its first letter upper-cased and the rest untouched (acronyms and names keep their case)."""
    return text[:1].upper() + text[1:]


def normal_form(text: str) -> str:
    """Lower-case words joined by single spaces: the identity of a sentence for de-duplication."""
    return " ".join(word.lower() for word in WORD_RE.findall(text))


def stem(word: str) -> str:
    """A word with a plain plural folded ("habits" → "habit", "berries" → "berry") for matching themes."""
    word = word.lower().replace("’", "'")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def join_list(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def finish_sentence(text: str) -> str:
    """Capitalised, trailing commas and dashes dropped, a full stop added when it ends without one."""
    text = text.strip().rstrip(",;:-–— ")
    if text and text[-1] not in _SENTENCE_END and text[-1] not in _CLOSING_QUOTES:
        text += "."
    return capitalize(text)
