"""The offline ideas composer: content ideas built from competitors' outlier reels by fixed rules.

No model and no network: nothing is generated, words are only kept, swapped and chosen. Same
brief, same ideas, in every process (choices follow list order and the idea's position, never a
set's order or hash()).

How one idea is made (compose_ideas_from_outliers):

1. Pick the source. Outlier reels are taken round-robin across competitors, strongest first, so
   every competitor inspires an idea before one inspires two. Up to two reels of the same hook
   type from other accounts are cited beside it: the format held beyond one creator.
2. Reuse the hook's structure (hook_structure). The source hook's words are sorted into frame
   words (FRAME_WORDS: numbers, function words and the vocabulary hooks are made of — "mistakes",
   "stop", "nobody tells you", "here's what happened"), audience words ("beginners", "busy moms")
   and subject words (everything else: "deadlift", "sugar", "pasta water"). The subject is swapped
   for the creator's topic and the audience for the creator's audience; the frame stays, so
   "5 mistakes killing your deadlift" becomes "5 mistakes killing your meal prep". A subject right
   after a verb of giving something up ("quit", "stop", "ditch") is a habit, so it becomes a habit
   of the creator's topic: "Stop stretching before you run" → "Stop overcomplicating your meal prep".
3. Or fall back to an angle. The structure is not transferred, and the hook type's next unused
   angle from ANGLES is filled in instead, when the hook is empty or longer than MAX_FRAME_WORDS
   words, when no word of it is a subject (nothing to swap), when more than one subject remains
   after cutting one trailing clause ("… without takeout", "… before you run"), when the subject
   is a clause rather than a thing (it follows "I", "you", "to" or "need", or holds a past-tense
   verb: "my toddler refused vegetables"), when the subject is most of the hook (little frame to
   keep; "Stop" + a habit is enough), or when the result would repeat a hook or an
   opening template already used in the run (or a competitor's hook word for word).
4. Vary. No two ideas of a run share an opening template (opening_template: the hook's first
   three words, lower-cased, with numbers written "#" and the creator's topic, the audience and
   the habit words of HABITS each written "~"). When a hook type's angles run out, another type's angles are used; only when all
   of them are taken does a "Part N" sequel repeat an opening.
5. Outline the script: BEATS gives each hook type three beats (setup, the points, the payoff)
   filled with the topic, the audience and the list size, and a fourth beat borrows the pacing of
   the source reel. script["body"] holds these beat texts, each starting with its label.
6. Cite: sources holds the reels, why_it_works names them ("@x's reel ABC123 (6.2× its typical
   views)"), the structure that was kept and the cross-competitor patterns that match.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import unicodedata
from dataclasses import dataclass

from jobs.errors import PermanentJobError
from jobs.providers.llm.base import ContentIdea, IdeasBrief, IdeaSource, ProgressCallback
from text_rules.hooks import HOOK_TYPE_ORDER, classify_hook

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

HOOK_LABELS = {
    "question": "question",
    "number_list": "number-list",
    "how_to": "how-to",
    "contrarian": "contrarian",
    "story": "story",
    "curiosity_gap": "curiosity-gap",
    "bold_claim": "bold-claim",
    "statement": "statement",
}

HOOK_REASONS = {
    "question": "A question opens a loop viewers want closed, so they stay for the answer.",
    "number_list": "A number promises a concrete, countable payoff and tells viewers how long they are in for.",
    "how_to": "A how-to promises a skill viewers can use straight away, which earns saves.",
    "contrarian": "Pushing back on common advice stops the scroll and invites comments.",
    "story": "A story makes viewers want to know how it ends, which keeps them watching.",
    "curiosity_gap": "Hinting at something viewers do not know yet makes them stay to find out.",
    "bold_claim": "A bold claim sets a bar viewers stay to judge for themselves.",
    "statement": "A plain statement gets straight to the point, which works when the payoff is clear.",
}

# ---------------------------------------------------------------- the words of a hook's frame

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
    sabotage sabotaging keep keeping kept hold holding fix fixing fixed save saving saved waste wasting
    wasted cost costing costs use using used work works worked working think thought wish believe say says
    said see saw show shows learn learned learnt take took taking give gave giving go went going come came
    find found feel feels felt look looks beat beats skip skipping skipped ditch ditched avoid avoiding avoided
    spend spent let understand understood realise realized realised realize wrong right best worst biggest
    first last real simple easy hard harder easier better worse faster slower top new old big small
    """.split()
)
# Plural nouns for the people a reel speaks to; they become the creator's audience.
AUDIENCE_WORDS = frozenset(
    """
    beginners people moms mums dads parents runners lifters women men guys girls students founders developers
    devs programmers coders cooks chefs bakers investors athletes teachers nurses entrepreneurs freelancers
    creators gymgoers readers travelers travellers homeowners renters
    """.split()
)
# Words that describe an audience noun that follows them ("busy moms", "first-time investors").
AUDIENCE_ADJECTIVES = frozenset("busy new first-time working young older".split())
# A subject right after one of these is a habit to give up: it becomes HABITS + the topic.
DROP_VERBS = frozenset("quit quitting stop stopped stopping ditch ditched skip skipping skipped avoid avoided".split())
# Verbs that may stand between the drop verb and the habit ("stop doing crunches").
HABIT_VERBS = frozenset("doing using making buying eating drinking taking".split())
HABITS = ("overcomplicating", "winging", "rushing", "putting off")
# Before a subject, these show it is a verb or a clause, not a thing: "What I eat …", "How to meal prep …".
NOT_BEFORE_A_THING = frozenset("i you we they he she it nobody everyone someone to need needs".split())
# "Why does your lower back hurt": after an auxiliary and a determiner, a subject's last word is the verb.
AUXILIARIES = frozenset("do does did can could should would will".split())
DETERMINERS = frozenset("a an the this that these those my your our their his her its every each all some any no".split())
# After a superlative a mass-noun topic needs a head noun: "the best meal prep routine you'll ever do".
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

# ---------------------------------------------------------------- angles: the fallback hooks


@dataclass(frozen=True)
class Angle:
    """One way to put a hook type to the creator's topic; templates take {topic} {Topic} {audience} {Audience} {n}."""

    hook: str
    title: str  # title case: {Topic} and {Audience} are title-cased
    counted: str = ""  # number_list: what the list counts


# Each type's angles open differently (see opening_template), so a run can use all of them.
ANGLES: dict[str, tuple[Angle, ...]] = {
    "question": (
        Angle("Why does nobody talk about {topic}?", "The {Topic} Conversation Nobody Is Having"),
        Angle("Are you making this mistake with {topic}?", "The {Topic} Mistake Hiding in Plain Sight"),
        Angle("Why do {audience} struggle so much with {topic}?", "Why {Topic} Feels Hard for {Audience}"),
        Angle("Is the hype around {topic} actually deserved?", "{Topic}: Worth the Hype?"),
        Angle("What actually happens when you take {topic} seriously?", "What Happens When You Take {Topic} Seriously"),
        Angle("Could your {topic} be simpler than you think?", "Could {Topic} Be Simpler?"),
    ),
    "number_list": (
        Angle("{n} mistakes {audience} make with {topic}", "{n} {Topic} Mistakes to Avoid", "mistakes"),
        Angle("{n} ways {audience} can get better at {topic}", "{n} Ways to Get Better at {Topic}", "ways"),
        Angle("{n} things I wish I knew about {topic} sooner", "{n} Things I Wish I Knew About {Topic}", "things"),
        Angle("{n} signs your {topic} needs a rethink", "When {Topic} Needs a Rethink: {n} Signs", "signs"),
        Angle("{n} {topic} tips {audience} can use today", "{n} {Topic} Tips for {Audience}", "tips"),
        Angle("{n} {topic} habits worth building this year", "{n} {Topic} Habits Worth Building", "habits"),
        Angle("{n} reasons {audience} should take {topic} seriously", "{n} Reasons to Take {Topic} Seriously", "reasons"),
        Angle("{n} steps to get started with {topic}", "{n} Steps to Start {Topic}", "steps"),
    ),
    "how_to": (
        Angle("How to actually get {topic} right, step by step", "{Topic}, Step by Step"),
        Angle("How to get better at {topic} without the overwhelm", "{Topic} Without the Overwhelm"),
        Angle("How I'd start {topic} from scratch this week", "Starting {Topic} From Scratch"),
        Angle("How {audience} can fit {topic} into a busy week", "Fitting {Topic} Into a Busy Week"),
        Angle("Here's how to make {topic} stick", "Making {Topic} Stick"),
        Angle("The simplest way to start {topic}, step by step", "The Simplest Start to {Topic}"),
    ),
    "contrarian": (
        Angle("It's time to stop overcomplicating {topic}.", "Simpler {Topic}, Better Results"),
        Angle("Unpopular opinion: most {topic} advice is wrong for {audience}.", "The Unpopular Truth About {Topic}"),
        Angle("You don't need to be an expert to get {topic} right.", "No Expertise Needed for {Topic}"),
        Angle("Everything you've been told about {topic} is backwards.", "Rethinking the Usual {Topic} Advice"),
        Angle("Don't start {topic} the way everyone tells you to.", "The Wrong Way Into {Topic}"),
        Angle("Most {topic} advice is made for someone else.", "{Topic} Advice That Fits You"),
    ),
    "story": (
        Angle("I tried {topic} for 30 days. Here's what happened.", "30 Days of {Topic}"),
        Angle("Last year I got {topic} completely wrong. Here's what I learned.", "What Getting {Topic} Wrong Taught Me"),
        Angle("My biggest {topic} mistake, and what it taught me.", "My Biggest {Topic} Mistake"),
        Angle("The day {topic} finally clicked for me.", "The Day {Topic} Clicked"),
        Angle("When I started {topic}, I did everything backwards.", "Starting {Topic} Backwards"),
        Angle("A year ago I almost gave up on {topic}.", "Almost Giving Up on {Topic}"),
    ),
    "curiosity_gap": (
        Angle("The one thing about {topic} nobody tells you.", "The One Thing Nobody Says About {Topic}"),
        Angle("Nobody tells {audience} this about {topic}…", "What {Audience} Aren't Told About {Topic}"),
        Angle("This changed everything about how I think about {topic}.", "The {Topic} Shift That Changed Everything"),
        Angle("I wish someone had told me this about {topic} sooner.", "The {Topic} Lesson I Learned Too Late"),
        Angle("Here's why your {topic} isn't working yet.", "Why {Topic} Stalls"),
        Angle("The real reason {audience} give up on {topic}.", "Why {Audience} Give Up on {Topic}"),
    ),
    "bold_claim": (
        Angle("This is the best {topic} advice you'll ever get.", "The Best {Topic} Advice You'll Get"),
        Angle("The only {topic} guide {audience} will ever need.", "The Only {Topic} Guide You Need"),
        Angle("This {topic} trick beats anything else you've tried.", "The {Topic} Trick That Beats the Rest"),
        Angle("Most {audience} never try this {topic} approach, and that's why it works.", "The {Topic} Approach Most {Audience} Skip"),
        Angle("Every {topic} plan should start with this.", "Where Every {Topic} Plan Should Start"),
        Angle("Nothing has changed my {topic} more than this.", "The Biggest {Topic} Change"),
    ),
    "statement": (
        Angle("{Topic} can be simpler than you think.", "{Topic}, Made Simple"),
        Angle("This is how I'd start {topic} if I were starting over.", "Starting {Topic} Over"),
        Angle("{Topic}, explained for {audience}.", "A Plain Guide to {Topic} for {Audience}"),
        Angle("Small {topic} changes add up faster than you think.", "Small {Topic} Changes That Add Up"),
        Angle("Here's what a realistic week of {topic} looks like.", "A Realistic Week of {Topic}"),
        Angle("Your {topic} doesn't have to be perfect to work.", "Imperfect {Topic} That Works"),
    ),
}

# ---------------------------------------------------------------- beats: the script outline

# Three beats per hook type; {topic} {audience} {n} {counted} {item} {habit} are filled in.
BEATS: dict[str, tuple[tuple[str, str], ...]] = {
    "question": (
        ("Setup", "Ask the question to camera, then answer it in one line so {audience} know staying pays off."),
        ("Proof", "Show why with one real {topic} example from your own week: the before, then the after."),
        ("Payoff", "Give {audience} one {topic} change to try today, shown on screen as a single step."),
    ),
    "number_list": (
        ("Setup", "Flash all {n} {counted} as an on-screen list for a second, then go back to number one."),
        ("Points", "One cut per {item}: name it, show it in your own {topic}, and give the fix in one sentence."),
        ("Payoff", "Keep the {item} {audience} get wrong most for number {n}, so viewers stay to the end."),
    ),
    "how_to": (
        ("Setup", "Open on the finished result of your {topic}, then rewind to step one."),
        ("Steps", "Three short steps, each with an on-screen label and what you use for it."),
        ("Payoff", "Call out the slip {audience} make most often with {topic}, at the step where it happens."),
    ),
    "contrarian": (
        ("Setup", "Say the usual {topic} advice you disagree with, in the words {audience} hear it in."),
        ("Proof", "Show what goes wrong when they follow it, with one example from your own {topic}."),
        ("Payoff", "Give the alternative instead of {habit} {topic}, and show it working in one take."),
    ),
    "story": (
        ("Setup", "One line on where your {topic} stood before: what it was costing you in time, money or energy."),
        ("Turn", "The turning point: the day it changed, with a clip or photo from back then."),
        ("Payoff", "The result in one number, then the one {topic} lesson {audience} can copy."),
    ),
    "curiosity_gap": (
        ("Setup", "Name the {topic} problem it solves before you reveal anything."),
        ("Reveal", "Reveal the one thing on screen, not only in words, halfway through."),
        ("Payoff", "Explain why so few {audience} know it, and how to start with it tomorrow."),
    ),
    "bold_claim": (
        ("Proof", "Back the claim with your own {topic} result on screen in the first five seconds."),
        ("Method", "Show how {audience} can get the same result, one step per cut."),
        ("Payoff", "Answer the objection {audience} are most likely to type before anyone can."),
    ),
    "statement": (
        ("Setup", "Expand the line with one concrete {topic} example from your own routine."),
        ("Points", "Two quick pointers {audience} can act on today, one per cut."),
        ("Payoff", "End on the {topic} takeaway as a single line of on-screen text."),
    ),
}
PACING_BEAT = (
    "Pacing: borrow the rhythm of @{username}'s reel {shortcode} ({times}): the hook on screen in the first "
    "two seconds, one point per cut."
)

# Goals are free text; each cue maps a goal to a call to action that serves it.
GOAL_CALLS_TO_ACTION: tuple[tuple[re.Pattern, str], ...] = (
    (
        re.compile(r"\b(?:sell|sales?|products?|course|courses|shop|store|clients?|customers?|leads?|offers?|bookings?|"
                   r"launch|membership|coaching|revenue|conversions?|convert|monetis\w*|monetiz\w*)\b", re.IGNORECASE),
        "Want help with {topic}? Comment “{WORD}” and I'll send you the details.",
    ),
    (
        re.compile(r"\b(?:grow|growth|followers?|following|reach|visibility|views|audience|awareness|viral)\b", re.IGNORECASE),
        "Follow for more {topic} ideas made for {audience}.",
    ),
    (
        re.compile(r"\b(?:engage\w*|comments?|community|conversations?|interact\w*|dms?)\b", re.IGNORECASE),
        "Tell me in the comments: what is your biggest {topic} question?",
    ),
    (
        re.compile(r"\b(?:educat\w*|teach\w*|help\w*|inform\w*|saves?|shares?|value)\b", re.IGNORECASE),
        "Save this for your next {topic} session and send it to someone who needs it.",
    ),
    (
        re.compile(r"\b(?:authority|expert\w*|trust\w*|brand\w*|credib\w*|thought leader\w*)\b", re.IGNORECASE),
        "Follow for straight-talking {topic} advice you can trust.",
    ),
)
DEFAULT_CALL_TO_ACTION = "Save this and try it this week."

# ---------------------------------------------------------------- reading the creator's strategy

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
    r"[,;:.!?()/]|\s[-–—]\s|\b(?:who|that|which|whose|looking|trying|wanting|interested|aged|in|across|living|based)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK_RE = re.compile(r"[,;:.!?()\[\]/&|+\n]|\s[-–—]\s")
_SMALL_TITLE_WORDS = frozenset("a an and as at but by for in nor of on or the to with vs via".split())

_URL_RE = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_TAG_RE = re.compile(r"(?<![\w.])[#@][\w.]+")
_TOKEN_RE = re.compile(r"[$£€]?\d+(?:[.,]\d+)*[%kK×x]?\b|[$£€]?[A-Za-z0-9]+(?:['’\-][A-Za-z0-9]+)*|[^\sA-Za-z0-9]")
_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")
_NUMBER_RE = re.compile(r"^[$£€]?\d+(?:[.,]\d+)?[%kx×]?$", re.IGNORECASE)
_NO_SPACE_BEFORE = set(",.?!:;…)%")


def clean_line(text: str) -> str:
    """The first line of `text` with letters, without links, hashtags, mentions and emoji."""
    for line in (text or "").replace("...", "…").splitlines():
        line = _TAG_RE.sub(" ", _URL_RE.sub(" ", line))
        line = "".join(ch for ch in line if unicodedata.category(ch) not in ("So", "Sk", "Cs", "Co", "Cn", "Cf"))
        line = " ".join(line.replace("’", "'").replace("‘", "'").split())
        if any(ch.isalpha() for ch in line):
            return line
    return ""


def normalize_hook_type(value: object) -> str | None:
    """The taxonomy name for `value` ("Number list", "curiosity" …), or None when it is not a hook type."""
    key = re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())
    key = HOOK_TYPE_ALIASES.get(key, key)
    return key if key in HOOK_TYPES else None


def source_hook_type(source: IdeaSource) -> str:
    """The hook type the analysis stored for the reel, else the one its wording shows (text_rules.hooks)."""
    return normalize_hook_type(source.hook_type) or classify_hook(source.hook)


# ---------------------------------------------------------------- hook structure


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
        return _capitalize(_detokenize([part for part in self.parts if part != "{head}"]))

    def fill(self, *, topic: str, audience: str, habit: str = HABITS[0]) -> str:
        """The hook with the creator's topic and audience in the slots, grammar fixed up."""
        words: list[str] = []
        plural_topic = _is_plural(topic.split()[-1]) if topic.split() else False
        for index, part in enumerate(self.parts):
            if part == "{topic}":
                words.append(topic)
            elif part == "{head}":
                if not plural_topic:
                    words.append("routine")
            elif part == "{habit}":
                words.append(f"{habit} {'my' if self.first_person else 'your'} {topic}")
            elif part == "{audience}":
                before = words[-1].lower() if words else ""
                lead, _, rest = audience.partition(" ")
                # "most beginners" → "most busy parents", not "most most people".
                words.append(rest if before in ("most", "many", "all", "some") and lead.lower() in ("most", "many", "all", "some") and rest else audience)
            elif index and self.parts[index - 1] == "{topic}" and plural_topic != self.plural_subject:
                words.append(_agree(part, plural=plural_topic))
            else:
                words.append(part)
        text = _fix_articles(_detokenize(words))
        return re.sub(r"(^|[.!?] )([a-z])", lambda match: match.group(1) + match.group(2).upper(), text)


def hook_structure(hook: str) -> HookStructure | None:
    """The frame of `hook` with its subject and audience as slots, or None when it cannot carry another topic.

    See the module docstring (step 3) for when that is.
    """
    tokens = _tokens(clean_line(hook))
    words = [token for token in tokens if token[:1].isalnum() or token[:1] in "$£€"]
    if not words or len(words) > MAX_FRAME_WORDS:
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
    leading = next((word for word in reversed(lowered[:start]) if word not in DETERMINERS), "")
    # A verb inside the subject ("my toddler refused vegetables") means the span is a clause, not a thing;
    # after "need" it is a tool ("you don't need a gym"), not a topic.
    if leading in NOT_BEFORE_A_THING or end - start > 4 or any(_is_past(word) for word in lowered[start + 1 : end]):
        return None
    subject = " ".join(tokens[start:end])
    first_person = any(word in ("i", "i'm", "i've", "i'd", "my", "we", "our") for word in lowered)
    # A habit given up: "I quit sugar", "Stop (doing) crunches". Everything after the verb is the habit.
    verb = start - 1
    while verb >= 0 and lowered[verb] in HABIT_VERBS:
        verb -= 1
    if verb >= 0 and lowered[verb] in DROP_VERBS:
        slot_start, slot = verb + 1, "{habit}"
    elif (end - start) * 2 > len(words):
        return None  # the subject is most of the hook: too little frame to keep ("Stop X" is enough)
    else:
        slot_start, slot = start, "{topic}"
        # "a leg exercise" → "your meal prep": an article may not fit the topic, a possessive always does.
        possessive = "my" if first_person else "your"
        if before in ("a", "an"):
            tokens = [*tokens[: start - 1], possessive, *tokens[start:]]
        elif kinds[start - 1] == "frame" and before not in DETERMINERS | CLAUSE_OPENERS and (
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
    return HookStructure(tuple(parts), subject, first_person, _is_plural(tokens[end - 1].lower()))


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
    # "busy moms", "senior devs": up to two describing words belong to the audience.
    for index in range(1, len(tokens)):
        if kinds[index] == "audience":
            before = index - 1
            while before >= max(0, index - 2) and (kinds[before] == "subject" or tokens[before].lower() in AUDIENCE_ADJECTIVES):
                kinds[before] = "audience"
                before -= 1
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
            else:
                break
        spans.append((index, end))
        index = end
    return spans


def _cut_trailing_clause(tokens, kinds, spans):
    """Without the phrase after the first subject that holds the others ("… without takeout"), up to the clause end."""
    for index in range(spans[0][1], len(tokens)):
        if tokens[index].lower() in CLAUSE_OPENERS:
            cut_end = next((end for end in range(index, len(tokens)) if kinds[end] == "punct"), len(tokens))
            if cut_end < spans[-1][1]:
                break  # the other subjects are in a later clause too
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


def _is_plural(word: str) -> bool:
    word = word.lower()
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s"))


def _is_past(word: str) -> bool:
    return len(word) > 4 and word.endswith("ed") and not word.endswith("eed")


def _agree(verb: str, *, plural: bool) -> str:
    for singular_form, plural_form in VERB_AGREEMENT:
        if verb.lower() == (singular_form if plural else plural_form):
            return plural_form if plural else singular_form
    if verb.lower() in FRAME_WORDS and verb.isalpha():
        if plural and _is_plural(verb) and verb.lower()[:-1] in FRAME_WORDS:
            return verb[:-1]  # "feels" → "feel"
        if not plural and verb.lower() + "s" in FRAME_WORDS:
            return verb + "s"  # "feel" → "feels"
    return verb


def opening_template(hook: str, masked: tuple[str, ...] = ()) -> str:
    """How a hook opens: its first three words, lower-cased, numbers as "#", each masked phrase as "~".

    "5 mistakes busy parents make" with the audience "busy parents" masked → "# mistakes ~". Two ideas
    of one run never share this, so they do not read as the same template with the topic swapped.
    """
    text = " ".join(_WORD_RE.findall(clean_line(hook).lower()))
    phrases = [" ".join(_WORD_RE.findall(phrase.lower())) for phrase in masked]
    for phrase in sorted(filter(None, phrases), key=lambda phrase: (-len(phrase), phrase)):  # longest first
        text = re.sub(rf"(?<!\S){re.escape(phrase)}(?!\S)", "~", text)
    opening: list[str] = []
    for word in text.split():
        word = "#" if _is_number(word) else word
        if not (word == "~" and opening and opening[-1] == "~"):
            opening.append(word)
    return " ".join(opening[:3])


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
    # A word the creator capitalises mid-sentence anywhere in the form is a name ("my Python course").
    form = " ".join(str(value) for value in strategy.values() if isinstance(value, str))
    names = {match.group(1) for match in re.finditer(r"(?<=[a-z,] )([A-Z][a-z]+)\b", form)}
    exclude = {_stem(word) for word in _WORD_RE.findall(audience)} if audience_text else set()
    candidates = topic_phrases(content_type, exclude=exclude, names=names)
    # Notes ramble ("I film in my kitchen"); only their multi-word phrases are likely subjects.
    candidates += topic_phrases(notes, exclude=exclude, names=names, min_words=2)
    for keyword in brief.keywords:
        candidates += topic_phrases(str(keyword), exclude=exclude, names=names)[:1]
    topics: list[str] = []
    taken: list[set[str]] = []
    for phrase in candidates:
        stems = {_stem(word) for word in _WORD_RE.findall(phrase)}
        if stems and not any(stems <= other or other <= stems for other in taken):
            topics.append(phrase)
            taken.append(stems)
    return Strategy(tuple(topics[:MAX_TOPICS]), audience, _strategy_text(strategy, "goals", "goal"))


def audience_phrase(text: str) -> str:
    """A plural noun phrase for the creator's audience: "Busy moms who work full time" → "busy moms"."""
    words = _AUDIENCE_CUT_RE.split(text, maxsplit=1)[0].split()
    # A participle after the noun starts a clause: "professionals paying off loans" → "professionals".
    words = words[:1] + list(itertools.takewhile(lambda word: not word.lower().endswith("ing"), words[1:]))
    singular = False
    while words and words[0].lower() in _AUDIENCE_LEADS:
        singular = singular or words[0].lower() in ("a", "an")
        words.pop(0)
    words = words[:6]
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
        for word in [*_WORD_RE.findall(clause), ""]:
            lower = word.lower()
            if word and _is_topic_word(lower) and _stem(lower) not in exclude and not (not run and lower in CREATOR_VERBS):
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
        and not (word.endswith("ly") and word not in ("family", "belly", "supply"))
    )


def _strategy_text(strategy: dict, *names: str) -> str:
    for name in names:
        value = strategy.get(name)
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(item) for item in value if item)
        if value:
            return " ".join(_TAG_RE.sub(" ", _URL_RE.sub(" ", str(value))).split())
    return ""


def _natural_case(words: list[str], *, title_cased: bool, names: set[str] = frozenset()) -> str:
    """Form text typed in Title Case or sentence case, lowered where it reads mid-sentence; acronyms and names stay."""
    result = []
    for index, word in enumerate(words):
        plain_capital = word[:1].isupper() and word[1:] == word[1:].lower() and len(word) > 1 and word not in names
        result.append(word.lower() if plain_capital and (title_cased or index == 0) else word)
    return " ".join(result)


def _is_title_cased(text: str) -> bool:
    words = [word for word in _WORD_RE.findall(text) if word[:1].isalpha() and word.lower() not in _SMALL_TITLE_WORDS]
    return len(words) > 1 and all(word[:1].isupper() for word in words)


def _stem(word: str) -> str:
    word = word.lower()
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _stems(text: str) -> set[str]:
    return {_stem(word) for word in _WORD_RE.findall(text.lower()) if _is_topic_word(word) or word in AUDIENCE_WORDS}


def title_case(text: str) -> str:
    """Headline capitalisation that leaves acronyms and small joining words alone."""
    result = []
    for index, word in enumerate(text.split()):
        if index and word.lower() in _SMALL_TITLE_WORDS:
            result.append(word.lower())
        elif any(char.isupper() for char in word[1:]) or any(char.isdigit() for char in word):
            result.append(word)
        else:
            result.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(result)


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _normal_form(text: str) -> str:
    return " ".join(word.lower() for word in _WORD_RE.findall(text))


def _join_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


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
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return f"{value:02d}:00-{(value + 1) % 24:02d}:00 UTC"
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"{value[0]}-{value[1]} UTC"
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


def _pattern_subject(kind: str, value: object) -> str:
    hook_type = _pattern_hook_type(kind, value)
    window = _pattern_window(kind, value)
    if hook_type:
        return f"{HOOK_LABELS[hook_type]} hooks" + (f" posted {window}" if window else "")
    if window:
        return f"reels posted {window}"
    if "day" in kind:
        return f"reels posted on {value}"
    if "duration" in kind or "length" in kind:
        length = f"about {value:g} s" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        return f"reels of {length}"
    if "hashtag" in kind:
        return f"reels tagged #{str(value).lstrip('#')}"
    if any(word in kind for word in _CONTENT_PATTERN_KINDS):
        return f"reels about “{value}”"
    return f"reels with {kind.replace('_', ' ')} {value}".strip()


def describe_pattern(pattern: dict, competitors: int = 0) -> str:
    """One readable line: "question hooks posted 18-21 UTC were outliers for 3 of 4 competitors (avg 6.2×)"."""
    kind = str(pattern.get("kind") or "").strip().lower()
    subject = _pattern_subject(kind, pattern.get("value"))
    accounts = _count(pattern.get("accounts"))
    total = max(_count(pattern.get("total_accounts") or pattern.get("competitors")) or competitors, accounts)
    outliers = _count(pattern.get("outlier_count"))
    if accounts:
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
    words = _WORD_RE.findall(clean_line(hook).lower())
    for index, word in enumerate(words[:3]):
        size = NUMBER_WORDS.get(word) or (int(word) if word.isdigit() else 0)
        if size:
            counted = next((w for w in words[index + 1 : index + 3] if _is_plural(w) and w in FRAME_WORDS), "")
            # "1 things" does not read; a one-item list is a curiosity hook in disguise anyway.
            return (size if 2 <= size <= 20 else 5), counted
    return 5, ""


def _quote(hook: str, limit: int = 90) -> str:
    text = clean_line(hook)
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return f"“{text}”" if text else ""


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
        self.used_texts: set[str] = {_normal_form(source.hook) for source in brief.outliers}
        self.used_openings: set[str] = set()
        self.type_uses: dict[str, int] = {}
        self.calls_to_action = self._calls_to_action()
        # Openings the sources' own structures will want: a fallback angle leaves them to those sources.
        topic = self.strategy.topics[0] if self.strategy.topics else ""
        structures = [hook_structure(source.hook) for source in self.order]
        self.reserved = [opening_template(structure.fill(topic=topic, audience=self.strategy.audience), self._masks())
                         for structure in structures if structure is not None and topic]

    def idea(self, index: int) -> ContentIdea:
        primary = self.order[index % len(self.order)]
        source_type = source_hook_type(primary)
        structure = hook_structure(primary.hook)
        topics = self.strategy.topics or ((structure.subject.lower() if structure else "") or DEFAULT_TOPIC,)
        choice = self._choose(primary, source_type, structure, topics, index)
        hook_type = choice.hook_type
        sources = (primary, *self._supporters(primary, hook_type))
        n, counted = _list_size(choice.hook)
        values = self._values(choice.topic, n=n, counted=counted or (choice.angle.counted if choice.angle else ""))
        values["habit"] = HABITS[index % len(HABITS)]
        title = self._title(choice, values)
        body = [f"{label}: {template.format(**values)}" for label, template in BEATS[hook_type]]
        body.append(PACING_BEAT.format(username=primary.username, shortcode=primary.shortcode,
                                       times=_times(primary.outlier_multiplier)))
        call_to_action = self.calls_to_action[index % len(self.calls_to_action)].format(**values)
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
                if _normal_form(sequel.hook) not in self.used_texts:
                    return self._take(sequel)
            part += 1

    def _angle_choices(self, source: IdeaSource, hook_type: str, topic: str) -> list[_Choice]:
        angles = ANGLES[hook_type]
        offset = self.type_uses.get(hook_type, 0) % len(angles)
        n, _ = _list_size(source.hook)
        values = self._values(topic, n=n)
        return [_Choice(angle.hook.format(**values), hook_type, topic, angle, None) for angle in angles[offset:] + angles[:offset]]

    def _masks(self) -> tuple[str, ...]:
        return (*self.strategy.topics, self.strategy.audience, *HABITS)

    def _is_fresh(self, hook: str) -> bool:
        return _normal_form(hook) not in self.used_texts and opening_template(hook, self._masks()) not in self.used_openings

    def _take(self, choice: _Choice) -> _Choice:
        self.used_texts.add(_normal_form(choice.hook))
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
            hook_words = set(_normal_form(choice.hook).split())
            angles.sort(key=lambda angle: -len(hook_words & set(_normal_form(angle.hook).split())))
        titled = {**values, "Topic": title_case(str(values["topic"])), "Audience": title_case(self.strategy.audience)}
        part = 1
        while True:
            for angle in angles:
                title = angle.title.format(**titled) + (f" (Part {part})" if part > 1 else "")
                if _normal_form(title) not in self.used_texts:
                    self.used_texts.add(_normal_form(title))
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

    def _values(self, topic: str, *, n: int = 5, counted: str = "") -> dict[str, object]:
        audience = self.strategy.audience
        counted = counted or "points"
        return {
            "topic": topic,
            "Topic": _capitalize(topic),
            "audience": audience,
            "Audience": _capitalize(audience),
            "n": n,
            "counted": counted,
            "item": counted[:-1] if counted.endswith("s") else counted,
            "habit": HABITS[0],
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
            parts.append(f"It keeps that hook's structure, “{frame}”, with {choice.topic} in place of "
                         f"“{choice.structure.subject}”.")
        elif structure is not None:
            parts.append(f"Its structure already opens an earlier idea of this run, so this is a fresh {label} angle.")
        else:
            parts.append(f"Its wording does not carry over to {choice.topic} cleanly, so this is a fresh {label} angle.")
        if others:
            also = _join_list([f"{_reel(source)} ({_times(source.outlier_multiplier)})" for source in others])
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
