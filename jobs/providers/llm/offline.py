"""OfflineWriter: a deterministic article composer, not a language model.

It needs no model and no network. It assembles an article from the brief with fixed rules:
the research notes are cleaned (no hashtags, emoji, links or calls to follow/comment/save),
split into sentences and de-duplicated; their most frequent meaningful words and phrases become
the section themes; each section quotes or restates the notes' advice with light attribution,
and when the notes run out it adds connective sentences built from fixed templates filled with
the section's theme and the brief's keywords. Spin mode rewrites the source text with a synonym
table and fixed sentence transformations. Same brief, same article, every time.

Viral ideas are composed the same way: the outlier reels are taken round-robin across competitors,
strongest first; each idea keeps its source's hook type (question, number_list, how_to, contrarian,
story, curiosity_gap, bold_claim, statement) and fills that type's templates with the topic and
audience read from the creator's strategy, then cites the source multipliers and the matching
cross-competitor patterns. Same brief, same ideas.

Tones (unknown tones fall back to informative):

    informative   neutral, explanatory ("What to Know About …", "Final Thoughts")
    casual        relaxed, second person ("Let's Talk About …", "Wrapping Up")
    professional  measured, business wording ("… : Key Insights and Best Practices")
    persuasive    urgent, benefit-led ("Why … Deserves Your Attention", "Your Next Step")
    humorous      light jokes around the advice ("… Without the Drama")

Aliases: friendly/conversational → casual, formal/authoritative/business → professional,
funny/witty/playful → humorous, convincing/sales → persuasive, educational/neutral → informative.
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from jobs.providers.llm.base import (
    Article,
    ArticleBrief,
    ContentIdea,
    IdeasBrief,
    ProgressCallback,
    ResearchNote,
)

# The ideas composer lives in offline_ideas; these names are re-exported for the modules that import them from here.
from jobs.providers.llm.offline_ideas import (  # noqa: F401
    HOOK_TYPES,
    compose_ideas_from_outliers,
    describe_pattern,
    normalize_hook_type,
    source_hook_type,
)

MODEL_NAME = "offline-composer-1"


@dataclass(frozen=True)
class Tone:
    """The wording one tone uses; templates take {keyphrase}, {Keyphrase}, {topic}, {theme}, {Theme}, {keyword}, {themes}."""

    titles: tuple[str, ...]
    openers: tuple[str, ...]
    overviews: tuple[str, ...]
    keyphrase_headings: tuple[str, ...]
    theme_headings: tuple[str, ...]
    attributions: tuple[str, ...]
    transitions: tuple[str, ...]
    elaborations: tuple[str, ...]
    conclusion_headings: tuple[str, ...]
    conclusions: tuple[str, ...]
    calls_to_action: tuple[str, ...]


TONES: dict[str, Tone] = {
    "informative": Tone(
        titles=("What to Know About {Keyphrase}", "{Keyphrase}: A Practical Guide", "A Clear Guide to {Keyphrase}"),
        openers=(
            "This guide explains {keyphrase} in plain terms, using the advice that experienced creators repeat most often.",
            "If you want a clear picture of {keyphrase}, the most useful starting point is what experienced creators actually recommend.",
        ),
        overviews=("It covers {themes}, with practical steps for each.", "Below you will find what matters most about {themes}."),
        keyphrase_headings=("Understanding {Keyphrase}", "The Basics of {Keyphrase}", "{Keyphrase}: The Essentials"),
        theme_headings=(
            "Getting {Theme} Right",
            "What to Know About {Theme}",
            "Practical Advice on {Theme}",
            "Making Room for {Theme}",
            "Common Questions About {Theme}",
            "A Closer Look at {Theme}",
        ),
        attributions=(
            "One creator's reel puts it plainly:",
            "As one creator explains in a reel:",
            "Another reel makes a practical point:",
            "A widely shared reel adds:",
        ),
        transitions=("Another useful habit:", "A related point:", "It also helps to remember this:"),
        elaborations=(
            "The reason this matters is simple: the way you handle {theme} affects the result more than most people expect.",
            "In practice, the advice on {theme} is easiest to follow when it becomes part of a routine.",
            "Research notes on {topic} keep pointing back to {theme}, which makes it a sensible place to focus.",
        ),
        conclusion_headings=("Final Thoughts", "Key Takeaways"),
        conclusions=(
            "Getting {keyphrase} right comes down to a few dependable habits around {themes}.",
            "The main lesson about {keyphrase} is that steady attention to {themes} pays off.",
        ),
        calls_to_action=(
            "Pick one tip from this guide, try it this week, and build from there.",
            "Choose the idea that fits your situation best and put it into practice today.",
        ),
    ),
    "casual": Tone(
        titles=("Let's Talk About {Keyphrase}", "{Keyphrase}, Made Easy", "Your No-Stress Guide to {Keyphrase}"),
        openers=(
            "So you want to get better at {keyphrase}? Good news: it is easier than it looks.",
            "Let's be honest, {keyphrase} can feel like a lot, but a few simple habits change everything.",
        ),
        overviews=("We'll walk through {themes}, one easy step at a time.", "Here's the lowdown on {themes}, no jargon needed."),
        keyphrase_headings=("So, Why Bother With {Keyphrase}?", "{Keyphrase} in a Nutshell", "The Deal With {Keyphrase}"),
        theme_headings=(
            "Let's Talk {Theme}",
            "The Lowdown on {Theme}",
            "{Theme}, Made Simple",
            "Getting the Hang of {Theme}",
            "What Nobody Mentions About {Theme}",
            "Easy Wins With {Theme}",
        ),
        attributions=(
            "One creator sums it up nicely:",
            "Here's how one reel puts it:",
            "A creator we like says it best:",
            "Another reel nails it:",
        ),
        transitions=("Oh, and one more thing:", "Here's another easy one:", "Also worth a try:"),
        elaborations=(
            "Honestly, you will worry far less about {theme} once you just give it a go.",
            "No need to overthink {theme}; start small and see what happens.",
            "You don't have to be perfect at {theme}, you just have to keep showing up.",
        ),
        conclusion_headings=("Wrapping Up", "That's a Wrap"),
        conclusions=(
            "And that's {keyphrase} in a nutshell: keep an eye on {themes} and you're already ahead.",
            "So there you have it: {keyphrase} gets a lot easier once {themes} click.",
        ),
        calls_to_action=(
            "Give one of these a try this week and see how it goes for you.",
            "Go on, try one tip today and tell a friend who needs it.",
        ),
    ),
    "professional": Tone(
        titles=("{Keyphrase}: Key Insights and Best Practices", "A Professional Guide to {Keyphrase}", "{Keyphrase}: What the Evidence Shows"),
        openers=(
            "Understanding {keyphrase} is essential for anyone who wants consistent, measurable results.",
            "This article reviews {keyphrase} and summarises the practices that high-performing creators rely on.",
        ),
        overviews=("The analysis covers {themes} and the practical implications of each.", "It examines {themes} and outlines clear recommendations."),
        keyphrase_headings=("The Case for {Keyphrase}", "{Keyphrase}: An Overview", "A Structured Approach to {Keyphrase}"),
        theme_headings=(
            "Best Practices for {Theme}",
            "{Theme}: Key Considerations",
            "Optimising {Theme}",
            "Managing {Theme} Effectively",
            "{Theme} in Practice",
            "Recommendations on {Theme}",
        ),
        attributions=(
            "One creator's reel states it directly:",
            "A frequently cited reel notes:",
            "Practitioners make the same point:",
            "One widely viewed reel recommends:",
        ),
        transitions=("A further recommendation:", "An additional consideration:", "Equally relevant:"),
        elaborations=(
            "From a practical standpoint, a clear and repeatable process for {theme} pays off.",
            "Organisations and individuals alike see better outcomes when they review their approach to {theme} regularly.",
            "A structured approach to {theme} reduces errors and makes progress easier to measure.",
        ),
        conclusion_headings=("Conclusion", "Summary and Next Steps"),
        conclusions=(
            "In summary, success with {keyphrase} rests on disciplined attention to {themes}.",
            "Taken together, the evidence on {keyphrase} highlights the importance of {themes}.",
        ),
        calls_to_action=(
            "Review your current approach against these recommendations and prioritise one improvement this week.",
            "Identify the recommendation with the greatest impact for you and implement it systematically.",
        ),
    ),
    "persuasive": Tone(
        titles=("Why {Keyphrase} Should Have Your Attention", "Stop Ignoring {Keyphrase}", "What Makes {Keyphrase} Worth Your Time"),
        openers=(
            "If you have been putting off {keyphrase}, this is your sign to start today.",
            "Here is the truth about {keyphrase}: the people who take it seriously get results everyone else envies.",
        ),
        overviews=("You will see exactly how {themes} can make the difference.", "Read on to discover how {themes} can change your results."),
        keyphrase_headings=("How {Keyphrase} Can Change Everything", "The Real Value of {Keyphrase}", "Why You Can't Afford to Skip {Keyphrase}"),
        theme_headings=(
            "Why It Pays to Get {Theme} Right",
            "Don't Overlook {Theme}",
            "The Payoff of {Theme}",
            "Make {Theme} Work for You",
            "The Case for {Theme}",
            "{Theme}: Your Competitive Edge",
        ),
        attributions=(
            "One creator's reel proves the point:",
            "Listen to how one successful creator puts it:",
            "The creators who win all say it:",
            "One hugely popular reel insists:",
        ),
        transitions=("Just as important:", "And here is the kicker:", "Don't miss this one:"),
        elaborations=(
            "Imagine what changes once you stop treating {theme} as an afterthought.",
            "Every week you delay on {theme} is a week of results left on the table.",
            "The creators who win at {topic} never skip {theme}, and neither should you.",
        ),
        conclusion_headings=("Your Next Step", "Don't Wait"),
        conclusions=(
            "The evidence is clear: commitment to {themes} is what makes {keyphrase} pay off.",
            "You now know what works for {keyphrase}, and it starts with {themes}.",
        ),
        calls_to_action=(
            "Start today: pick one tip, act on it, and watch the difference it makes.",
            "Don't just read about it; put one of these ideas to work before the week is out.",
        ),
    ),
    "humorous": Tone(
        titles=("{Keyphrase} Without the Drama", "{Keyphrase}: The Guide Nobody Asked For (But Everyone Needs)", "How to Win at {Keyphrase} Without Losing Your Mind"),
        openers=(
            "Let's talk about {keyphrase}, the thing everyone pretends to have figured out.",
            "Good news: {keyphrase} is easier than assembling flat-pack furniture, and far less swearing is involved.",
        ),
        overviews=("We'll tackle {themes}, with fewer tears than you'd expect.", "Coming up: {themes}, explained by people who clearly learned the hard way."),
        keyphrase_headings=("{Keyphrase}: Yes, It Actually Matters", "{Keyphrase}, Explained Without a Headache", "The Truth About {Keyphrase}"),
        theme_headings=(
            "{Theme}, Less Scary Than You Think",
            "The Unofficial Rules of {Theme}",
            "{Theme} for the Easily Distracted",
            "What {Theme} Can Teach You",
            "{Theme}, Minus the Panic",
            "A Survival Guide to {Theme}",
        ),
        attributions=(
            "One creator, clearly speaking from experience, puts it this way:",
            "A reel that deserves a medal says:",
            "One creator learned this the hard way so you don't have to:",
            "Another reel delivers the wisdom:",
        ),
        transitions=("Plot twist:", "Bonus round:", "And for your next trick:"),
        elaborations=(
            "{Theme} will not fix your whole life, but it might rescue your Tuesday.",
            "Think of {theme} as the vegetables of {topic}: not glamorous, but you'll thank yourself later.",
            "Nobody has ever bragged about ignoring {theme}, and there is a reason for that.",
        ),
        conclusion_headings=("The End (No Cliffhanger)", "Wrapping It Up"),
        conclusions=(
            "So there it is: {keyphrase}, minus the drama, built on {themes}.",
            "Congratulations, you now know more about {keyphrase} than most people, mostly thanks to {themes}.",
        ),
        calls_to_action=(
            "Try one tip this week, then tell a friend so you can both pretend you knew it all along.",
            "Go forth, try one of these today, and report back with your triumphs.",
        ),
    ),
}

TONE_ALIASES = {
    "friendly": "casual",
    "conversational": "casual",
    "formal": "professional",
    "authoritative": "professional",
    "business": "professional",
    "funny": "humorous",
    "witty": "humorous",
    "playful": "humorous",
    "convincing": "persuasive",
    "sales": "persuasive",
    "educational": "informative",
    "neutral": "informative",
}

# Shared by every tone; each works with any noun phrase as {theme}.
ELABORATIONS = (
    "When it comes to {theme}, small and repeatable habits beat occasional big efforts.",
    "A good first step with {theme} is to change one thing at a time and notice the difference it makes.",
    "Most of the advice around {theme} comes down to paying attention early instead of fixing things later.",
    "It helps to write down what you try with {theme}, so the next attempt starts from what you learned.",
    "None of this needs special equipment or a big budget, only a little attention to {theme}.",
    "People who get consistent results with {theme} keep their routine simple enough to repeat.",
    "If all of this feels like a lot, pick the single tip about {theme} that fits your week and start there.",
    "The common thread is that consistency beats intensity when it comes to {theme}.",
    "Mistakes with {theme} are normal, and each one shows you what to adjust next time.",
    "Seen this way, it is easier to connect {theme} to {topic} as a whole.",
    "Creators who cover {topic} return to {theme} again and again, which says a lot about its importance.",
    "Think of {theme} as a skill you build, not a box you tick once.",
    "Start with the basics of {theme} before reaching for advanced tricks.",
    "A quick check on {theme} before you begin can save a lot of effort later on.",
    "The payoff from {theme} is rarely instant, but it adds up over a few weeks.",
    "Keeping {keyword} in mind while you work on {theme} helps the pieces fit together.",
    "There is no single right answer for {theme}; what matters is an approach you will actually keep.",
    "Comparing notes with others who care about {theme} is one of the fastest ways to improve.",
    "Even a few minutes spent on {theme} each week makes a visible difference.",
    "Much of the confusion around {theme} disappears once you try the advice yourself.",
    "The advice on {theme} is simple to state; the real work is doing it regularly.",
    "It is worth revisiting {theme} every so often, because what works changes as you gain experience.",
    "For beginners, the quickest wins are often hiding in {theme}.",
    "Getting {theme} right also makes the rest of {topic} feel less stressful.",
    "Viewers respond to advice on {theme} because it is concrete and easy to test.",
    "The strongest reels on {theme} show the step instead of only describing it, which is a good model to follow.",
    "Small details in {theme} tend to have an outsized effect on the final result.",
    "If you only change one thing this week, make it something to do with {theme}.",
    "A short checklist for {theme} keeps you from skipping the steps that matter.",
    "Patience pays off with {theme}; rushing usually undoes the benefit.",
    "The same ideas about {theme} show up across many different creators, a good sign that they work.",
    "Treat each tip about {theme} as an experiment: try it, judge the result, and keep what works.",
    "Combining {theme} with {keyword} usually works better than focusing on either one alone.",
    "Once you have a routine for {theme}, you stop thinking about it and simply do it.",
    "It is easy to overcomplicate {theme}, so resist the urge to add steps you do not need.",
    "Good habits around {theme} also make it easier to spot when something goes wrong.",
    "Before changing anything about {theme}, take a moment to notice what you already do well.",
    "The simplest version of the advice on {theme} is usually the one people keep following.",
    "Progress with {theme} is easier to see when you compare this month with last month, not with someone else.",
    "Asking why a tip about {theme} works makes it far easier to adapt it to your own situation.",
    "Some advice on {theme} sounds obvious, yet it is exactly the part most people skip.",
    "A single habit around {theme}, repeated for a month, usually beats a dozen tips tried once.",
    "When advice on {theme} seems to conflict, test both versions and trust what you observe.",
    "It pays to set a small, specific goal for {theme} rather than a vague intention.",
    "Sharing what you learn about {theme} with a friend is a good way to make it stick.",
    "Good advice on {theme} tends to be specific, so be wary of tips that promise everything at once.",
    "A little planning around {theme} at the start of the week saves scrambling later.",
    "Over time, the small decisions you make about {theme} add up to the results people notice.",
    "It is worth bringing {keyword} into the picture here as well, given how closely it connects to {theme}.",
    "Keep {keyword} on your radar too; in practice, {theme} and {keyword} are closely linked.",
)

INTRO_EXTRAS = (
    "Each section focuses on one theme and sticks to advice you can act on straight away.",
    "Along the way, you will see which habits come up again and again among creators who cover {topic}.",
    "Nothing here requires expert knowledge, only a willingness to try a few small changes.",
)
# Only true when there are notes to draw on.
INTRO_EXTRAS_FROM_NOTES = (
    "The ideas below come from the reels and notes that performed best, cleaned up and grouped by theme.",
    "Where a creator said it best, their words are quoted so you can see the advice in context.",
)

CONCLUSION_EXTRAS = (
    "None of these ideas is complicated on its own; the value comes from applying them together.",
    "Come back to this guide whenever you feel stuck with {topic}, and start again from the basics.",
    "Progress with {topic} is rarely a straight line, so measure it over weeks rather than days.",
)

HOOK_TEMPLATES = {
    "question": (
        "The question “{hook}” comes up again and again, and the answer usually starts with {theme}.",
        "Creators keep asking “{hook}”, which shows how much uncertainty there is around {theme}.",
        "Reels that ask “{hook}” draw big audiences, a sign that people want straight answers on {theme}.",
    ),
    "list": (
        "Reels titled “{hook}” keep drawing views, a sign that plenty of people want better answers on {theme}.",
        "One popular reel, “{hook}”, shows how much curiosity there is around {theme}.",
        "Titles like “{hook}” perform well because they promise something concrete about {theme}.",
    ),
}

# For briefs whose notes yield fewer than two themes; every tone uses them.
FALLBACK_HEADINGS = ("Getting Started With {Keyphrase}", "Putting {Keyphrase} Into Practice")

DOCUMENT_ATTRIBUTIONS = ("One of the reference documents puts it this way:", "A saved document in the library notes:")

STOPWORDS = frozenset(
    """
    a about above after again against all almost also always am an and any are aren't around as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
    during each either else enough etc even ever every few for from further get gets getting got had hasn't has have
    haven't having he her here hers herself him himself his how however i i'd i'll i'm i've if in into is isn't it it's
    its itself just least less let let's like ll made make makes making many may me might more most much must my myself
    need needs never no nor not now of off often on once one only or other others our ours ourselves out over own per
    perhaps quite rather re really same shall she should so some such than that that's the their theirs them themselves
    then there there's these they they're this those though through thus to too under until up upon us use used using
    very via was wasn't way ways we we're well were weren't what what's when where whether which while who whom whose
    why will with within without won't would wouldn't yet you you'd you'll you're you've your yours yourself yourselves
    actually best better big bit day days first good great guide know knew last lot lots new next nobody okay ok part
    people quick real right says see seem seems show shows someone something sooner start stop sure take tell thing
    things think time times today tonight try tried tested two three four five want week weeks year years full whole
    ever everyone everything anything hype worth wish mistake mistakes sign signs tip tips step steps hour hours minute
    minutes reel reels video videos comment comments follow save share link bio viral trending fyp explore explorepage
    pov story true sadly single vibes notes note happens happen happened mean means work works worked still keep
    properly actually hard easy fast long little way done does going go goes went come comes came give gives put
    old young early late high low short free different fancy cheap expensive only talk talking working doing said
    halfway advice idea ideas lesson lessons result results reason reasons update
    help helps helped look looks looking feel feels felt find found keep kept love loved hate honest ready nice
    """.split()
)

_PUNCT_END = ".!?"
_URL_RE = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HASHTAG_RE = re.compile(r"#\w+")
_MENTION_RE = re.compile(r"(?<![\w.])@[\w.]+")
_SPLIT_RE = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")
_FILLER_PREFIX_RE = re.compile(
    r"^(?:real quick|quick tip|pro tip|okay|ok|so|alright|honestly|listen|look|pov|unpopular opinion|hot take|"
    r"storytime|fun fact|reminder)\s*[:,\-–—]\s*",
    re.IGNORECASE,
)
_CALL_TO_ACTION_RE = re.compile(
    r"\b(?:follow (?:me|us|for|@)|subscribe|like and|comment\b|tag (?:a|the|your)|send this|share this|save this|"
    r"save it for|link in (?:my )?bio|dm me|tell me in the comments|let me know|drop a|part (?:two|2|ii)\b|"
    r"stay with me|let me show you|here's the thing|here's what happened|i tested this so you don't have to|"
    r"every single time|no notes, just vibes|based on a true story|watch (?:till|until|to) the end|wait for it)",
    re.IGNORECASE,
)
_HOOK_RE = re.compile(
    r"nobody (?:tells|talks)|you'll ever|you will ever|worth the hype|wish i knew|wish someone|changed everything|"
    r"signs you're|\bmistakes\b.*\bmake\b|\bways to\b|things i wish|^how to\b|^this is the best\b|^the only\b|"
    r"^the one thing\b|beats any\b|^\d+\s+(?:mistakes|ways|things|signs|tips|reasons|habits|rules|steps)\b",
    re.IGNORECASE,
)
_FIRST_PERSON_RE = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|my|me|mine|we|we're|our|us)\b")
_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")
_SMALL_TITLE_WORDS = frozenset("a an and as at but by for in nor of on or the to with vs via".split())


def count_words(text: str) -> int:
    """Words a reader sees in `text`, ignoring Markdown symbols."""
    return len(_WORD_RE.findall(text))


class OfflineWriter:
    """Composes articles and content ideas from the brief with fixed rules; no model, no network."""

    name = "offline"

    def __init__(self, *, step_delay_seconds: float = 0.0):
        # Simulated thinking time per step, so a local demo shows progress the way a model would.
        self.step_delay_seconds = max(0.0, float(step_delay_seconds))

    def write_article(self, brief: ArticleBrief, *, on_progress: ProgressCallback | None = None) -> Article:
        """A Markdown article of about brief.word_count words in brief.tone, the same for the same brief."""

        def report(fraction: float, message: str) -> None:
            if on_progress is not None:
                on_progress(fraction, message)
            if self.step_delay_seconds:
                time.sleep(self.step_delay_seconds)

        tone_name = resolve_tone(brief.tone)
        if brief.mode == "spin" and brief.source_text.strip():
            markdown, title = _Spinner(brief, tone_name).compose(report)
        else:
            markdown, title = _Composer(brief, tone_name).compose(report)
        if on_progress is not None:
            on_progress(1.0, "Article composed")
        return Article(
            title=title,
            markdown=markdown,
            model=MODEL_NAME,
            usage={"words": count_words(markdown), "tone": tone_name},
        )

    def compose_ideas(self, brief: IdeasBrief, *, on_progress: ProgressCallback | None = None) -> list[ContentIdea]:
        """brief.count distinct ideas adapted from the outlier reels by fixed rules (offline_ideas explains them)."""

        def report(fraction: float, message: str) -> None:
            if on_progress is not None:
                on_progress(fraction, message)
            if self.step_delay_seconds:
                time.sleep(self.step_delay_seconds)

        return compose_ideas_from_outliers(brief, report)


def resolve_tone(tone: str) -> str:
    """The name of the tone table entry used for `tone`."""
    key = (tone or "").strip().lower()
    key = TONE_ALIASES.get(key, key)
    return key if key in TONES else "informative"


# ---------------------------------------------------------------- cleaning and sentence material


def clean_text(text: str) -> str:
    """`text` without links, hashtags, mentions, emoji and other pictographs."""
    text = _URL_RE.sub(" ", text)
    text = _HASHTAG_RE.sub(" ", text)
    text = _MENTION_RE.sub(" ", text)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("So", "Cs", "Co", "Cn", "Cf") or char in "\ufe0e\ufe0f\u20e3":
            continue
        if category == "Sk" and 0x1F3FB <= ord(char) <= 0x1F3FF:
            continue
        kept.append(char)
    text = "".join(kept).replace("…", ".").replace("...", ".")
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


@dataclass
class _Sentence:
    text: str
    terminal: bool  # ended with punctuation in the source (a bare first line is a title)
    line_start: bool


def split_sentences(text: str) -> list[_Sentence]:
    """Sentences of cleaned `text`; a line break ends a sentence too."""
    sentences: list[_Sentence] = []
    for line in clean_text(text).splitlines():
        line = line.strip(" -–—*•>#")
        if not line:
            continue
        for index, piece in enumerate(_SPLIT_RE.split(line)):
            piece = piece.strip()
            if piece:
                sentences.append(_Sentence(piece, piece[-1] in _PUNCT_END or piece[-1] in "\"”’", index == 0))
    return sentences


def _normal_form(text: str) -> str:
    return " ".join(word.lower() for word in _WORD_RE.findall(text))


def _finish(text: str) -> str:
    text = text.strip().rstrip(",;:-–— ")
    if text and text[-1] not in _PUNCT_END and text[-1] not in "\"”’":
        text += "."
    return text[:1].upper() + text[1:]


def _stem(word: str) -> str:
    word = word.lower().replace("’", "'")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _content_words(text: str) -> list[str]:
    return [
        word.lower()
        for word in _WORD_RE.findall(text)
        if word.lower() not in STOPWORDS and not word.isdigit() and len(word) > 2 and "'" not in word and "’" not in word
    ]


def _stems(text: str) -> set[str]:
    return {_stem(word) for word in _content_words(text)}


@dataclass
class _Tip:
    text: str
    note: int
    weight: float
    stems: set[str]
    first_person: bool


@dataclass
class _Hook:
    text: str
    kind: str  # question | list
    note: int
    weight: float
    stems: set[str]


@dataclass
class _Material:
    tips: list[_Tip]
    hooks: list[_Hook]

    def sentences(self) -> list[tuple[str, float]]:
        """Every distinct sentence with its weight, so advice repeated across reels counts once."""
        return [(tip.text, tip.weight) for tip in self.tips] + [(hook.text, hook.weight) for hook in self.hooks]


def gather_material(notes: tuple[ResearchNote, ...]) -> _Material:
    """Cleaned, de-duplicated advice sentences and hooks of the notes, most widespread first."""
    weights = _note_weights(notes)
    split = [split_sentences(note.text) for note in notes]
    # A reel's caption opens with its title, which the transcript's first sentence restates. Titles are
    # collected first so they are recognised wherever they reappear, even glued to the caption's next
    # line once whitespace has been collapsed ("… food waste Taste as you go …").
    titles = {
        _normal_form(_strip_filler(sentences[0].text))
        for sentences in split
        if sentences and not sentences[0].terminal and sentences[0].line_start
    }
    for note in notes:
        for paragraph in re.split(r"\n\s*\n", note.text)[1:]:
            opening = split_sentences(paragraph)[:1]
            if opening and count_words(opening[0].text) >= 3:
                titles.add(_normal_form(_strip_filler(opening[0].text)))
    tip_notes: dict[str, list[int]] = defaultdict(list)
    tip_text: dict[str, str] = {}
    hook_notes: dict[str, list[int]] = defaultdict(list)
    hook_text: dict[str, tuple[str, str]] = {}
    for index, sentences in enumerate(split):
        for sentence in sentences:
            for text in _unglue_title(_strip_filler(sentence.text), titles):
                text = _strip_filler(text)
                if not text or _CALL_TO_ACTION_RE.search(text):
                    continue
                words = count_words(text)
                if words < 4 or words > 60:
                    continue
                key = _normal_form(text)
                is_question = text.rstrip("\"”’").endswith("?")
                if is_question or _HOOK_RE.search(text) or key in titles:
                    kind = "question" if is_question else ("list" if _HOOK_RE.search(text) else "")
                    if kind:
                        hook_notes[key].append(index)
                        hook_text.setdefault(key, (text.rstrip(".").strip(), kind))
                    continue
                tip_notes[key].append(index)
                tip_text.setdefault(key, _finish(text))
    tips = []
    for key, indexes in tip_notes.items():
        best = max(set(indexes), key=lambda i: (weights[i], -i))
        text = tip_text[key]
        tips.append(_Tip(text, best, sum(weights[i] for i in set(indexes)), _stems(text), bool(_FIRST_PERSON_RE.search(text))))
    hooks = []
    for key, indexes in hook_notes.items():
        best = max(set(indexes), key=lambda i: (weights[i], -i))
        text, kind = hook_text[key]
        hooks.append(_Hook(text[:1].upper() + text[1:], kind, best, sum(weights[i] for i in set(indexes)), _stems(text)))
    tips.sort(key=lambda tip: (-tip.weight, tip.note, tip.text))
    hooks.sort(key=lambda hook: (-hook.weight, hook.note, hook.text))
    return _Material(tips, hooks)


def _strip_filler(text: str) -> str:
    while True:
        stripped = _FILLER_PREFIX_RE.sub("", text)
        if stripped == text:
            return text.strip()
        text = stripped


def _unglue_title(text: str, titles: set[str]) -> list[str]:
    """`text` split after a known title it starts with, or `text` alone."""
    key = _normal_form(text)
    for title in sorted(titles, key=lambda t: (-len(t), t)):
        if key.startswith(title + " ") and len(title.split()) >= 3:
            boundary = list(_WORD_RE.finditer(text))[len(title.split()) - 1].end()
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
    keyphrase_stems = _stems(keyphrase)
    scores: dict[str, float] = defaultdict(float)
    frequency: Counter[str] = Counter()
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    verbs = _verb_like_words(text for text, _ in sentences)
    for sentence, weight in sentences:
        seen: set[str] = set()
        originals = _WORD_RE.findall(sentence)
        words = [word.lower() for word in originals]
        for position, word in enumerate(words):
            if not _is_theme_word(word) or word in verbs:
                continue
            seen.add(word)
            surfaces[word][originals[position]] += 1
            if position + 1 < len(words) and _is_theme_word(words[position + 1]):
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
        stems = {_stem(word) for word in term.split()}
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


_VERB_CUES = frozenset(
    "i you we they it he she that which who can can't will won't don't doesn't never always should must to "
    "actually really just still also often".split()
)


def _verb_like_words(sentences) -> set[str]:
    """Words used as verbs somewhere ("how to bake", "bread that rises", an imperative opening); headings need nouns."""
    verbs: set[str] = set()
    for sentence in sentences:
        words = [word.lower() for word in _WORD_RE.findall(sentence)]
        if words:
            verbs.add(words[0])
        for position in range(1, len(words)):
            before = words[position - 1]
            if before in _VERB_CUES:
                verbs.add(words[position])
    return verbs


def _is_theme_word(word: str) -> bool:
    return (
        len(word) > 2
        and word not in STOPWORDS
        and not any(char.isdigit() for char in word)
        and "'" not in word
        and "’" not in word
        and not (word.endswith("ly") and word not in _NOUNS_ENDING_IN_LY)
    )


_NOUNS_ENDING_IN_LY = frozenset("family supply belly jelly rally italy july assembly anomaly butterfly".split())


def title_case(text: str) -> str:
    """Headline capitalisation that leaves acronyms and small joining words alone."""
    words = text.split()
    result = []
    for index, word in enumerate(words):
        if index and word.lower() in _SMALL_TITLE_WORDS:
            result.append(word.lower())
        elif any(char.isupper() for char in word[1:]) or any(char.isdigit() for char in word):
            result.append(word)
        else:
            result.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(result)


def _join_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _seed(*parts: str) -> int:
    return zlib.crc32("|".join(parts).encode("utf-8"))


# ---------------------------------------------------------------- topic, keywords and trends modes


@dataclass
class _Section:
    heading: str
    theme: str
    stems: set[str]
    budget: int
    tips: list[_Tip] = field(default_factory=list)
    hooks: list[_Hook] = field(default_factory=list)
    chosen: list[tuple[str, str]] = field(default_factory=list)  # (kind, rendered sentence)


class _Composer:
    """Builds title, intro, themed sections and conclusion to a word budget."""

    def __init__(self, brief: ArticleBrief, tone_name: str):
        self.brief = brief
        self.tone = TONES[tone_name]
        self.target = max(120, int(brief.word_count or 800))
        self.topic = (brief.topic or brief.keyphrase or (brief.keywords[0] if brief.keywords else "") or "this topic").strip()
        self.keyphrase = (brief.keyphrase or self.topic).strip()
        self.seed = _seed(self.topic, self.keyphrase, tone_name, brief.mode)
        self.used: set[str] = set()
        self.sections: list[_Section] = []
        self.keywords: list[str] = []
        self.template_uses: Counter[int] = Counter()
        self.cited_notes: set[int] = set()
        self.attribution_count = 0
        self.transition_count = 0

    def pick(self, options: tuple[str, ...], salt: int = 0) -> str:
        return options[(self.seed + salt) % len(options)]

    def fill(self, template: str, *, theme: str = "", keyword: str = "", themes: str = "", hook: str = "") -> str:
        return template.format(
            keyphrase=self.keyphrase,
            Keyphrase=title_case(self.keyphrase),
            topic=self.topic,
            theme=theme,
            Theme=_capitalize(theme),
            keyword=keyword,
            Keyword=_capitalize(keyword),
            themes=themes,
            hook=hook,
        )

    def compose(self, report: ProgressCallback) -> tuple[str, str]:
        material = gather_material(self.brief.notes)
        section_count = min(6, max(3, round(self.target / 220)))
        themes = extract_themes(
            material.sentences(), keyphrase=self.keyphrase, keywords=self.brief.keywords, limit=section_count - 1
        )
        self.keywords = [keyword.strip() for keyword in self.brief.keywords if keyword.strip()] or themes[:]
        title = self.fill(self.pick(self.tone.titles))
        sections = self._plan_sections(themes, section_count)
        self.sections = sections
        theme_names = [section.theme for section in sections[1:] if section.theme != self.keyphrase] or [self.keyphrase]
        intro_budget = max(30, round(self.target * 0.11))
        conclusion_budget = max(28, round(self.target * 0.09))
        body_budget = self.target - count_words(title) - intro_budget - conclusion_budget
        for section in sections:
            section.budget = max(40, round(body_budget / len(sections)))
        self._assign(material, sections)
        report(0.05, "Planned the outline")
        intro = self._intro(theme_names, intro_budget)
        total_steps = len(sections) + 2
        for number, section in enumerate(sections, start=1):
            self._fill_section(section, number)
            report(min(0.9, (number + 1) / total_steps), f"Composed section {number} of {len(sections)}: {section.heading}")
        conclusion_heading = self.pick(self.tone.conclusion_headings)
        conclusion = self._conclusion(theme_names, conclusion_budget)
        self._balance(title, intro, sections, conclusion_heading, conclusion)
        report(0.95, "Balanced the length")
        return self._render(title, intro, sections, conclusion_heading, conclusion), title

    def _plan_sections(self, themes: list[str], section_count: int) -> list[_Section]:
        first = self.fill(self.pick(self.tone.keyphrase_headings))
        keyphrase_stems = _stems(self.keyphrase) | _stems(self.topic)
        sections = [_Section(first, self.keyphrase, keyphrase_stems, 0)]
        keywords = [k.strip() for k in self.brief.keywords if k.strip() and k.strip().lower() not in map(str.lower, themes)]
        patterns = self.tone.theme_headings
        offset = self.seed % len(patterns)
        # Weak notes make fewer, longer sections rather than sections about invented themes.
        for index, theme in enumerate((themes + keywords)[: section_count - 1]):
            heading = self.fill(patterns[(offset + index) % len(patterns)], theme=title_case(theme))
            sections.append(_Section(heading, theme, _stems(theme), 0))
        # The topic, when it says more than the keyphrase, gives a fallback section words of its own.
        fallback_themes = [self.topic] if _stems(self.topic) - _stems(self.keyphrase) else []
        for index, heading in enumerate(FALLBACK_HEADINGS[: max(0, 3 - len(sections))]):
            theme = fallback_themes[index] if index < len(fallback_themes) else self.keyphrase
            sections.append(_Section(self.fill(heading), theme, keyphrase_stems, 0))
        return sections

    def _assign(self, material: _Material, sections: list[_Section]) -> None:
        """Each tip and hook goes to the section whose theme it shares most words with."""
        load = [0] * len(sections)

        def best(stems: set[str]) -> int:
            overlaps = [len(stems & section.stems) for section in sections]
            top = max(overlaps)
            if top == 0:
                return min(range(len(sections)), key=lambda i: (load[i], i))
            return min((i for i, value in enumerate(overlaps) if value == top), key=lambda i: (load[i], i))

        for tip in material.tips:
            index = best(tip.stems)
            sections[index].tips.append(tip)
            load[index] += count_words(tip.text)
        for hook in material.hooks:
            overlaps = [len(hook.stems & section.stems) for section in sections]
            # A hook that shares no theme only says something about the topic as a whole.
            index = overlaps.index(max(overlaps)) if max(overlaps) else 0
            sections[index].hooks.append(hook)
        # Every section should quote at least one note when there are enough to go round.
        for section in sections:
            if section.tips:
                continue
            donor = max(sections, key=lambda s: (len(s.tips), -sections.index(s)))
            if len(donor.tips) >= 2:
                section.tips.append(donor.tips.pop())

    def _render_tip(self, tip: _Tip, section_index: int) -> str:
        notes = self.brief.notes
        is_document = 0 <= tip.note < len(notes) and notes[tip.note].source == "document"
        attribute = tip.first_person or (tip.note not in self.cited_notes and self.attribution_count <= section_index)
        if attribute:
            self.cited_notes.add(tip.note)
            options = DOCUMENT_ATTRIBUTIONS if is_document else self.tone.attributions
            lead = options[(self.seed + self.attribution_count) % len(options)]
            self.attribution_count += 1
            quoted = f"“{tip.text}”" if tip.first_person else tip.text
            return f"{lead} {quoted}"
        if self.transition_count % 3 == 2:
            lead = self.tone.transitions[(self.seed + self.transition_count) % len(self.tone.transitions)]
            self.transition_count += 1
            return f"{lead} {tip.text}"
        self.transition_count += 1
        return tip.text

    def _next_filler(self, section: _Section, salt: int) -> str | None:
        """An unused connective sentence for the section, preferring templates not used elsewhere."""
        templates = self.tone.elaborations + ELABORATIONS
        offset = (self.seed + salt * 7) % len(templates)
        order = sorted(range(len(templates)), key=lambda i: (self.template_uses[i], (i - offset) % len(templates)))
        keywords = [k for k in self.keywords if _stems(k) - section.stems] or [
            s.theme for s in self.sections if _stems(s.theme) - section.stems
        ]
        for index in order:
            template = templates[index]
            keyword = ""
            if "{keyword}" in template.lower():
                if not keywords:
                    continue
                keyword = keywords[(self.template_uses[index] + salt) % len(keywords)]
            if "{topic}" in template and _stems(self.topic) & section.stems:
                continue  # "pasta water … pasta water tips as a whole" reads as an echo
            sentence = self.fill(template, theme=section.theme, keyword=keyword)
            key = _normal_form(sentence)
            if key in self.used:
                continue
            self.used.add(key)
            self.template_uses[index] += 1
            return sentence
        return None

    def _hook_sentence(self, hook: _Hook, section: _Section) -> str | None:
        options = HOOK_TEMPLATES[hook.kind]
        for attempt in range(len(options)):
            sentence = self.fill(options[(self.seed + len(self.used) + attempt) % len(options)], theme=section.theme, hook=hook.text)
            key = _normal_form(sentence)
            if key not in self.used:
                self.used.add(key)
                return sentence
        return None

    def _fill_section(self, section: _Section, number: int) -> None:
        words = count_words(section.heading)

        def closer(extra: int) -> bool:
            return abs(words + extra - section.budget) < abs(words - section.budget)

        for tip in section.tips:
            if not section.chosen or closer(count_words(tip.text) + 4):
                rendered = self._render_tip(tip, number - 1)
                self.used.add(_normal_form(tip.text))
                section.chosen.append(("tip", rendered))
                words += count_words(rendered)
        hook_limit = 1 if self.target < 600 else 2
        while section.hooks and hook_limit > 0:
            if len(section.chosen) >= 2 and not closer(count_words(section.hooks[0].text) + 12):
                break
            sentence = self._hook_sentence(section.hooks.pop(0), section)
            if sentence:
                section.chosen.append(("hook", sentence))
                words += count_words(sentence)
                hook_limit -= 1
        while len(section.chosen) < 2 or closer(14):
            sentence = self._next_filler(section, number + len(section.chosen))
            if sentence is None:
                break
            section.chosen.append(("filler", sentence))
            words += count_words(sentence)

    def _intro(self, theme_names: list[str], budget: int) -> list[str]:
        sentences = [
            _capitalize(self.fill(self.pick(self.tone.openers))),
            self.fill(self.pick(self.tone.overviews, 1), themes=_join_list(theme_names[:3])),
        ]
        extras = INTRO_EXTRAS + (INTRO_EXTRAS_FROM_NOTES if self.brief.notes else ())
        for index in range(len(extras)):
            extra = self.fill(extras[(self.seed + index) % len(extras)])
            if abs(count_words(" ".join(sentences + [extra])) - budget) >= abs(count_words(" ".join(sentences)) - budget):
                break
            sentences.append(extra)
        for sentence in sentences:
            self.used.add(_normal_form(sentence))
        return sentences

    def _conclusion(self, theme_names: list[str], budget: int) -> list[str]:
        sentences = [self.fill(self.pick(self.tone.conclusions, 2), themes=_join_list(theme_names[:3]))]
        call_to_action = self.pick(self.tone.calls_to_action, 3)
        for index in range(len(CONCLUSION_EXTRAS)):
            extra = self.fill(CONCLUSION_EXTRAS[(self.seed + index) % len(CONCLUSION_EXTRAS)])
            current = count_words(" ".join(sentences + [call_to_action]))
            if abs(current + count_words(extra) - budget) >= abs(current - budget):
                break
            sentences.append(extra)
        sentences.append(call_to_action)
        for sentence in sentences:
            self.used.add(_normal_form(sentence))
        return [_capitalize(sentence) for sentence in sentences]

    def _balance(
        self, title: str, intro: list[str], sections: list[_Section], conclusion_heading: str, conclusion: list[str]
    ) -> None:
        """Add or drop connective sentences until the whole article is close to the target length."""
        low, high = self.target * 0.97, self.target * 1.03
        for round_number in range(400):
            total = count_words(self._render(title, intro, sections, conclusion_heading, conclusion))
            if low <= total <= high:
                return
            if total < low:
                hungriest = sorted(sections, key=lambda s: (self._section_words(s) / max(1, s.budget), sections.index(s)))
                for section in hungriest:
                    sentence = self._next_filler(section, round_number + 101)
                    if sentence is not None:
                        section.chosen.append(("filler", sentence))
                        break
                else:
                    return
            else:
                removable = [s for s in sections if len(s.chosen) > 2]
                if not removable:
                    return
                section = max(removable, key=lambda s: (self._section_words(s) / max(1, s.budget), -sections.index(s)))
                # Connective sentences go first; the notes' own advice is kept as long as possible.
                for kind in ("filler", "hook", "tip"):
                    positions = [i for i, (k, _) in enumerate(section.chosen) if k == kind]
                    if positions:
                        removed = section.chosen.pop(positions[-1])
                        if count_words(removed[1]) > total - low:
                            section.chosen.insert(positions[-1], removed)
                            return
                        break

    def _section_words(self, section: _Section) -> int:
        return count_words(section.heading) + sum(count_words(text) for _, text in section.chosen)

    def _render(
        self, title: str, intro: list[str], sections: list[_Section], conclusion_heading: str, conclusion: list[str]
    ) -> str:
        parts = [f"# {title}", " ".join(intro)]
        for section in sections:
            parts.append(f"## {section.heading}")
            parts.extend(_paragraphs(_interleave(section.chosen)))
        parts.append(f"## {conclusion_heading}")
        parts.append(" ".join(conclusion))
        return "\n\n".join(parts) + "\n"


def _interleave(chosen: list[tuple[str, str]]) -> list[str]:
    """Advice first in each stretch, with connective and hook sentences woven between."""
    tips = [text for kind, text in chosen if kind == "tip"]
    others = [text for kind, text in chosen if kind != "tip"]
    ordered: list[str] = []
    while tips or others:
        if tips:
            ordered.append(tips.pop(0))
        share = math.ceil(len(others) / max(1, len(tips) + 1)) if tips else len(others)
        ordered.extend(others[:share])
        others = others[share:]
    return ordered


def _paragraphs(sentences: list[str], size: int = 3) -> list[str]:
    groups = [sentences[i : i + size] for i in range(0, len(sentences), size)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        groups[-2].extend(groups.pop())
    return [" ".join(group) for group in groups if group]


# ---------------------------------------------------------------- spin mode

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
_REFERRING_START = frozenset(
    "this that these those it its they them he she his her but and so then also however therefore instead still yet "
    "which as such another both finally next later".split()
)


_PRONOUNS = frozenset("it its it's this these those they them their theirs he him his she her".split())


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
        return f"{_capitalize(main)} {word.lower()} {condition}{end}"
    for pattern, template in OPENINGS:
        found = pattern.match(sentence)
        if found:
            return template.format(found.group(1))
    return sentence


class _Spinner:
    """Rewrites brief.source_text paragraph by paragraph and gives it a title, headings and a conclusion."""

    def __init__(self, brief: ArticleBrief, tone_name: str):
        self.brief = brief
        self.tone = TONES[tone_name]
        source = clean_text(brief.source_text)
        self.lowercase_words = {word for word in _WORD_RE.findall(source) if word.islower()}
        self.blocks = _source_blocks(source)
        paragraphs = [text for kind, text in self.blocks if kind == "text"]
        fallback = extract_themes(_weighted(paragraphs), keyphrase="", limit=1)
        self.topic = (brief.topic or brief.keyphrase or (fallback[0] if fallback else "this topic")).strip()
        self.keyphrase = (brief.keyphrase or self.topic).strip()
        self.seed = _seed(self.topic, self.keyphrase, tone_name, "spin")

    def fill(self, template: str, **values: str) -> str:
        theme = values.get("theme", "")
        return template.format(
            keyphrase=self.keyphrase, Keyphrase=title_case(self.keyphrase), topic=self.topic, theme=theme,
            Theme=_capitalize(theme), keyword="", Keyword="", themes=values.get("themes", ""), hook="",
        )

    def compose(self, report: ProgressCallback) -> tuple[str, str]:
        title = self.fill(self.tone.titles[self.seed % len(self.tone.titles)])
        groups = self._groups()
        report(0.1, "Planned the rewrite")
        intro_group, body, closing = groups[0], groups[1:-1], groups[-1] if len(groups) > 1 else None
        intro = [paragraph for paragraph in (self._rewrite_paragraph(text) for text in intro_group[1]) if paragraph]
        if self.keyphrase.lower() not in " ".join(intro).lower():
            opener = _capitalize(self.fill(self.tone.openers[self.seed % len(self.tone.openers)]))
            intro = [f"{opener} {intro[0]}", *intro[1:]] if intro else [opener]
        parts = [f"# {title}", *intro]
        headings_used: set[str] = set()
        for number, (heading, paragraphs) in enumerate(body, start=1):
            parts.append(f"## {self._heading(heading, paragraphs, number - 1, headings_used)}")
            parts.extend(self._rewrite_paragraph(text) for text in paragraphs)
            report(0.1 + 0.8 * number / max(1, len(body) + 1), f"Rewrote section {number} of {len(body)}")
        conclusion_heading = self.tone.conclusion_headings[self.seed % len(self.tone.conclusion_headings)]
        closing_heading, closing_paragraphs = closing if closing is not None else ("", [])
        parts.append(f"## {rewrite_words(title_case(closing_heading)) if closing_heading else conclusion_heading}")
        parts.extend(self._rewrite_paragraph(text) for text in closing_paragraphs)
        parts.append(self.tone.calls_to_action[self.seed % len(self.tone.calls_to_action)])
        report(0.9, "Rewrote the conclusion")
        return "\n\n".join(parts) + "\n", title

    def _groups(self) -> list[tuple[str, list[str]]]:
        """(source heading or "", paragraphs) per section: intro first, conclusion last."""
        groups: list[tuple[str, list[str]]] = []
        for kind, text in self.blocks:
            if kind == "heading":
                groups.append((text, []))
            elif groups:
                groups[-1][1].append(text)
            else:
                groups.append(("", [text]))
        groups = [group for group in groups if group[1]]
        if not groups:
            # A source made of headings alone still has words to rewrite.
            groups = [("", [" ".join(text for _, text in self.blocks)])]
        if any(heading for heading, _ in groups):
            if groups and groups[0][0]:
                first_heading, first_paragraphs = groups[0]
                groups[0] = ("", first_paragraphs[:1])
                if first_paragraphs[1:]:
                    groups.insert(1, (first_heading, first_paragraphs[1:]))
            return groups if len(groups) > 1 else groups + [("", [])]
        paragraphs = [text for _, texts in groups for text in texts]
        if len(paragraphs) < 5:
            paragraphs = _resplit(paragraphs, 5)
        intro, middle, closing = paragraphs[:1], paragraphs[1:-1], paragraphs[-1:] if len(paragraphs) > 1 else []
        section_count = min(6, max(1, min(len(middle), max(3, math.ceil(len(middle) / 2)))))
        size = math.ceil(len(middle) / section_count) if middle else 1
        body = [("", middle[i : i + size]) for i in range(0, len(middle), size)]
        return [("", intro)] + body + [("", closing)]

    def _heading(self, source_heading: str, paragraphs: list[str], index: int, used: set[str]) -> str:
        if source_heading:
            return rewrite_words(title_case(source_heading))
        if index == 0:
            return self.fill(self.tone.keyphrase_headings[self.seed % len(self.tone.keyphrase_headings)])
        for theme in extract_themes(_weighted(paragraphs), keyphrase=self.keyphrase, limit=4):
            if theme in used:
                continue
            used.add(theme)
            pattern = self.tone.theme_headings[(self.seed + index) % len(self.tone.theme_headings)]
            return self.fill(pattern, theme=title_case(theme))
        return self.fill(self.tone.theme_headings[(self.seed + index) % len(self.tone.theme_headings)], theme=title_case(self.keyphrase))

    def _rewrite_paragraph(self, paragraph: str) -> str:
        if paragraph.startswith(("- ", "* ", "1. ")):
            return "\n".join("- " + self._rewrite_sentence(_list_text(line)) for line in paragraph.splitlines())
        sentences = [piece.text for piece in split_sentences(paragraph)]
        sentences = self._split_long(sentences)
        sentences = self._swap_pairs(sentences)
        sentences = self._merge_short(sentences)
        return " ".join(self._rewrite_sentence(sentence) for sentence in sentences)

    def _rewrite_sentence(self, sentence: str) -> str:
        return _finish(rewrite_words(restructure(sentence)))

    def _split_long(self, sentences: list[str]) -> list[str]:
        result = []
        for sentence in sentences:
            for joint, lead in ((", but ", "That said, "), ("; ", ""), (", so ", "As a result, "), (", and ", "")):
                head, found, tail = sentence.partition(joint)
                if found and count_words(head) >= 5 and count_words(tail) >= 5 and not tail[:1].isupper():
                    result.append(_finish(head))
                    result.append(_finish(lead + tail) if lead else _finish(tail))
                    break
            else:
                result.append(sentence)
        return result

    def _swap_pairs(self, sentences: list[str]) -> list[str]:
        """Swaps neighbouring middle sentences that stand on their own; the opening and closing stay put."""
        result = list(sentences)
        index = 1
        while index + 2 < len(result):
            first, second = result[index], result[index + 1]
            if self._stands_alone(first) and self._stands_alone(second):
                result[index], result[index + 1] = second, first
                index += 3
            else:
                index += 1
        return result

    def _stands_alone(self, sentence: str) -> bool:
        # A pronoun anywhere may point at the sentence before, so only self-contained sentences move.
        words = [word.lower() for word in _WORD_RE.findall(sentence)]
        return bool(words) and words[0] not in _REFERRING_START and not _PRONOUNS & set(words) and not sentence.endswith("?")

    def _merge_short(self, sentences: list[str]) -> list[str]:
        result: list[str] = []
        for sentence in sentences:
            previous = result[-1] if result else ""
            if (
                previous
                and previous.endswith(".")
                and sentence.endswith(".")
                and count_words(previous) <= 9
                and count_words(sentence) <= 9
                and not previous.startswith(("That said", "As a result"))
                and self._can_lowercase(sentence)
            ):
                result[-1] = f"{previous[:-1]}, and {sentence[:1].lower()}{sentence[1:]}"
                continue
            result.append(sentence)
        return result

    def _can_lowercase(self, sentence: str) -> bool:
        words = _WORD_RE.findall(sentence)
        if not words or words[0] == "I":
            return False
        first = words[0].lower()
        return first in STOPWORDS or first in self.lowercase_words or first in SYNONYMS


def _weighted(paragraphs: list[str]) -> list[tuple[str, float]]:
    return [(piece.text, 1.0) for paragraph in paragraphs for piece in split_sentences(paragraph)]


def _source_blocks(source: str) -> list[tuple[str, str]]:
    """("heading" | "text", content) blocks of the source; list items stay one block."""
    blocks: list[tuple[str, str]] = []
    for chunk in re.split(r"\n\s*\n", source.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("#"):
            blocks.append(("heading", lines[0].lstrip("#").strip()))
            lines = lines[1:]
            if not lines:
                continue
        if all(line.startswith(("- ", "* ")) or re.match(r"^\d+\.\s", line) for line in lines):
            blocks.append(("text", "\n".join("- " + _list_text(line) for line in lines)))
        else:
            blocks.append(("text", " ".join(lines)))
    return blocks


def _list_text(line: str) -> str:
    return re.sub(r"^(?:[-*]|\d+\.)\s+", "", line.strip())


def _resplit(paragraphs: list[str], wanted: int) -> list[str]:
    """Cut a source with too few paragraphs into `wanted` runs of sentences, never mid-sentence."""
    if any(paragraph.startswith("- ") for paragraph in paragraphs):
        return paragraphs
    sentences = [piece.text for paragraph in paragraphs for piece in split_sentences(paragraph)]
    if len(sentences) <= len(paragraphs):
        return paragraphs
    wanted = min(wanted, max(1, len(sentences) // 2))
    size = math.ceil(len(sentences) / wanted)
    return [" ".join(sentences[i : i + size]) for i in range(0, len(sentences), size)]
