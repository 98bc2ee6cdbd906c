"""Spin mode's rewriting rules: word and phrase swaps, and sentence openings said another way.

rewrite_words flips contractions, swaps stock phrases (PHRASES) and single words (SYNONYMS) and
fixes "a"/"an" before a swapped word; restructure moves a leading condition to the end ("If you
…, do X." → "Do X if you ….") or rewrites a stock opening (OPENINGS). Both keep the meaning and
the capitalisation of what they replace. The spinner (jobs.providers.llm.offline) decides which
sentences may move: REFERRING_STARTS and PRONOUNS mark a sentence that leans on the one before.
"""

from __future__ import annotations

import re

from text_rules.text import capitalize

# Word-for-word swaps chosen to stay grammatical in either part of speech the word can take.
SYNONYMS = {
    "important": "essential", "crucial": "vital", "essential": "key", "big": "large", "huge": "enormous",
    "tiny": "minuscule", "quick": "speedy", "difficult": "tricky", "simple": "straightforward", "easy": "simple",
    "common": "frequent", "typical": "standard", "beautiful": "lovely", "great": "excellent",
    "expensive": "costly", "cheap": "inexpensive", "strong": "robust",
    "often": "frequently", "usually": "typically", "quickly": "rapidly", "really": "truly", "very": "really",
    "completely": "entirely", "probably": "likely", "maybe": "perhaps", "almost": "nearly", "also": "additionally",
    "simply": "just", "especially": "particularly", "mostly": "largely", "instantly": "immediately",
    "slowly": "gradually", "regularly": "routinely",
    "buy": "purchase", "buys": "purchases", "buying": "purchasing", "bought": "purchased",
    "choose": "pick", "chooses": "picks", "choosing": "picking",
    "avoid": "steer clear of", "avoids": "steers clear of", "avoiding": "steering clear of",
    "improve": "boost", "improves": "boosts", "improving": "boosting", "improved": "boosted",
    "explain": "clarify", "explains": "clarifies", "explained": "clarified",
    "begin": "start", "begins": "starts", "discover": "find", "discovers": "finds",
    "mistake": "error", "mistakes": "errors", "tip": "pointer", "tips": "pointers", "method": "approach",
    "methods": "approaches", "goal": "aim", "goals": "aims", "problem": "issue", "problems": "issues",
    "option": "choice", "options": "choices", "advice": "guidance", "habit": "routine", "habits": "routines",
    "beginners": "newcomers", "kids": "children", "amount": "quantity", "rules": "guidelines",
    "therefore": "so", "although": "even though", "because": "since", "enormous": "massive",
    "delicious": "tasty", "tasty": "flavourful", "easily": "readily",
}

PHRASES = (
    (r"\bmake sure\b", "ensure"),
    (r"\bmakes sure\b", "ensures"),
    (r"\ba lot of\b", "plenty of"),
    (r"\blots of\b", "plenty of"),
    (r"\bin order to\b", "to"),
    (r"\bbecause of\b", "due to"),
    (r"\bfor example\b", "for instance"),
    (r"\bas well as\b", "along with"),
    (r"\bat the end of the day\b", "ultimately"),
    (r"\bright now\b", "at the moment"),
    (r"\bfind out\b", "discover"),
    (r"\bdo not\b", "don't"),
    (r"\bdon't\b", "do not"),
    (r"\bdoes not\b", "doesn't"),
    (r"\bdoesn't\b", "does not"),
    (r"\bis not\b", "isn't"),
    (r"\bisn't\b", "is not"),
    (r"\bcannot\b", "can't"),
    (r"\bcan't\b", "cannot"),
    (r"\bit is\b", "it's"),
    (r"\bit's\b", "it is"),
    (r"\byou are\b", "you're"),
    (r"\byou're\b", "you are"),
    (r"\bthey are\b", "they're"),
    (r"\bwill not\b", "won't"),
    (r"\bwon't\b", "will not"),
)
_PHRASE_RE = re.compile("|".join(f"(?:{pattern})" for pattern, _ in PHRASES), re.IGNORECASE)
_PHRASE_LOOKUP = [(re.compile(pattern, re.IGNORECASE), replacement) for pattern, replacement in PHRASES]
# "a mistake" becomes "an error": the article must follow the new word.
_ARTICLE_RE = re.compile(
    r"\b(a|an) (" + "|".join(sorted({re.escape(v.split()[0]) for v in SYNONYMS.values()}, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_SYNONYM_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, SYNONYMS), key=len, reverse=True)) + r")\b", re.IGNORECASE)
# Sentence openings rewritten as a whole; the captured rest keeps the meaning.
OPENINGS = (
    (re.compile(r"^You can (.+)$"), "It is possible to {0}"),
    (re.compile(r"^You should (.+)$"), "It pays to {0}"),
    (re.compile(r"^It is important to (.+)$"), "Make a point to {0}"),
    (re.compile(r"^It's important to (.+)$"), "Make a point to {0}"),
    (re.compile(r"^Try to (.+)$"), "Aim to {0}"),
    (re.compile(r"^Remember to (.+)$"), "Do not forget to {0}"),
    (re.compile(r"^There are (.+)$"), "You will find {0}"),
    (re.compile(r"^Make sure (?:that )?(.+)$"), "Ensure {0}"),
)
_CONDITION_RE = re.compile(r"^(If|When|Once|Before|After|While) ([^,]{3,80}), ([a-z][^,;]{3,}?)([.!])$")
REFERRING_STARTS = frozenset(
    "this that these those it its they them he she his her but and so then also however therefore instead still yet "
    "which as such another both finally next later".split()
)


PRONOUNS = frozenset("it its it's this these those they them their theirs he him his she her".split())


def _match_case(original: str, replacement: str) -> str:
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def rewrite_words(sentence: str) -> str:
    """`sentence` with contractions flipped, stock phrases and words swapped for equivalents."""

    def phrase(match: re.Match) -> str:
        text = match.group(0)
        for pattern, replacement in _PHRASE_LOOKUP:
            if pattern.fullmatch(text):
                return _match_case(text, replacement)
        return text

    sentence = _PHRASE_RE.sub(phrase, sentence)
    sentence = _SYNONYM_RE.sub(lambda m: _match_case(m.group(0), SYNONYMS[m.group(0).lower()]), sentence)
    return _ARTICLE_RE.sub(_fix_article, sentence)


def _fix_article(match: re.Match) -> str:
    article, word = match.groups()
    wanted = "an" if word[:1].lower() in "aeiou" else "a"
    return f"{_match_case(article, wanted)} {word}"


def restructure(sentence: str) -> str:
    """Moves a leading condition to the end or rewrites a stock opening, keeping the meaning."""
    match = _CONDITION_RE.match(sentence)
    if match:
        word, condition, main, end = match.groups()
        return f"{capitalize(main)} {word.lower()} {condition}{end}"
    for pattern, template in OPENINGS:
        found = pattern.match(sentence)
        if found:
            return template.format(found.group(1))
    return sentence

