"""A hook's structure: which of its words are the frame that made it work, and which are its subject.

"5 mistakes killing your deadlift" is the frame "5 mistakes killing your …" around the subject
"deadlift". hook_structure finds the subject (and the audience) and gives the frame with slots;
HookStructure.fill puts the creator's topic and audience into them and fixes the grammar up
(articles, verb agreement, capitals). opening_template says how a hook opens, so a run of ideas
can tell two hooks built on the same template apart.

Words are sorted with word lists, not a language model: FRAME_WORDS are the function words and
the vocabulary hooks are made of (with HOOK_VERBS, the verbs hooks put around a subject: "Why do
busy parents struggle so much with sleep?" keeps "struggle"), AUDIENCE_WORDS the people reels speak
to (with what qualifies them: "people over 30", "people who hate tech setup"), and every other word
is subject. When that sorting leaves no clean single subject, or the subject's slot wants something
a creator's topic is not (one countable thing, a purchase, a place: _needs_a_thing), hook_structure
returns None and the composer falls back to an angle (offline_ideas explains when). fit_topic fits a
plural topic to the words after it ("budget family dinner advice", "your dinners aren't working").
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from text_rules.text import WORD_RE, clean_text

# Words a hook is built from whatever its niche; every other word is the hook's subject.
FRAME_WORDS = frozenset(
    """
    a an the this that these those my your our their his her its every each all some any no most many more much
    few other own i me we us you they them he him she it i'm i've i'd i'll you're you've you'll you'd we're we've
    they're it's that's here's there's what's who's nobody everyone everybody someone anyone something nothing
    everything anything one about above after against at before behind below between but by during for from if
    in into like of off on or out over than through to under until up when where while with without and so
    because as vs why what how who which whose am is are was were be been being do does did don't doesn't didn't
    can can't could couldn't should shouldn't would wouldn't will won't have has had haven't hasn't must might
    may need needs needed not never always just actually really still even also only ever again finally
    literally honestly seriously almost too very instead ago here there now today tonight yes okay ok pov wait
    unpopular opinion hot take mistake mistakes way ways thing things tip tips sign signs reason reasons habit
    habits step steps rule rules hack hacks trick tricks secret secrets lesson lessons myth myths truth fact
    facts question questions idea ideas lie lies advice day days week weeks month months year years minute
    minutes hour hours second seconds times life part result results change difference problem problems
    make makes making made do doing done get gets getting got try tried trying quit quitting stop stopped
    stopping start started starting want wanted know knew known tell tells told talk talks talking happen
    happens happened changed changes changing kill killing kills ruin ruining ruins ruined wreck wrecking
    sabotage sabotaging keep keeping kept hold holding fix fixing fixed save saving saved wasting
    wasted cost costing costs use using used work works worked working think thought wish believe say says
    said see saw show shows learn learned learnt take took taking give gave giving go went going come came
    find found feel feels felt look looks beat beats skip skipping skipped ditch ditched avoid avoiding avoided
    spend spent let understand understood realise realized realised realize wrong right best worst biggest
    first last real simple easy hard harder easier better worse faster slower top new old big small worth
    sooner later earlier less longer
    """.split()
)
# Verbs that hooks put around their subject and that are seldom a subject themselves: they stay frame,
# so "Why do busy parents struggle so much with sleep?" keeps "struggle" and swaps only "sleep".
# Words that are as often nouns ("cook", "run", "sleep", "travel") are left out on purpose.
HOOK_VERBS = frozenset(
    """
    struggle struggles struggling struggled hate hates hated love loves loved swear swears swore earn earns earned
    join joins joined refuse refuses refused replace replaces replaced taste tastes tasted ask asks asked
    wake woke sound sounds build builds built buy buys bought pack packs packed write writes wrote
    eat eats ate drink drinks drank wear wears wore leave leaves left grow grows grew goes comes belongs
    """.split()
)
FRAME_WORDS = FRAME_WORDS | HOOK_VERBS

# Plural nouns for the people a reel speaks to; they become the creator's audience.
AUDIENCE_WORDS = frozenset(
    """
    beginners people moms mums dads parents runners lifters women men guys girls students founders developers
    devs programmers coders cooks chefs bakers investors athletes teachers nurses entrepreneurs freelancers
    creators gymgoers readers travelers travellers homeowners renters
    """.split()
)
# Words that describe an audience noun that follows them ("busy moms", "first-time investors").
AUDIENCE_ADJECTIVES = frozenset("busy new first-time working young older small".split())
# A subject right after one of these is a habit to give up: it becomes one of HABITS + the topic
# ("I quit sugar" → "I quit winging my meal prep"), chosen by the idea's position in the run.
DROP_VERBS = frozenset("quit quitting stop stopped stopping ditch ditched skip skipping skipped avoid avoided".split())
# The drop verbs that give a habit up for good; "skip" and "avoid" alone ("when you skip foundation")
# would have the creator skip their topic, so such a hook has no structure to reuse.
_GIVE_UP_VERBS = frozenset("quit quitting stop stopped stopping ditch ditched".split())
# A hook that opens with an opinion ("Unpopular opinion: pineapple belongs on pizza") states a claim:
# with another subject it is a claim the creator never made.
OPINION_LEADS = (("unpopular", "opinion"), ("hot", "take"))
# Verbs that may stand between the drop verb and the habit ("stop doing crunches").
HABIT_VERBS = frozenset("doing using making buying eating drinking taking wasting paying spending checking".split())
# Adverbs between a verb and its subject ("how to actually season food") say nothing about the subject.
ADVERBS = frozenset("actually really just finally even still also never always only right especially".split())
# Singular nouns that end a subject they follow ("food waste", "leg day"), rather than frame it.
SUBJECT_TAIL_NOUNS = frozenset("day days talk waste life".split())
# The same for nouns that are verbs as often: only when a word follows ("deep work nobody tells you",
# but "Does creatine work?").
SUBJECT_TAIL_VERBS = frozenset("work".split())
# After one of these a phrase is a noun phrase, so a tail verb in it is a noun: "about deep work…".
_NOUN_PREPOSITIONS = frozenset("about on with of for".split())
# An adjective between a subject word and a tail noun belongs to the subject: "office small talk".
TAIL_ADJECTIVES = frozenset("small big".split())
# A subject after one of these names one countable thing ("your first pull-up", "every leftover", "any
# laptop"). The creator's topic is an activity or a field ("strength training"), which cannot take that
# slot ("your first strength training"), so the hook has no structure to reuse.
ITEM_MARKERS = frozenset("first every any each another one".split())
# Verbs of making, getting, using or owning take a thing as their object, verbs of defeating a problem a
# problem ("beat jet lag") ("build an emergency fund", "use a
# $200 laptop", "make restaurant-style pasta"); an activity or a field is not one: no structure either ...
OBJECT_VERBS = frozenset(
    """
    make makes making made build builds building built buy buys buying bought get gets getting got use uses
    using used own owns cook cooks cooking cooked bake bakes baking baked pack packs packing packed wear wears
    wearing eat eats eating drink drinks drinking write writes writing order orders ordering book booking set
    sets setting find finds finding found pay pays paying paid leave leaves leaving left
    beat beats beating cure cures curing survive surviving overcome
    """.split()
)
# ... unless the object is then said to feel, look or work some way, or to be right or wrong: "make any
# workout feel easier", "get sourdough right" fit "make your meal prep feel easier", "get budgeting right".
OBJECT_COMPLEMENTS = frozenset("feel feels look looks work works stick right wrong".split())
# A capitalised subject after one of these is a place ("A day in Lisbon"), which a topic is not.
PLACE_PREPOSITIONS = frozenset("in to from around across through at visiting".split())
# A subject right after one of these is a time or an event ("before lunch"), not a topic.
TIME_PREPOSITIONS = frozenset("before after until during".split())
# Describing words skipped on the way to the verb whose object a subject is ("build a simple skincare routine").
_FRAME_ADJECTIVES = frozenset("simple easy hard better best new old big small real quick top perfect".split())
# After an audience, these qualify it and belong to it: "people over 30", "women in their 40s".
AUDIENCE_QUALIFIERS = frozenset("over under".split())
# A relative clause after an audience ("people who hate tech setup struggle …") belongs to it, up to
# the main verb, which is one of these or a frame verb.
RELATIVE_PRONOUNS = frozenset("who that".split())
HABITS = ("overcomplicating", "winging", "rushing", "putting off")
# Before a subject, these show it is a verb or a clause, not a thing: "What I eat …", "How to meal prep …";
# after "need" or "without" it is a tool one can do without ("without a financial advisor").
NOT_BEFORE_A_THING = frozenset("i you we they he she it it's nobody everyone someone to need needs without".split())
# "Why does your lower back hurt": after an auxiliary and a determiner, a subject's last word is the verb.
AUXILIARIES = frozenset("do does did can could should would will".split())
DETERMINERS = frozenset("a an the this that these those my your our their his her its every each all some any no".split())
# Frame words that may stand right before the subject: "the only ab exercise", "the easiest lasagna".
SUPERLATIVES = frozenset("best worst only one biggest easiest simplest fastest cheapest ultimate".split())
# A trailing clause opened by one of these can be cut when it holds a second subject.
CLAUSE_OPENERS = frozenset("before after without while when in on at for with like if until during to".split())
# Words inside a subject that join two subject words ("rice and beans", "cup of coffee").
SUBJECT_JOINERS = frozenset("and of &".split())
NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
MAX_FRAME_WORDS = 16
# Third-person singular verb forms and their plural, to agree with the swapped-in topic.
VERB_AGREEMENT = (("is", "are"), ("was", "were"), ("has", "have"), ("does", "do"), ("doesn't", "don't"),
                  ("isn't", "aren't"), ("wasn't", "weren't"))
# After a superlative a singular topic reads better with a head noun: "the best meal prep routine".
GENERIC_HEAD = "routine"
QUANTIFIERS = frozenset("most many all some".split())
# Nouns a topic can describe ("meal prep tips"); a plural topic does that in the singular: "budget family
# dinner advice", not "budget family dinners advice".
COMPOUND_HEADS = frozenset(
    """
    advice tip tips trick tricks habit habits mistake mistakes guide approach plan plans change changes example
    lesson lessons problem result takeaway session ideas question routine rule rules conversation shift story
    secret secrets hack hacks myth myths
    """.split()
)
# Verbs that agree with a topic right before them in the templates ("your {topic} isn't working yet").
_TOPIC_VERBS = ("is", "isn't", "was", "wasn't", "has", "does", "doesn't", "needs", "feels", "stalls", "works")
_COPULAS = frozenset("is are was were isn't aren't".split())  # "Is a Roth IRA …" (but "being a morning person" is a role)
# Frame verbs that can end an audience's relative clause ("people who hate tech setup get …").
# Verbs after "# mistakes/things <people>": "5 mistakes couples make", "3 things runners need".
_DOER_VERBS = frozenset("make do use need get love hate struggle swear".split())
_MAIN_VERBS = frozenset("get make need do don't can can't should keep love hate struggle swear".split())

_TOKEN_RE = re.compile(r"[$£€]?[A-Za-z0-9]+(?:[.,'’\-][A-Za-z0-9]+)*%?|[^\sA-Za-z0-9]")
# "5", "$1,200", "100%", "10k", and counts that describe a noun: "30-day", "10-step".
_NUMBER_RE = re.compile(r"^[$£€]?\d+(?:[.,]\d+)*(?:[%kx×]|am|pm|-[a-z]+)?$", re.IGNORECASE)
_NO_SPACE_BEFORE = set(",.?!:;…)%")


def clean_line(text: str) -> str:
    """The first line of `text` with letters, without links, hashtags, mentions and emoji."""
    for line in clean_text((text or "").replace("...", "…"), keep_lines=True, keep_mentions=False).splitlines():
        line = line.replace("’", "'").replace("‘", "'").strip()
        if any(ch.isalpha() for ch in line):
            return line
    return ""


@dataclass(frozen=True)
class HookStructure:
    """A hook's frame with slots: `parts` are words and punctuation, or "{topic}", "{audience}", "{habit}"."""

    parts: tuple[str, ...]
    subject: str  # the source's own subject words ("deadlift")
    first_person: bool  # the hook speaks as "I": a habit becomes "my …", else "your …"
    plural_subject: bool  # for verb agreement with the topic that replaces it

    @property
    def frame(self) -> str:
        """The structure as text: "5 mistakes {audience} make with {topic}"."""
        return _sentence_capitals(_detokenize([part for part in self.parts if part != "{head}"]))

    def fill(self, *, topic: str, audience: str, habit: str = HABITS[0]) -> str:
        """The hook with the creator's topic and audience in the slots, grammar fixed up."""
        words: list[str] = []
        plural_topic = is_plural(topic.split()[-1]) if topic.split() else False
        for index, part in enumerate(self.parts):
            if part == "{topic}":
                words.append(topic)
            elif part == "{head}":
                # "This is the best …" needs one thing: a plural topic gets the head too ("dinner routine").
                singular_verb = any(word.lower() in ("is", "'s", "this") for word in self.parts[:index])
                has_head = index + 1 < len(self.parts) and self.parts[index + 1].lower() in COMPOUND_HEADS  # "money habit"
                if (not plural_topic or singular_verb) and topic.lower() != self.subject.lower() and not has_head:
                    words.append(GENERIC_HEAD)
            elif part == "{habit}":
                words.append(f"{habit} {'my' if self.first_person else 'your'} {topic}")
            elif part == "{audience}":
                lead, _, rest = audience.partition(" ")
                # "most beginners" → "most busy parents", and never "most most people".
                doubled = bool(words) and words[-1].lower() in QUANTIFIERS and lead.lower() in QUANTIFIERS and rest
                words.append(rest if doubled else audience)
            elif index and self.parts[index - 1] == "{topic}" and plural_topic != self.plural_subject:
                words.append(_agree(part, plural=plural_topic))
            else:
                words.append(part)
        return fit_topic(_sentence_capitals(_fix_articles(_detokenize(words))), topic)


def hook_structure(hook: str) -> HookStructure | None:
    """The frame of `hook` with its subject and audience as slots, or None when it cannot carry another topic.

    None when the hook is empty or longer than MAX_FRAME_WORDS words, when no word is a subject,
    when more than one subject is left after cutting one trailing clause (a clause with a verb of its
    own is never cut), when the subject is a clause rather than a thing (it follows "I", "you", "to"
    or "need", or holds a past-tense verb), when it is a person ("my grandmother's"), when its slot
    wants one countable thing, a purchase or a place ("your first pull-up", "use a $200 laptop",
    "A day in Lisbon": _needs_a_thing), or when the subject is most of the hook (after a drop verb,
    "Stop" + a habit is frame enough). After a drop verb ("quit", "stop", also "I quit my desk job")
    the slot is a habit of the topic, so the creator never gives up the topic itself.
    """
    tokens = _tokens(clean_line(hook))
    words = [token for token in tokens if token[:1].isalnum() or token[:1] in "$£€"]
    if not words or len(words) > MAX_FRAME_WORDS:
        return None
    if tuple(word.lower() for word in words[:2]) in OPINION_LEADS:
        return None
    kinds = _kinds(tokens)
    spans = _subject_spans(tokens, kinds)
    if len(spans) > 1:
        tokens, kinds, spans = _cut_trailing_clause(tokens, kinds, spans)
    if len(spans) != 1:
        return None
    start, end = spans[0]
    lowered = [token.lower() for token in tokens]
    before = lowered[start - 1] if start else ""
    if start >= 2 and before in DETERMINERS and lowered[start - 2] in AUXILIARIES and end - start >= 2:
        end -= 1
        kinds = [*kinds[:end], "frame", *kinds[end + 1 :]]
    leading = next((word for word in reversed(lowered[:start]) if word not in DETERMINERS | ADVERBS and not _is_number(word)), "")
    # A verb inside the subject ("my toddler refused vegetables") means the span is a clause, not a thing;
    # after "need" it is a tool ("you don't need a gym"), not a topic.
    if leading in NOT_BEFORE_A_THING or end - start > 4 or any(_is_past(word) for word in lowered[start + 1 : end]):
        return None
    # "my grandmother's …": a subject that owns something is a person, not a topic.
    if any(word.endswith("'s") for word in lowered[start:end]):
        return None
    subject = " ".join(itertools.dropwhile(lambda word: word.lower() in HABIT_VERBS, tokens[start:end]))
    first_person = any(word in ("i", "i'm", "i've", "i'd", "my", "we", "our") for word in lowered)
    # A habit given up: "I quit sugar", "Stop (doing) crunches", "Stop keeping all your savings in …".
    # Everything after the first verb of giving up is the habit, up to a phrase that says when or how
    # long ("I quit sugar for 30 days") or the end of the clause ("Stop charging by the hour.").
    verb, drop_verb = start - 1, -1
    while verb >= 0 and kinds[verb] == "frame" and start - verb <= 4:
        if lowered[verb] in DROP_VERBS:
            drop_verb = verb
        verb -= 1
    if drop_verb >= 0 and lowered[drop_verb] not in _GIVE_UP_VERBS:
        return None  # "What happens when you skip foundation": skipping the creator's topic inverts it
    if drop_verb >= 0:
        slot_start, slot = drop_verb + 1, "{habit}"
        while end < len(tokens) and kinds[end] != "punct" and lowered[end] not in CLAUSE_OPENERS:
            end += 1
    elif (end - start) * 2 > sum(1 for kind in kinds if kind != "punct"):
        return None  # the subject is most of the hook: too little frame to keep ("Stop X" is enough)
    elif _needs_a_thing(tokens, kinds, start, end):
        return None
    else:
        slot_start, slot = start, "{topic}"
        # "a leg exercise" → "your meal prep": an article may not fit the topic, a possessive always does.
        possessive = "my" if first_person else "your"
        article = next((i for i in (start - 1, start - 2) if i >= 0 and lowered[i] in ("a", "an")), None)
        if article is not None and (article == start - 1 or kinds[start - 1] == "number"):  # "a $200 laptop"
            tokens = [*tokens[:article], possessive, *tokens[article + 1 :]]
        elif start and kinds[start - 1] == "frame" and before not in DETERMINERS | CLAUSE_OPENERS | ADVERBS and (
            start == 1 or lowered[start - 2] == "to"
        ):
            # The object of an imperative or "to" verb: "3 ways to save dinner" → "… to save your meal prep".
            slot = f"{possessive} {{topic}}"
        elif before in SUPERLATIVES:
            slot = "{topic} {head}"
    parts = [*tokens[:slot_start], *slot.split(), *tokens[end:]]
    part_kinds = [*kinds[:slot_start], *["slot"] * len(slot.split()), *kinds[end:]]
    parts = [("{audience}" if kind == "audience" else part) for part, kind in zip(parts, part_kinds)]
    parts = _sentence_case(_collapse_audience(parts))
    return HookStructure(tuple(parts), subject, first_person, is_plural(tokens[end - 1].lower()))


def _needs_a_thing(tokens: list[str], kinds: list[str], start: int, end: int) -> bool:
    """Whether the subject's slot wants something the creator's topic (an activity, a field) is not.

    One countable thing: "your first pull-up", "every leftover", "a $200 laptop", "leave a party", "3
    pasta sauces that …" (a count right before the subject, unless a counted frame noun follows: "7
    Python tricks"); the object of a verb of making, using or defeating ("build an emergency fund", "use
    only drugstore products", "beat jet lag"); a purchase ("under $60"), an amount's place ("$0 in
    savings"), a time ("before lunch"), a person ("the life of a solopreneur"), a place ("in Lisbon"),
    a label ("Lunch for the week"), a thing that does something ("your alarm goes off").
    """
    lowered = [token.lower() for token in tokens]
    lead = start - 1
    while lead >= 0 and (lowered[lead] in DETERMINERS | ADVERBS | ITEM_MARKERS | _FRAME_ADJECTIVES or kinds[lead] == "number"):
        lead -= 1
    leading = lowered[lead] if lead >= 0 else ""
    after = lowered[end] if end < len(tokens) else ""
    counted_head = after in FRAME_WORDS and is_plural(after)
    markers = [i for i in range(lead + 1, start) if lowered[i] in ITEM_MARKERS]
    # "the one thing", "my one rule" single a thing out rather than count it (SUPERLATIVES gives a head noun).
    if any(lowered[i] != "one" or lowered[i - 1] not in ("the", "my", "your", "this") for i in markers):
        return True
    if start and kinds[start - 1] == "number" and not counted_head:
        return True
    if leading in OBJECT_VERBS and after not in OBJECT_COMPLEMENTS:
        return True
    # "leave a party", "try a cold plunge": a verb's object with "a" is one thing; "Is a Roth IRA …" is not.
    if "a" in lowered[lead + 1 : start] or "an" in lowered[lead + 1 : start]:
        if leading and leading in FRAME_WORDS and leading not in CLAUSE_OPENERS | _COPULAS | {"about", "of", "into"}:
            return True
    # "Grocery haul under $60": a price makes it a purchase.
    if any(token[:1] in "$£€" for token in tokens[end : end + 3]):
        return True
    capitalised = tokens[start][:1].isupper() and not tokens[start].isupper()
    title_case = sum(1 for token in tokens if token[:1].isupper()) * 2 > sum(1 for token in tokens if token[:1].isalpha())
    if leading in TIME_PREPOSITIONS:
        return True  # "get more done before lunch": a time, not a topic
    if lead < 0 and after in CLAUSE_OPENERS | {"from", "under"} and "audience" not in kinds[end:]:
        # "Lunch for the week", "Empties from this month": a label for a thing, not a hook ("Meal prep for
        # beginners" says who it is for, and that carries over).
        return True
    if lowered[0] in ("what's", "whats") and leading in CLAUSE_OPENERS:
        return True  # "What's on my phone", "What's for dinner": a thing or a meal
    if after in HOOK_VERBS:
        return True  # "When your alarm goes off": the topic cannot do what the subject does
    if start >= 2 and lowered[start - 2 : start] in (["the", "most"], ["the", "more"]):
        return True  # "the most relatable video": an adjective starts the subject
    if lowered[max(0, lead - 1) : lead + 1] == ["life", "of"]:
        return True  # "Day in the life of a solopreneur": a person
    if leading == "in" and lead >= 1 and tokens[lead - 1][:1] in "$£€":
        return True  # "$0 in savings", "$10k in debt": where money is, not a topic
    return leading in PLACE_PREPOSITIONS and capitalised and not title_case


def _tokens(line: str) -> list[str]:
    return _TOKEN_RE.findall(line)


def _is_number(word: str) -> bool:
    return bool(_NUMBER_RE.match(word)) or word.lower() in NUMBER_WORDS


def _kinds(tokens: list[str]) -> list[str]:
    """Each token's kind: "punct", "number", "frame", "audience" or "subject"."""
    kinds = []
    for token in tokens:
        lower = token.lower()
        if not (token[:1].isalnum() or token[:1] in "$£€"):
            kinds.append("punct")
        elif _is_number(token):
            kinds.append("number")
        elif lower in AUDIENCE_WORDS:
            kinds.append("audience")
        elif lower in FRAME_WORDS or lower in SUPERLATIVES:
            kinds.append("frame")
        else:
            kinds.append("subject")
    lowered = [token.lower() for token in tokens]
    # "10 mistakes roommates make with …": the words between a counted noun and "make" are who makes them.
    for index in range(1, len(tokens) - 1):
        if lowered[index] in _DOER_VERBS and kinds[index - 1] == "subject":
            first = index - 1
            while first > 0 and (kinds[first - 1] == "subject" or lowered[first - 1] in AUDIENCE_ADJECTIVES):
                first -= 1
            counted = first > 0 and is_plural(lowered[first - 1]) and lowered[first - 1] in FRAME_WORDS
            # "Why do digital nomads struggle …": after an auxiliary, the plural before a verb does it.
            auxiliary = first > 0 and lowered[first - 1] in AUXILIARIES
            if (counted or auxiliary) and is_plural(lowered[index - 1]):
                kinds[first:index] = ["audience"] * (index - first)
    # "busy moms", "senior devs": up to two describing words belong to the audience.
    for index in range(1, len(tokens)):
        if kinds[index] == "audience":
            before = index - 1
            while before >= max(0, index - 2) and (kinds[before] == "subject" or tokens[before].lower() in AUDIENCE_ADJECTIVES):
                kinds[before] = "audience"
                before -= 1
    # "people over 30", "women in their 40s", "people who hate tech setup struggle …": what qualifies the
    # audience is part of it, so the creator's audience replaces it whole.
    index = 0
    while index < len(tokens):
        if kinds[index] != "audience" or (index + 1 < len(tokens) and kinds[index + 1] == "audience"):
            index += 1
            continue
        rest = lowered[index + 1 :]
        length = 0
        if rest[:1] and rest[0] in AUDIENCE_QUALIFIERS and len(rest) > 1 and rest[1][:1].isdigit():
            length = 2
        elif rest[:2] == ["in", "their"] and len(rest) > 2 and rest[2][:1].isdigit():
            length = 3
        elif rest[:1] and (rest[0] in RELATIVE_PRONOUNS or rest[0] == "with"):
            verb = next((i for i in range(2, min(len(rest), 7)) if rest[i] in HOOK_VERBS
                         or (rest[i] in FRAME_WORDS and rest[i] in _MAIN_VERBS)), 0)
            length = verb
        for offset in range(1, length + 1):
            kinds[index + offset] = "audience"
        index += length + 1
    return kinds


def _subject_spans(tokens: list[str], kinds: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each run of subject words; "and"/"of" between two subject words joins them."""
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        if kinds[index] != "subject":
            index += 1
            continue
        end = index + 1
        while end < len(tokens):
            if kinds[end] == "subject":
                end += 1
            elif tokens[end].lower() in SUBJECT_JOINERS and end + 1 < len(tokens) and kinds[end + 1] == "subject":
                end += 2
            elif tokens[end].lower() in SUBJECT_TAIL_NOUNS or (
                tokens[end].lower() in SUBJECT_TAIL_VERBS
                and (index and tokens[index - 1].lower() in _NOUN_PREPOSITIONS
                     or end + 1 < len(tokens) and tokens[end + 1][:1].isalpha() and tokens[end + 1].lower() not in CLAUSE_OPENERS)
            ):
                kinds[end] = "subject"
                end += 1
            elif tokens[end].lower() in TAIL_ADJECTIVES and end + 1 < len(tokens) and tokens[end + 1].lower() in SUBJECT_TAIL_NOUNS:
                kinds[end] = kinds[end + 1] = "subject"
                end += 2
            else:
                break
        spans.append((index, end))
        index = end
    return spans


def _cut_trailing_clause(tokens, kinds, spans):
    """Without the phrase after the first subject that holds the others ("… without takeout"), up to the clause end."""
    for index in range(spans[0][1], len(tokens)):
        if tokens[index].lower() in CLAUSE_OPENERS:
            while index > spans[0][1] and tokens[index - 1].lower() in ADVERBS:
                index -= 1  # "… just in case" goes whole
            cut_end = next((end for end in range(index, len(tokens)) if kinds[end] == "punct"), len(tokens))
            if cut_end < spans[-1][1]:
                break  # the other subjects are in a later clause too
            cut = [token.lower() for token in tokens[index:cut_end]]
            if any(_is_past(word) or word in HOOK_VERBS or word in ("is", "are", "was", "were") for word in cut):
                break  # "… for soup changed how I cook" is a clause with its own verb, not a phrase to drop
            if index >= 2 and tokens[index - 2].lower() in ("a", "an") and kinds[index - 1] == "frame":
                break  # "beats an hour on the treadmill": the phrase says which hour
            if cut_end < len(tokens) and tokens[cut_end] == ",":
                cut_end += 1  # "I quit sugar for a week, …" would keep a comma with nothing before it
            return tokens[:index] + tokens[cut_end:], kinds[:index] + kinds[cut_end:], _subject_spans(
                tokens[:index] + tokens[cut_end:], kinds[:index] + kinds[cut_end:])
    return tokens, kinds, spans


def _collapse_audience(parts: list[str]) -> list[str]:
    collapsed: list[str] = []
    for part in parts:
        if part == "{audience}" and collapsed and collapsed[-1] == "{audience}":
            continue
        collapsed.append(part)
    return collapsed


def _sentence_case(parts: list[str]) -> list[str]:
    """Frame words lower-cased (Title Case and ALL CAPS hooks too); "I" and acronyms such as "POV" stay."""
    letters = [part for part in parts if part[:1].isalpha() and len(part) > 1]
    shouting = bool(letters) and all(part.isupper() for part in letters)
    result = []
    for part in parts:
        if part.startswith("{"):
            result.append(part)
        elif part.lower() == "i" or part.lower().startswith("i'"):
            result.append("I" + part[1:].lower())
        elif part.isupper() and len(part) > 1 and not shouting:
            result.append(part)  # an acronym: POV, ETF, AI
        else:
            result.append(part.lower())
    return result


def _detokenize(words: list[str]) -> str:
    text = ""
    for word in words:
        if text and not (word[:1] in _NO_SPACE_BEFORE or (word[:1] == "'" and len(word) > 1)):
            text += " "
        text += word
    return text.replace(" - ", " – ")


def _fix_articles(text: str) -> str:
    return re.sub(r"\b([Aa])n? (?=(\w))", lambda m: f"{m.group(1)}{'n' if m.group(2).lower() in 'aeiou' else ''} ", text)


def fit_topic(text: str, topic: str) -> str:
    """`text` with a plural `topic` fitted to the words after it (any case, for titles too).

    Before a noun it describes, the topic is singular ("budget family dinner advice"); a verb after it
    agrees with it ("your budget family dinners aren't working yet"), unless the topic follows "of" and
    the verb agrees with the noun before that ("a week of budget family dinners looks like").
    """
    words = topic.split()
    if not words or not is_plural(words[-1]):
        return text
    return re.sub(rf"(\bof )?\b({re.escape(topic)}) ([\w']+)", _fit(_singular(words[-1])), text, flags=re.IGNORECASE)


def compound_form(topic: str) -> str:
    """The topic as it describes a noun: "budget family dinners" → "budget family dinner" (fit_topic)."""
    words = topic.split()
    return " ".join([*words[:-1], _singular(words[-1])]) if words and is_plural(words[-1]) else topic


def _fit(singular: str):
    """fit_topic's replacement for one match: (of )(topic) (next word)."""

    def fitted(match: re.Match) -> str:
        of, found, after = match.group(1) or "", match.group(2), match.group(3)
        if after.lower() in COMPOUND_HEADS:
            last = found.rsplit(" ", 1)[-1]
            single = singular.capitalize() if last[:1].isupper() and not last.isupper() else singular
            return f"{of}{found[: len(found) - len(last)]}{single} {after}"
        if after.lower() in _TOPIC_VERBS and not of:
            verb = _agree(after, plural=True)
            if verb == after and after.lower().endswith("s") and after.lower() not in ("is", "was", "has", "does"):
                verb = after[:-1]  # "stalls" → "stall"
            return f"{found} {verb[:1].upper() + verb[1:] if after[:1].isupper() else verb}"
        return match.group(0)

    return fitted


def _singular(word: str) -> str:
    if word.lower().endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1]


def is_plural(word: str) -> bool:
    word = word.lower()
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s"))


def _is_past(word: str) -> bool:
    return len(word) > 4 and word.endswith("ed") and not word.endswith("eed")


def _agree(verb: str, *, plural: bool) -> str:
    for singular_form, plural_form in VERB_AGREEMENT:
        if verb.lower() == (singular_form if plural else plural_form):
            return plural_form if plural else singular_form
    if verb.lower() in FRAME_WORDS and verb.isalpha():
        if plural and is_plural(verb) and verb.lower()[:-1] in FRAME_WORDS:
            return verb[:-1]  # "feels" → "feel"
        if not plural and verb.lower() + "s" in FRAME_WORDS:
            return verb + "s"  # "feel" → "feels"
    return verb


def opening_template(hook: str, masked: tuple[str, ...] = ()) -> str:
    """How a hook opens: its first three words, lower-cased, numbers as "#", each masked phrase as "~".

    "5 mistakes busy parents make" with the audience "busy parents" masked → "# mistakes ~". Two ideas
    of one run never share this, so they do not read as the same template with the topic swapped.
    """
    text = " ".join(WORD_RE.findall(clean_line(hook).lower()))
    phrases = [" ".join(WORD_RE.findall(phrase.lower())) for phrase in masked]
    for phrase in sorted(filter(None, phrases), key=lambda phrase: (-len(phrase), phrase)):  # longest first
        text = re.sub(rf"(?<!\S){re.escape(phrase)}(?!\S)", "~", text)
    opening: list[str] = []
    for word in text.split():
        word = "#" if _is_number(word) else word
        if not (word == "~" and opening and opening[-1] == "~"):
            opening.append(word)
    return " ".join(opening[:3])


def _sentence_capitals(text: str) -> str:
    """A capital letter at the start of every sentence."""
    return re.sub(r"(^|[.!?] )([a-z])", lambda match: match.group(1) + match.group(2).upper(), text)
