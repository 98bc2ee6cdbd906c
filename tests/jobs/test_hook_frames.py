"""A hook's structure: the frame words that made it work kept, its subject swapped for the creator's topic."""

from __future__ import annotations

import pytest

from jobs.providers.llm.hook_frames import HABITS, compound_form, fit_topic, hook_structure, opening_template


@pytest.mark.parametrize(
    "hook, frame",
    [
        ("5 mistakes killing your deadlift", "5 mistakes killing your {topic}"),
        ("I quit sugar for 30 days, here's what happened", "I quit {habit} for 30 days, here's what happened"),
        ("Stop stretching before you run", "Stop {habit}"),
        ("Stop doing crunches.", "Stop {habit}."),
        ("5 mistakes beginners make with sourdough", "5 mistakes {audience} make with {topic}"),
        ("3 Mistakes New Investors Make With Index Funds", "3 mistakes {audience} make with {topic}"),
        ("Why does nobody talk about starter hydration?", "Why does nobody talk about {topic}?"),
        ("The one thing about stir fry nobody tells you", "The one thing about {topic} nobody tells you"),
        ("I tried wok cooking for 30 days", "I tried {topic} for 30 days"),
        ("3 ways to save dinner without takeout", "3 ways to save your {topic}"),
        ("Why your squat feels harder than it should", "Why your {topic} feels harder than it should"),
        ("POV: you finally understand compound interest", "POV: you finally understand {topic}"),
        ("7 Python tricks senior devs use every day 🔥 #coding", "7 {topic} tricks {audience} use every day"),
        ("I spent $1,200 on groceries for a week of dinners", "I spent $1,200 on {topic}"),
        ("Stop skipping sunscreen on cloudy days.", "Stop {habit}."),
        ("Stop overpacking just in case.", "Stop {habit}."),
        ("How to stop wasting groceries without hours of prep", "How to stop {habit}"),
        ("You don't need working 12-hour days to stop procrastinating.", "You don't need working 12-hour days to stop {habit}."),
        ("Nobody tells you this about food waste…", "Nobody tells you this about {topic}…"),
        # Quitting "my job" is a habit given up as well: the creator never quits their own topic.
        ("I quit my job to start a one-person business. Here's what happened.", "I quit {habit}. Here's what happened."),
        ("I quit my desk job to coach full time. Here's what happened.", "I quit {habit}. Here's what happened."),
        # Verbs stay frame: only the noun phrase that names the subject is a slot.
        ("Why do busy parents struggle so much with sleep and recovery?", "Why do {audience} struggle so much with {topic}?"),
        # What qualifies an audience ("over 30", "who hate tech setup") is replaced with it.
        ("Why do people over 30 struggle so much with warm-ups?", "Why do {audience} struggle so much with {topic}?"),
        ("Why do people who hate tech setup struggle so much with password managers?",
         "Why do {audience} struggle so much with {topic}?"),
        # Words that close the sentence ("sooner") and tail nouns ("rest days", "deep work") are not lost.
        ("5 things I wish I knew about rest days sooner", "5 things I wish I knew about {topic} sooner"),
        ("The one thing about deep work nobody tells you", "The one thing about {topic} nobody tells you"),
        ("This is the best advice on office small talk you'll ever get", "This is the best advice on {topic} you'll ever get"),
        ("Nobody tells you this about deep work…", "Nobody tells you this about {topic}…"),
        # Who makes the mistakes or struggles is the audience, named in the word lists or not.
        ("10 mistakes roommates make with Monday mornings", "10 mistakes {audience} make with {topic}"),
        ("4 mistakes small business owners make with morning routines", "4 mistakes {audience} make with {topic}"),
        ("4 mistakes people with oily skin make with hair oils", "4 mistakes {audience} make with {topic}"),
        ("Why do digital nomads struggle so much with travel insurance?", "Why do {audience} struggle so much with {topic}?"),
        # A habit given up runs to the end of its clause.
        ("Stop keeping all your savings in a checking account.", "Stop {habit}."),
        ("Stop charging by the hour.", "Stop {habit}."),
        ("Stop saying yes to every meeting.", "Stop {habit}."),
        ("The only roommate rule you'll ever need", "The only {topic} rule you'll ever need"),
    ],
)
def test_the_frame_of_a_hook_keeps_its_words_and_marks_its_subject(hook, frame):
    assert hook_structure(hook).frame == frame


@pytest.mark.parametrize(
    "hook",
    [
        "",
        "🔥🔥🔥 #fyp",
        "Wait for it",  # no subject: nothing to swap
        "My toddler refused vegetables until I tried this",  # the subject is a clause
        "What I eat in a day as a nutritionist",  # "eat" follows "I": a verb, not a thing
        "How to meal prep for the week in 1 hour",  # "to meal prep" is a verb
        "You don't need a gym to get strong",  # after "need" it is a tool, not the topic
        "Unpopular opinion: screen time isn't the enemy",  # two subjects, no clause to cut
        "Sourdough focaccia with rosemary",  # the subject is most of the hook
        "How to actually season food properly, step by step",  # "season" is a verb after "to"
        "You don't need a 10-step routine to fix a damaged skin barrier.",  # a tool after "need"
        # The slot wants one countable thing, a purchase or a place; a creator's topic is an activity.
        "How to get your first pull-up in 8 weeks",
        "I used a $200 laptop for a month",
        "What actually happens when you use up every leftover for two weeks?",
        "How to make any laptop feel faster in 10 minutes",
        "How to pack two weeks into one carry-on",
        "3 pasta sauces that taste like a restaurant",
        "This 20-minute workout beats an hour on the treadmill",
        "5 ways to make restaurant-style pasta at home without hours of prep",
        "How to build an emergency fund on a small salary",
        "3 ways to leave a party early without a personality",
        "Grocery haul under $60",
        "A day in Lisbon",
        "Day in the life of a solopreneur",  # a person
        "Lunch for the week",  # a label for a thing
        "Empties from this month",
        "Last year I had $0 in savings.",  # where money is
        "What actually happens when you wake up at 5am for 30 days?",  # a time
        "3 ways to get more done before lunch without working 12-hour days",  # a time
        "What's on my phone",
        "I went a week without my smartphone",  # what one does without is a tool
        "How to beat jet lag without a huge budget",  # a problem to defeat
        "I tried being a morning person for 30 days",  # a role
        "When your alarm goes off on a Monday",  # the topic cannot go off
        "This is the most relatable video you'll see today",  # an adjective starts the subject
        # Skipping or avoiding the subject would have the creator skip their own topic.
        "What actually happens when you skip foundation for a month?",
        # An opinion is a claim; with another subject it is a claim the creator never made.
        "Unpopular opinion: pineapple belongs on pizza.",
        "Unpopular opinion: most people use too many products.",
        # A clause with its own verb is not a phrase that can be cut off, and a person is not a topic.
        "My grandmother's one rule for soup changed how I cook",
        "Last year I worked 70-hour weeks and earned less",
    ],
)
def test_a_hook_without_one_clean_subject_has_no_structure_to_reuse(hook):
    assert hook_structure(hook) is None


def test_filling_a_frame_puts_the_creators_topic_and_audience_in_its_slots():
    structure = hook_structure("5 mistakes beginners make with sourdough")

    assert structure.subject == "sourdough"
    assert structure.fill(topic="personal finance", audience="young professionals") == (
        "5 mistakes young professionals make with personal finance"
    )


def test_a_habit_is_spoken_in_the_hooks_own_person():
    assert hook_structure("I quit sugar for 30 days").fill(topic="meal prep", audience="moms", habit="winging") == (
        "I quit winging my meal prep for 30 days"
    )
    assert hook_structure("Stop doing crunches.").fill(topic="meal prep", audience="moms", habit=HABITS[0]) == (
        "Stop overcomplicating your meal prep."
    )


def test_filling_fixes_the_grammar_around_the_topic():
    # The verb agrees with a plural topic, and a singular one after a superlative gets a head noun.
    assert hook_structure("Your squat is the problem").fill(topic="home workouts", audience="moms") == (
        "Your home workouts are the problem"
    )
    assert hook_structure("This is the best leg exercise you'll ever do").fill(topic="meal prep", audience="x") == (
        "This is the best meal prep routine you'll ever do"
    )
    assert hook_structure("The easiest weeknight lasagna you'll ever make").fill(topic="family dinners", audience="x") == (
        "The easiest family dinners you'll ever make"
    )
    # "a" before a subject becomes a possessive, which fits any topic.
    assert hook_structure("Is a Roth IRA actually worth it?").fill(topic="index investing", audience="x") == (
        "Is your index investing actually worth it?"
    )
    # "most" + an audience that starts with "most" is said once.
    assert hook_structure("Most beginners get sourdough wrong").fill(topic="budgeting", audience="most people") == (
        "Most people get budgeting wrong"
    )


def test_shouting_and_title_case_hooks_come_out_in_sentence_case():
    assert hook_structure("STOP BUYING COFFEE EVERY DAY").fill(topic="meal prep", audience="x", habit="rushing") == (
        "Stop rushing your meal prep"  # the habit runs to the end of its clause
    )
    assert hook_structure("I Quit Sugar For A Month. Here's What Happened").fill(
        topic="budgeting", audience="x", habit="winging"
    ) == "I quit winging my budgeting for a month. Here's what happened"
    assert hook_structure("POV: you finally understand compound interest").fill(topic="ETF investing", audience="x") == (
        "POV: you finally understand ETF investing"
    )


@pytest.mark.parametrize(
    "hook, masked, opening",
    [
        ("5 mistakes busy parents make with meal prep", ("meal prep", "busy parents"), "# mistakes ~"),
        ("Meal prep can be simpler than you think.", ("meal prep",), "~ can be"),
        ("Stop winging your meal prep", ("meal prep", *HABITS), "stop ~ your"),
        ("Stop rushing your meal prep", ("meal prep", *HABITS), "stop ~ your"),
        ("Why does nobody talk about meal prep?", ("meal prep",), "why does nobody"),
        ("Ten ways to save money", (), "# ways to"),
    ],
)
def test_the_opening_template_is_the_first_three_words_with_topic_and_numbers_masked(hook, masked, opening):
    assert opening_template(hook, masked) == opening


@pytest.mark.parametrize(
    "text, fitted",
    [
        ("Most budget family dinners advice is wrong", "Most budget family dinner advice is wrong"),
        ("5 budget family dinners tips", "5 budget family dinner tips"),
        ("Budget Family Dinners Advice That Fits You", "Budget Family Dinner Advice That Fits You"),
        ("Here's why your budget family dinners isn't working yet.", "Here's why your budget family dinners aren't working yet."),
        ("Why Budget Family Dinners Stalls", "Why Budget Family Dinners Stall"),
        # The verb agrees with "week", not with the topic after "of".
        ("A week of budget family dinners looks like this", "A week of budget family dinners looks like this"),
        ("I tried budget family dinners for 30 days", "I tried budget family dinners for 30 days"),
    ],
)
def test_a_plural_topic_describes_a_noun_in_the_singular_and_its_verb_agrees(text, fitted):
    assert fit_topic(text, "budget family dinners") == fitted
    assert fit_topic("Your skincare doesn't have to be perfect", "skincare") == "Your skincare doesn't have to be perfect"
    assert compound_form("productivity systems") == "productivity system" and compound_form("Python") == "Python"


def test_after_this_is_the_best_a_plural_topic_gets_a_head_noun_unless_the_hook_has_one():
    assert hook_structure("This is the best leg exercise you'll ever do").fill(topic="family dinners", audience="x") == (
        "This is the best family dinner routine you'll ever do"
    )
    assert hook_structure("This is the best money habit you'll ever build").fill(topic="family dinners", audience="x") == (
        "This is the best family dinner habit you'll ever build"
    )
