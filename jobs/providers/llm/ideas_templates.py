"""The wording tables of the offline ideas composer (offline_ideas): angles, script beats, calls to action.

Data only. Each hook type has its angles (a hook and a title to fall back on when a competitor's
hook structure does not carry over) and three script beats; the creator's goals pick the calls to
action. Templates take {topic} {Topic} {audience} {Audience} {n} (and beats {counted} {item} {habit}).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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

# --- Angles: the fallback hooks ---------------------------------------------------------------


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
        Angle("Is {topic} really as hard as it looks?", "Is {Topic} as Hard as It Looks?"),
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

# A title for a hook that kept its source's structure when no angle of its type is worded like it.
PLAIN_TITLES = {
    "question": "{Topic}, Answered",
    "number_list": "{n} {Topic} {Counted} Worth Knowing",
    "how_to": "{Topic} Made Practical",
    "contrarian": "Rethinking {Topic}",
    "story": "My {Topic} Story",
    "curiosity_gap": "What Nobody Says About {Topic}",
    "bold_claim": "The Best of {Topic}",
    "statement": "{Topic}, Plainly",
}

# --- Beats: the script outline -----------------------------------------------------------------

# Three beats per hook type; {topic} {audience} {n} {counted} {item} {habit} are filled in.
BEATS: dict[str, tuple[tuple[str, str], ...]] = {
    "question": (
        ("Setup", "Ask the question to camera, then answer it in one line so {audience} know staying pays off."),
        ("Proof", "Show why with one real {topic} example from your own week: the before, then the after."),
        ("Payoff", "Give {audience} one {topic} change to try today, shown on screen as a single step."),
    ),
    "number_list": (
        ("Setup", "Flash all {n} {counted} as an on-screen list for a second, then go back to number one."),
        ("Points", "One cut per {item}: name it, show it in your own {topic}, and say in one sentence what it changes."),
        ("Payoff", "Save the {item} that surprises {audience} most for number {n}, so viewers stay to the end."),
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
        ("Setup", "One line on where your {topic} stood before: what that was costing you in time, money or energy."),
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
