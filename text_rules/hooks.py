"""Hooks: the opening line of a reel, and which kind of promise it makes to the viewer.

One home for the hook rules; the viral-ideas analysis, the offline ideas composer and the model
path (as its fallback) all call type_hook, so a rule is written once.

Hooks
A hook is the caption's first line that has letters once hashtags, emoji and links are gone,
else the transcript's first sentence, cut to about 150 characters (extract_hook).

classify_hook compares the hook lower-cased, without emoji, hashtags, links or a spoken lead-in
("Okay, …", "Real quick: …"), and returns the first type of HOOK_TYPES whose rule matches:

question       the hook ends with "?", or its first sentence ends with "?" and opens with a
               question word (why, how come, what, who, when, where, which, do/does/did,
               is/are, can, should, would, …). A question word without "?" is not a question
               ("What I eat in a day"). The question mark outranks every later type ("5
               mistakes you make?", "Last year I …. Was it worth it?") except an explicit
               how-to opening: "How to X?" and "How I X?" are how_to.
number_list    after at most two openers (the, my, these, here are, top, …) comes a numeral of
               two or more (digits or a word: "three", "ten") and a plural noun within the next
               three words; "top N" needs no noun. A count of time ("30 days of …", "two years
               ago") is no list, and neither is "one thing" (a list has two items or more).
how_to         "how to", "here's how", "step by step", "guide to", "tutorial" anywhere, or an
               opening "how I" / "how we" (mid-sentence "… how I think" is not a method).
contrarian     an imperative "stop", "don't", "do not" or "never" opening a clause; "you don't
               need / have to" (but not "so you don't have to"); "unpopular opinion", "hot
               take", "myth", "overrated", "nobody should", "is a scam / lie / waste"; "you're
               (doing …) wrong".
story          first-person past narrative: a sentence opening "I" / "we" + a past-tense verb
               ("I quit", "I tried", "I spent"; an -ed verb or an irregular one);
               "last year / month …", "N years ago", "yesterday"; "when I"; "my … told me";
               "my" + a past-tense verb within six words ("My client lost 12 kg");
               "here's what happened".
curiosity_gap  "the one thing", "nobody tells you", "this changed", "you won't believe",
               "secret", "what happened next", "wait for it", "the reason", "the truth about",
               "here's why", "I wish someone had told me", "didn't know".
bold_claim     "best", "worst", "only", "never", "always", "guaranteed", "game changer",
               "beats", "better than", "the most", "number one", "#1", and "every",
               "everyone", "every single" — except "every" after at / on / in / for, which is
               a frequency ("me at every family dinner"), not an absolute.
statement      anything else.

type_hook returns a HookTyping: the type, a confidence in [0, 1] and the cue, the words of the hook
that decided it, so a page can say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jobs.research import clean_text

# Checked in this order; the first type whose rule matches wins. An API can list these as they are.
HOOK_TYPES: dict[str, str] = {
    "question": "Asks the viewer something: ends with '?' ('Why does nobody salt the water?').",
    "number_list": "Promises a countable list: a leading number and plural noun ('5 mistakes', 'Top 10').",
    "how_to": "Promises a method: 'how to', 'how I', 'here's how', 'step by step', 'guide to'.",
    "contrarian": "Pushes against common advice: 'stop …', 'don't …', 'unpopular opinion', 'myth', 'overrated'.",
    "story": "First-person past narrative: 'I quit …', 'I tried …', 'last year I …', 'my … told me'.",
    "curiosity_gap": "Withholds the payoff: 'the one thing', 'nobody tells you', 'this changed', 'secret'.",
    "bold_claim": "Superlative or absolute: 'best', 'only', 'never', 'always', 'every', 'the #1', 'game changer'.",
    "statement": "None of the above: a plain description of the reel ('Sunday meal prep with me').",
}
HOOK_TYPE_ORDER: tuple[str, ...] = tuple(HOOK_TYPES)


HOOK_MAX_CHARS = 150
# How sure a matched rule is, and how sure "none matched" is.
RULE_CONFIDENCE = 0.9
STATEMENT_CONFIDENCE = 0.6


@dataclass(frozen=True)
class HookTyping:
    """A hook's type with the evidence for it."""

    type: str  # one of HOOK_TYPES
    confidence: float  # 0..1
    cue: str  # the words of the hook that decided the type ("" when none did)
    source: str = "offline"  # "offline" (these rules) | "model" (the language model's answer)

    def to_dict(self) -> dict[str, object]:
        return {"type": self.type, "confidence": self.confidence, "cue": self.cue, "source": self.source}


# --- Hooks ---------------------------------------------------------------------------------------

_RANK_RE = re.compile(r"#(?=\d+\b)")
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.?!…])\s+")
_SENTENCE_END_RE = re.compile(r"[.?!…]")
# Spoken openers ("Okay, so …", "Real quick: …") carry no hook of their own.
_LEAD_IN_RE = re.compile(r"^(?:(?:okay|ok|so|alright|real quick|quick|listen|look|honestly|guys)\s*[,:]\s*)+")
_WORD_RE = re.compile(r"[a-z0-9$#+'-]+")

# question: the hook ends with "?", or its first sentence does and opens with a question word.
_QUESTION_END_RE = re.compile(r"\?\W*$")
_QUESTION_OPENER_RE = re.compile(
    r"^(?:why|how come|how do|how does|how did|how can|how much|how many|how long|what|who|when|where|which|"
    r"do|does|did|is|are|was|were|can|could|should|would|will|have|has|ever)\b"
)
# how_to: these openings are a method even when phrased as a question ("How to X?").
_HOW_TO_OPENING_RE = re.compile(r"^(?:how to|how (?:i|we)|here's how|here is how)\b")
_HOW_TO_RE = re.compile(r"\b(?:how to|here's how|here is how|step[- ]by[- ]step|guide to|tutorial)\b")

# number_list: after up to two openers, a numeral ≥ 2 and, within the next three words, a plural noun.
_LIST_OPENERS = frozenset({"the", "my", "these", "our", "your", "here", "here's", "are", "top", "all"})
_NUMERAL_WORDS = frozenset({
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "fifteen", "twenty", "thirty", "fifty", "hundred", "several",
})
_NUMERAL_RE = re.compile(r"^(?:[2-9]|[1-9]\d{1,2})\+?$")
# "30 days of …" or "two years ago" count time, not items.
_TIME_UNITS = frozenset({"seconds", "minutes", "hours", "days", "weeks", "months", "years", "decades"})

# contrarian
_CONTRARIAN_RES = (
    re.compile(r"(?:^|[.!?:;,]\s*)(?:please\s+)?(?:stop|don't|do not|never)\s+\w"),
    # "so you don't have to" is a promise, not an objection.
    re.compile(r"(?<!so )\byou (?:don't|do not) (?:need|have to)\b"),
    re.compile(
        r"\b(?:unpopular opinion|hot take|controversial|myths?|overrated|nobody should|no one should|"
        r"(?:is|are) (?:a )?(?:scam|lie|waste)|waste of (?:money|time))\b"
    ),
    re.compile(r"\byou(?:'re| are|'ve been| have been)\b[^.?!]*\bwrong\b"),
    re.compile(r"\b(?:doing|getting|making|using) (?:it|this|them) wrong\b"),
)

# story
_STORY_OPENING_RE = re.compile(
    r"^(?:(?:last|this past) (?:year|month|week|summer|winter|spring|fall|autumn|night|weekend)|"
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few) (?:years?|months?|weeks?|days?) ago|"
    r"yesterday)\b"
)
_WHEN_I_RE = re.compile(r"\bwhen (?:i|we)\b")
_MY_TOLD_ME_RE = re.compile(r"^my\b[^.?!]*\b(?:told|taught|showed|asked) me\b")
_HAPPENED_RE = re.compile(r"\bhere's what happened\b")
# "I"/"we" opening a sentence, an optional adverb, then the verb to test for the past tense.
_FIRST_PERSON_VERB_RE = re.compile(
    r"(?:^|[.!?]\s+)(?:i|we)\s+(?:(?:just|finally|once|actually|never|\w+ly)\s+)?([a-z']+)"
)
_IRREGULAR_PAST = frozenset({
    "quit", "spent", "went", "got", "lost", "made", "took", "paid", "built", "ate", "ran", "left", "bought",
    "sold", "said", "did", "had", "was", "were", "found", "gave", "told", "wrote", "grew", "began", "fell",
    "felt", "kept", "met", "saw", "thought", "won", "broke", "drove", "flew", "hit", "put", "set", "sat",
    "slept", "spoke", "stole", "taught", "threw", "woke", "wore", "became", "came", "chose", "forgot",
    "hid", "knew", "learnt", "burnt", "swore", "sent", "lent", "brought", "caught", "fought", "heard",
})
_ED_NOT_PAST = frozenset({
    "need", "feed", "seed", "speed", "breed", "bleed", "proceed", "succeed", "exceed", "indeed", "embed",
    "weed", "greed", "deed", "shed", "red", "bed",
})
_MY_VERB_WINDOW = 6

# curiosity_gap
_CURIOSITY_RE = re.compile(
    r"\b(?:the one thing|one thing (?:nobody|no one)|(?:nobody|no one) (?:tells|told|talks|knows)|"
    r"this changed|changed (?:everything|my life)|you won't believe|you will not believe|secrets?|"
    r"what happened next|what happens next|wait for it|wait (?:till|until) the end|the reason|"
    r"the truth about|here's why|this is why|you need to know|(?:didn't|did not) know|"
    r"wish (?:someone|somebody|i|i'd) (?:had )?(?:told me|known|knew))\b"
)

# bold_claim: "every" after at/on/in/for is a frequency ("me at every family dinner"), not an absolute.
_BOLD_CLAIM_RE = re.compile(
    r"\b(?:best|worst|only|never|always|guaranteed|game[- ]?changers?|beats|better than|the most|number one)\b"
    r"|#1\b"
    r"|(?<!\bat )(?<!\bon )(?<!\bin )(?<!\bfor )\bevery(?:one|body| single)?\b"
)


def _clean(text: str) -> str:
    """clean_text that keeps ranks such as "#1" (Instagram hashtags cannot be all digits)."""
    guarded = _RANK_RE.sub("\x00", (text or "").replace("\x00", ""))
    return clean_text(guarded).replace("\x00", "#")


def _sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_SPLIT_RE.split(text) if part]


def _shorten(text: str, limit: int = HOOK_MAX_CHARS) -> str:
    """Text cut to `limit` characters at a sentence end if one is near, else at a word, with "…"."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [match.end() for match in _SENTENCE_END_RE.finditer(head)]
    # A sentence end in the first third would throw away most of the hook.
    if ends and ends[-1] >= limit // 3:
        return head[: ends[-1]].strip()
    cut = head[: limit - 1].rsplit(" ", 1)[0] if " " in head else head[: limit - 1]
    return cut.rstrip(" ,;:-") + "…"


def extract_hook(caption: str, transcript: str = "") -> str:
    """The caption's first line with letters (no hashtags, emoji or links), else the transcript's first sentence."""
    for line in (caption or "").splitlines():
        cleaned = _clean(line)
        if any(ch.isalpha() for ch in cleaned):
            return _shorten(cleaned)
    spoken = _clean(transcript)
    if not spoken:
        return ""
    return _shorten(_sentences(spoken)[0])


def _normalise(hook: str) -> str:
    text = _clean(hook).lower().replace("’", "'").replace("‘", "'")
    return _LEAD_IN_RE.sub("", text).strip()


def _is_question(text: str) -> bool:
    if _QUESTION_END_RE.search(text):
        return True
    first = _sentences(text)[0]
    return bool(_QUESTION_END_RE.search(first) and _QUESTION_OPENER_RE.match(first))


def _is_number_list(text: str) -> bool:
    words = _WORD_RE.findall(text)
    start = 0
    while start < min(2, len(words)) and words[start] in _LIST_OPENERS:
        start += 1
    if start >= len(words):
        return False
    numeral = words[start]
    if not (_NUMERAL_RE.match(numeral) or numeral in _NUMERAL_WORDS):
        return False
    if start and words[start - 1] == "top":
        return True  # "Top 10" needs no noun
    following = words[start + 1 : start + 4]
    if following and following[0] in _TIME_UNITS:
        return False
    return any(_is_plural(word) for word in following)


def _is_plural(word: str) -> bool:
    return len(word) >= 4 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s"))


def _is_past(word: str) -> bool:
    if word in _IRREGULAR_PAST:
        return True
    return len(word) >= 4 and word.endswith("ed") and word not in _ED_NOT_PAST


def _is_story(text: str) -> bool:
    if _STORY_OPENING_RE.match(text) or _WHEN_I_RE.search(text) or _MY_TOLD_ME_RE.match(text):
        return True
    if _HAPPENED_RE.search(text):
        return True
    if any(_is_past(match.group(1)) for match in _FIRST_PERSON_VERB_RE.finditer(text)):
        return True
    if text.startswith("my "):
        clause = re.split(r"[.,;:!?]", text, maxsplit=1)[0]
        return any(_is_past(word) for word in _WORD_RE.findall(clause)[1 : 1 + _MY_VERB_WINDOW])
    return False


def type_hook(hook: str) -> HookTyping:
    """The hook's type, how sure the rules are, and the words that decided it (module docstring)."""
    text = _normalise(hook)
    if not text:
        return HookTyping("statement", STATEMENT_CONFIDENCE, "")
    # A question mark wins over every later type, except a hook that opens as a method ("How to X?").
    if _is_question(text) and not _HOW_TO_OPENING_RE.match(text):
        return HookTyping("question", RULE_CONFIDENCE, "?")
    if _is_number_list(text):
        return HookTyping("number_list", RULE_CONFIDENCE, " ".join(text.split()[:3]))
    match = _HOW_TO_OPENING_RE.match(text) or _HOW_TO_RE.search(text)
    if match:
        return HookTyping("how_to", RULE_CONFIDENCE, match.group(0))
    for pattern in _CONTRARIAN_RES:
        match = pattern.search(text)
        if match:
            return HookTyping("contrarian", RULE_CONFIDENCE, match.group(0).lstrip(".!?:;, "))
    if _is_story(text):
        return HookTyping("story", RULE_CONFIDENCE, " ".join(text.split()[:3]))
    match = _CURIOSITY_RE.search(text)
    if match:
        return HookTyping("curiosity_gap", RULE_CONFIDENCE, match.group(0))
    match = _BOLD_CLAIM_RE.search(text)
    if match:
        return HookTyping("bold_claim", RULE_CONFIDENCE, match.group(0))
    return HookTyping("statement", STATEMENT_CONFIDENCE, "")


def classify_hook(hook: str) -> str:
    """The HOOK_TYPES name of a hook (type_hook without the confidence and cue)."""
    return type_hook(hook).type
