"""Hooks: the opening line of a reel, and which kind of promise it makes to the viewer.

One home for the hook rules; the viral-ideas analysis, the offline ideas composer and the model
path (as its fallback) all call type_hook, so a rule is written once. The rules follow the
labelling guide, tests/data/HOOK_LABELS.md; they were tuned on tests/data/hooks_dev.csv and are
measured on tests/data/hooks_heldout.csv, which was labelled separately and never read while tuning
(tests/text_rules/test_hook_typing.py prints both reports).

Hooks
A hook is the caption's first line that has letters once hashtags, emoji and links are gone,
else the transcript's first sentence, cut to about 150 characters (extract_hook).

Reading a hook
The rules read the hook lower-cased, with casual spellings spelled out ("whats", "dont", "u" are
read as "what's", "don't", "you") and without a lead-in that promises nothing itself ("ok so",
"real quick", "ngl", "nah", "let's talk about", "POV:", "PSA:", "replying to @…"; words that also
open real hooks count as a lead-in only when a mark sets them off: "quick:", "be honest,",
"reminder:", "part 2:", but "quick hack for …"). "POV: you live in a tiny flat" is then a plain
scenario (statement) unless another type fits ("POV: I just quit my job" is a story). A first line
that is only a lead-in ("PSA 🚨", "Part 2") is read with the line after it (extract_hook).

The types, by what the creator means (each with the kinds of cue that show it)
contrarian     pushes against a common belief, advice or habit:
               - an imperative opening a clause: "stop / quit / don't / never / forget / ditch …"
                 ("Stop stretching before you run", "Stop. Putting. Oil. In. Pasta."); but "don't
                 skip / scroll / miss / blink / look away …" asks the viewer to keep watching, "don't
                 sleep on …" praises, "stop what you're doing" only asks for attention, "quit my job"
                 is a story whose "I" was left out, and "never thought I'd …" is a first person too;
               - a common habit or belief called wrong without "stop": a habit done "too often / too
                 much / too hard …" ("you're washing your dog way too often", "you're overpaying for
                 …"), "most people (parents …) / everyone … wrong", a belief reported and then denied
                 ("everyone says X. they're wrong", "people think X. they don't", "… here's why I
                 didn't", "people who say X have never met mine"), a craze deflated ("everyone's
                 obsessed with X but it's just …"), a belief "still" held ("why do people still think
                 …"), a habit (a gerund) judged harmful ("highlighting your textbook is the worst way
                 to study", "sleeping in makeup is ruining your skin"), "why you shouldn't …", a
                 common method ranked last ("flashcards are the least effective way to learn"),
                 advice that "is failing you", "doing nothing for you", "… are losing you money", a
                 belief found out to be plainer ("POV: you find out protein bars are basically candy
                 bars"), a habit skipped by a thriving narrator ("I don't meal prep and I'm healthier
                 than ever"), a common thing that "made my spending worse", a habit said to be
                 optional ("ironing is optional"), a habit defended against a bad name ("skipping the
                 gym for a walk isn't lazy"), a request to give it up ("I'm begging you to stop …",
                 "… and you should do the same");
               - "you don't need / have to" heading the hook or a clause (not "how to stop buying
                 things you don't need"), "nobody needs", "you should stop", "you can ignore",
                 "… and you should too", "not you still …", "you're not too old to …", "can we
                 please stop …";
               - a belief denied in the hook's main clause: a short noun phrase, then a negated verb
                 ("rice isn't making you fat", "protein timing doesn't matter", "cardio is NOT
                 killing your gains"), "not all …", "you're not lazy, you're tired", "there's no
                 such thing as …", "… isn't for everyone";
               - the words of a debunk: "myth", "lies about", "lied to", "sorry but", "overrated",
                 "overhyped", "gimmick", "just marketing", "save your money", "think again", "is not
                 it", "not worth the hype", "costing you more than you think", scare quotes around
                 what a thing is said to be ("your 'cheap' flights"; not a name: "the 'clean girl' bun"),
                 "is a scam" (also asked: "is protein powder a scam?"), "a waste of money", "is
                 wrong", "the wrong way", "you've (I've) been … wrong", "is made up", "useless",
                 "unpopular opinion", "hot take", "hear me out", "controversial", "normalize …",
                 scare quotes in a list ("5 'healthy' snacks");
               - a question answered no ("is breakfast really that important? no.", "… ? they're
                 not", "… ? not exactly", "… ? save your money").
               A denial whose object is held back ("pediatric dentists never give their kids this")
               or whose verb tells ("the setting Apple doesn't advertise") is a reveal, not a debunk.
number_list    a countable list that opens the hook: after at most three openers (the, my, these,
               here are, top, ranking, a list of, …) a count of two to a hundred (digits or words)
               and a plural noun within four words ("5 foods that …", "top 10 beaches", "seven signs
               …", "my 3 favourite budget skincare finds"). A number that counts no items is no
               list: years ("2019 vs 2024"), prices ("$40 dinner"), amounts ("lost 12 kg", "100k"),
               times ("5am"), durations ("30 days of …", "2 weeks in Japan"), measures ("4
               ingredient pancakes"), a family ("my 3 kids vs one bathroom"), and "one thing".
how_to         a method: "how to" anywhere (but "does anyone know how to …" and "who taught you how
               to …" ask and "my son taught me how to …" tells), an opening "how I / how we",
               "here's (exactly) how", "this is how to", "show you how" (not "here's how it went"),
               "step by step", "N-step", "tutorial", "guide to" / "beginner's guide", "recipe for"
               (or a title whose last words are "… recipe"), "the easiest / fastest / right / best /
               only way to", "a simple trick to", "the trick to …ing", "the hack I use to …", "with
               this simple method", "show you my system", "pro tip", "life hack", "a thread on how I
               …", "do this / try this" opening a clause, "follow these steps", "what to say / do /
               pack when …", "where / when to …", "tips for", "in 3 (easy) steps", "roadmap /
               blueprint / cheat sheet / crash course / masterclass to …", "X 101", "make / build /
               grow your own …", "here's my exact process / system …", "follow along as …", a task
               under its circumstance ("setting up a budget when you're paid weekly", "… for
               beginners"). "recipe in" is a method only when it points somewhere ("recipe in bio").
               "This is how we do Christmas" shows a moment, not a method.
question       asks the viewer something, in question form, with or without "?": an inverted
               opening ("would you …", "do you …", "is it …", "can we talk about …"), a question
               word followed by an inversion ("why does …", "what's your …", "how much does …",
               "which one …", "which side of the bed do you …", "what song is stuck in your
               head"), "is it just me", "anyone …", "who
               else", "how many of you", "raise your hand if", "ever tried …", "thoughts on", "hot or
               not", a question after a comma ("you guys asked, how do I …?"), a choice asked
               ("tea or coffee?"), or a question word that is its own subject, asked ("what
               happens if …?"). Not a question: a "?" after a fragment ("Worst airport in the
               world?"); a question word before a plain clause, which is a title ("why your bread
               is dense", "what I eat in a day", "how much I spent in Paris", "what's in my bag");
               "do this …", an instruction; a negative opening without its "?" ("can't stop making
               this salad", a first person left out). A question may be addressed first, to a group
               or with a lead-in ("MOMS what time does your toddler go to bed", "runners, do you
               stretch first", "be honest would you wear this"), if it is then put to "you"; a
               fragment with its "?" and a request to answer asks too ("Best beach in Portugal? Let
               me know below"), and so does a rating asked ("Rate this outfit out of 10?").
story          a first-person account of something that happened: I / we / my X / our X opening
               the hook (after at most a time phrase: "two years ago I …", "after 8 years of
               teaching I …", "the day I …", "why I …") with a past or perfect verb ("I quit", "we
               moved", "my toddler just said", "I've been sober", "I haven't bought", "I'm 40 and
               just learned"; "we have food at home" is the present); a family member's event after
               an "and" ("my grandma is 91 and just learned …", "my husband and I moved …", "me and my
               sister drove …"); an opening past verb whose
               "I" was left out, before an object, a particle or an amount ("got kicked out",
               "finally hit 10k", "lost 15 kg", "been learning French", a habit begun: "started
               running at 45"); a life event announced ("we have a new family member",
               "we're moving to Japan"); "it took me 3 years to …"; "day 47 of", "week 12 of";
               "storytime". No story: an -ed word after "I'm", which describes ("I'm obsessed with
               this"); a first person inside a relative clause ("best $12 I've ever spent");
               knowing or expecting ("I didn't know this …", "I wasn't expecting this ending").
curiosity_gap  withholds the payoff so the viewer stays: "the one thing / habit / trick …", "one
               ingredient that …", "nobody tells you / talks about", "the part they leave out", "you
               won't believe", "you'll never guess", "guess what / which", "what if I told you",
               prompts to keep watching ("wait for the end", "watch / stay till the end", "wait for
               his reaction", "don't skip", "keep watching", "watch this", "the last one", "this
               ending", "you're going to want to see this", "swipe for …"), "what happened next",
               "what happens when", "the (real) reason", "the truth about", "the story behind",
               "you've never heard of", "didn't expect this", "the secret", "the hidden",
               "little-known", "this is why / what", "here's what / why / how much", "what … won't
               tell / teach you", "will surprise you", "I didn't know", "I wish I knew", "it's not
               what (where, who …) you think", "the tab nobody uses", "you've never seen …", "you'll
               never look at … the same way", "read this before / if", "this changed everything",
               "you don't even know", "hidden in …", "you'll want to save this", "there's a reason
               …", "this happens when …", "sounds fake but …", "the detail you definitely missed",
               "the last outfit is my favourite", an insider's refusal ("things I'd never buy as a
               dermatologist"), a thing held back behind a condition ("if your dog
               does this …", "signs your …"); prompts to keep watching also "don't blink / look
               away", "at 0:07"; a challenge only a few pass ("only 1% of people notice this", "only
               true 90s kids will remember"); a reveal title about others (about the creator it is a
               format title, a statement): a thing, a group and what the group does with it ("the
               bedtime trick pediatric nurses swear by", "the $1 rule rich people use", "the pricing
               trick every supermarket uses"; not with a rank or "mistake": "the #1 mistake new
               investors make" is a claim), "what" and a subject that is not the creator, then a
               verb ("what top CEOs do in the first hour", "what your handwriting says about you",
               "what $100 of groceries looks like"), a group's habit with its object held back
               ("dentists never give their kids this"), "… doesn't advertise"; an explanatory title
               opening with "why" that is not inverted ("why your kid melts down").
bold_claim     an absolute or superlative claim about a thing, or a judgement on a named thing:
               "best" (not inside a name: "best friend", "best man"), "worst", "greatest",
               "perfect", "ultimate", a superlative after "the" ("the creamiest hummus", "the single
               most effective …"), "… ever", "all-time", "of all time", "in the world", "the most",
               "the only" (not "the only one / sibling who …", a person in a scene), "the #1",
               "number one", "nothing beats", "no (laptop under $1000) comes close", "no one / no
               pan … like", "better … than", "more … than", "outperforms", "who needs …",
               "guaranteed", "game changer", "must-have", "worth every (single) penny / the hype",
               "pays for itself", "will ruin every other …", "… will thank you", "never going back",
               intensified praise ("ridiculously good"), "my favourite … of the year", "insane
               value", "viral for a reason", "a blender that actually crushes ice", "you're going to
               love this", "… Period.", "holy grail", "life changing", "underrated", "top tier",
               "10/10", "not even close", "is peak", "worth every penny", "obsessed with this",
               "proof that", "you need this", "you need to try this", "a budget that actually
               works", "y'all are sleeping on …", "every parent needs", "everyone should", "the
               mistake every beginner makes", "will double / change / save …", "100%", "hands down",
               and a named thing that did something for the creator or beyond what is usual ("this
               app replaced my whole team", "this toy kept my toddler busy", "the dog toy that
               survived my husky", "these leggings passed the squat test", "this pan is the reason I
               cook"), that reaches everything ("this workout hits every single muscle", "these
               sneakers go with everything"), that is praised ("this mascara is unreal", "… is a
               game changer", "tastes like dessert", "sounds like a $300 one"), that lasts ("these
               earbuds last 40 hours") or that promises never to fail ("this sunscreen doesn't leave
               a white cast").
statement      none of the above: a plain description of the reel ("Sunday meal prep with me",
               "outfit of the day", "a day in Porto", "POV: you're the oldest sibling"), including
               the format titles about the creator the guide settles ("what I eat in a day", "grwm
               for my best friend's wedding", "rate my setup", "X vs Y", "this is your sign to …").

The learned fallback (when no rule fires)
A hook no rule types is not sent straight to statement: a multinomial Naive Bayes over its words,
its pairs of neighbouring words and its first word (numbers read as one token), names the most probable type if it is not statement and its probability is at least
FALLBACK_MIN_PROBABILITY (0.85). Its cue is the word or word pair of the hook that speaks most for
that type over the others (plain function words are never the cue). A format title the guide
settles as a statement ("what I …", "what's in my …", "grwm", "rate my", "vs", "… with me", "watch
me …", "this is your sign", "POV: …", "routine", "haul", the "Nobody: / Me:" and "when I tell you"
memes, "*an action in asterisks*", "iykyk") is left
a statement. It is deterministic. Its counts are trained at build time from the labelled dev
captions (tests/data/hooks_dev.csv) by `make hook-model` into text_rules/data/hook_fallback.json,
which ships with the code and is read on first use; tests/text_rules/test_hook_typing.py fails when
the shipped counts are not what the dev captions give, so the two cannot drift apart.

When a hook is two types (HOOK_TYPE_PRECEDENCE: the first that applies wins)
  1. contrarian: a debunk or objection is the point, even with a number, a question or a story
     around it ("3 myths about protein", "Is protein powder a scam?", "I stopped counting
     calories and you should too").
  2. number_list or how_to, whichever opens the hook: "5 ways to fix your posture" is a list,
     "how to fix your posture in 5 steps" a method.
  3. question ("How do I start investing?"; but "How to start investing?" is how_to, rule 2).
  4. story: a first-person event beats curiosity and claims ("I tried the viral pasta and you
     won't believe it").
  5. curiosity_gap beats bold_claim ("the secret to the best sourdough").
  6. bold_claim.
  7. statement.

Confidence
type_hook returns a HookTyping: the type, a confidence in (0, 1] and the cue, the words of the
hook that decided it, as they appear in the hook ("stop stretching", "5 foods", "how to", "I
quit", "wait till the end"), so a page can say why. The confidence comes from the evidence; it is
not a calibrated probability:
  0.9   a strong, explicit cue ("how to", "stop …", "5 foods", "I quit", an inversion ending in "?");
  0.75  a weaker cue that a reader could take either way (a question without its "?", an opening
        past verb with no "I", "the creamiest …", "do this …", "the best way to …");
  −0.15 when a rule of another type matched too and lost on precedence (types compete);
  0.55  the learned fallback: no rule matched and the Naive Bayes is sure (see above);
  0.5   statement: nothing matched, and the cue is "".
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from text_rules.text import clean_text

# The order an API lists the types in (and the order the results page groups hooks by).
HOOK_TYPES: dict[str, str] = {
    "question": "Asks the viewer something, with or without '?': 'would you eat this', 'why does nobody …?'.",
    "number_list": "Promises a countable list that opens the hook: '5 foods that …', 'top 10 beaches'.",
    "how_to": "Promises a method: 'how to', 'how I …', 'here's how', 'step by step', 'the easiest way to'.",
    "contrarian": "Pushes against a common belief or habit: 'stop …', 'you don't need …', '3 myths about …'.",
    "story": "A first-person account of something that happened: 'I quit …', 'we moved …', 'day 47 of …'.",
    "curiosity_gap": "Withholds the payoff: 'the one thing', 'nobody tells you', 'wait till the end'.",
    "bold_claim": "An absolute or superlative claim: 'the best …', 'the only … you need', 'every parent needs'.",
    "statement": "None of the above: a plain description of the reel ('Sunday meal prep with me').",
}
HOOK_TYPE_ORDER: tuple[str, ...] = tuple(HOOK_TYPES)
# When a hook is two types, the first of these that applies wins (module docstring, HOOK_LABELS.md).
# number_list and how_to share a rank: whichever opens the hook wins between them.
HOOK_TYPE_PRECEDENCE: tuple[str, ...] = (
    "contrarian", "number_list", "how_to", "question", "story", "curiosity_gap", "bold_claim", "statement",
)

HOOK_MAX_CHARS = 150
# How sure a rule is (module docstring, "Confidence").
STRONG_CUE_CONFIDENCE = 0.9
WEAK_CUE_CONFIDENCE = 0.75
COMPETING_TYPE_PENALTY = 0.15
STATEMENT_CONFIDENCE = 0.5


@dataclass(frozen=True)
class HookTyping:
    """A hook's type with the evidence for it."""

    type: str  # one of HOOK_TYPES
    confidence: float  # (0, 1]; how it is derived: module docstring, "Confidence"
    cue: str  # the words of the hook that decided the type ("" for statement)
    source: str = "offline"  # "offline" (these rules) | "model" (the language model's answer)

    def to_dict(self) -> dict[str, object]:
        return {"type": self.type, "confidence": self.confidence, "cue": self.cue, "source": self.source}


@dataclass(frozen=True)
class _Cue:
    """Where in the (lead-in free) hook a rule matched, and how explicit the match is."""

    start: int
    end: int
    strong: bool = True


# --- Hooks ---------------------------------------------------------------------------------------

_RANK_RE = re.compile(r"#(?=\d+\b)")
# Emoji presentation selectors and keycap marks are combining marks that clean_text keeps.
_EMOJI_MARKS_RE = re.compile("[\ufe0e\ufe0f\u20e3]")
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.?!…])\s+")
_SENTENCE_END_RE = re.compile(r"[.?!…]")


def _clean(text: str) -> str:
    """clean_text that keeps ranks such as "#1" (Instagram hashtags cannot be all digits)."""
    guarded = _RANK_RE.sub("\x00", _EMOJI_MARKS_RE.sub("", (text or "").replace("\x00", "")))
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
    """The caption's first line with letters (no hashtags, emoji or links), else the transcript's first sentence.

    A first line that is only a lead-in ("POV:", "PSA 🚨", "ok so") is kept with the line after it,
    since the promise is on that line.
    """
    lead_in = ""
    for line in (caption or "").splitlines():
        cleaned = _clean(line)
        if not any(ch.isalpha() for ch in cleaned):
            continue
        if not lead_in and _is_only_lead_in(cleaned):
            lead_in = cleaned
            continue
        if lead_in:
            # "PSA" over "Stop microwaving your coffee" reads "PSA: Stop microwaving your coffee".
            mark = "" if lead_in.endswith((":", ",", ".", "!", "-", "–", "—")) else ":"
            return _shorten(f"{lead_in}{mark} {cleaned}")
        return _shorten(cleaned)
    if lead_in:
        return _shorten(lead_in)
    spoken = _clean(transcript)
    if not spoken:
        return ""
    return _shorten(_sentences(spoken)[0])


def _is_only_lead_in(line: str) -> bool:
    # A line of its own sets the lead-in off as a colon would ("PSA 🚨", "Part 2").
    lowered = line.lower().replace("’", "'").rstrip() + ":"
    lead_in = _LEAD_IN_RE.match(lowered)
    return bool(lead_in) and not any(ch.isalpha() for ch in lowered[lead_in.end():])


# --- Reading a hook ------------------------------------------------------------------------------

# Openers that promise nothing themselves; a list of them may precede the hook ("ok so real quick:").
_LEAD_IN_RE = re.compile(
    r"^(?:(?:"
    # Words that are only ever a lead-in at the start of a hook.
    r"(?:okay|ok|so|alright|honestly|guys|hey|pov|psa|ps|but|ngl|not gonna lie|tbh|lowkey|fr|real quick|nah|welp|yo|"
    r"let's talk about|let's talk|lets talk about|let me tell you|"
    r"(?:replying|reply) to @?[\w.]+|(?:you|you guys|y'all) asked)\b\s*[,:.!\-–—]*"
    # Words that are a lead-in only when a mark sets them off ("quick:", but "quick dinner idea").
    r"|(?:right|quick|listen|look|friends|be honest|be real|real talk|(?:real|serious|genuine|honest) question|"
    r"friendly reminder|reminder|update|save this|bookmark this|part \d+|genuinely)\s*[,:.!\-–—]+"
    r")\s*)+"
)
_APOSTROPHES = {"’": "'", "‘": "'", "`": "'"}
# Captions drop apostrophes and shorten words; the rules read them spelled out.
_CASUAL_SPELLINGS = {
    "whats": "what's", "dont": "don't", "doesnt": "doesn't", "isnt": "isn't", "arent": "aren't", "cant": "can't",
    "wont": "won't", "didnt": "didn't", "wasnt": "wasn't", "shouldnt": "shouldn't", "wouldnt": "wouldn't",
    "couldnt": "couldn't", "havent": "haven't", "hasnt": "hasn't", "im": "i'm", "ive": "i've", "youre": "you're",
    "thats": "that's", "heres": "here's", "theres": "there's", "youll": "you'll", "youve": "you've",
    "u": "you", "ur": "your", "ppl": "people", "pls": "please", "plz": "please", "tryna": "trying to",
    "gonna": "going to",
}
_CASUAL_SPELLING_RE = re.compile(r"\b(?:" + "|".join(sorted(_CASUAL_SPELLINGS, key=len, reverse=True)) + r")\b",
                                 re.IGNORECASE)
# A word of the hook: letters, digits and the marks inside prices, times and contractions.
_WORD_RE = re.compile(r"[\w$£€#%+]+(?:['.,/:-][\w$£€#%+]+)*")
_CLAUSE_BREAK_RE = re.compile(r"[.!?;:…,()]|\s[-–—]\s|\band\b|\bbut\b")


@dataclass(frozen=True)
class _Reading:
    """A hook as the rules read it, with the way back to the hook's own words."""

    shown: str  # the cleaned hook, as a page shows it
    text: str  # lower case, straight apostrophes, contractions spelled out; lead-ins removed
    origin: tuple[int, ...]  # for each character of text, its index in shown

    def words_of(self, cue: _Cue) -> str:
        """The hook's own words under a cue, trimmed of the punctuation around them."""
        if cue.end <= cue.start:
            return ""
        span = self.shown[self.origin[cue.start] : self.origin[cue.end - 1] + 1]
        return span.strip(" ,.:;!-\"'“”") or span


def _read(hook: str) -> _Reading:
    """The hook lower-cased, with "whats"/"dont"/"u" spelled "what's"/"don't"/"you" and lead-ins removed."""
    shown = _clean(hook)
    chars: list[str] = []
    origin: list[int] = []
    position = 0
    for match in _CASUAL_SPELLING_RE.finditer(shown):
        for index in range(position, match.start()):
            _append_lowered(chars, origin, shown[index], index)
        spelled = _CASUAL_SPELLINGS[match.group().lower()]
        chars.extend(spelled)
        origin.extend(min(match.start() + offset, match.end() - 1) for offset in range(len(spelled)))
        position = match.end()
    for index in range(position, len(shown)):
        _append_lowered(chars, origin, shown[index], index)
    text = "".join(chars)
    lead_in = _LEAD_IN_RE.match(text)
    start = lead_in.end() if lead_in else 0
    while start < len(text) and text[start] in " \"'“”":
        start += 1
    return _Reading(shown, text[start:], tuple(origin[start:]))


def _append_lowered(chars: list[str], origin: list[int], char: str, index: int) -> None:
    lowered = _APOSTROPHES.get(char, char.lower())
    chars.extend(lowered)
    origin.extend([index] * len(lowered))


def _words(text: str) -> list[re.Match[str]]:
    return list(_WORD_RE.finditer(text))


def _first_match(text: str, patterns: tuple[re.Pattern[str], ...], strong: bool = True) -> _Cue | None:
    """The earliest match of any pattern, as a cue (the span of group "cue" if the pattern names one)."""
    best: _Cue | None = None
    for pattern in patterns:
        for match in pattern.finditer(text):
            # The span of the first named group that matched ("cue", "cue2", …), else the whole match.
            group = next((name for name in pattern.groupindex if match.group(name)), 0)
            cue = _Cue(match.start(group), match.end(group), strong)
            # The earliest cue, and of two at the same place the longer ("wait till the end", not "wait till").
            if best is None or (cue.start, -cue.end) < (best.start, -best.end):
                best = cue
            break
    return best


# --- contrarian ----------------------------------------------------------------------------------

_CLAUSE_START = r"(?:^|[.!?:;,]\s*|\band\s+|\bso\s+|\bbut\s+)"
# Imperatives against a habit. "don't skip / scroll / miss …" asks the viewer to keep watching, "don't
# forget" is a reminder, and "quit my job" is a story with its "I" left out.
_CONTRARIAN_IMPERATIVE_RE = re.compile(
    _CLAUSE_START + r"(?P<cue>(?:please\s+|pls\s+|just\s+)?(?:stop|quit|forget|ditch"
    r"|never(?!\s+(?:a|an|the|again|ever|enough|too|once|been)\b)|(?:don't|dont|do not)"
    r"(?!\s+(?:skip|scroll|miss|leave|go|blink|forget|worry|sleep on|mind me|look away|turn away|swipe|close|"
    r"take your eyes|stop watching)\b))[.!]?\s+(?!what you're\b)"
    r"(?!(?:my|our|believe|guess)\b)[\w']+)"
)
_CONTRARIAN_STOP_ALONE_RE = re.compile(r"(?:^|[.!?,]\s*)(?P<cue>stop)[.!]*$")
_CONTRARIAN_PHRASE_RES = (
    # "so you don't have to" is a promise, not an objection.
    # "you don't need …" heading the hook or a clause ("4 things you don't need for a newborn", "no, you
    # don't need to detox"); deep in a method it is only an object ("how to stop buying things you don't need").
    re.compile(r"(?:^(?:[\w'$-]+ ){0,4}|[.!?:;,]\s*|\b(?:and|but|so) )(?<!so )"
               r"(?P<cue>you (?:also |really |honestly |actually )?(?:don't|dont|do not|never) (?:need|have to))\b"),
    # Scare quotes around what a list debunks: "5 'healthy' snacks", "4 money 'rules' that keep you poor".
    re.compile(r"^(?:the |these |my )?(?:\d+|two|three|four|five|six|seven|eight|nine|ten) (?:[\w-]+ ){0,2}"
               r"(?P<cue>'(?:[\w-]+ )?(?:healthy|rules?|clean|natural|tips?|facts?|advice|superfoods?|detox|"
               r"hacks?|safe)')"
               r"|\b(?:i|we|you can) (?:\w+ )?ignore\b"),
    re.compile(r"\b(?:no one|nobody) (?:needs|should)\b|\bno need to\b"
               r"|\bthink again\b|\b(?:is|are) not it\b|\b(?:isn't|aren't) it(?:[.!]|$)|\bnot the flex\b"
               r"|\b(?:isn't|is not|aren't|are not|not|never) worth (?:it|the (?:hype|money|price|hassle|cost))\b"),
    re.compile(r"\b(?:unpopular|controversial) (?:opinion|take)\b|\bhot take\b|\bhear me out\b"
               r"|\b(?:might be|may be|is|kinda|a bit|slightly) controversial\b|(?:^|\blet's )normali[sz]e\b"),
    re.compile(r"\bmyths?\b|\blies (?:about|you|we|they)\b|\b(?:lie|lying) (?:to you|about)\b|\bdebunk\w*"
               r"|^sorry,? but\b|\bsorry not sorry\b"),
    # "… is a scam", also asked ("is protein powder a scam?"); "how to spot a scam" is no debunk.
    # "What's the most overrated spot you've been to?" asks for an opinion; it debunks nothing itself.
    re.compile(r"^(?!(?:what|which|who|where)\b[^?]*\bmost over-?(?:rated|hyped)\b[^?]*\?)(?:.*?)"
               r"(?P<cue>\bover-?(?:rated|hyped)\b)|\bgimmicks?\b|\bjust (?:a fad|marketing|hype)\b"
               r"|\b(?:save|don't waste) your (?:money|time)\b"
               r"|\b(?:is|are|it's)\b(?: [\w'-]+){0,3}? (?:a |an )?(?:total |complete )?scam\b"
               r"|\bwaste of (?:money|time)\b"),
    # A habit or product that does nothing: "your protein shake is doing nothing for you".
    re.compile(r"\b(?:is|are|it's) (?:doing|achieving) (?:absolutely |literally )?nothing\b"
               r"|\b(?:does|do) (?:absolutely |literally )?nothing for (?:you|your)\b"),
    re.compile(
        r"\b(?:is|are|it's) (?:\w+ )?(?:useless|pointless|nonsense|bs|bullshit|a lie|fake news|a trap|bad advice|"
        r"outdated advice|a rip-?off|not worth it)\b|\bthere,? i said it\b|\bfight me\b|\bchange my mind\b"
    ),
    re.compile(r"\b(?:is|are|was|were) (?:all |completely |totally |dead )?wrong\b|\bthe wrong way\b"),
    re.compile(r"\b(?:you|i|we)(?:'re| are|'ve been| have been)\b[^.?!]*\bwrong\b|\blied to\b"),
    re.compile(r"\b(?:isn't|is not|aren't|are not|not) for everyone\b|\bno such thing as\b"
               r"|\byou(?:'re| are) (?:never |not )too (?:old|young|late|busy|small|poor)\b|\bnever too late\b"),
    re.compile(r"\b(?:doing|getting|making|using|get|gets|got|do) (?:it|this|them|that) wrong\b"),
    re.compile(r"\b(?:is|are) (?:totally |completely )?made up\b"
               r"|\b(?:doesn't|don't|does not|do not) (?:even )?matter\b"),
    re.compile(r"\bnot as \w+ as (?:you|we|they|people) (?:think|thought)\b"),
    re.compile(r"\b(?:you|we) (?:should|need to) (?:stop|quit|never)\b|\byou should too\b"
               r"|\b(?:can we|let's|we need to|we have to|time to) (?:please |all |just )?stop\b"
               r"|\byou can (?:safely |totally )?(?:ignore|skip|stop|forget)\b"),
    # A reframe of what the viewer believes about themselves: "you're not lazy, you're burnt out".
    re.compile(r"(?P<cue>\byou(?:'re| are) not [\w' ]{1,30}?)[,;.–—-]+\s*(?:you|it|your|that|they|it's)\b"),
    # A question answered no: "is breakfast really that important? no."
    re.compile(r"(?P<cue>[\w']+\?\s*(?:[\w']+[,:]?\s+){0,2}?(?:no|nope|nah|not really|not at all|absolutely not|"
               r"not necessarily|wrong(?! answers)|false|stop|myth|unnecessary|overkill|not needed|not necessary|"
               r"overrated|pointless|useless|bad idea|big mistake|please don't|don't|not exactly|not quite|not so fast|"
               r"think again|yeah no|lol no|hard no|skip it|don't bother|save your money)\b)"),
    # A craze named, then deflated: "everyone's obsessed with matcha but it's just grass water".
    re.compile(r"^(?:everyone|everybody|people|the internet|tiktok|instagram|influencers)(?:'s| is| are)? (?:so )?"
               r"(?:obsessed with|hyping|raving about|loving|talking about|buying|doing|into|crazy about|hyped about)"
               r"\b[^.?!]*?\b(?P<cue>but (?:it's|they're|it is|they are|honestly|actually|it isn't|it's not|"
               r"they aren't|i don't|nobody))\b"),
    # Asking the viewer to give a habit up: "I'm begging you to stop using dish soap on cast iron".
    re.compile(r"\b(?P<cue>(?:beg(?:ging)?|ask(?:ing)?|tell(?:ing)?|urg(?:e|ing)|need|want|warn(?:ing)?|remind(?:ing)?)"
               r" you (?:to (?:stop|quit|never|ditch)|not to))\b"),
    # Scare quotes around what a thing is said to be: "your 'cheap' flights are costing you more".
    re.compile(r"(?:^|\b(?:your|the|these|those|that|this|my|all|so-called)\s)(?P<cue>['\"“](?:[\w-]+ )?"
               r"(?:cheap|healthy|natural|clean|safe|free|smart|affordable|easy|simple|expert|organic|"
               r"non-toxic|luxury|premium|essentials?|must-haves?|low-fat|sugar-free|diet|productive|hacks?|rules?|"
               r"tips?|advice|good|superfoods?|detox|savings|deals?|bargains?|budget|self-care|wellness|fixes?|cures?)"
               r"['\"”])\s+\w+"
               r"|\b(?P<cue2>cost(?:s|ing)? you (?:way |so much |far )?more than you (?:think|realize|realise))\b"),
    # Advice named and called harmful: "the 'eat less move more' advice is failing you".
    re.compile(r"\b(?:advice|rules?|tips?|trends?|hacks?|methods?|approach|mindset|diets?|wisdom)"
               r"(?: [\w'-]+){0,2}? (?:is|are) (?:failing|hurting|ruining|lying to|keeping|holding|sabotaging|"
               r"outdated|bad|dangerous|wrong)\b|\b(?:is|are) failing you\b"),
    # A habit called wrong without "stop": "you're washing your dog way too often", "you rinse your rice
    # too long", "most people hold their phone wrong".
    re.compile(r"\b(?P<cue>you(?:'re| are|'ve been| have been)? (?:\w+ )?(?:[\w']+ing|[\w']+) (?:[\w'$-]+ ){0,5}?"
               r"(?:way |far |much |probably |definitely |all )?too (?:often|much|hard|long|early|late|fast|"
               r"frequently|little|soon|many|hot|cold|tight|high|low))\b"
               r"|\b(?P<cue2>(?:most (?:people|[\w'-]+s)|many [\w'-]+s|everyone|everybody|we all|people|you all|y'all)"
               r"(?:'re| are)? "
               r"(?:[\w'$-]+ ){0,6}?wrong)\b"),
    # A belief reported, then denied: "everyone says X. they're wrong", "people think dogs feel guilty.
    # they don't", "they told us to X. not true", "everyone tells you to buy a house, I disagree".
    re.compile(r"^(?:everyone|everybody|people|they|most people|the internet|social media|tiktok|instagram|gurus|"
               r"experts|doctors|teachers|your \w+|my \w+|we|you)(?:'ve| have)? (?:all |always |keep |were |was )?"
               r"(?:says?|said|tells?|told|thinks?|thought|believes?|believed|claims?|swears?|taught|been told|"
               r"been taught)\b[^?!]*?[.,;:!–—-]\s*(?:but |and )?(?P<cue>(?:they're|they are|that's|it's|this is|"
               r"which is|i say|turns out|actually|honestly)?\s*(?:wrong|not true|false|a lie|a myth|nonsense|bs|"
               r"outdated|i disagree|not quite|nope|no|they don't|it doesn't|it isn't|they aren't|they're not|"
               r"(?:here's why )?i (?:didn't|won't|don't|never did|refused|said no)|"
               r"it's not|it's a lie|not really|not even close|that's not how|not the case|i don't agree))\b"),
    # An objection told as a question: "why do people still think cats are antisocial?" (a belief held
    # too long), answered no: "… ? they're not".
    re.compile(r"\b(?P<cue>still (?:think|thinks|believe|believes|fall for|falls for|buy into|buys into))\b"
               r"|(?P<cue3>[\w']+\?\s*(?:they're not|they aren't|it's not|it isn't|it doesn't|they don't|"
               r"that's not true|not true|wrong(?! answers)|false|spoiler: no|short answer: no))"),
    # A habit (a gerund) judged as harmful: "highlighting your textbook is the worst way to study",
    # "sleeping in makeup is ruining your skin".
    re.compile(r"^(?P<cue>(?:[\w'-]+ )?[\w']+ing (?:[\w'$-]+ ){0,4}?(?:is|are) (?:literally |actually |probably "
               r"|secretly |honestly |so |really )?"
               r"(?:the worst|a terrible|a bad|the wrong|a waste|a mistake|ruining|killing|hurting|sabotaging|"
               r"damaging|wrecking|destroying|aging|making (?:it|things|you|your \w+) worse|doing nothing|"
               r"not (?:helping|working|doing|necessary|needed|healthy|safe)|dangerous|harmful|toxic|overkill|"
               r"unnecessary|pointless|useless|bad for (?:you|your)|holding you back|costing you))\b"),
    # A belief found out to be something plainer: "POV: you find out protein bars are basically candy bars".
    re.compile(r"\b(?P<cue>(?:find|found|finding|learn|learned|learnt|realise|realize|realised|realized) out (?:that )?"
               r"[\w' -]{2,40}? (?:is|are|was|were) (?:just|basically|literally|actually|only|secretly|really) "
               r"[\w'-]+)"),
    # A common thing said to cost the viewer: "savings accounts are losing you money".
    # (In a relative clause it describes what a list holds: "2 mistakes that are costing you money".)
    re.compile(r"(?<!that )(?<!which )\b(?P<cue>(?:is|are) (?:secretly |quietly |actually |literally )?"
               r"(?:losing|costing|wasting|robbing|"
               r"stealing) you (?:money|time|sleep|gains|hours|thousands|\$?\d+\w*))\b"),
    # A habit the narrator skips, and thrives: "I don't meal prep and I'm healthier than ever".
    re.compile(r"^(?P<cue>(?:i|we) (?:don't|never|do not|haven't|stopped|quit|gave up|skip|ditched)\b[^.?!]{2,50}?"
               r"\band (?:i'm|i am|we're|we are|i've|we've|my|our)\b[^.?!]{0,30}?\b(?:\w+er than ever|still|"
               r"never been|doing fine|better|thriving|fine))\b"),
    # A common thing that made things worse: "budgeting apps made my spending worse".
    re.compile(r"\b(?P<cue>(?:made|makes|make|is making|are making) (?:my|me|your|you|it|things|everything) "
               r"(?:[\w'-]+ )?worse)\b"),
    # Paying or doing too much, said to the viewer: "you're overpaying for car insurance".
    re.compile(r"\b(?P<cue>you(?:'re| are|'ve been| have been)(?: probably| definitely| still| all)? "
               r"(?:over|under)(?!whelmed|weight)[a-z]{3,}ing)\b"
    # Those who hold a belief, answered: "people who say cats are aloof have never met mine".
               r"|\b(?P<cue2>(?:people|anyone|everyone|those|the ones) who (?:say|says|think|thinks|believe|believes|"
               r"claim|claims)\b[^.?!]{2,50}?\b(?:have never|haven't|are wrong|never met|clearly never|don't know|"
               r"have clearly never))\b"),
    # A habit said to be optional: "ironing is optional", "a night cream isn't necessary".
    re.compile(r"\b(?P<cue>(?:is|are) (?:totally |completely |honestly )?(?:optional|unnecessary|not necessary|"
               r"not required)|(?:isn't|aren't) (?:necessary|required|needed))\b"),
    # A habit defended against a bad name: "skipping the gym for a walk isn't lazy".
    re.compile(r"^(?P<cue>(?:[\w'-]+ )?[\w']+ing (?:[\w'$-]+ ){0,6}?(?:isn't|is not|aren't|are not) (?:lazy|bad|"
               r"cheating|selfish|wrong|weak|failing|giving up|unhealthy|dangerous|a waste|a failure|the enemy|"
               r"a sin|weird|cringe|embarrassing|rude))\b"),
    # Advice against a habit told as an explanatory title: "why you shouldn't stretch before a run".
    re.compile(r"^(?P<cue>why (?:you|we|parents|people|nobody|no one) (?:really |honestly )?(?:shouldn't|should not|"
               r"should never|should stop|need to stop|don't need|do not need|can stop|must stop))\b"),
    # A common method ranked last: "flashcards are the least effective way to learn a language".
    re.compile(r"\b(?P<cue>(?:is|are) (?:literally |actually |probably |honestly )?(?:the|a) (?:least (?:effective|"
               r"efficient|useful)|worst|wrong|slowest|dumbest|most expensive|most overrated|most inefficient) "
               r"(?:\w+ )?(?:ways?|methods?|approach|form) (?:to|of)) "),
    # A habit given up, with the viewer told to follow: "I ditched my planner and I'd tell you to do the same".
    re.compile(r"\b(?P<cue>you (?:should|need to|must|have to) (?:all )?do the same|(?:tell|telling|recommend|suggest|"
               r"beg|urge) you to do the same)\b"),
    # "Not all carbs are bad", "not every tantrum needs a response".
    re.compile(r"^(?P<cue>not (?:all|every|everything)\b|not (?:you|y'all) still\b)"),
)
# A belief denied in the hook's main clause: a short noun phrase, then a negated verb ("rice isn't
# making you fat", "expensive serums don't work"). Pronouns, question words and first persons open
# other kinds of clause ("it's not what you think", "why you can't focus", "my toddler won't sleep").
_NOT_A_BELIEF_SUBJECT = frozenset({
    "i", "i'm", "i've", "i'll", "i'd", "we", "we're", "we've", "we'll", "we'd", "my", "our", "me", "us", "you",
    "you're", "you'll", "you've", "you'd",
    "they", "they're", "he", "she", "it", "it's", "this", "that", "these", "those", "there", "there's",
    "here", "here's", "what", "why", "how", "when", "where", "who", "which", "if", "nobody", "no", "one",
    "guess", "wait", "and", "but", "so", "or", "just", "please", "still", "also", "even", "someone",
    "everyone", "anyone", "something", "things", "thing",
})
_NEGATED_VERB_RE = re.compile(
    r"\b(?P<neg>isn't|isnt|aren't|arent|is not|are not|doesn't|doesnt|don't|does not|do not|won't|will not|"
    r"can't|cannot|wasn't|weren't|never)\s+(?P<verb>[\w']+)"
)
# Verbs of telling withhold rather than deny ("the phone setting Apple doesn't advertise": a reveal).
_NOT_A_DENIAL_VERB = frozenset({
    "believe", "guess", "know", "want", "tell", "care", "like", "see", "advertise", "mention", "talk", "show",
    "share", "explain", "admit", "disclose", "teach", "publicise", "publicize",
})
_BELIEF_SUBJECT_MAX_WORDS = 5
_DETERMINERS = frozenset({"the", "a", "an", "your", "his", "her", "their"})
_PREPOSITIONS = frozenset({"of", "in", "on", "for", "with", "about", "to", "from", "at", "before", "after", "into"})


def _denied_belief(text: str) -> _Cue | None:
    clause = _CLAUSE_BREAK_RE.split(text, maxsplit=1)[0]
    match = _NEGATED_VERB_RE.search(clause)
    if not match or match.group("verb") in _NOT_A_DENIAL_VERB:
        return None
    subject = _WORD_RE.findall(clause[: match.start()])
    if not subject or len(subject) > _BELIEF_SUBJECT_MAX_WORDS:
        return None
    if any(word in _NOT_A_BELIEF_SUBJECT for word in subject):
        return None
    # A determiner inside the subject starts a second clause ("the real reason your sourdough isn't
    # rising"), unless it is the object of an opening gerund ("highlighting your textbook doesn't help").
    for index, word in enumerate(subject[1:], start=1):
        before = subject[index - 1]
        # "reading 50 books a year won't make you smarter": "a year" is a rate, not a new clause.
        rate = word in {"a", "an"} and index + 1 < len(subject) and subject[index + 1] in _UNIT_WORDS
        if word in _DETERMINERS and not before.endswith("ing") and before not in _PREPOSITIONS and not rate:
            return None
    # "Pediatric dentists never give their own kids this" holds back what it is about: a reveal.
    if _WITHHELD_END_RE.search(clause):
        return None
    return _Cue(0, match.end())


# A clause that ends on "this" / "these" withholds its object ("… never give their kids this").
_WITHHELD_END_RE = re.compile(r"\b(?:this|these|this one|this trick|this thing|like this)\W*$")


def _imperative(text: str) -> _Cue | None:
    """An imperative against a habit; "never thought I'd say this" is a first person left out, not an order."""
    for match in _CONTRARIAN_IMPERATIVE_RE.finditer(text):
        words = match.group("cue").split()
        if words[-2:-1] == ["never"] and _is_past(words[-1]) and words[-1] not in _SAME_AS_BASE:
            continue
        return _Cue(match.start("cue"), match.end("cue"))
    return _first_match(text, (_CONTRARIAN_STOP_ALONE_RE,))


def _contrarian(text: str) -> _Cue | None:
    cues = [
        _imperative(text),
        _first_match(text, _CONTRARIAN_PHRASE_RES),
        _denied_belief(text),
    ]
    found = [cue for cue in cues if cue]
    return min(found, key=lambda cue: cue.start) if found else None


# --- number_list ---------------------------------------------------------------------------------

_LIST_OPENERS = frozenset({
    "the", "my", "our", "your", "these", "those", "here", "here's", "are", "top", "all", "his", "her",
    "their", "ranking", "ranked", "rating", "a", "list", "of", "another", "just", "quick",
})
_LIST_OPENERS_MAX = 3
_NUMERAL_WORDS = frozenset({
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
    "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty",
})
# Two to a hundred items; "$40", "2024", "10,000", "100k" and "5am" count no items.
_COUNT_RE = re.compile(r"^(?:[2-9]|[1-9]\d|100)\+?$")
# A count of time or of a measure is no list ("30 days of …", "2 weeks in Japan", "3 kg down").
_UNIT_WORDS = frozenset({
    "second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs",
    "day", "days", "week", "weeks", "month", "months", "year", "years", "decade", "decades", "am", "pm",
    "kg", "kgs", "kilos", "lb", "lbs", "pounds", "km", "miles", "k", "percent", "%", "dollars", "euros",
    "bucks", "times", "x", "year-old", "year-olds", "ingredient", "star", "course",
})
_FAMILY_NOUNS = frozenset({
    "kids", "children", "sons", "daughters", "boys", "girls", "babies", "toddlers", "teens", "grandkids",
    "siblings", "sisters", "brothers", "cats", "dogs", "pets",
})
_NOT_PLURAL = frozenset({
    "this", "thus", "plus", "always", "does", "goes", "was", "has", "its", "yes", "less", "across", "perhaps",
    "sometimes", "whereas", "unless", "series", "species",
})
_LIST_NOUN_WINDOW = 4


def _is_plural(word: str) -> bool:
    # "bookz", "thingz": a plural spelled casually.
    return (
        len(word) >= 4 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s"))
        and word not in _NOT_PLURAL
    ) or (len(word) >= 5 and word.endswith("z") and not word.endswith("zz"))


def _number_list(text: str) -> _Cue | None:
    words = _words(text)[: _LIST_OPENERS_MAX + 1 + _LIST_NOUN_WINDOW]
    index = 0
    while index < min(_LIST_OPENERS_MAX, len(words)) and words[index].group() in _LIST_OPENERS:
        index += 1
    if index >= len(words):
        return None
    numeral = words[index].group()
    if not (_COUNT_RE.match(numeral) or numeral in _NUMERAL_WORDS):
        return None
    if index and words[index - 1].group() == "top":
        return _Cue(words[index - 1].start(), words[index].end())  # "Top 10" needs no noun
    following = words[index + 1 : index + 1 + _LIST_NOUN_WINDOW]
    if not following or following[0].group() in _UNIT_WORDS:
        return None
    # "my 3 kids vs one bathroom", "two kids, one car" count a family, not items of a list.
    if following[0].group() in _FAMILY_NOUNS and (len(following) < 2 or following[1].group() not in {"who", "that"}):
        return None
    for word in following:
        if _is_plural(word.group()):
            return _Cue(words[index].start(), word.end())
    return None


# --- how_to --------------------------------------------------------------------------------------

_HOW_TO_STRONG_RES = (
    # "does anyone know how to …" asks; "learn how to …" and "let me show you how to …" teach.
    # … and "my son taught me how to play Minecraft" tells.
    re.compile(r"(?<!know )(?<!explain )(?<!tell me )(?<!remember )(?<!taught me )(?<!taught us )(?<!learned )"
               r"(?<!learnt )(?<!taught you )(?<!teach you )(?<!you learn )(?<!you know )\bhow to\b"),
    re.compile(r"^how (?:i|we)\b"),
    # "this is how we do Christmas morning" shows a moment, "here's how we …" a method.
    re.compile(r"\b(?:here'?s|here is) (?:exactly |literally |just )?how (?:to|i|we|you|my)\b"
               r"|\bthis is (?:exactly )?how (?:to|you)\b"
               r"|\bhere'?s how\b(?! (?:much|many|long|often|far|old|it went|it goes|that went|it turned out|"
               r"it ended)\b)"),
    re.compile(r"\bstep[- ]by[- ]step\b"),
    re.compile(r"\b(?:roadmap|blueprint|cheat ?sheet|crash course|masterclass|playbook) (?:to|for|on)\b"
               r"|\b(?:roadmap|blueprint|cheat ?sheet|crash course|masterclass|playbook)$|\b[\w'-]+ 101\b"),
    re.compile(r"\btutorial\b|\bwalk-?through\b|\bshow(?:ing)? you (?:exactly )?how\b"
               r"|\bshow(?:ing)? you my (?:system|method|routine|process|formula|framework|trick)\b"),
    re.compile(r"\bguide (?:to|for)\b|\b(?:beginner'?s?|full|complete|ultimate|quick|easy|simple|step) guide\b"),
    # A recipe teaches a method; "the only pasta recipe you'll ever need" is a claim about one.
    # "recipe in bio" points to a method; "every recipe in one cookbook" is a count of dishes.
    re.compile(r"\brecipes? (?:for|below|in (?:the )?(?:bio|caption|comments?|description|link|my bio))\b"
               r"|\brecipe\s*(?:[:(,—–-]|$)"),
)
_HOW_TO_WEAK_RES = (
    re.compile(
        r"\b\d+[- ]step\b|\bsteal my\b|\bsteps to\b"
        r"|\bin (?:\d+|two|three|four|five|six|seven|a few) (?:easy |simple |quick |small |basic )?(?:steps|moves)\b"
        r"|\bfollow (?:these|this|my)(?: [\w-]+){0,3}? (?:steps|method|routine|recipe|plan|guide|program|programme)\b"
        r"|\bwhat to (?:do|say|eat|pack|buy|wear|text|ask|cook|bring|use) (?:when|if|before|after|in|on|for)\b"
    ),
    re.compile(
        r"\b(?:easiest|easy|fastest|quickest|quick|simplest|simple|right|proper|correct|best|smartest|"
        r"cheapest|better|lazy|only) ways? to\b"
        r"|\b(?:a|one|this|my) (?:simple |easy |quick |clever |genius |little )?(?:trick|hack|method|technique) to \w+"
        r"|\bthe (?:trick|hack|method|technique|formula|key) (?:to|for) \w+ing\b"
        r"|\bthe (?:trick|hack|method|technique|system|routine|formula|app|tool|rule) (?:i|we) (?:use|used|follow) "
        r"(?:to|for|when)\b"
        r"|\bwith this (?:simple |easy |quick |one )?(?:method|trick|hack|technique|routine|system)\b"
    ),
    re.compile(r"(?:^|[,.!:]\s*)(?:do|try) this\b|^follow along\b|\bfollow along (?:as|while|with)\b"
),
    # A task under its circumstance: "setting up a budget when you're paid weekly", "packing light for beginners".
    re.compile(r"^[\w']+ing (?:[\w'$-]+ ){1,4}?(?:when you|if you|for (?:total |complete )?beginners|as a beginner|"
               r"like a pro|the (?:right|easy|smart|proper|lazy) way)\b"),
    # A method shown as the creator's own: "here's my exact process for editing reels".
    re.compile(r"\b(?:here's|here is|this is|steal|copy|try|use) my (?:exact |whole |full |entire |simple |go-to |"
               r"foolproof |secret )?(?:process|method|system|workflow|formula|strategy|framework|technique|approach|"
               r"blueprint|template)\b"),
    # Making or fixing something yourself: "make your own cold brew", "build your own PC".
    re.compile(r"^(?:make|build|grow|brew|bake|sew|knit|mix|cut|style|paint|frame|repot|fix|clean|train|"
               r"teach|set up|organi[sz]e) your (?:own|\w+ to)\b"),
    re.compile(r"(?:^|[.!:]\s*)(?:try|use|do) this "
               r"(?:trick|hack|method|technique|instead|if|when|before|after|every|to)\b"),
    re.compile(r"\bdiy\b|\btips (?:for|to|on)\b|\bon how (?:i|we)\b"
               r"|\b(?:pro|top|quick|kitchen|life|cleaning|travel|packing|money|parenting) (?:tip|hack)s?\b"),
    # Guidance on a choice: "where to eat in Mexico City", "when to start solids".
    re.compile(r"^(?:where|when|what|which \w+|who) to (?!be\b)\w+"),
)


def _how_to(text: str) -> _Cue | None:
    found = [cue for cue in (_first_match(text, _HOW_TO_STRONG_RES), _first_match(text, _HOW_TO_WEAK_RES, False))
             if cue]
    return min(found, key=lambda cue: (cue.start, not cue.strong)) if found else None


# --- question ------------------------------------------------------------------------------------

_AUXILIARIES = (
    r"do|does|did|is|are|was|were|can|could|should|would|will|have|has|am|shall|isn't|aren't|didn't|doesn't|"
    r"won't|wouldn't|shouldn't|can't|couldn't|wasn't|haven't|hasn't"
)
# An inverted opening: an auxiliary, then its subject. "do this / do it" is an imperative, not a question.
_INVERTED_OPENING_RE = re.compile(
    rf"^(?P<cue>(?!(?:do|don't) (?:this|that|it|these|not)\b)(?:{_AUXILIARIES})\s+(?!not\b)[\w'$]+)"
)
_WH_INVERTED_RE = re.compile(
    r"^(?P<cue>(?:(?:why|what|where|when|who|which|how)(?:'s|'re|'d|'ll| is| are| was| were| do| does| did| can|"
    r" could| should| would| will| have| has| isn't| aren't| don't| doesn't| didn't| can't| won't)\b"
    r"|how come\b|how (?:much|many|long|often|far|old) (?:do|does|did|is|are|was|were|can|could|should|would|will|"
    r"have|has)\b|which (?:one|ones|is|would|do|of)\b|who else\b)(?:\s+[\w']+)?)"
)
_QUESTION_PHRASE_RE = re.compile(
    r"^(?P<cue>is it (?:just )?me\b|am i the only one\b|any(?:one|body)\b|who else\b|"
    r"ever (?!since\b|after\b)[\w']+|(?:you|y'all|you guys|you all) ever\b|can we (?:talk|discuss)\b|"
    r"how many of (?:you|us|y'all)\b|(?:raise your hand|hands up) if\b|quick question\b|would you rather\b|"
    r"which would you\b|thoughts on\b|"
    r"thoughts\?|yes or no\b|or nah\b|"
    r"(?:hot or not|yay or nay|agree or disagree|true or false|this or that)\b|"
    r"tell me (?:i'm not|your|what|which|why|how|if)\b)"
)
# A question word, its noun and then a verb about the viewer: "what song is stuck in your head".
_WH_NOUN_ABOUT_YOU_RE = re.compile(
    r"^(?P<cue>(?:what|which) (?:[\w'-]+ ){1,2}(?:is|are|was|were|do|does|did|would|should|can|could|will|has|have))"
    r"\b.*\byour?\b"
)
# A question word, its noun and then an inversion: "which side of the bed do you sleep on".
_WH_NOUN_INVERTED_RE = re.compile(
    r"^(?P<cue>(?:which|what|how many|how much|whose)(?: [\w'-]+){1,4}? "
    r"(?:do|does|did|are|is|should|would|can|could|will|have) (?:you|we|i|your|y'all|they|people)\b)"
)
_QUESTION_WORDS = frozenset({"why", "what", "where", "when", "who", "which", "how"})
# After a question word these open a plain clause ("why your bread is dense", "what I eat in a day").
_CLAUSE_SUBJECTS = frozenset({
    "i", "i'm", "i've", "we", "we're", "you", "you're", "your", "my", "our", "the", "a", "an", "this", "that",
    "these", "those", "people", "most", "every", "they", "it", "it's", "he", "she", "to", "nobody", "no",
})
# "What's in my bag" shows the creator's things; it asks the viewer nothing.
_CONTENTS_TITLE_RE = re.compile(r"^what's (?:in|on|inside) (?:my|our)\b")
_CLAUSE_SEPARATOR_RE = re.compile(r"[,:;]\s+|\s[-–—]\s+")
_CHOICE_RE = re.compile(r"[\w']+ or [\w']+")
# "What happened next?" withholds the answer; its "?" does not make it a question to the viewer.
_TEASER_RE = re.compile(r"^what (?:happened|happens) next\b")


def _question_parts(text: str) -> list[tuple[int, str, bool]]:
    """(start, text, asked) of each sentence and, in an asked sentence, of each clause after a comma or colon.

    "You guys asked, how do I stay so organised?" asks in its second clause.
    """
    parts = []
    offset = 0
    for sentence in _sentences(text):
        start = offset + text[offset:].find(sentence)
        offset = start + len(sentence)
        asked = sentence.rstrip().endswith("?")
        parts.append((start, sentence, asked))
        if asked:
            parts += [(start + match.end(), sentence[match.end():], True)
                      for match in _CLAUSE_SEPARATOR_RE.finditer(sentence)]
    return parts


# A group or a lead-in the question is addressed to, before its question form: "MOMS what time does
# your toddler go to bed", "runners, do you stretch first?", "be honest would you wear this".
_ADDRESSED_RE = re.compile(
    r"^(?:(?:be honest|be real|real talk|(?:serious|honest|genuine|quick|random) question|(?:ok|okay) but|"
    r"(?:hey|calling all|attention|fellow|all (?:my|the)) [\w'-]+(?: [\w'-]+)?|"
    r"(?:[\w'-]+ )?(?:moms|mums|mamas|dads|parents|guys|ladies|girls|girlies|gals|fellas|bros|folks|friends|besties|"
    r"people|everyone|everybody|y'all|you guys|teachers|nurses|students|runners|lifters|gamers|creators|"
    r"lovers|fans|owners|travellers|travelers|readers|moms-to-be|introverts|extroverts|devs|developers|"
    r"investors|cooks|bakers|chefs|musicians|drummers|guitarists|designers|founders|nerds|peeps|fam|team \w+))"
    r"\s*[,:!.\-–—]*\s+)(?=\w)"
)
# After an addressed group the question must be put to someone ("you", "your", "y'all", "we").
_PUT_TO_VIEWER_RE = re.compile(r"\b(?:you|your|y'all|yours|we|us)\b")


# A fragment with its "?" and then a request to answer asks the viewer: "Best beach in Portugal? Let me know".
_ANSWER_REQUEST_RE = re.compile(
    r"\?\s*(?P<cue>let me know|tell me|comment|drop (?:it|them|yours|your|a|an)|sound off|thoughts|answer|reply|vote)\b"
)


# A rating or a pick asked of the viewer ("Rate this outfit out of 10?"; without "?" "rate my setup" is a format).
_RATE_ASKED_RE = re.compile(r"^(?P<cue>(?:rate|pick|choose|name|grade) (?:this|these|the|my|your|one)\b)[^?]*\?")


def _question(text: str) -> _Cue | None:
    rated = _RATE_ASKED_RE.match(text)
    if rated:
        return _Cue(rated.start("cue"), rated.end("cue"))
    request = _ANSWER_REQUEST_RE.search(text)
    if request:
        return _Cue(request.start("cue"), request.end("cue"))
    addressed = _ADDRESSED_RE.match(text)
    if addressed:
        rest = text[addressed.end():]
        cue = _asked(rest)
        if cue and _PUT_TO_VIEWER_RE.search(rest):
            return _Cue(addressed.end() + cue.start, addressed.end() + cue.end, cue.strong)
    return _asked(text)


def _asked(text: str) -> _Cue | None:
    for start, sentence, asked in _question_parts(text):
        if _CONTENTS_TITLE_RE.match(sentence):
            continue
        for pattern in (_QUESTION_PHRASE_RE, _WH_INVERTED_RE, _INVERTED_OPENING_RE, _WH_NOUN_INVERTED_RE,
                        _WH_NOUN_ABOUT_YOU_RE):
            match = pattern.match(sentence)
            # Without its "?", "can't stop making this salad" is a first person left out, not a question.
            if match and pattern is _INVERTED_OPENING_RE and not asked and "'t" in sentence.split(" ", 1)[0]:
                continue
            if match:
                return _Cue(start + match.start("cue"), start + match.end("cue"), strong=asked)
        # A question word that is the subject ("what happens when you stop sugar?") needs its "?".
        words = sentence.split()
        if (asked and len(words) > 1 and words[0] in _QUESTION_WORDS and words[1] not in _CLAUSE_SUBJECTS
                and not _TEASER_RE.match(sentence)):
            return _Cue(start, start + len(words[0]) + 1 + len(words[1]))
        # A choice put to the viewer: "gas or induction?", "team retinol or team bakuchiol?".
        choice = _CHOICE_RE.search(sentence) if asked else None
        if choice:
            return _Cue(start + choice.start(), start + choice.end())
    return None


# --- story ---------------------------------------------------------------------------------------

_FIRST_PERSON = frozenset({"i", "we", "i've", "we've", "i'd", "we'd", "i'm", "we're", "i'll", "me"})
_FIRST_PERSON_OWNERS = frozenset({"my", "our"})
_PRESENT_NARRATORS = frozenset({"i'm", "we're"})
# Words that may stand before the narrator: a time or a link ("two years ago I …", "after 10 years I …").
_STORY_PREAMBLE = frozenset({
    "after", "when", "last", "this", "past", "year", "years", "month", "months", "week", "weeks", "day", "days",
    "ago", "yesterday", "today", "tonight", "morning", "night", "finally", "so", "then", "once", "in", "at",
    "a", "an", "one", "two", "three", "few", "couple", "of", "since", "storytime", "story", "time", "update",
    "just", "and", "the", "moment", "why", "how",
}) | _NUMERAL_WORDS
_STORY_PREAMBLE_MAX = 5
_TIME_CONJUNCTIONS = frozenset({"after", "since", "when", "during", "before", "until"})
_TIME_CLAUSE_MAX = 7
_TIME_OPENERS = frozenset({
    "after", "when", "last", "since", "once", "yesterday", "today", "this", "in", "on", "at", "two", "three", "a",
    "one", "few",
})
_ADVERBS = frozenset({
    "just", "finally", "once", "actually", "never", "literally", "really", "also", "still", "officially",
    "accidentally", "basically", "secretly", "almost", "totally", "recently", "always", "even", "all",
    "both", "then", "somehow", "kinda", "low-key", "lowkey",
})
_PERFECT_OR_PAST_AUXILIARIES = frozenset({
    "had", "hadn't", "was", "were", "wasn't", "weren't", "didn't", "couldn't", "did", "used",
})
_PRESENT_PERFECT_AUXILIARIES = frozenset({"have", "has", "haven't", "hasn't"})
_IRREGULAR_PAST = frozenset({
    "quit", "spent", "went", "got", "lost", "made", "took", "paid", "built", "ate", "ran", "left", "bought",
    "sold", "said", "did", "had", "was", "were", "found", "gave", "told", "wrote", "grew", "began", "fell",
    "felt", "kept", "met", "saw", "thought", "won", "broke", "drove", "flew", "hit", "put", "set", "sat",
    "slept", "spoke", "stole", "taught", "threw", "woke", "wore", "became", "came", "chose", "forgot",
    "hid", "knew", "learnt", "burnt", "swore", "sent", "lent", "brought", "caught", "fought", "heard",
    "let", "cut", "read", "hurt", "cost", "shut", "spread", "bet", "burst", "beat", "split", "cast", "swam", "sang",
    "drank", "rode", "shot", "drew", "blew", "dug", "hung", "rang", "sank", "shook", "spun", "stuck", "swung",
    "tore", "wept", "bit", "fed", "fled", "froze", "lit", "meant", "sought", "struck", "shrank", "slid", "sped",
    "stung", "held", "led", "bent", "dealt", "lay", "laid", "overslept", "mistook", "undertook", "rebuilt",
    "stood", "understood",
    "been", "gone", "done", "seen", "taken", "given", "eaten", "driven", "flown", "grown", "shown", "known",
})
_ED_NOT_PAST = frozenset({
    "need", "feed", "seed", "speed", "breed", "bleed", "proceed", "succeed", "exceed", "indeed", "embed",
    "weed", "greed", "deed", "shed", "red", "bed", "bred", "wed", "sled", "shred",
})
# Knowing or wishing is a reveal, not an event ("I didn't know this about my iPhone", "I wish I knew").
_NOT_AN_EVENT = re.compile(
    r"^(?:didn't|did not|never|had no) (?:know|knew|idea|realise|realize)|^wish\b"
    r"|^(?:was not|wasn't|didn't|did not|never) (?:expect|expecting|expected|see that coming)"
)
# An opening past verb with its "I" left out is read only before an object or a particle, so that
# "baked salmon with lemon" stays a description while "got kicked out" and "spent my paycheck" tell.
_ELLIPTIC_OBJECTS = frozenset({
    "my", "our", "the", "a", "an", "up", "out", "back", "off", "in", "into", "from", "this", "it",
    "him", "her", "me", "us", "them", "kicked", "fired", "married", "engaged", "home", "over",
})
# "to" follows a told move ("moved to Lisbon"), but also a participle ("guaranteed to", "designed to").
_MOTION_PAST = frozenset({
    "moved", "went", "flew", "came", "drove", "travelled", "traveled", "relocated", "ran", "walked", "hiked",
    "biked", "sailed", "switched", "returned", "got",
})
# Past forms that are also the base form read as an imperative at the start ("read this before …",
# "cut the onion like this") unless "just" or "finally" comes first ("finally hit 10k").
_SAME_AS_BASE = frozenset({
    "quit", "let", "cut", "read", "put", "set", "hit", "hurt", "cost", "shut", "spread", "bet", "beat", "split", "cast",
})
_JOURNEY_RE = re.compile(r"^(?P<cue>(?:day|week|month|year)\s+\d+\s+of)\b")
# A life event announced as it happens: "we're moving to Japan", "I'm pregnant".
_LIFE_EVENT_RE = re.compile(
    r"^(?:big news\W*)?(?P<cue>(?:i'm|we're|i am|we are) (?:officially |finally )?(?:moving|leaving|quitting|retiring|"
    r"pregnant|engaged|expecting|getting (?:married|divorced)|having a baby)"
    r"|(?:i|we) (?:officially |finally )?(?:have|got) a new (?:family member|puppy|kitten|dog|cat|baby|addition|"
    r"roommate|home|house|job))\b"
)
# "It took me 3 years to figure this out": a time it took the narrator.
_TOOK_ME_RE = re.compile(r"^(?P<cue>(?:it|this|that) (?:only )?took (?:me|us))\b")
_STORYTIME_RE = re.compile(r"\b(?P<cue>story ?time)\b")


def _is_past(word: str) -> bool:
    if word in _IRREGULAR_PAST:
        return True
    return len(word) >= 4 and word.endswith("ed") and word not in _ED_NOT_PAST


def _told_verb(words: list[re.Match[str]], index: int) -> int | None:
    """The index of the past or perfect verb the narrator at `index` opens with, if any."""
    narrator = words[index].group()
    after = words[index + 1 : index + 8]
    position = 0
    # "I've" carries its auxiliary ("I've been sober for a year"); "I'd" is mostly "I would".
    if narrator.endswith("'ve"):
        return index + 1 if after else index
    while position < len(after) and after[position].group() in _ADVERBS:
        position += 1
    if position >= len(after):
        return None
    verb = after[position].group()
    if _NOT_AN_EVENT.match(" ".join(word.group() for word in after[:position + 3])):
        return None
    if verb in _PRESENT_PERFECT_AUXILIARIES:
        # "we have food at home" is the present; "we have lived in a van" is told.
        participle = next((w.group() for w in after[position + 1 :] if w.group() not in _ADVERBS), "")
        return index + 1 + position if _is_past(participle) else None
    # After "I'm", an -ed word describes the narrator ("I'm obsessed with this"); it tells nothing.
    if narrator not in _PRESENT_NARRATORS and (verb in _PERFECT_OR_PAST_AUXILIARIES or _is_past(verb)):
        return index + 1 + position
    # "I'm 40 and just learned to swim": the event follows an "and".
    if narrator in _PRESENT_NARRATORS:
        for offset, word in enumerate(after[:5]):
            if word.group() == "and" and offset + 1 < len(after):
                following = [w for w in after[offset + 1 : offset + 3] if w.group() not in _ADVERBS]
                if following and _is_past(following[0].group()):
                    return index + 1 + after.index(following[0])
    return None


_HABIT_PAST = frozenset({"started", "stopped", "tried", "began", "finished", "gave", "kept", "quit", "avoided"})


def _told_without_narrator(words: list[re.Match[str]], index: int) -> bool:
    token = words[index].group()
    if not _is_past(token) or index + 1 >= len(words):
        return False
    if token in _SAME_AS_BASE and index == 0:
        return False
    following = words[index + 1].group()
    if token == "been":  # "been learning French for a year": "I've" left out
        return True
    if token == "got" or following == "to":
        return token in _MOTION_PAST
    # "started running at 45", "tried cold plunging for a week": a habit begun or tried is told.
    if token in _HABIT_PAST and following.endswith("ing") and len(following) > 4:
        return True
    # "lost 15 kg", "saved $3,000": an amount is what the narrator lost or saved.
    return following in _ELLIPTIC_OBJECTS or following[:1].isdigit() or following[:1] in "$£€"


def _story_openings(text: str) -> list[int]:
    """Where a narrator may start: the hook's start, and after an opening time clause ("After 3 years, I …")."""
    openings = [0]
    first_break = re.search(r",\s*", text)
    if first_break and text.split(" ", 1)[0] in _TIME_OPENERS:
        openings.append(first_break.end())
    return openings


def _told_from(text: str, opening: int) -> _Cue | None:
    clause_end = opening + len(_CLAUSE_BREAK_RE.split(text[opening:], maxsplit=1)[0])
    words = [word for word in _words(text) if word.start() >= opening]
    clause_words = [word for word in words if word.start() <= clause_end] or words[:1]
    # "After 8 years of teaching I finally quit": a time clause may hold any words before the narrator.
    time_clause = bool(clause_words) and clause_words[0].group() in _TIME_CONJUNCTIONS
    for index, word in enumerate(clause_words[: _TIME_CLAUSE_MAX + 1 if time_clause else _STORY_PREAMBLE_MAX + 1]):
        token = word.group()
        if token in _FIRST_PERSON and token != "me":
            verb_index = _told_verb(words, index)
            return _Cue(word.start(), words[verb_index].end()) if verb_index is not None else None
        if token in _FIRST_PERSON_OWNERS:
            # "my client lost 12 kg", "our baby slept through the night": the owner's noun, then a past verb.
            for candidate in words[index + 2 : index + 7]:
                if candidate.start() > clause_end:
                    break
                if _is_past(candidate.group()):
                    return _Cue(word.start(), candidate.end())
            # "my grandma is 91 and just learned to make reels", "my husband and I moved": the event
            # follows an "and" after the family member's age, state or the narrator.
            joined = _FAMILY_EVENT_RE.match(text, word.start())
            if joined and _is_past(joined.group("verb")):
                return _Cue(word.start(), joined.end("verb"))
            return None
        if token == "me" and index == 0:
            # "me and my husband cooked every recipe in one cookbook": a narrator named last, casually.
            joined = _FAMILY_EVENT_RE.match(text, word.start())
            if joined and _is_past(joined.group("verb")):
                return _Cue(word.start(), joined.end("verb"))
        opening_verb = all(earlier.group() in _ADVERBS for earlier in clause_words[:index])
        if opening_verb and _told_without_narrator(words, index):
            # An opening past verb with its subject left out: "got kicked out", "finally hit 10k".
            return _Cue(clause_words[0].start(), words[index + 1].end(), strong=False)
        if token not in _STORY_PREAMBLE and not token.isdigit() and not time_clause:
            return None
    return None


_FAMILY_EVENT_RE = re.compile(
    r"(?:my|our|me) (?:[\w'-]+ ){0,2}?"
    r"(?:(?:is|are|was|'s|turned|just turned) (?:[\w'-]+ ){1,2}?and|and (?:i|me|we|my [\w'-]+))"
    r" (?:(?:just|finally|actually|officially|already|somehow|also|both|all) )*(?P<verb>[\w']+)"
)


def _story(text: str) -> _Cue | None:
    for pattern in (_JOURNEY_RE, _STORYTIME_RE, _LIFE_EVENT_RE, _TOOK_ME_RE):
        match = pattern.search(text)
        if match:
            return _Cue(match.start("cue"), match.end("cue"))
    for opening in _story_openings(text):
        cue = _told_from(text, opening)
        if cue:
            return cue
    return None


# --- curiosity_gap -------------------------------------------------------------------------------

_CURIOSITY_RES = (
    re.compile(r"\bthe one thing\b|\bone thing (?:nobody|no one|you)\b"),
    # "the one habit that fixed my sleep", "this one trick …": the item itself is held back.
    re.compile(
        r"(?:\b(?:the|this|that) |^)one (?:[\w'-]+ )?"
        r"(?:thing|habit|trick|tip|hack|secret|rule|mistake|change|ingredient|"
        r"step|exercise|question|reason|food|product|app|tool|word|skill|setting|swap|move|stretch|lesson)s?\b"
        r"|\bthe one \w+ (?:that|which|you|i|nobody|no one|everyone|every|all|most|people)\b"
    ),
    # A prompt to keep watching: "wait for the cat's reaction", "stay for the reveal".
    re.compile(r"^(?:wait|watch|stay|stick around|hold on) (?:for|till|until|til|to) "
               r"(?:the|it|his|her|their|my|our|what)\b"),
    re.compile(r"\b(?:watch|wait|see|look)\b[^.?!]{0,25}\b(?:at|till|until|to|for) the end\b"),
    re.compile(r"\b(?:watch|wait for|look at) (?:his|her|their|the|my|your|our) (?:\w+'s )?"
               r"(?:face|reaction|response)\b"),
    # What others think or hide, told as a title: "what teachers really think about homework".
    re.compile(r"^what (?!(?:i|we|my|our|i'm|we're|i've)\b)(?:[\w'-]+ ){1,3}(?:really|actually|secretly|truly) \w+"),
    # … or what a sum or a thing turns out to be: "what $100 of groceries looks like in 2025".
    re.compile(r"^(?:this is )?what (?!(?:i|we|my|our)\b)[\w$£€' -]{1,30}? "
               r"(?:looks? like|costs?|gets? you|buys? you)\b"),
    re.compile(r"\b(?:nobody|no one) (?:tells|told|talks|talked|mentions|warns|warned|knows|explains)\b"
               r"|\b(?:nobody|no one|hardly anyone|few people) (?:uses|knows about|notices|checks|reads|remembers|"
               r"tries|orders|visits)\b"),
    re.compile(r"\byou(?: won't| will not|'ll never| will never) believe\b|\byou'll never guess\b|"
               r"\bguess (?:what|which|who|where|how|why|the)\b"),
    re.compile(r"\bwait (?:for it|for the end|till|until|til|to the end)\b"),
    re.compile(r"\b(?:watch|stay|stick around|wait) (?:till|until|til|to) the end\b"),
    re.compile(r"\bdon'?t (?:skip|scroll|miss|leave|go anywhere)\b|\bkeep watching\b|\b(?:the|this|that) ending\b"),
    re.compile(r"\b(?:the )?last one\b|\bplot twist\b"
               r"|\bthe (?:last|final) [\w'-]+ (?:is|was|will|made|got|broke|had|killed|wins?|takes?)\b"),
    re.compile(r"\b(?:never|haven't|not) heard of\b|\b(?:did not|didn't|never) expect(?:ed)? (?:this|that)\b"),
    re.compile(r"\bwhat (?:actually |really )?(?:happened|happens) (?:next|when|if|to|after)\b|\bwatch what happens\b"),
    re.compile(
        r"\b(?:don't|doesn't|do not|isn't|aren't|won't|never) "
        r"(?:want you to (?:know|see)|(?:tell|teach|show)(?:s|ing)? you)\b"
        r"|\bthe (?:part|side|bit) (?:they|nobody|no one|you never)\b"
        r"|\b(?:they|nobody|no one) (?:leaves? out|never shows?|don't show|doesn't show|hides?)\b"
    ),
    re.compile(r"\bhere'?s (?:what|why|how much|how many)\b|\bthis is (?:why|what)\b|\bthat'?s why\b"),
    # "the real reason your sourdough is flat"; but "this pan is the reason I cook" credits a thing (bold_claim).
    re.compile(r"^(?!(?:this|these|that|my) (?:[\w$'-]+ ){1,4}?(?:is|are|was) (?:literally |honestly )?the (?:only )?"
               r"reason (?:i|we|my|our)\b).*?(?P<cue>\bthe (?:real |actual |hidden |surprising )?reasons?\b)"
               r"|\bthe truth about\b"),
    # A thing withheld behind a condition: "if your dog does this, call your vet", "when you see this, run".
    re.compile(r"^(?:if|when) (?:your?|you're) (?:[\w'-]+ ){0,4}?(?:does|do|see|sees|notice|hear|get|gets|feel|"
               r"has|have|makes?|says?|smells?|looks?|sounds?) (?:like )?this\b"
               r"|^(?:\w+ )?(?:signs|symptoms|red flags|clues) (?:that )?(?:your?|you're|it's|a|an|the)\b"),
    re.compile(r"\bsecrets?\b|\bthe hidden\b|\b(?:little|lesser)[- ]known\b"),
    re.compile(r"\b(?:will|might|may|is going to|gonna) (?:surprise|shock|blow) (?:you|your)\b"
               r"|\b(?:surprised|shocked) (?:me|us)\b|\bblew my mind\b|\bmind[- ]?blown\b"),
    re.compile(r"^(?:this|that|here's what|this is what) (?:actually |really )?happens (?:when|if|after|to)\b"
               ),
    # An insider's refusal: "things I'd never buy as a dermatologist", "I'd never fly economy as a pilot".
    re.compile(r"\b(?:i'd|i would|i will|i'll|we'd) never (?:[\w'-]+ ){1,3}?as an? [\w-]+\b"),
    re.compile(r"\byou (?:probably |definitely |totally |all |never |completely )?(?:missed|overlooked|never noticed|"
               r"didn't notice|didn't catch|never caught|never saw|walked past)\b"),
    re.compile(r"\b(?:doesn't|don't|won't|never|didn't|will never) (?:advertise|mention|publici[sz]e|talk about|"
               r"disclose|admit|share)\b"),
    re.compile(r"\b(?:didn't|did not|never) (?:know|knew)\b|\bhad no idea\b"
               r"|\byou (?:don't|didn't|do not|probably don't) (?:even )?(?:know|realize|realise|notice)\b"
               r"|\bwithout (?:you )?(?:even )?(?:knowing|noticing|realizing|realising)\b"),
    re.compile(r"\bwish (?:someone|somebody|i|i'd|i had) (?:had )?(?:told me|known|knew)\b"),
    re.compile(r"\b(?:never|won't|will never) (?:[\w']+ ){1,5}the same (?:way )?again\b"
               r"|\bnever (?:[\w']+ ){1,5}the same way\b"),
    re.compile(r"\b(?:want|need|have|got) to see this\b|\bthe (?:real |true )?story behind\b"),
    re.compile(r"\bnot (?:what|where|who|how|why|when) you(?:'d)? (?:think|expect)\b"
               r"|\b(?:you've|you have|you) never (?:seen|heard|tried|tasted|noticed|met)\b"
               r"|\byou need to (?:hear|see|know)\b|\bneed to know\b"),
    re.compile(r"^swipe (?:for|to see|to the end)\b|(?:^|[,.!:]\s*)watch this\b"
               r"|\b(?:read|watch|see) this (?:before|if|when)\b|\bwhat if i told you\b"
               r"|\bthis (?:changed|changes)\b|\bchange[sd]? everything\b"),
    # An explanatory title, not inverted: "why your bread is dense", "why you can't focus".
    # (An inverted "why does …" is a question, which ranks higher.)
    re.compile(r"^why\b"),
    # A challenge only a few pass: "only 1% of people notice this", "only true 90s kids will get this".
    re.compile(r"^only (?:\d+ ?%|\d+ (?:in|out of) \d+|a (?:few|handful)|true|real|smart|the (?:real|true|smartest))"
               r"(?:[\w'-]* ){0,5}?(?:will|can|could|would|know|knows|notice|noticed|notices|remember|remembers|"
               r"get|gets|"
               r"understand|understands|see|saw|spot|spotted|pass|passed|recogni[sz]e|can't)\b"
               r"|^(?:bet |i bet )?you can'?t (?:find|spot|see|guess|name|tell)\b"
               r"|\b(?:can|could) you (?:spot|find|guess|tell)\b|\bif you (?:noticed|spotted|caught)\b"),
    # A group's habit whose object is held back: "pediatric dentists never give their own kids this".
    re.compile(r"^(?:[\w'-]+ ){0,2}(?:[\w'-]+(?:ers|ists|ians|ants|ents|people|pros|ceos|chefs|nurses|doctors|"
               r"experts|locals|staff|crews?|kids|moms|dads|parents))(?: (?:never|always|secretly|all|only|quietly|"
               r"won't|don't|refuse to|swear by))? (?:[\w'-]+ ){1,5}?(?:this|these|like this)\W*$"
               r"|\bthere'?s a (?:reason|trick|secret|method) (?:why |to |behind )?\w+"
               r"|\b(?:hidden|buried|tucked away|hiding) (?:in|inside|on|under|behind|deep)\b"
               r"|\b(?:you'll|you will|you're going to|you are going to) (?:want|need) to "
               r"(?:save|see|know|hear|watch|read|"
               r"remember|try) this\b"),
    # A prompt to keep watching: "don't look away at 0:07", "keep your eyes on the left".
    re.compile(r"\b(?:don't|do not|never) (?:blink|look away|turn away|take your eyes|swipe|stop watching|close)\b"
               r"|\b(?:keep|watch|look at|eyes on) (?:watching|your eyes on|until|till|"
               r"the (?:left|right|background|corner))\b"
               r"|\b(?:at|around|until|till|wait for) (?:\d+:\d\d|the \d+ ?(?:second|sec|s)\b)"),
    # A claim that sounds wrong but holds: "the study trick that sounds fake but isn't".
    re.compile(r"\b(?:sounds?|looks?|seems?|feels?) (?:\w+ )?(?:fake|crazy|weird|wrong|illegal|insane|stupid|dumb|"
               r"made up|too good to be true|like a scam|fake|unreal|impossible)\b(?:[^.?!]{0,20}\b(?:but|and) )"),
)
# A reveal title about others: a thing that a group uses ("the bedtime trick pediatric nurses swear
# by", "the $1 rule rich people use", "the stretch physical therapists do every morning") or what
# others do, think or hide ("what top CEOs do in the first hour", "what your handwriting says about
# you"); about the creator it is a format title ("what I eat in a day", "the trick I use", a statement).
_REVEAL_VERBS = frozenset({
    "use", "uses", "used", "swear", "swears", "do", "does", "did", "eat", "eats", "drink", "drinks", "buy", "buys",
    "order", "orders", "avoid", "avoids", "never", "always", "won't", "don't", "doesn't", "refuse", "refuses",
    "rely", "relies", "recommend", "recommends", "follow", "follows", "keep", "keeps", "love", "loves", "hate",
    "hates", "know", "knows", "wish", "wishes", "hide", "hides", "say", "says", "said", "think", "thinks", "mean",
    "means", "reveal", "reveals", "tell", "tells", "wear", "wears", "pack", "packs", "skip", "skips", "live",
    "lives", "want", "wants", "notice", "notices", "learn", "learns", "teach", "teaches", "secretly", "really",
    "actually", "all", "only", "quietly", "still", "make", "makes", "charge", "charges", "look", "looks", "see",
    "sees", "get", "gets", "read", "reads", "watch", "watches", "drive", "drives", "choose", "chooses", "prefer",
    "prefers", "need", "needs", "trust", "trusts", "carry", "carries", "practice", "practise", "practices",
    "put", "puts", "check", "checks",
    "cook", "cooks", "spend", "spends", "save", "saves", "invest", "invests", "feed", "feeds", "give", "gives",
    "should", "must", "shouldn't", "has", "have", "share", "shares",
})
_REVEAL_HEADS = frozenset({"the", "this", "that"})
# A judgement noun or a rank makes the title a claim ("the #1 mistake new investors make", bold_claim).
_REVEAL_NOT_THINGS = frozenset({"mistake", "mistakes", "#1", "biggest", "worst", "best", "number", "one", "only"})
_REVEAL_SUBJECT_NOT = frozenset({
    "i", "i'm", "i've", "i'd", "we", "we're", "we've", "my", "our", "me", "us", "it", "it's", "is", "are", "was",
    "were", "to", "and", "or", "a", "an", "of", "for", "with", "in", "on", "at", "that", "which", "you", "you're",
    "will", "can", "be", "has", "have", "had", "not", "so", "too", "very", "just", "this", "these",
})


def _reveal_title(text: str) -> _Cue | None:
    # A "what" title runs to its sentence end ("what your handwriting says about you, explained").
    if text.startswith("what"):
        clause = re.split(r"[.!?;:…]", text)[0]
    else:
        clause = _CLAUSE_BREAK_RE.split(text, maxsplit=1)[0]
    words = _words(clause)
    if len(words) < 3:
        return None
    first = words[0].group()
    if first == "what":
        # "what flight attendants never order", "what your cat's tail really means".
        subject = [w.group() for w in words[1:]]
        if not subject or subject[0] in {"i", "i'm", "i've", "we", "we're", "my", "our", "a", "an", "it", "it's",
                                        "to", "if", "happens", "happened", "is", "are", "was", "were", "'s"}:
            return None
        for index, word in enumerate(subject[1:6], start=1):
            if word in _REVEAL_VERBS and subject[index - 1] not in {"to", "i", "we", "my", "our"}:
                if any(w in {"i", "we", "my", "our", "me", "i'm"} for w in subject[:index]):
                    return None
                return _Cue(words[0].start(), words[index + 1].end(), strong=False)
        return None
    if first not in _REVEAL_HEADS:
        return None
    # The thing (one to three words), then its users (one to four words ending in a group), then a verb.
    for verb_index in range(3, min(len(words), 9)):
        verb = words[verb_index].group()
        if verb not in _REVEAL_VERBS:
            continue
        middle = [w.group() for w in words[1:verb_index]]
        if any(w in _REVEAL_SUBJECT_NOT or w in _REVEAL_NOT_THINGS or w.endswith("est") for w in middle):
            return None
        group = middle[-1]
        every = len(middle) >= 3 and any(w in {"every", "each", "any", "most", "all"} for w in middle[1:-1])
        if group.endswith("'s") or not (every or _is_plural(group) or group in _GROUP_NOUNS
                                        or group.endswith(("ers", "ists"))):
            continue
        if len(middle) < 2:
            continue
        return _Cue(words[0].start(), words[verb_index].end(), strong=False)
    return None


# Groups a reveal is about, where the plural shows no "s" or the singular is used ("every chef").
_GROUP_NOUNS = frozenset({
    "people", "men", "women", "kids", "children", "everyone", "everybody", "pros", "experts", "locals", "ceos",
    "chefs", "doctors", "nurses", "pilots", "teachers", "celebrities", "millionaires", "billionaires", "models",
    "athletes", "parents", "moms", "mums", "dads", "japanese", "french", "italians", "koreans", "swiss", "danish",
    "germans", "staff", "crew", "police", "military", "nasa", "hotels", "restaurants", "airlines", "supermarkets",
    "banks", "brands", "companies", "gen", "boomers", "millennials", "grandmas", "nannies", "vets",
})


def _curiosity_gap(text: str) -> _Cue | None:
    found = [cue for cue in (_first_match(text, _CURIOSITY_RES), _reveal_title(text)) if cue]
    return min(found, key=lambda cue: cue.start) if found else None


# --- bold_claim ----------------------------------------------------------------------------------

_BOLD_CLAIM_RES = (
    # "Best" inside a name claims nothing: "my best friend's wedding", "best man speech", "best before".
    re.compile(r"\b(?:best(?!\s*(?:friend|friends|friend's|mate|mates|man|men|buddy|bud|girl|boy|bf|gf|bro|sis|"
               r"before|wishes|regards|seller|sellers)\b)|worst|greatest|ultimate|perfect)\b"),
    re.compile(r"#1\b|\bnumber one\b|\bno\. ?1\b"),
    # "the only one who read the brief" describes a person in a scene, not a claim.
    re.compile(r"\bthe only\b(?! (?:one|ones|person|people|girl|guy|kid|mom|dad|friend) (?:who|that|in|at|on)\b"
               r"| (?:[\w'-]+ ){1,2}who\b)"
               r"|\bonly \w+ (?:you|i) (?:will |'ll )?(?:ever )?need\b"),
    # Nothing else measures up: "no laptop under $1000 comes close", "nothing compares to …".
    re.compile(r"\b(?:nothing|no one|nobody|no other \w+) (?:[\w']+ ){0,3}?"
               r"(?:like|beats|compares|comes close|does it better)\b"
               r"|\bno (?:[\w$£€',.-]+ ){1,5}?(?:even |ever |really )?"
               r"(?:comes? (?:even |anywhere )?close|compares?|beats?|"
               r"can (?:beat|touch|compete|match|compare))\b"
               r"|\bbeats\b|\bbetter than\b|\b(?:can't|cannot|won't) be beat(?:en)?\b"
               r"|^no (?!(?:one|way|matter|need|more|longer|time|idea|thanks|sugar|makeup|filter)\b)[\w'-]+ "
               r"(?:[\w'-]+ ){0,4}?like\b"),
    re.compile(r"\byou need (?:this|these|one)\b|\bdon't sleep on\b|\bguarantee[ds]?\b|\bgame[- ]?changers?\b"
               r"|\bmust[- ]haves?\b|\bholy grail\b"),
    re.compile(r"\blife[- ]?changing\b|\bchanged my \w+(?: \w+)? forever\b|\breplaced my\b"
               r"|^only (?!(?:in|on|at|for|if|when|because)\b|(?:a few|a couple|\d+|one|two|three|four|five) (?:more )?"
               r"(?:days?|hours?|weeks?|months?|minutes?|spots?|sleeps?|nights?) (?:left|to go|until|till)\b)"),
    # A promise of a sure effect: "this habit will double your focus".
    re.compile(
        r"\bwill (?:literally |completely |instantly )?(?:double|triple|change|transform|fix|save|boost|blow|cure|"
        r"upgrade|improve|revolutioni[sz]e)\b"
    ),
    re.compile(r"\bof all time\b|\bin the (?:world|universe|country)\b|\bon the planet\b|\bever(?: made| told)?\b"),
    re.compile(r"\bevery(?:one|body)? (?:\w+ ){0,2}(?:needs?|should|must|has to|deserves|makes?|gets?|forgets?|"
               r"skips?|loves?|hates?|wants?|uses?)\b"),
    re.compile(r"\byou (?:need|have|got) to try this\b|\bthat (?:actually|finally|really) works\b"
               r"|\b(?:are|is|been|stop) sleeping on\b"),
    re.compile(r"\bworth (?:every (?:single )?\w+|the (?:hype|money|price|splurge|wait|investment|hours?)|it all)\b"
               r"|^who needs\b|^proof (?:that|you)\b"
               r"|\b(?:pays?|paid) for itself\b|\bwill thank you\b|\byou'll (?:never|thank me)\b"
               r"|\bruin(?:s|ed)? (?:every|all|any) (?:other )?\w+|\bruined \w+ (?:\w+ )?for me\b"
               r"|\bnever going back\b|\bcan't live without\b|\b(?:is|are) (?:a )?must\b"
               r"|\b(?:insane|unreal|incredible|crazy|amazing|unbeatable|ridiculous|absurd) value\b"
               r"|\bfavou?rite (?:[\w'$-]+ ){1,4}?(?:of the (?:year|decade|summer|season)|of all time|ever)\b"
               r"|\byou(?:'re going to| are going to|'ll| will) (?:literally |absolutely )?(?:love|thank me for|"
               r"never regret) (?:this|these)\b"
               r"|\b(?:viral|famous|popular|sold out|hyped|trending|sells out|a bestseller) for a (?:good )?reason\b"
               r"|^(?:finally,? )?(?:a|an|the|this|these) (?:[\w$'-]+ ){1,4}?(?:that|which)(?:'s| is)? "
               r"(?:actually|finally|really|"
               r"genuinely|truly) (?!(?:i|we|you|my)\b)\w+s?\b"
               r"|\b(?:is|are) (?:a |an )?(?:absolute |total )?(?:steal|bargain)\b"
               r"|\bout(?:performs?|performed|lasts?|lasted|shines?|shone|classes?|sells?|sold|smarts?)\b"
               r"|^(?:this|these|that|my) (?:[\w$'-]+ ){1,4}?(?:is|are|was) (?:literally |honestly )?"
               r"the (?:only )?reason (?:i|we|my|our)\b"
               r"|\bobsessed (?:with|is)\b|^obsessed\b|\btop[- ]tier\b|\bs[- ]tier\b|\bgoat(?:ed)?\b|\b10/10\b"
               r"|\bunbeatable\b|\bunmatched\b"
               r"|\bchef's kiss\b"),
    # A named thing that did something for the creator: "this app replaced my team", "this toy kept my toddler busy".
    # … also "the dog toy that survived my husky", "this planner single-handedly fixed my procrastination".
    re.compile(r"^(?:this|the|that|these|my new) (?!is\b|was\b|one\b|day\b|time\b|night\b|moment\b)"
               r"(?:(?!(?:i|we|my|our|me|us|you|your|he|she|they|his|her|it|and)\b)[\w$'-]+ ){0,3}?(?:that |which )?"
               r"(?:finally |actually |literally |single-handedly |completely |totally |genuinely |officially )?"
               r"(?:\w+ed|kept|made|saved|gave|took|got|won|fixed|beat|survived|outlived|cured|ended|broke|rebuilt) "
               r"(?:my|me|our|us|every|all|the whole|\d+|how (?:i|we)|the way (?:i|we)|what (?:i|we))\b"
               r"|^(?:this|these|that|those|my new) (?:[\w$'-]+ ){1,3}?(?:passed|aced|survived|nailed|beat|outlasted|"
               r"withstood|held up (?:to|through)|lasted through) (?:the|a|an|my|every|all|\d+)\b"),
    # A product's stamina: "these earbuds last 40 hours".
    re.compile(r"^(?:this|these|my new|the new) (?:[\w$'-]+ ){1,3}?(?:lasts?|lasted|runs?) (?:up to |over |a full "
               r"|literally )?(?:\d+|all) ?(?:hours?|days?|weeks?|months?|years?|day|night|week)\b"),
    # A product's absolute promise: "this sunscreen doesn't leave a white cast. Period.", "this pan never sticks".
    re.compile(r"^(?:this|these|my new) (?!(?:baby|kid|toddler|dog|cat|puppy|kitten|man|guy|girl|boy|child|teen|"
               r"is|was|one|time|year|week)\b)(?:[\w$'-]+ ){1,3}?(?:never|doesn't|don't|won't|will never|can't|"
               r"does not|do not) (?:budge|stick|sticks|smudge|crease|fade|pill|stretch|leak|leaks|break|rip|wrinkle|"
               r"slip|fail|fails|disappoint|disappoints|overheat|die|dies|miss|misses|leave|melt|transfer|crack)\b"
               r"|(?:[.!]\s*|\b)(?:period|periodt|full stop|end of story|no exceptions|don't @ me|no debate)\W*$"),
    # Praise made stronger: "unbelievably good cookies", "ridiculously easy bread".
    re.compile(r"(?:^|\b(?:the|this|these|a|an|so|are|is) )(?:unbelievably|ridiculously|insanely|stupidly|absurdly|"
               r"impossibly|dangerously|criminally|unreasonably|outrageously|shockingly|unfairly|scary|scarily|"
               r"unbelievable|crazy) \w+"),
    re.compile(r"\b100 ?%|\bhands down\b|(?:\bthe|'s) (?:single |very |absolute )?most\b|\bworld's \w+est\b"
               r"|^most \w+\b|\bthe (?:single|very|absolute) \w+est\b"
               r"|\ball[- ]time\b|\bunderrated\b"
               r"|\bnot even close\b|\b(?:is|this is|that's) peak\b"),
    # A comparison that crowns the thing: "burns more fat than running", "cheaper than therapy".
    re.compile(r"\b(?:more|less|fewer) (?:[\w'-]+ ){0,3}?than\b|\b(?!(?:other|rather|later|over|never|ever|either|"
               r"whether|under|after|older|younger|number|order|water|paper|dinner|summer|winter|river)\b)"
               r"\w{2,}er(?: [\w'-]+){0,2}? than\b"),
)
# A judgement on a named thing ("this 20 minute workout hits every single muscle", "these sneakers go
# with everything", "this mascara is unreal"): "this / these / that" and a noun, then a verb that
# reaches everything or a word of praise.
_JUDGED_THING_RE = re.compile(
    r"^(?:this|these|that|those|my new|the new) (?!is\b|was\b|are\b|one\b|time\b|year\b|week\b|month\b)"
    r"(?:(?!but\b)[\w$£€'-]+ ){0,8}?(?P<cue>(?:[\w'-]+ )(?:literally |basically |actually |honestly |just )?"
    r"(?:(?:in|with|on|into|for|through|under|to) )?"
    r"(?:every(?:thing| single| \w+)?|all (?:day|night|skin|hair|body|ages|levels|budgets|seasons)|any \w+))\b"
    r"|^(?:this|these|that|those|my new|the new) (?!is\b|was\b|are\b|one\b)(?:[\w$£€'-]+ ){1,4}?"
    r"(?P<praise>(?:is|are|was|were|tastes?|tasted|looks?|feels?|works?|sounds?|smells?) (?:so |literally |actually "
    r"|honestly |genuinely |absolutely |just |truly |pure |simply )*(?:insane|unreal|elite|incredible|amazing|"
    r"phenomenal|next[- ]level|perfection|iconic|legendary|fire|genius|a lifesaver|a dream|a game[- ]changer|"
    r"everything|unmatched|unbeatable|addictive|flawless|undefeated|magic|magical|life[- ]?saving|a must|"
    r"the goat|goated|a cheat code|elite|chef's kiss|a miracle|miraculous|a masterpiece|heaven|heavenly|"
    r"so good|too good|criminally \w+|unmatched|top notch|a win|a no-brainer|a steal|a bargain|"
    r"like (?:dessert|candy|heaven|a dream|clouds?|a cloud|butter|silk|a hug|magic|a spa|the real thing|"
    r"a million (?:bucks|dollars)|(?:a |an )?[$£€]\d[\d,]*\w*(?: one)?)))(?!\w)"
)
# A superlative after "the" ("the creamiest hummus"); these -est words are no superlative.
_SUPERLATIVE_RE = re.compile(r"\bthe (?P<cue>\w+(?:iest|est))\b")
_NOT_SUPERLATIVE = frozenset({
    "oldest", "youngest", "eldest", "nearest", "closest", "interest", "latest", "honest", "forest", "test", "request",
    "contest", "protest", "guest", "harvest", "chest", "nest", "west", "rest", "pest", "quest", "digest",
})


def _bold_claim(text: str) -> _Cue | None:
    found = [_first_match(text, _BOLD_CLAIM_RES)]
    judged = _JUDGED_THING_RE.search(text)
    if judged:
        group = "cue" if judged.group("cue") else "praise"
        found.append(_Cue(judged.start(group), judged.end(group)))
    for match in _SUPERLATIVE_RE.finditer(text):
        if match.group("cue") not in _NOT_SUPERLATIVE:
            found.append(_Cue(match.start(), match.end(), strong=False))
            break
    found = [cue for cue in found if cue]
    return min(found, key=lambda cue: cue.start) if found else None


# --- Typing --------------------------------------------------------------------------------------

_RULES: dict[str, Callable[[str], _Cue | None]] = {
    "contrarian": _contrarian,
    "number_list": _number_list,
    "how_to": _how_to,
    "question": _question,
    "story": _story,
    "curiosity_gap": _curiosity_gap,
    "bold_claim": _bold_claim,
}


def type_hook(hook: str) -> HookTyping:
    """The hook's type, how sure the rules are, and the words that decided it (module docstring)."""
    reading = _read(hook)
    body = reading.text
    matches = {name: cue for name, rule in _RULES.items() if body and (cue := rule(body))}
    # number_list and how_to share a rank: whichever opens the hook wins between them.
    if "number_list" in matches and "how_to" in matches:
        later = "how_to" if matches["number_list"].start <= matches["how_to"].start else "number_list"
        matches[later + ":lost"] = matches.pop(later)
    winner = next((name for name in HOOK_TYPE_PRECEDENCE if name in matches), None)
    if winner is None:
        return _fallback(reading)
    cue = matches[winner]
    confidence = STRONG_CUE_CONFIDENCE if cue.strong else WEAK_CUE_CONFIDENCE
    if len(matches) > 1:
        confidence -= COMPETING_TYPE_PENALTY
    return HookTyping(winner, round(confidence, 2), reading.words_of(cue))


# --- The learned fallback ------------------------------------------------------------------------

# When no rule fires, a multinomial Naive Bayes over the hook's words and word pairs may still name a
# type; it does so only when it is at least FALLBACK_MIN_PROBABILITY sure, else the hook stays a
# statement. Its counts come from the labelled dev captions, trained at build time (make hook-model).
FALLBACK_MODEL_FILE = Path(__file__).resolve().parent / "data" / "hook_fallback.json"
FALLBACK_MIN_PROBABILITY = 0.85
FALLBACK_CONFIDENCE = 0.55
_FALLBACK_SMOOTHING = 0.5


@dataclass(frozen=True)
class _Feature:
    name: str  # "word", "word word", or "^word" (the hook's first word)
    start: int
    end: int


def _features(text: str) -> list[_Feature]:
    """The words (numbers read as one "<num>"), the pairs of neighbouring words and the first word of a reading."""
    words = [(("<num>" if match.group()[:1].isdigit() else match.group()), match.start(), match.end())
             for match in _words(text)]
    features = [_Feature("^" + words[0][0], words[0][1], words[0][2])] if words else []
    features += [_Feature(word, start, end) for word, start, end in words]
    features += [_Feature(f"{a[0]} {b[0]}", a[1], b[2]) for a, b in zip(words, words[1:])]
    return features


class _NaiveBayes:
    """Multinomial Naive Bayes (each feature counted once per hook) with additive smoothing; deterministic."""

    def __init__(self, priors: dict[str, int], counts: dict[str, dict[str, int]]) -> None:
        self.priors: Counter[str] = Counter({name: priors.get(name, 0) for name in HOOK_TYPE_ORDER})
        self.counts: dict[str, Counter[str]] = {name: Counter(counts.get(name, {})) for name in HOOK_TYPE_ORDER}
        self.vocabulary = set().union(*self.counts.values())
        self.totals = {name: sum(counts.values()) for name, counts in self.counts.items()}
        self.examples = sum(self.priors.values())

    def log_likelihood(self, label: str, feature: str) -> float:
        smoothed = self.counts[label][feature] + _FALLBACK_SMOOTHING
        return math.log(smoothed / (self.totals[label] + _FALLBACK_SMOOTHING * len(self.vocabulary)))

    def probabilities(self, features: list[_Feature]) -> dict[str, float]:
        known = {feature.name for feature in features if feature.name in self.vocabulary}
        scores = {
            label: math.log(self.priors[label] / self.examples)
            + sum(self.log_likelihood(label, name) for name in known)
            for label in HOOK_TYPE_ORDER if self.priors[label]
        }
        top = max(scores.values())
        total = sum(math.exp(score - top) for score in scores.values())
        return {label: math.exp(score - top) / total for label, score in scores.items()}

    def weight(self, label: str, feature: str) -> float:
        """How much more a feature speaks for `label` than for the other types on average."""
        others = [self.log_likelihood(other, feature) for other in self.priors if other != label]
        return self.log_likelihood(label, feature) - sum(others) / len(others)


def train_fallback(captions: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The fallback's counts from labelled (caption, type) pairs: JSON-ready, the same for the same captions."""
    priors: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = {name: Counter() for name in HOOK_TYPE_ORDER}
    for caption, label in captions:
        label = label.strip()
        if label in counts:
            priors[label] += 1
            # Each feature counted once per hook.
            counts[label].update({feature.name for feature in _features(_read(extract_hook(caption)).text)})
    return {
        "priors": {name: priors[name] for name in HOOK_TYPE_ORDER},
        "counts": {name: dict(sorted(counts[name].items())) for name in HOOK_TYPE_ORDER},
    }


@functools.cache
def fallback_model() -> _NaiveBayes | None:
    """The shipped fallback, read once per process on first use; None (rules only) when the file is absent."""
    if not FALLBACK_MODEL_FILE.is_file():
        return None
    trained = json.loads(FALLBACK_MODEL_FILE.read_text(encoding="utf-8"))
    return _NaiveBayes(trained["priors"], trained["counts"]) if sum(trained["priors"].values()) else None


# Format titles the guide settles as statements; the fallback leaves them alone ("what I eat in a day",
# "what's in my bag", "grwm for …", "rate my setup", "X vs Y", "this is your sign to …", "… with me", "POV: …").
_STATEMENT_FORMAT_RE = re.compile(
    r"^(?:what|how much|how many|how long|everything|all) (?:i|we|my|our|i've|we've|i'm|we're)\b"
    r"|^what's (?:in|on|inside) (?:my|our)\b|\bwith me\b|^grwm\b|^get ready with me\b|\bday in (?:the|my) life\b"
    r"|^a (?:day|week|weekend|morning|night) (?:in|at|of|with)\b|^rate my\b|\bvs\.?\b|\bversus\b"
    r"|^(?:nobody|no one|me):|\bif you know,? you know\b|\biykyk\b|^when i tell you\b|^what an? \w+\W*$"
    r"|^(?:don't|do not) forget\b|^\*[^*]+\*"
    r"|\bthis is your sign\b|^watch (?:me|us)\b|\b(?:routine|haul|unboxing|ootd|outfit of the day|vlog|recap|dump)\b"
)
# Function words too plain to show why the fallback chose a type.
_PLAIN_WORDS = frozenset({
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "about", "is", "are", "was",
    "it", "this", "that", "what", "how", "i", "my", "we", "our", "you", "your", "me", "so", "be", "do", "just",
})


def _fallback(reading: _Reading) -> HookTyping:
    """A statement, unless the learned fallback is sure of another type; its cue is the hook's most telling word(s)."""
    statement = HookTyping("statement", STATEMENT_CONFIDENCE, "")
    features = _features(reading.text)
    model = fallback_model()
    if model is None or not features or _STATEMENT_FORMAT_RE.search(reading.text):
        return statement
    if reading.shown.lower().startswith("pov"):  # "POV: you …" is a scene (a debunk in it is caught by the rules)
        return statement
    probabilities = model.probabilities(features)
    label = max(probabilities, key=lambda name: (probabilities[name], -HOOK_TYPE_ORDER.index(name)))
    if label == "statement" or probabilities[label] < FALLBACK_MIN_PROBABILITY:
        return statement
    spans = [feature for feature in features
             if feature.name in model.vocabulary and not feature.name.startswith("^")
             and "<num>" not in feature.name and feature.name not in _PLAIN_WORDS]
    if not spans:
        return statement
    best = max(spans, key=lambda feature: (model.weight(label, feature.name), -feature.start))
    cue = reading.words_of(_Cue(best.start, best.end))
    return HookTyping(label, FALLBACK_CONFIDENCE, cue) if cue else statement


def classify_hook(hook: str) -> str:
    """The HOOK_TYPES name of a hook (type_hook without the confidence and cue)."""
    return type_hook(hook).type
