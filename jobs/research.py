"""The research stage's local knowledge base: stored reels and the operator's documents.

`gather_notes` ranks candidates with Okapi BM25 (k1 = 1.5, b = 0.75):

    score(d) = Σ over query terms t of idf(t) × tf(t, d) × (k1 + 1) ÷ (tf(t, d) + k1 × (1 − b + b × |d| ÷ avgdl))
    idf(t)   = ln(1 + (N − n(t) + 0.5) ÷ (n(t) + 0.5))

over terms that are lower-cased words of three letters or more, stop words (text_rules.text)
left out and plurals folded ("starters" → "starter", "berries" → "berry"). A reel's score is then
multiplied by 1 + 0.1 × ln(1 + outlier score): between two equally relevant reels, the one that
outperformed its account wins, without letting popularity outrank relevance. Candidates that
share no term with the query are dropped.

`pick_trending_topic` (the "trends" mode) looks at the reels with the highest outlier scores
(ties: more views). A phrase is a run of one to three meaningful words within a clause (stop
words, call-to-action and hook wording, common verbs and -ly adverbs end a run), and its weight is

    Σ outlier scores of the top reels using it × ln(1 + N ÷ stored reels using it)

with N the most recent stored reels (up to 5,000) plus the top ones: a phrase every reel uses is a
template, not what set the top reels apart. The best two-word phrase that appears in at least two
top reels wins over the best single word when it carries at least half that word's weight, and a
three-word phrase wins over it with 80 % of its weight, unless it is only a piece of a longer run.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from django.conf import settings
from django.db.models import F

from jobs.errors import PermanentJobError
from jobs.providers.llm.base import ResearchNote
from jobs.seo import inline_plain
from profiles.models import Content
from text_rules.text import (
    CAPTION_FILLER,
    HASHTAG_RE,
    LY_NOUNS,
    PHRASE_BREAKERS,
    STOP_WORDS,
    clean_text,
)

logger = logging.getLogger(__name__)

K1, B = 1.5, 0.75
OUTLIER_BOOST = 0.1
MAX_REELS = 5_000
DOCUMENT_SUFFIXES = frozenset({".md", ".txt"})
# A stray export of several megabytes is not notes; reading it would stall the worker.
MAX_DOCUMENT_BYTES = 2_000_000
# A phrase must appear in this many reels to be a trend rather than one creator's wording.
MIN_PHRASE_REELS = 2
# A bigram replaces its best single word when it carries at least this share of that word's weight.
BIGRAM_SHARE = 0.5
# A phrase grows by one word when the longer phrase carries at least this share of its weight.
TRIGRAM_SHARE = 0.8
MAX_TREND_KEYWORDS = 8

ProgressCallback = Callable[[float, str], None]

# Index terms split hyphenated words ("pre-cut" is found by "cut"), unlike text_rules.text.WORD_RE.
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_CLAUSE_RE = re.compile(r"[.!?,;:()\[\]\"“”—–…\n|/]+")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_LIST_MARKER_RE = re.compile(r"^\s*(?:[-*+>]|\d{1,9}[.)])\s+")


@dataclass(frozen=True)
class TrendingTopic:
    """What the stored reels' best performers are about, as an article topic."""

    topic: str
    keyphrase: str
    keywords: tuple[str, ...]
    source_reels: tuple[str, ...]  # shortcodes of the reels that use the keyphrase, best first


# --- Text ----------------------------------------------------------------------------------------


def _fold_plural(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _term(word: str) -> str | None:
    """The index term of one lower-cased word, or None for stop words, numbers and short words."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) < 3 or word in STOP_WORDS or not word[0].isalpha():
        return None
    return _fold_plural(word)


def _words(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.lower().replace("’", "'"))


def terms(text: str) -> list[str]:
    """The BM25 terms of a text, in order."""
    return [t for t in map(_term, _words(text)) if t]


# --- Candidates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    source: str
    title: str
    text: str
    url: str
    length: int  # number of terms
    query_tf: dict[str, int]  # frequencies of the query's terms only
    outlier: float = 0.0


def _candidate(
    source: str, title: str, text: str, url: str, index_text: str, query: set[str], outlier: float = 0.0
) -> _Candidate:
    doc_terms = terms(index_text)
    counts = Counter(t for t in doc_terms if t in query)
    return _Candidate(source, title, text, url, len(doc_terms), dict(counts), outlier)


def _reel_candidates(query: set[str]) -> Iterable[_Candidate]:
    rows = (
        Content.objects.order_by(F("date_posted").desc(nulls_last=True), "-id")
        .values_list(
            "username", "shortcode", "content_type", "url", "description", "transcript", "hashtags", "outlier_score"
        )
    )[:MAX_REELS]
    for username, shortcode, content_type, url, caption, transcript, hashtags, outlier in rows.iterator(chunk_size=500):
        text = "\n\n".join(part for part in (clean_text(caption), clean_text(transcript)) if part)
        if not text:
            continue
        # Creators often name the topic only in a hashtag, so hashtags count for ranking.
        tags = " ".join(HASHTAG_RE.findall(caption or "")) + " " + " ".join(str(t) for t in (hashtags or []))
        yield _candidate(
            "reel", f"@{username} {content_type or 'reel'} {shortcode}", text, url or "", f"{text} {tags}", query,
            outlier=float(outlier or 0.0),
        )


def _document_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    files = [
        path for path in folder.rglob("*")
        if path.is_file() and path.suffix.lower() in DOCUMENT_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(folder).as_posix())


def _paragraphs(text: str) -> Iterable[tuple[str, str]]:
    """(paragraph, the heading it sits under) for each paragraph of a Markdown or plain-text file."""
    heading = ""
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [line for line in block.split("\n") if line.strip()]
        body = []
        for line in lines:
            match = _HEADING_RE.match(line)
            if match:
                heading = inline_plain(match.group(1))
            else:
                body.append(_LIST_MARKER_RE.sub("", line))
        paragraph = inline_plain(" ".join(body))
        if paragraph:
            yield paragraph, heading


def _document_candidates(folder: Path, query: set[str]) -> Iterable[_Candidate]:
    for path in _document_files(folder):
        name = path.relative_to(folder).as_posix()
        try:
            if path.stat().st_size > MAX_DOCUMENT_BYTES:
                logger.warning("Research document %s is over %d bytes; skipped", name, MAX_DOCUMENT_BYTES)
                continue
            content = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            logger.warning("Research document %s could not be read: %s", name, error)
            continue
        for paragraph, heading in _paragraphs(content):
            # The section heading is context for ranking, not part of the note.
            yield _candidate("document", name, paragraph, "", f"{heading} {paragraph}", query)


def _bm25(candidates: list[_Candidate], query: list[str]) -> list[tuple[float, _Candidate]]:
    total = len(candidates)
    if not total:
        return []
    average_length = sum(c.length for c in candidates) / total or 1.0
    document_frequency = {t: sum(1 for c in candidates if t in c.query_tf) for t in query}
    idf = {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in document_frequency.items()}
    scored = []
    for candidate in candidates:
        score = 0.0
        for term, tf in candidate.query_tf.items():
            norm = K1 * (1 - B + B * candidate.length / average_length)
            score += idf[term] * tf * (K1 + 1) / (tf + norm)
        if score <= 0:
            continue
        if candidate.source == "reel":
            score *= 1 + OUTLIER_BOOST * math.log1p(max(candidate.outlier, 0.0))
        scored.append((score, candidate))
    return scored


def gather_notes(
    *,
    query: str,
    keywords: Iterable[str] = (),
    limit: int = 12,
    documents_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> list[ResearchNote]:
    """The `limit` reels and document paragraphs most relevant to the query and keywords, best first."""

    def report(fraction: float, message: str) -> None:
        if on_progress is not None:
            on_progress(fraction, message)

    query_terms = list(dict.fromkeys(terms(" ".join([query, *keywords]))))
    if not query_terms or limit <= 0:
        report(1.0, "Nothing to search for")
        return []
    wanted = set(query_terms)

    report(0.05, "Reading stored reels")
    candidates = list(_reel_candidates(wanted))
    reel_count = len(candidates)
    report(0.45, f"Read {reel_count} stored reels")

    folder = documents_dir if documents_dir is not None else getattr(settings, "RESEARCH_DOCS_DIR", None)
    if folder is not None:
        candidates.extend(_document_candidates(Path(folder), wanted))
    report(0.7, f"Read {len(candidates) - reel_count} document paragraphs; ranking")

    scored = _bm25(candidates, query_terms)
    scored.sort(key=lambda item: (-item[0], item[1].source, item[1].title, item[1].text))
    notes = [
        ResearchNote(source=c.source, title=c.title, text=c.text, score=round(score, 4), url=c.url)
        for score, c in scored[:limit]
    ]
    report(1.0, f"{len(notes)} notes from {len(scored)} matching candidates")
    return notes


# --- Trends --------------------------------------------------------------------------------------


def _topical(term: str) -> bool:
    """Whether a term can be part of a topic phrase."""
    if term in CAPTION_FILLER or term in PHRASE_BREAKERS:
        return False
    return not (len(term) > 5 and term.endswith("ly") and term not in LY_NOUNS)


def _phrases(text: str) -> dict[tuple[str, ...], str]:
    """Every 1-4 word run of meaningful words in a text (by term) with one surface form each.

    Four-word runs are never topics; they tell a three-word fragment of a longer run apart.
    """
    found: dict[tuple[str, ...], str] = {}
    for clause in _CLAUSE_RE.split(text.lower().replace("’", "'")):
        run: list[tuple[str, str]] = []  # (term, surface) of consecutive meaningful words
        for word in _TOKEN_RE.findall(clause):
            term = _term(word)
            if term is None or not _topical(term):
                run = []
                continue
            run.append((term, word.removesuffix("'s")))
            for size in (1, 2, 3, 4):
                if len(run) >= size:
                    window = run[-size:]
                    found.setdefault(tuple(t for t, _ in window), " ".join(s for _, s in window))
    return found


def _background_rarity(phrases: set[tuple[str, ...]], top_codes: set[str]) -> dict[tuple[str, ...], float]:
    """ln(1 + N ÷ reels using the phrase) over the most recent stored reels and the top ones.

    A phrase that half of all reels use is a template, not what made the top reels stand out.
    """
    usage: Counter = Counter()
    seen = 0
    rows = (
        Content.objects.order_by(F("date_posted").desc(nulls_last=True), "-id")
        .values_list("shortcode", "description", "transcript")
    )[:MAX_REELS]
    for shortcode, caption, transcript in rows.iterator(chunk_size=500):
        top_codes.discard(shortcode)
        seen += 1
        usage.update(p for p in _phrases(f"{clean_text(caption)}\n{clean_text(transcript)}") if p in phrases)
    if top_codes:
        # Top reels older than the background sample still count once each.
        seen += len(top_codes)
        for caption, transcript in Content.objects.filter(shortcode__in=top_codes).values_list("description", "transcript"):
            usage.update(p for p in _phrases(f"{clean_text(caption)}\n{clean_text(transcript)}") if p in phrases)
    return {phrase: math.log(1 + seen / max(usage[phrase], 1)) for phrase in phrases}


def pick_trending_topic(*, limit_reels: int = 50) -> TrendingTopic:
    """The topic the highest-outlier reels share, weighted by how much each reel outperformed."""
    rows = list(
        Content.objects.order_by("-outlier_score", "-view_count", "shortcode")
        .values_list("shortcode", "description", "transcript", "outlier_score")[:limit_reels]
    )
    if not rows:
        raise PermanentJobError("No stored reels to find a trend in; fetch some profiles first", error_code="NO_TREND_DATA")

    # When no reel has a positive outlier score yet, every reel counts the same.
    weighted = any((outlier or 0) > 0 for *_, outlier in rows)
    weight: dict[tuple[str, ...], float] = defaultdict(float)
    reels_with: dict[tuple[str, ...], list[str]] = defaultdict(list)
    surfaces: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    for shortcode, caption, transcript, outlier in rows:
        found = _phrases(f"{clean_text(caption)}\n{clean_text(transcript)}")
        reel_weight = max(float(outlier or 0.0), 0.0) if weighted else 1.0
        for phrase, surface in found.items():
            weight[phrase] += reel_weight
            reels_with[phrase].append(shortcode)
            surfaces[phrase][surface] += 1

    if not weight:
        raise PermanentJobError(
            "The stored reels have no caption or transcript words to find a trend in", error_code="NO_TREND_DATA"
        )
    for phrase, rarity in _background_rarity(set(weight), {code for code, *_ in rows}).items():
        weight[phrase] *= rarity

    def rank(phrase: tuple[str, ...]) -> tuple[float, float, int, tuple[str, ...]]:
        # Between equally weighted phrases, the one made of stronger words: "air fryer" over "fryer meal".
        return (-weight[phrase], -sum(weight[(w,)] for w in phrase), -len(reels_with[phrase]), phrase)

    def repeated(size: int) -> list[tuple[str, ...]]:
        return sorted((p for p in weight if len(p) == size and len(reels_with[p]) >= min_reels), key=rank)

    def extensions(phrase: tuple[str, ...]) -> list[tuple[str, ...]]:
        longer = [p for p in repeated(len(phrase) + 1) if phrase in (p[:-1], p[1:])]
        return [p for p in longer if weight[p] >= TRIGRAM_SHARE * weight[phrase]]

    texts_with_words = len({code for codes in reels_with.values() for code in codes})
    min_reels = min(MIN_PHRASE_REELS, texts_with_words)
    singles = sorted((p for p in weight if len(p) == 1), key=rank)
    best = singles[0]
    bigrams = repeated(2)
    if bigrams and weight[bigrams[0]] >= BIGRAM_SHARE * weight[best]:
        best = bigrams[0]
        # A trigram that nearly always runs on into a fourth word is a fragment ("air fryer meal"
        # of "air fryer meal prep"); the bigram reads better then.
        trigrams = [t for t in extensions(best) if not extensions(t)]
        if trigrams:
            best = trigrams[0]

    keyphrase = surfaces[best].most_common(1)[0][0]
    keywords = tuple(
        surfaces[p].most_common(1)[0][0] for p in singles if p[0] not in best
    )[:MAX_TREND_KEYWORDS]
    return TrendingTopic(
        topic=keyphrase[:1].upper() + keyphrase[1:],
        keyphrase=keyphrase,
        keywords=keywords,
        source_reels=tuple(dict.fromkeys(reels_with[best])),
    )
