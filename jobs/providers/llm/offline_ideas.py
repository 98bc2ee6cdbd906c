"""The offline ideas composer: content ideas built from competitors' outlier reels by fixed rules.

No model and no network: nothing is generated, words are only kept, swapped and chosen. Same
brief, same ideas, in every process: choices follow list order and the idea's position, never a
set's order or hash(). Three modules, read in this order:

    offline_ideas     this one: the creator's strategy, the choices below, the citations
    hook_frames       a hook's structure: its frame words, its subject, filling in a new topic
    ideas_templates   the wording tables: angles, script beats, calls to action

How one idea is made (compose_ideas_from_outliers):

1. Pick the source. Outlier reels are taken round-robin across competitors, strongest first, so
   every competitor inspires an idea before one inspires two. Up to two reels of the same hook
   type from other accounts are cited beside it: the format held beyond one creator.
2. Reuse the hook's structure (hook_frames.hook_structure). The source hook's words are sorted
   into frame words (numbers, function words and the vocabulary hooks are made of: "mistakes",
   "stop", "nobody tells you", "here's what happened"), audience words ("beginners", "busy moms")
   and subject words (everything else: "deadlift", "sugar", "pasta water"). The subject becomes
   the creator's main topic (what the content type names first: "Skincare for sensitive skin" →
   "skincare") and the audience the creator's audience (both read from content_strategy); the
   frame, verbs included, stays: "5 mistakes killing your deadlift" → "5 mistakes killing your meal
   prep", "Why do busy parents struggle so much with sleep?" → "Why do busy moms struggle so much
   with meal prep?". A subject after a verb of giving something up ("quit", "stop", "I quit my desk
   job") is a habit, so it becomes a habit of the topic: "Stop stretching before you run" → "Stop
   winging your meal prep", never "I quit my meal prep". A plural topic describes a noun in the
   singular and its verbs agree (hook_frames.fit_topic): "budget family dinner advice".
3. Or fall back to an angle: the hook type's next unused angle (ideas_templates.ANGLES), filled
   with the topic and audience. That happens when hook_structure finds no clean structure (no
   subject, two subjects, a subject that is a clause, a slot for one countable thing or a place
   such as "your first pull-up", too little frame: see its docstring), or
   when the structure's hook would repeat a hook, a competitor's hook or an opening template
   already used in the run. A fallback angle leaves alone the openings that later sources' own
   structures will need, so a structure that carries over is used wherever it can be.
4. Vary. No two ideas of a run share an opening template (hook_frames.opening_template: the
   hook's first three words, lower-cased, with numbers written "#" and the creator's topics, the
   audience and the habit words each written "~"). When a hook type's angles run out, other
   types' angles are used; only when every opening is taken does a "Part N" sequel repeat one.
5. Outline the script: each hook type has three beats (setup, the points, the payoff) filled with
   the topic, the audience and the list size, and a fourth borrows the pacing of the source reel.
   script["body"] holds the beat texts, each starting with its label ("Setup: …").
6. Title: the angle's title, or for a kept structure the title of the angle worded most like it;
   a title never promises a number the hook lacks ("30 Days of …" for "… for 90 days").
7. Cite: sources holds the reels; why_it_works names them ("@x's reel ABC123 (6.2× its typical
   views)"), the structure kept (or why not) and the cross-competitor patterns that match, each
   in a creator's words (describe_pattern: "medium-length hooks (7-12 words) were outliers for …").

tests/jobs/test_ideas_on_sample_data.py composes ideas from the shipped sample accounts' real
outlier hooks for creators in eight niches and checks the failures above in general.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass

from jobs.errors import PermanentJobError
from jobs.providers.llm.base import ContentIdea, IdeasBrief, IdeaSource, ProgressCallback
from jobs.providers.llm.hook_frames import (
    AUDIENCE_WORDS,
    FRAME_WORDS,
    HABITS,
    NUMBER_WORDS,
    HookStructure,
    clean_line,
    compound_form,
    fit_topic,
    hook_structure,
    is_plural,
    opening_template,
)
from jobs.providers.llm.ideas_templates import (
    ANGLES,
    BEATS,
    DEFAULT_CALL_TO_ACTION,
    GOAL_CALLS_TO_ACTION,
    HOOK_LABELS,
    HOOK_REASONS,
    PACING_BEAT,
    PLAIN_TITLES,
    Angle,
)
from text_rules.hooks import HOOK_TYPE_ORDER, classify_hook
from text_rules.text import SMALL_TITLE_WORDS, WORD_RE, capitalize, clean_text, join_list, normal_form, stem, title_case

HOOK_TYPES: tuple[str, ...] = HOOK_TYPE_ORDER

# Other names the analysis, the sample data and models use for the same hook types.
HOOK_TYPE_ALIASES = {
    "questions": "question",
    "number": "number_list",
    "numbers": "number_list",
    "numbered": "number_list",
    "numbered_list": "number_list",
    "list": "number_list",
    "listicle": "number_list",
    "howto": "how_to",
    "tutorial": "how_to",
    "hot_take": "contrarian",
    "unpopular_opinion": "contrarian",
    "storytime": "story",
    "personal_story": "story",
    "curiosity": "curiosity_gap",
    "claim": "bold_claim",
    "bold": "bold_claim",
}

DEFAULT_AUDIENCE = "most people"
DEFAULT_TOPIC = "your niche"
MAX_TOPICS = 4
# Words that describe the creator's medium rather than the subject, so they never make a topic.
MEDIA_WORDS = frozenset(
    "content contents posts post creator creators account accounts page pages channel channels tutorials tutorial "
    "clips shorts series niche educational informative entertaining entertainment audience audiences brand reels "
    "reel videos video tips advice ideas".split()
)
# Gerunds that say what the creator does ("teaching", "sharing") rather than what the reels are about.
CREATOR_VERBS = frozenset(
    "teaching helping sharing showing creating documenting posting explaining giving inspiring empowering educating "
    "covering offering providing featuring bringing reviewing making".split()
)
_AUDIENCE_LEADS = frozenset("a an the for mostly mainly primarily my our any all".split())
_AUDIENCE_CUT_RE = re.compile(
    r"[,;:.!?()/]|\s[-–—]\s|"
    r"\b(?:who|that|which|whose|looking|trying|wanting|interested|aged|in(?!\s+their\s+\d)|across|living|based|with|without|for|from)\b",
    re.IGNORECASE,
)
# Words ending in "-ly" that are not adverbs, so they can be part of a topic ("curly hair care").
_LY_NOUNS_AND_ADJECTIVES = frozenset("family belly supply curly early daily jelly italy assembly ugly holy".split())
_LEAD_RE = re.compile(r"\s+(?:for|in|with|over|on|about|at|from|to|during)\s+", re.IGNORECASE)
_CLAUSE_BREAK_RE = re.compile(r"[,;:.!?()\[\]/&|+\n]|\s[-–—]\s")


def normalize_hook_type(value: object) -> str | None:
    """The taxonomy name for `value` ("Number list", "curiosity" …), or None when it is not a hook type."""
    key = re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())
    key = HOOK_TYPE_ALIASES.get(key, key)
    return key if key in HOOK_TYPES else None


def source_hook_type(source: IdeaSource) -> str:
    """The hook type the analysis stored for the reel, else the one its wording shows (text_rules.hooks)."""
    return normalize_hook_type(source.hook_type) or classify_hook(source.hook)


# ---------------------------------------------------------------- the creator's strategy


@dataclass(frozen=True)
class Strategy:
    topics: tuple[str, ...]  # the main topic first; empty when the form names none
    audience: str
    goals: str


def read_strategy(brief: IdeasBrief) -> Strategy:
    """The creator's form turned into the words the ideas are built from."""
    strategy = brief.content_strategy if isinstance(brief.content_strategy, dict) else {}
    content_type = _strategy_text(strategy, "contentType", "content_type", "niche", "topic")
    audience_text = _strategy_text(strategy, "targetAudience", "target_audience", "audience")
    notes = _strategy_text(strategy, "additionalNotes", "additional_notes", "notes")
    audience = audience_phrase(audience_text) if audience_text else DEFAULT_AUDIENCE
    # A word the creator capitalises mid-sentence anywhere in the form is a name ("my Python course"), and
    # so is one the competitors' hooks capitalise mid-sentence ("The one thing about Notion setups").
    form = " ".join(str(value) for value in strategy.values() if isinstance(value, str))
    hooks = [clean_line(source.hook) for source in brief.outliers]
    written = " ".join([form, *(hook for hook in hooks if not _is_title_cased(hook))])
    names = {match.group(1) for match in re.finditer(r"(?<=[a-z,] )([A-Z][a-z]+)\b", written)}
    exclude = {stem(word) for word in WORD_RE.findall(audience)} if audience_text else set()
    # What the content type names before its first preposition is the main topic: "Skincare for sensitive
    # skin" is about skincare, "Budget travel in Europe" about budget travel; the rest may give more topics.
    lead, *rest = _LEAD_RE.split(content_type, maxsplit=1)
    candidates = topic_phrases(lead, exclude=exclude, names=names)
    # After the preposition a single word is seldom a subject of its own ("at home", "for stiff runners").
    candidates += topic_phrases(" ".join(rest), exclude=exclude, names=names, min_words=2)
    # Notes ramble ("I film in my kitchen"); only their multi-word phrases are likely subjects.
    candidates += topic_phrases(notes, exclude=exclude, names=names, min_words=2)
    for keyword in brief.keywords:
        candidates += topic_phrases(str(keyword), exclude=exclude, names=names)[:1]
    topics: list[str] = []
    taken: list[set[str]] = []
    for phrase in candidates:
        stems = {stem(word) for word in WORD_RE.findall(phrase)}
        if stems and not any(stems <= other or other <= stems for other in taken):
            topics.append(phrase)
            taken.append(stems)
    return Strategy(tuple(topics[:MAX_TOPICS]), audience, _strategy_text(strategy, "goals", "goal"))


def audience_phrase(text: str) -> str:
    """A plural noun phrase for the creator's audience: "Busy moms who work full time" → "busy moms"."""
    words = text.split()
    singular = False
    while words and words[0].lower() in _AUDIENCE_LEADS:
        singular = singular or words[0].lower() in ("a", "an")
        words.pop(0)
    words = _AUDIENCE_CUT_RE.split(" ".join(words), maxsplit=1)[0].split()
    # A participle after the noun starts a clause: "professionals paying off loans" → "professionals".
    words = words[:1] + list(itertools.takewhile(lambda word: not word.lower().endswith("ing"), words[1:6]))
    if singular and words:
        # "a busy mom of two" is one reader; the hooks speak about all of them.
        lowered = [word.lower() for word in words]
        noun = lowered.index("of") - 1 if "of" in lowered[1:] else len(words) - 1
        if noun >= 0 and not lowered[noun].endswith("s"):
            words[noun] += "s"
    return _natural_case(words, title_cased=_is_title_cased(text)) or DEFAULT_AUDIENCE


def topic_phrases(text: str, *, exclude: set[str], names: set[str] = frozenset(), min_words: int = 1) -> list[str]:
    """The subject phrases of free text, longest first: runs of at most three subject words.

    A frame word, a medium word ("content") or one of the `exclude` stems (the audience) ends a
    run, so "Teaching busy parents healthy meal prep" gives "healthy meal prep".
    """
    title_cased = _is_title_cased(text)
    ranked: list[tuple[int, int, str]] = []  # (-length, position, phrase)
    for clause in _CLAUSE_BREAK_RE.split(text):
        run: list[str] = []
        for word in [*WORD_RE.findall(clause), ""]:
            lower = word.lower()
            if word and _is_topic_word(lower) and stem(lower) not in exclude and not (not run and lower in CREATOR_VERBS):
                run.append(word)
                continue
            kept = run[-3:]  # English noun phrases end in their head noun
            if kept and len(kept) >= min_words:
                ranked.append((-len(kept), len(ranked), _natural_case(kept, title_cased=title_cased, names=names)))
            run = []
    return [phrase for _, _, phrase in sorted(ranked)]


def _is_topic_word(word: str) -> bool:
    return (
        len(word) > 2
        and word not in FRAME_WORDS
        and word not in MEDIA_WORDS
        and word not in AUDIENCE_WORDS
        and not any(char.isdigit() for char in word)
        and "'" not in word
        and not (word.endswith("ly") and word not in _LY_NOUNS_AND_ADJECTIVES)
    )


def _strategy_text(strategy: dict, *names: str) -> str:
    for name in names:
        value = strategy.get(name)
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(item) for item in value if item)
        if value:
            return clean_text(str(value), keep_mentions=False)
    return ""


def _natural_case(words: list[str], *, title_cased: bool, names: set[str] = frozenset()) -> str:
    """Form text typed in Title Case or sentence case, lowered where it reads mid-sentence; acronyms and names stay."""
    result = []
    for index, word in enumerate(words):
        plain_capital = word[:1].isupper() and word[1:] == word[1:].lower() and len(word) > 1 and word not in names
        result.append(word.lower() if plain_capital and (title_cased or index == 0) else word)
    return " ".join(result)


def _is_title_cased(text: str) -> bool:
    words = [word for word in WORD_RE.findall(text) if word[:1].isalpha() and word.lower() not in SMALL_TITLE_WORDS]
    return len(words) > 1 and all(word[:1].isupper() for word in words)


def _stems(text: str) -> set[str]:
    return {stem(word) for word in WORD_RE.findall(text.lower()) if _is_topic_word(word) or word in AUDIENCE_WORDS}


# ---------------------------------------------------------------- patterns


def _times(multiplier: float) -> str:
    return f"{float(multiplier):.1f}×"


def _count(value: object) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return len(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return 0


_CONTENT_PATTERN_KINDS = ("keyword", "topic", "phrase", "theme", "hashtag", "word", "term")
_TIMING_PATTERN_KINDS = ("hour", "time", "window")


def _pattern_hook_type(kind: str, value: object) -> str | None:
    if isinstance(value, dict):
        found = value.get("hook_type") or value.get("hook")
        return normalize_hook_type(found) if found else None
    if "hook" not in kind:
        return None
    if isinstance(value, (list, tuple)):
        return next((normalize_hook_type(item) for item in value if normalize_hook_type(item)), None)
    return normalize_hook_type(value)


def _hours(value: object) -> str:
    """A posting window in words: 18, "18-21" and (18, 21) → "between 18:00 and 21:00 UTC"."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return _hours([value, value + 1])
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"between {value[0] % 24:02d}:00 and {value[1] % 24:02d}:00 UTC"
    if isinstance(value, str) and (bounds := re.fullmatch(r"\s*(\d{1,2})\s*[-–]\s*(\d{1,2})\s*", value)):
        return _hours([int(bounds.group(1)), int(bounds.group(2))])
    if isinstance(value, dict):
        for key in ("hours", "window", "hour", "posting_window", "posting_hours"):
            if key in value:
                return _hours(value[key])
        if "start" in value and "end" in value:
            return _hours([value["start"], value["end"]])
        return ""
    text = str(value or "").strip()
    if not text:
        return ""
    return text if "utc" in text.lower() else f"{text} UTC"


def _pattern_window(kind: str, value: object) -> str:
    if isinstance(value, dict):
        return _hours(value)
    if isinstance(value, (list, tuple)) and "hook" in kind:
        rest = [item for item in value if not normalize_hook_type(item)]
        return _hours(rest[0] if len(rest) == 1 else rest) if rest else ""
    if any(word in kind for word in _TIMING_PATTERN_KINDS):
        return _hours(value)
    return ""


# The analysis's buckets (viral_ideas.analysis.PATTERN_KINDS) in words a creator uses.
_HOOK_LENGTHS = {
    "short": "short hooks (6 words or fewer)",
    "medium": "medium-length hooks (7-12 words)",
    "long": "long hooks (more than 12 words)",
}
_DURATIONS = {
    "0-15s": "reels of 15 seconds or less",
    "60s+": "reels over a minute long",
}


def _pattern_subject(kind: str, value: object) -> str:
    hook_type = _pattern_hook_type(kind, value)
    window = _pattern_window(kind, value)
    if hook_type:
        return f"{HOOK_LABELS[hook_type]} hooks" + (f" posted {window}" if window else "")
    if window:
        return f"reels posted {window}"
    if "day" in kind:
        return f"reels posted on {value}"
    if "hook" in kind and ("length" in kind or "words" in kind):
        return _HOOK_LENGTHS.get(str(value).strip().lower(), f"hooks of {value} words")
    if "duration" in kind or "length" in kind:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"reels of about {value:g} seconds"
        text = str(value).strip().lower()
        if text in _DURATIONS:
            return _DURATIONS[text]
        if bounds := re.fullmatch(r"(\d+)\s*-\s*(\d+)\s*s", text):
            return f"reels of {bounds.group(1)}-{bounds.group(2)} seconds"
        return f"reels of {value}"
    if "hashtag" in kind:
        return f"reels tagged #{str(value).lstrip('#')}"
    if any(word in kind for word in _CONTENT_PATTERN_KINDS):
        return f"reels about “{value}”"
    return f"reels with {kind.replace('_', ' ')} {value}".strip()


def describe_pattern(pattern: dict, competitors: int = 0) -> str:
    """One readable line: "question hooks were outliers for 3 of 4 competitors (avg 6.2×)".

    Every kind of viral_ideas.analysis.PATTERN_KINDS is put in a creator's words: "medium-length hooks
    (7-12 words)", "reels posted between 18:00 and 21:00 UTC", "reels of 15-30 seconds", "reels tagged
    #legday", "reels about “protein”". Lower case: callers start the sentence.
    """
    kind = str(pattern.get("kind") or "").strip().lower()
    subject = _pattern_subject(kind, pattern.get("value"))
    accounts = _count(pattern.get("accounts"))
    total = max(_count(pattern.get("total_accounts") or pattern.get("competitors")) or competitors, accounts)
    outliers = _count(pattern.get("outlier_count"))
    if accounts:
        if accounts == total == 2:
            claim = "were outliers for both competitors"
        elif accounts == total > 2:
            claim = f"were outliers for all {total} competitors"
        else:
            claim = f"were outliers for {accounts} of {total} competitors"
    elif outliers:
        claim = f"produced {outliers} outlier reels"
    else:
        claim = "stood out among the outliers"
    average = pattern.get("avg_multiplier", pattern.get("score"))
    numeric = isinstance(average, (int, float)) and not isinstance(average, bool) and average > 0
    return f"{subject} {claim}" + (f" (avg {_times(average)})" if numeric else "")


def _pattern_matches(pattern: dict, hook_type: str, stems: set[str]) -> bool:
    kind = str(pattern.get("kind") or "").strip().lower()
    value = pattern.get("value")
    pattern_hook = _pattern_hook_type(kind, value)
    if pattern_hook:
        return pattern_hook == hook_type
    if any(word in kind for word in _CONTENT_PATTERN_KINDS) and isinstance(value, str):
        wanted = _stems(value.lstrip("#"))
        return bool(wanted) and wanted <= stems
    return False


def _is_content_pattern(pattern: dict) -> bool:
    kind = str(pattern.get("kind") or "").strip().lower()
    return bool(_pattern_hook_type(kind, pattern.get("value"))) or any(word in kind for word in _CONTENT_PATTERN_KINDS)


# ---------------------------------------------------------------- the composer


def _round_robin(outliers: tuple[IdeaSource, ...]) -> list[IdeaSource]:
    """Every account's best reel first, then every account's second best …, each round best first."""
    by_account: dict[str, list[IdeaSource]] = {}
    seen: set[str] = set()
    for source in outliers:
        if source.shortcode not in seen:
            seen.add(source.shortcode)
            by_account.setdefault(source.username.lower(), []).append(source)
    order: list[IdeaSource] = []
    for depth in range(max(len(reels) for reels in by_account.values())):
        order.extend(reels[depth] for reels in by_account.values() if depth < len(reels))
    return order


def _list_size(hook: str) -> tuple[int, str]:
    """The list size a hook promises and what it counts: "5 mistakes killing …" → (5, "mistakes")."""
    words = WORD_RE.findall(clean_line(hook).lower())
    for index, word in enumerate(words[:3]):
        size = NUMBER_WORDS.get(word) or (int(word) if word.isdigit() else 0)
        if size:
            counted = next((w for w in words[index + 1 : index + 5] if is_plural(w) and w in FRAME_WORDS), "")
            # "1 things" does not read; a one-item list is a curiosity hook in disguise anyway.
            return (size if 2 <= size <= 20 else 5), counted
    return 5, ""


def _quote(hook: str, limit: int = 90) -> str:
    text = clean_line(hook)
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return f"“{text}”" if text else ""


def _source_topic(source: IdeaSource) -> str:
    """What a reel is about, for a creator whose strategy names no topic: its subject words."""
    structure = hook_structure(source.hook)
    if structure is not None:
        return _natural_case(structure.subject.split(), title_cased=True)
    return next(iter(topic_phrases(clean_line(source.hook), exclude=set())), DEFAULT_TOPIC)


# Words too common in hooks to say two hooks are alike.
_GLUE_WORDS = frozenset(
    "this that with your about from have will what when you'll ever most than does don't it's here's just really "
    "actually topic audience".split()
)


def _shared_words(hook: str, template: str) -> int:
    """How many telling words (four letters or more, glue words aside) a hook and an angle's hook share."""
    def telling(text: str) -> set[str]:
        return {word for word in normal_form(text).split() if len(word) > 3 and word not in _GLUE_WORDS}

    return len(telling(hook) & telling(template))


def _reel(source: IdeaSource) -> str:
    return f"@{source.username}'s reel {source.shortcode}"


@dataclass(frozen=True)
class _Choice:
    hook: str
    hook_type: str
    topic: str
    angle: Angle | None  # None when the hook keeps the source's structure
    structure: HookStructure | None


class _IdeaComposer:
    """Turns the brief's outlier reels into distinct ideas for the creator's strategy."""

    def __init__(self, brief: IdeasBrief):
        self.brief = brief
        self.strategy = read_strategy(brief)
        self.order = _round_robin(brief.outliers)
        primary = (brief.primary_username or "").lstrip("@").lower()
        self.competitors = len({source.username.lower() for source in brief.outliers if source.username.lower() != primary})
        # A competitor's hook word for word is not an adaptation, so those count as taken from the start.
        self.competitor_hooks = {normal_form(source.hook) for source in brief.outliers}
        self.used_texts: set[str] = set(self.competitor_hooks)
        self.used_openings: set[str] = set()
        self.type_uses: dict[str, int] = {}
        self.calls_to_action = self._calls_to_action()
        # Without a topic in the strategy, each idea keeps its own source's subject.
        self.own_topics = {source.shortcode: _source_topic(source) for source in self.order}
        # Openings the sources' own structures will want: a fallback angle leaves them to those sources.
        self.reserved = []
        for source in self.order:
            structure = hook_structure(source.hook)
            if structure is not None:
                topic = self._topics(source)[0]
                hook = structure.fill(topic=topic, audience=self.strategy.audience)
                self.reserved.append(opening_template(hook, self._masks()))

    def idea(self, index: int) -> ContentIdea:
        primary = self.order[index % len(self.order)]
        source_type = source_hook_type(primary)
        structure = hook_structure(primary.hook)
        choice = self._choose(primary, source_type, structure, self._topics(primary), index)
        hook_type = choice.hook_type
        sources = (primary, *self._supporters(primary, hook_type))
        n, counted = _list_size(choice.hook)
        values = self._values(choice.topic, n=n, counted=counted or (choice.angle.counted if choice.angle else ""),
                              habit=HABITS[index % len(HABITS)])
        title = self._title(choice, values)
        body = [f"{label}: {fit_topic(template.format(**values), choice.topic)}" for label, template in BEATS[hook_type]]
        body.append(PACING_BEAT.format(username=primary.username, shortcode=primary.shortcode,
                                       times=_times(primary.outlier_multiplier)))
        call_to_action = fit_topic(self.calls_to_action[index % len(self.calls_to_action)].format(**values), choice.topic)
        self.type_uses[hook_type] = self.type_uses.get(hook_type, 0) + 1
        return ContentIdea(
            title=title,
            hook=choice.hook,
            hook_type=hook_type,
            script={"hook": choice.hook, "body": body, "call_to_action": call_to_action},
            sources=sources,
            why_it_works=self._why(sources, choice, title),
            score=sum(float(source.outlier_multiplier) for source in sources) / len(sources),
        )

    def _choose(self, source, source_type, structure, topics, index) -> _Choice:
        """The source's structure with the topic, else the type's next unused angle, else another type's."""
        audience = self.strategy.audience
        habit = HABITS[index % len(HABITS)]
        candidates: list[_Choice] = []
        for topic in topics:
            if structure is not None:
                hook = structure.fill(topic=topic, audience=audience, habit=habit)
                candidates.append(_Choice(hook, source_type, topic, None, structure))
            candidates += self._angle_choices(source, source_type, topic)
        for other_type in HOOK_TYPES:
            if other_type != source_type:
                candidates += self._angle_choices(source, other_type, topics[0])
        reserved = [choice for choice in candidates if choice.angle is not None
                    and opening_template(choice.hook, self._masks()) in self.reserved]
        for choice in [choice for choice in candidates if choice not in reserved] + reserved:
            if self._is_fresh(choice.hook):
                return self._take(choice)
        # Every opening is taken: a numbered sequel is how creators reuse a format that worked.
        part = 2
        while True:
            for choice in candidates:
                sequel = dataclasses.replace(choice, hook=f"Part {part}: {choice.hook}")
                if normal_form(sequel.hook) not in self.used_texts:
                    return self._take(sequel)
            part += 1

    def _angle_choices(self, source: IdeaSource, hook_type: str, topic: str) -> list[_Choice]:
        angles = ANGLES[hook_type]
        offset = self.type_uses.get(hook_type, 0) % len(angles)
        n, _ = _list_size(source.hook)
        values = self._values(topic, n=n)
        return [_Choice(fit_topic(angle.hook.format(**values), topic), hook_type, topic, angle, None)
                for angle in angles[offset:] + angles[:offset]]

    def _topics(self, source: IdeaSource) -> tuple[str, ...]:
        return self.strategy.topics or (self.own_topics[source.shortcode],)

    def _masks(self) -> tuple[str, ...]:
        """What opening_template writes as "~": the topics (and how they describe a noun), the audience and the habits."""
        topics = self.strategy.topics or tuple(self.own_topics.values())
        described = tuple(compound_form(topic) for topic in topics if compound_form(topic) != topic)
        return (*topics, *described, self.strategy.audience, *HABITS)

    def _is_fresh(self, hook: str) -> bool:
        return normal_form(hook) not in self.used_texts and opening_template(hook, self._masks()) not in self.used_openings

    def _take(self, choice: _Choice) -> _Choice:
        self.used_texts.add(normal_form(choice.hook))
        self.used_openings.add(opening_template(choice.hook, self._masks()))
        return choice

    def _title(self, choice: _Choice, values: dict[str, object]) -> str:
        """The angle's own title first, then the type's other titles (a list's matching count first), never one used."""
        angles = list(ANGLES[choice.hook_type])
        if choice.angle is not None:
            angles.remove(choice.angle)
            angles.insert(0, choice.angle)
        else:
            # The title of the angle worded most like the hook: "Are you making this mistake …" → "The … Mistake …".
            angles.sort(key=lambda angle: -_shared_words(choice.hook, angle.hook))
        titled = {**values, "Topic": title_case(str(values["topic"])), "Audience": title_case(self.strategy.audience),
                  "Counted": title_case(str(values["counted"]))}
        # A title promises no number the hook does not: "I tried … for 90 days" is not "30 Days of …".
        numbers = set(re.findall(r"\d+", choice.hook))
        angles = [angle for angle in angles if set(re.findall(r"\d+", angle.title.format(**titled))) <= numbers]
        titles = [angle.title for angle in angles]
        if choice.angle is None and not (angles and _shared_words(choice.hook, angles[0].hook)):
            titles.insert(0, PLAIN_TITLES[choice.hook_type])  # no angle is worded like it: a title that fits any
        part = 1
        while True:
            for template in titles:
                title = fit_topic(template.format(**titled), str(values["topic"])) + (f" (Part {part})" if part > 1 else "")
                if normal_form(title) not in self.used_texts:
                    self.used_texts.add(normal_form(title))
                    return title
            part += 1

    def _supporters(self, primary: IdeaSource, hook_type: str) -> list[IdeaSource]:
        """Up to two more reels with the same hook type from other accounts: the format held beyond one creator."""
        chosen: list[IdeaSource] = []
        accounts = [primary.username.lower()]
        for source in self.brief.outliers:
            if len(chosen) == 2:
                break
            if source.username.lower() not in accounts and source_hook_type(source) == hook_type:
                chosen.append(source)
                accounts.append(source.username.lower())
        return sorted(chosen, key=lambda source: -float(source.outlier_multiplier))

    def _values(self, topic: str, *, n: int = 5, counted: str = "", habit: str = HABITS[0]) -> dict[str, object]:
        audience = self.strategy.audience
        counted = counted or "points"
        return {
            "topic": topic,
            "Topic": capitalize(topic),
            "audience": audience,
            "Audience": capitalize(audience),
            "n": n,
            "counted": counted,
            "item": counted[:-1] if counted.endswith("s") else counted,
            "habit": habit,
            "WORD": (topic.split()[-1] if topic.split() else "info").upper(),
        }

    def _why(self, sources: tuple[IdeaSource, ...], choice: _Choice, title: str) -> str:
        primary, others = sources[0], sources[1:]
        label = HOOK_LABELS[choice.hook_type]
        quoted = _quote(primary.hook)
        parts = [f"Adapted from {_reel(primary)}{', ' + quoted if quoted else ''} "
                 f"({_times(primary.outlier_multiplier)} its typical views)."]
        structure = hook_structure(primary.hook)
        if choice.structure is not None:
            frame = re.sub(r"\{(\w+)\}", r"[\1]", choice.structure.frame)
            filled_in = f"a habit of {choice.topic}" if "{habit}" in choice.structure.parts else choice.topic
            parts.append(f"It keeps that hook's structure, “{frame}”, with {filled_in} in place of "
                         f"“{choice.structure.subject}”.")
        elif structure is not None:
            filled = structure.fill(topic=choice.topic, audience=self.strategy.audience)
            reason = ("would repeat a competitor's hook word for word" if normal_form(filled) in self.competitor_hooks
                      else "already opens an earlier idea of this run")
            parts.append(f"Its structure {reason}, so this is a fresh {label} angle.")
        else:
            parts.append(f"Its wording does not carry over to {choice.topic} cleanly, so this is a fresh {label} angle.")
        if others:
            also = join_list([f"{_reel(source)} ({_times(source.outlier_multiplier)})" for source in others])
            parts.append(f"The same {label} hook also broke out for {also}.")
        parts.append(f"Why a {label} hook: {HOOK_REASONS[choice.hook_type][:1].lower()}{HOOK_REASONS[choice.hook_type][1:]}")
        stems = _stems(" ".join([choice.hook, title, *(source.hook for source in sources)]))
        patterns = [pattern for pattern in self.brief.patterns if isinstance(pattern, dict)]
        for pattern in [p for p in patterns if _pattern_matches(p, choice.hook_type, stems)][:2]:
            parts.append(f"Across competitors, {describe_pattern(pattern, self.competitors)}.")
        # Timing and length patterns hold whatever the idea is about, so the strongest one rides along.
        general = next((pattern for pattern in patterns if not _is_content_pattern(pattern)), None)
        if general is not None:
            parts.append(f"Worth copying too: {describe_pattern(general, self.competitors)}.")
        return " ".join(parts)

    def _calls_to_action(self) -> list[str]:
        """One call to action per goal the creator named, in the order they named them."""
        goals = self.strategy.goals
        found = sorted(
            (match.start(), template) for pattern, template in GOAL_CALLS_TO_ACTION if (match := pattern.search(goals))
        )
        return list(dict.fromkeys(template for _, template in found)) or [DEFAULT_CALL_TO_ACTION]


def compose_ideas_from_outliers(brief: IdeasBrief, report: ProgressCallback) -> list[ContentIdea]:
    """brief.count ideas from the brief's outlier reels (module docstring); reports once per idea."""
    if not brief.outliers:
        raise PermanentJobError("No outlier reels to base ideas on", error_code="NO_OUTLIERS")
    composer = _IdeaComposer(brief)
    count = max(0, int(brief.count))
    ideas = []
    for index in range(count):
        idea = composer.idea(index)
        ideas.append(idea)
        report((index + 1) / count, f"Composed idea {index + 1} of {count}: {idea.title}")
    return ideas
