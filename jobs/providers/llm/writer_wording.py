"""The offline writer's wording: one table of templates per tone, and the sentences every tone shares.

Templates take {keyphrase}, {Keyphrase}, {topic}, {theme}, {Theme}, {keyword}, {themes} and {hook};
the composer (jobs.providers.llm.offline) picks among them with a seed made from the brief, so the
same brief always reads the same. Adding a tone is adding one Tone entry to TONES.

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

from dataclasses import dataclass


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


def resolve_tone(tone: str) -> str:
    """The name of the tone table entry used for `tone`."""
    key = (tone or "").strip().lower()
    key = TONE_ALIASES.get(key, key)
    return key if key in TONES else "informative"
