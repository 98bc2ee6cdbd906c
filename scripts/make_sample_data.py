"""Generate the fictional Instagram sample data in sample_data/instagram/ (standard library only).

Run from the repository root:

    python scripts/make_sample_data.py

The output is deterministic: a fixed seed and a fixed reference date mean that running the
script twice produces byte-identical files, so regenerated data shows up in diffs only when
this script changes.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import math
import random
import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEED = 20261101
REFERENCE_DATE = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
WINDOW_DAYS = 90
DEFAULT_OUTPUT_DIR = Path(__file__).resolve().parent.parent / "sample_data" / "instagram"

MIN_FOLLOWERS = 3_000
MAX_FOLLOWERS = 2_000_000
# Instagram media ids start with milliseconds since this moment, shifted left by 23 bits.
INSTAGRAM_EPOCH_MS = 1_314_220_021_721

USERNAME_RE = re.compile(r"^[a-z0-9._]{1,30}$")
SHORTCODE_RE = re.compile(r"^[A-Za-z0-9_-]{11}$")
SENTENCE_END_RE = re.compile(r"[.?!](?:\s|$)")

QUESTION = "question"
NUMBER = "number"
HOW_TO = "how_to"
CONTRARIAN = "contrarian"
STORY = "story"
CURIOSITY = "curiosity"
BOLD_CLAIM = "bold_claim"
STATEMENT = "statement"

# Everyday reels spread over all hook types; the planted outliers lean toward the three types
# that the analysis is expected to discover, without being made of them exclusively.
REGULAR_HOOK_WEIGHTS = {
    QUESTION: 12, NUMBER: 13, HOW_TO: 13, CONTRARIAN: 10,
    STORY: 12, CURIOSITY: 10, BOLD_CLAIM: 10, STATEMENT: 20,
}
OUTLIER_HOOK_WEIGHTS = {
    QUESTION: 27, NUMBER: 25, CURIOSITY: 23, HOW_TO: 7,
    CONTRARIAN: 6, STORY: 5, BOLD_CLAIM: 4, STATEMENT: 3,
}

GENERIC_HOOKS: dict[str, list[str]] = {
    QUESTION: [
        "Why does nobody talk about {topic}?",
        "Are you making this mistake with {topic}?",
        "What actually happens when you {action}?",
        "Are {hyped} really worth the hype?",
        "Why do {audience} struggle so much with {topic}?",
    ],
    NUMBER: [
        "{n} mistakes {audience} make with {topic}",
        "{n} ways to {goal} without {constraint}",
        "{n} things I wish I knew about {topic} sooner",
        "{n} signs you're getting {topic} wrong",
    ],
    HOW_TO: [
        "How to {goal} without {constraint}",
        "How to actually {goal}, step by step",
    ],
    CONTRARIAN: [
        "Stop {habit}.",
        "Unpopular opinion: {hot_take}.",
        "You don't need {constraint} to {goal}.",
    ],
    STORY: [],
    CURIOSITY: [
        "The one thing about {topic} nobody tells you",
        "This changed everything about how I think about {topic}",
        "Nobody tells you this about {topic}…",
        "I wish someone had told me this about {topic} sooner",
    ],
    BOLD_CLAIM: [
        "This is the best advice on {topic} you'll ever get",
    ],
    STATEMENT: [],
}

SHARED_HASHTAGS = ["reels", "viral", "explorepage", "reelsinstagram", "fyp", "trending"]
HOOK_EMOJIS = ["🔥", "👇", "😅", "💡", "✅", "🤯"]
CALLS_TO_ACTION = [
    "Save this for later 📌",
    "Send this to someone who needs it.",
    "Follow for part two.",
    "Comment 'GUIDE' and I'll send you the full list.",
]
SPOKEN_BRIDGES = [
    "Let me show you what I mean.",
    "Here's the thing.",
    "Stay with me for a second.",
    "I tested this so you don't have to.",
]
SPOKEN_CLOSERS = [
    "Follow for more like this.",
    "Save this so you don't forget it.",
    "Tell me in the comments if you want part two.",
    "Try it this week and let me know how it goes.",
]
# Only hooks opening with one of these words get a spoken lead-in ("So, why does …"), because
# lower-casing a proper noun or "I" would read wrong.
LEAD_IN_SAFE_WORDS = {"Why", "What", "How", "This", "The", "Stop", "You", "Nobody", "Is", "Are", "Last", "My"}
SPOKEN_LEAD_INS = ["", "Okay, ", "So, ", "Real quick: "]


@dataclass(frozen=True)
class Niche:
    key: str
    label: str
    business_category: str
    topics: list[str]
    hyped: list[str]
    audiences: list[str]
    goals: list[str]
    constraints: list[str]
    actions: list[str]
    habits: list[str]
    hot_takes: list[str]
    stories: list[str]
    bold_claims: list[str]
    statements: list[str]
    how_tos: list[str]
    tips: list[str]
    hashtags: list[str]
    bios: list[str]


@dataclass(frozen=True)
class Account:
    username: str
    full_name: str
    niche: str
    private: bool = False


NICHES: dict[str, Niche] = {
    niche.key: niche
    for niche in [
        Niche(
            key="fitness",
            label="Fitness",
            business_category="Fitness Trainer",
            topics=["squats", "protein", "cardio", "rest days", "creatine", "mobility", "deadlifts",
                    "progressive overload", "warm-ups", "sleep and recovery"],
            hyped=["cold plunges", "pre-workout drinks", "protein bars", "weighted vests", "creatine gummies"],
            audiences=["beginners", "busy parents", "people over 30", "home gym lifters"],
            goals=["build muscle", "lose fat without losing strength", "get your first pull-up",
                   "fix your posture", "run a faster 5k"],
            constraints=["a gym membership", "fancy equipment", "two-hour workouts", "counting every calorie"],
            actions=["do 100 push-ups every day for 30 days", "walk 10,000 steps every day for a month",
                     "stretch for 10 minutes every morning", "eat 150 g of protein every day"],
            habits=["skipping your warm-up", "training to failure on every set",
                    "doing endless crunches for abs", "copying your favourite influencer's split"],
            hot_takes=["cardio won't kill your gains", "you don't need a six-day split",
                       "most supplements are a waste of money", "soreness is not a sign of a good workout"],
            stories=["I quit my desk job to coach full time. Here's what happened.",
                     "Last year I couldn't do a single pull-up.",
                     "Two years ago I hurt my back deadlifting, and this is what fixed it",
                     "I trained fasted for 60 days so you don't have to",
                     "My client lost 12 kg without giving up pizza"],
            bold_claims=["This is the best leg exercise you'll ever do",
                         "This 20-minute workout beats an hour on the treadmill",
                         "The only warm-up routine you'll ever need"],
            statements=["Full leg day with me", "Tuesday upper body session", "What I eat after training",
                        "Form check: Romanian deadlift", "Sunday long run"],
            how_tos=["How to get your first pull-up in 8 weeks", "How to warm up for heavy squats in 5 minutes"],
            tips=["Start with a weight you can control for 8 clean reps.",
                  "Add one rep or a little weight every week, that's progressive overload.",
                  "Protein at every meal makes recovery so much easier.",
                  "Sleep is the most underrated performance enhancer.",
                  "Film your sets, form breaks down before you notice it.",
                  "Rest 2-3 minutes between heavy sets, it's not lazy.",
                  "Walk after meals, your digestion and your step count will thank you."],
            hashtags=["fitness", "gymtok", "workout", "strengthtraining", "fitnesstips", "gymmotivation",
                      "homeworkout", "legday", "fitnessjourney", "personaltrainer", "mobility", "protein"],
            bios=["Strength coach 🏋️ Helping busy people get strong\nFree 4-week plan 👇",
                  "Certified PT | Lifting since 2014\nProgramming, form tips and zero fads",
                  "Run. Lift. Recover. Repeat.\nCoaching spots open monthly"],
        ),
        Niche(
            key="cooking",
            label="Cooking",
            business_category="Chef",
            topics=["cast iron pans", "meal prep", "sourdough", "knife skills", "seasoning", "weeknight dinners",
                    "pasta water", "spice blends", "food waste", "batch cooking"],
            hyped=["air fryers", "fancy olive oils", "non-stick pans", "sous vide machines", "pasta makers"],
            audiences=["beginner cooks", "busy parents", "students", "people cooking for one"],
            goals=["cook faster on weeknights", "make restaurant-style pasta at home", "stop wasting groceries",
                   "bake bread that actually rises", "season food properly"],
            constraints=["a fancy kitchen", "expensive ingredients", "a stand mixer", "hours of prep"],
            actions=["cook every meal at home for a month", "bake bread every weekend for 8 weeks",
                     "use up every leftover for two weeks", "cook only with cast iron for 30 days"],
            habits=["rinsing your pasta", "crowding the pan", "using dull knives", "adding oil to pasta water"],
            hot_takes=["garlic powder has its place", "you don't need to rinse rice every time",
                       "most recipes undersalt on purpose", "frozen vegetables are often better than fresh"],
            stories=["I quit my restaurant job to cook at home full time. Here's what happened.",
                     "Last year I could barely boil an egg.",
                     "I cooked every meal at home for 30 days and saved more than I expected",
                     "My grandmother's one rule for soup changed how I cook",
                     "I burned this recipe six times before it worked"],
            bold_claims=["This is the best pasta you'll ever make",
                         "This 15-minute dinner beats any takeaway",
                         "The only sourdough recipe you'll ever need"],
            statements=["Sunday meal prep with me", "What's for dinner tonight", "Making focaccia from scratch",
                        "Cleaning out the fridge", "Lunch for the week"],
            how_tos=["How to make crispy rice in one pan", "How to chop an onion without crying"],
            tips=["Salt the pasta water well, it's your only chance to season the pasta itself.",
                  "Let the pan get properly hot before the food goes in.",
                  "Save a cup of pasta water before you drain.",
                  "Taste as you go, not only at the end.",
                  "A squeeze of lemon fixes most flat-tasting dishes.",
                  "Prep everything before you turn on the heat.",
                  "Freeze herbs in oil so nothing goes to waste."],
            hashtags=["cooking", "recipes", "easyrecipes", "homecooking", "foodie", "dinnerideas", "mealprep",
                      "pasta", "sourdough", "foodtok", "cookingtips", "weeknightdinner"],
            bios=["Home cook, ex line cook 🍳\nEasy dinners in 30 minutes or less",
                  "Recipes that actually work\nNew video every Tuesday and Friday",
                  "Feeding a family of five on a budget\nRecipes 👇"],
        ),
        Niche(
            key="personal_finance",
            label="Personal finance",
            business_category="Financial Service",
            topics=["emergency funds", "index funds", "credit scores", "budgeting", "compound interest",
                    "high-yield savings", "retirement accounts", "lifestyle creep", "side income", "debt payoff"],
            hyped=["crypto coins", "budgeting apps", "cash stuffing envelopes", "real estate courses",
                   "dividend stocks"],
            audiences=["people in their 20s", "first-time investors", "couples", "freelancers"],
            goals=["save your first $10k", "pay off debt faster", "start investing with $100",
                   "build an emergency fund", "stop living paycheck to paycheck"],
            constraints=["a six-figure salary", "a financial advisor", "giving up coffee", "a complicated spreadsheet"],
            actions=["track every expense for 30 days", "invest $10 a day for a year",
                     "go a month without takeout", "check your bank balance every morning for a month"],
            habits=["paying for subscriptions you don't use", "keeping all your savings in a checking account",
                    "trying to time the market", "using credit cards for cash flow"],
            hot_takes=["buying a house isn't always the smart move", "your latte isn't why you're broke",
                       "paying off low-interest debt early can be a mistake",
                       "most people don't need a financial advisor"],
            stories=["I paid off $38k of debt in 2 years. Here's exactly how.",
                     "Last year I had $0 in savings.",
                     "I quit my job with 8 months of expenses saved",
                     "I tracked every dollar for 90 days and this surprised me",
                     "My parents never talked about money, so I learned the hard way"],
            bold_claims=["This is the best money habit you'll ever build",
                         "This one account beats any savings hack",
                         "The only budget template you'll ever need"],
            statements=["My monthly budget breakdown", "Payday routine", "Net worth update",
                        "Grocery haul under $60", "October spending recap"],
            how_tos=["How to build a budget that actually sticks", "How to read your credit report in 5 minutes"],
            tips=["Automate the transfer on payday so saving isn't a decision.",
                  "Start with one month of expenses, then build to three.",
                  "Low-cost index funds beat most stock pickers over time.",
                  "Check your subscriptions every quarter.",
                  "Pay yourself first, then spend what's left.",
                  "Your savings rate matters more than your returns at the start.",
                  "Keep the emergency fund boring and easy to reach."],
            hashtags=["personalfinance", "moneytips", "budgeting", "investing", "financialfreedom", "savingmoney",
                      "debtfree", "moneytok", "indexfunds", "financetips", "frugalliving", "wealthbuilding"],
            bios=["Money tips without the jargon 💸\nNot financial advice",
                  "Paid off $38k, now teaching you how\nFree budget template 👇",
                  "Index funds, budgets and boring wealth\nNewsletter every Sunday"],
        ),
        Niche(
            key="travel",
            label="Travel",
            business_category="Travel & Transportation",
            topics=["carry-on packing", "travel insurance", "budget airlines", "slow travel", "train travel",
                    "hostels", "jet lag", "travel credit cards", "overtourism", "solo travel"],
            hyped=["points and miles", "influencer hotspots", "packing cubes", "business class deals",
                   "all-inclusive resorts"],
            audiences=["first-time travellers", "solo travellers", "families", "digital nomads"],
            goals=["travel carry-on only", "find cheap flights", "beat jet lag", "plan a trip in one evening",
                   "travel Europe on a budget"],
            constraints=["a huge budget", "a travel agent", "checking a bag", "weeks off work"],
            actions=["travel for a month with only a carry-on", "take only trains across Europe",
                     "stay in hostels for 30 nights", "book nothing in advance for two weeks"],
            habits=["exchanging money at the airport", "overpacking just in case",
                    "planning every hour of your trip", "booking the cheapest flight without checking the fees"],
            hot_takes=["Paris is overrated", "travel insurance is not optional",
                       "the cheapest flight is rarely the best deal",
                       "you see more by staying longer in fewer places"],
            stories=["I quit my job to travel for a year. Here's what happened.",
                     "Last year I missed a flight and it saved my whole trip",
                     "I spent 30 days in Japan with one backpack",
                     "I got scammed in my first week abroad",
                     "I booked a one-way ticket with no plan"],
            bold_claims=["This is the best hidden beach you'll ever visit",
                         "This train ride beats any flight in Europe",
                         "The only packing list you'll ever need"],
            statements=["A day in Lisbon", "Packing for two weeks in Vietnam", "Hotel room tour",
                        "Morning in the Dolomites", "Airport day"],
            how_tos=["How to pack two weeks into one carry-on", "How to beat jet lag in 24 hours"],
            tips=["Book the first train of the day, the crowds arrive by ten.",
                  "Download offline maps before you land.",
                  "Pack for one week, then do laundry.",
                  "Keep a copy of your passport in the cloud.",
                  "Eat one street away from the main square.",
                  "Set your watch to local time the moment you board.",
                  "Shoulder season is the sweet spot for prices and crowds."],
            hashtags=["travel", "traveltips", "wanderlust", "travelgram", "solotravel", "budgettravel", "carryon",
                      "europetravel", "traveltok", "backpacking", "slowtravel", "hiddengems"],
            bios=["42 countries, one carry-on ✈️\nBudget travel guides 👇",
                  "Slow travel and train journeys\nBased nowhere in particular",
                  "Travel smarter, not richer\nGuides and packing lists below"],
        ),
        Niche(
            key="tech",
            label="Tech & gadgets",
            business_category="Science, Technology & Engineering",
            topics=["desk setups", "mechanical keyboards", "phone batteries", "smart home gadgets",
                    "password managers", "USB-C chargers", "budget laptops", "noise-cancelling headphones",
                    "home Wi-Fi", "cable management"],
            hyped=["foldable phones", "smart rings", "8K TVs", "VR headsets", "AI gadgets"],
            audiences=["students", "remote workers", "creators", "people who hate tech setup"],
            goals=["speed up an old laptop", "build a clean desk setup", "make your phone battery last longer",
                   "fix slow Wi-Fi", "protect your accounts"],
            constraints=["spending a fortune", "a tech degree", "the latest flagship", "a pile of adapters"],
            actions=["use a $200 laptop for a month", "turn off every notification for a week",
                     "go a week without your smartphone", "charge your phone only to 80% for a year"],
            habits=["charging your phone to 100% every night", "using the same password everywhere",
                    "buying the cheapest cable", "ignoring software updates"],
            hot_takes=["you don't need the newest phone", "most people should buy last year's flagship",
                       "smart homes are mostly a hassle", "a good chair matters more than a fast PC"],
            stories=["I quit my IT job to review gadgets full time. Here's what happened.",
                     "Last year I spent $2,000 on a desk setup. Was it worth it?",
                     "I used a $200 laptop for a month",
                     "I went a week without my smartphone",
                     "My phone got stolen and this setting saved me"],
            bold_claims=["This is the best $30 gadget you'll ever buy",
                         "This cheap keyboard beats keyboards three times the price",
                         "The only charger you'll ever need"],
            statements=["Unboxing the new mini PC", "My desk setup, 2026 edition", "What's on my phone",
                        "Testing a budget webcam", "Weekend cable management"],
            how_tos=["How to make any laptop feel faster in 10 minutes",
                     "How to set up a password manager in 5 minutes"],
            tips=["Turn on automatic updates, most hacks use old bugs.",
                  "One good USB-C charger can replace three old bricks.",
                  "Keep your battery between 20 and 80 percent when you can.",
                  "Put your router up high and in the open.",
                  "Use a password manager and a unique password everywhere.",
                  "Buy last year's model when the new one launches.",
                  "Two-factor authentication stops most account takeovers."],
            hashtags=["tech", "gadgets", "techtok", "desksetup", "techtips", "productivitytools", "smarthome",
                      "setup", "unboxing", "techreview", "iphonetips", "pcbuild"],
            bios=["Honest gadget reviews, no sponsors in the verdict 🔌\nDesk setup links 👇",
                  "Tech explained in 60 seconds\nEx sysadmin",
                  "Desk setups, keyboards and cables\nBuild log every week"],
        ),
        Niche(
            key="beauty",
            label="Beauty",
            business_category="Health/Beauty",
            topics=["sunscreen", "retinol", "double cleansing", "curly hair care", "skin barriers", "lash serums",
                    "drugstore dupes", "exfoliation", "night routines", "hair oils"],
            hyped=["jade rollers", "10-step routines", "LED masks", "expensive serums", "collagen drinks"],
            audiences=["beginners", "people with oily skin", "curly-haired girls", "people over 30"],
            goals=["fix a damaged skin barrier", "make your makeup last all day", "define your curls",
                   "fade dark spots", "build a simple skincare routine"],
            constraints=["a 10-step routine", "expensive products", "a salon visit", "a full makeup bag"],
            actions=["wear sunscreen every single day for a month", "sleep on a silk pillowcase for 30 days",
                     "use only drugstore products for 60 days", "skip foundation for a month"],
            habits=["over-exfoliating", "sleeping in your makeup", "skipping sunscreen on cloudy days",
                    "brushing curly hair dry"],
            hot_takes=["you don't need a toner", "expensive skincare is mostly packaging",
                       "most people use too many products",
                       "sunscreen is the only anti-aging product that matters"],
            stories=["I quit my salon job to teach curly hair care. Here's what happened.",
                     "Last year my skin barrier was completely destroyed",
                     "I used only drugstore products for 60 days",
                     "I stopped wearing foundation for a month",
                     "My dermatologist told me one thing that changed my routine"],
            bold_claims=["This is the best drugstore sunscreen you'll ever try",
                         "This $9 serum beats my $80 one",
                         "The only night routine you'll ever need"],
            statements=["Get ready with me", "My morning skincare routine", "Wash day", "Empties from this month",
                        "Trying a new lip combo"],
            how_tos=["How to apply sunscreen under makeup without pilling", "How to refresh second-day curls"],
            tips=["Apply sunscreen as the last step of your morning routine.",
                  "Introduce one new product at a time.",
                  "Retinol at night, sunscreen in the morning, always.",
                  "Patch test behind your ear first.",
                  "Moisturise on damp skin to lock in hydration.",
                  "Less product, more consistency.",
                  "Scrunch out the crunch once your curls are fully dry."],
            hashtags=["skincare", "beauty", "skincareroutine", "makeup", "grwm", "skintok", "curlyhair",
                      "beautytips", "sunscreen", "drugstoremakeup", "glowingskin", "haircare"],
            bios=["Skincare that respects your budget ✨\nLicensed esthetician",
                  "Curls, routines and honest reviews\nPR-free zone",
                  "Simple routines for real skin\nProduct list 👇"],
        ),
        Niche(
            key="productivity",
            label="Productivity & business",
            business_category="Entrepreneur",
            topics=["time blocking", "deep work", "email", "Notion setups", "morning routines", "pricing",
                    "cold outreach", "delegation", "burnout", "meetings"],
            hyped=["5am routines", "productivity apps", "standing desks", "AI note-takers", "dopamine detoxes"],
            audiences=["freelancers", "founders", "remote workers", "small business owners"],
            goals=["get more done before lunch", "land your first client", "raise your prices",
                   "stop procrastinating", "run shorter meetings"],
            constraints=["working 12-hour days", "an expensive app", "a big team", "a business degree"],
            actions=["time-block your whole week for a month", "check email only twice a day for 30 days",
                     "wake up at 5am for 30 days", "say no to every meeting for a week"],
            habits=["checking email first thing in the morning", "saying yes to every meeting", "multitasking",
                    "charging by the hour"],
            hot_takes=["to-do lists make you less productive", "hustle culture is bad business",
                       "most meetings should be emails", "you should raise your prices today"],
            stories=["I quit my job to start a one-person business. Here's what happened.",
                     "Last year I worked 70-hour weeks and earned less",
                     "I tried time blocking for 90 days",
                     "My first client paid me $50, my latest paid $5,000",
                     "I deleted every productivity app for a month"],
            bold_claims=["This is the best productivity system you'll ever use",
                         "This one email template beats any sales course",
                         "The only Notion template you'll ever need"],
            statements=["How I plan my week", "Day in the life of a solopreneur", "My Monday reset",
                        "Inbox zero session", "Office tour"],
            how_tos=["How to plan your week in 20 minutes", "How to write a cold email that gets replies"],
            tips=["Block your first two hours for the work that matters.",
                  "Batch similar tasks together.",
                  "Price on value, not on hours.",
                  "Turn off notifications during focus blocks.",
                  "A weekly review keeps small things from piling up.",
                  "Write the agenda before you book the meeting.",
                  "Follow up, most deals close after the third message."],
            hashtags=["productivity", "entrepreneur", "smallbusiness", "worksmarter", "timemanagement",
                      "solopreneur", "businesstips", "notion", "freelancer", "startup", "focus", "mindset"],
            bios=["Solo business, no burnout 📈\nFree weekly planner 👇",
                  "Systems for freelancers and founders\nConsulting: link below",
                  "Work less, ship more\nNotion templates and a Friday newsletter"],
        ),
        Niche(
            key="comedy",
            label="Comedy & lifestyle",
            business_category="Comedian",
            topics=["roommates", "Monday mornings", "group chats", "adulting", "family dinners", "online dating",
                    "office small talk", "grocery shopping", "weekend plans", "coffee orders"],
            hyped=["self-care Sundays", "5am morning routines", "wellness retreats", "gratitude journals",
                   "viral recipes"],
            audiences=["introverts", "millennials", "roommates", "people with older siblings"],
            goals=["survive a family dinner", "leave a party early", "reply to a group chat",
                   "pretend you're a morning person", "win every argument with your roommate"],
            constraints=["a personality", "a plan", "any social skills", "a single clean mug"],
            actions=["say yes to everything for a week", "reply to every text within an hour for a week",
                     "act like a morning person for 7 days", "let your mom plan your weekend"],
            habits=["pretending you read the group chat", "saying 'we should hang out' and never meaning it",
                    "replying 'haha' to everything", "eating dinner over the sink"],
            hot_takes=["brunch is just an expensive breakfast", "voice notes should be illegal",
                       "cancelled plans are the best plans", "pineapple belongs on pizza"],
            stories=["I quit my job to make comedy videos. Here's what happened.",
                     "Last year my roommate adopted a goose",
                     "I said yes to everything for a week",
                     "My mom joined my group chat by accident",
                     "I tried being a morning person for 30 days"],
            bold_claims=["This is the best excuse you'll ever use to leave a party",
                         "This is the most relatable video you'll see today",
                         "The only roommate rule you'll ever need"],
            statements=["When your alarm goes off on a Monday", "Me at every family dinner", "POV: it's Sunday night",
                        "Grocery shopping when you're hungry", "Weekend plans vs reality"],
            how_tos=["How to leave a party without saying goodbye", "How to survive your first week at a new job"],
            tips=["Tag the friend who does this.",
                  "Part 2 if this gets weird enough.",
                  "Based on a true story, sadly.",
                  "My roommate has not forgiven me.",
                  "Every single time.",
                  "Send this to the group chat.",
                  "No notes, just vibes."],
            hashtags=["comedy", "relatable", "funny", "lifestyle", "skit", "roommates", "adulting", "humor",
                      "dailyvlog", "pov", "memes", "funnyvideos"],
            bios=["Professionally awkward 🙃\nNew skits every Mon/Thu",
                  "Sketches about roommates, family and bad decisions\nBookings 👇",
                  "Making your group chat funnier since 2021"],
        ),
    ]
}

ACCOUNTS: list[Account] = [
    Account("fit_with_mara", "Mara Lindqvist", "fitness"),
    Account("liftwithjonah", "Jonah Okafor", "fitness"),
    Account("coach.priya.moves", "Priya Raman", "fitness"),
    Account("kettlebell_kev", "Kevin Doyle", "fitness"),
    Account("runwithsana", "Sana Haddad", "fitness"),
    Account("chef.tomas", "Tomás Echeverría", "cooking"),
    Account("weeknight.wok", "Lin Zhao", "cooking"),
    Account("sourdough_sadie", "Sadie Fairbanks", "cooking"),
    Account("plantplate.lena", "Lena Brunner", "cooking"),
    Account("grillmaster_ade", "Adewale Bankole", "cooking"),
    Account("budget.with.bree", "Bree Castellano", "personal_finance"),
    Account("money_mondays_mo", "Mohammed Aziz", "personal_finance"),
    Account("indexfund_ivan", "Ivan Petrov", "personal_finance", private=True),
    Account("debtfree.daniela", "Daniela Ruiz", "personal_finance"),
    Account("wander.with.wes", "Wes Hartley", "travel"),
    Account("carryon_claire", "Claire Dubois", "travel"),
    Account("slowtravel.kai", "Kai Nakamura", "travel"),
    Account("passport.and.pho", "Minh Tran", "travel"),
    Account("gadget.gus", "Gus Alvarez", "tech"),
    Account("desk_setup_dani", "Dani Kowalski", "tech"),
    Account("techtalk.tara", "Tara Whitfield", "tech"),
    Account("pixel_and_port", "Ravi Menon", "tech"),
    Account("buildlog.noor", "Noor Saleh", "tech"),
    Account("glow_by_gia", "Gia Moretti", "beauty"),
    Account("skinfacts.sam", "Samira Johansson", "beauty"),
    Account("lashlab.lucia", "Lucia Ferreira", "beauty", private=True),
    Account("curls.by.cam", "Camille Osei", "beauty"),
    Account("focus.with.felix", "Felix Baumann", "productivity"),
    Account("solopreneur.sol", "Sol Navarro", "productivity"),
    Account("notion_nadia", "Nadia Karimi", "productivity"),
    Account("ops.by.omar", "Omar Farouk", "productivity"),
    Account("pitchdeck.pia", "Pia Sorensen", "productivity"),
    Account("roommate_chronicles", "Theo & Jules", "comedy"),
    Account("dadjokes.dev", "Marcus Bell", "comedy"),
    Account("awkward.anya", "Anya Volkova", "comedy"),
    Account("sunday.scaries.sid", "Sid Mehta", "comedy"),
]


def _log_uniform_followers(stratum: int, strata: int, rng: random.Random) -> int:
    # Stratified, so the 36 accounts always cover the whole range instead of bunching by chance.
    low, high = math.log(MIN_FOLLOWERS), math.log(MAX_FOLLOWERS)
    position = (stratum + rng.random()) / strata
    return round(math.exp(low + position * (high - low)))


def _media_id(posted_at: dt.datetime, rng: random.Random) -> int:
    milliseconds = int(posted_at.timestamp() * 1000)
    return ((milliseconds - INSTAGRAM_EPOCH_MS) << 23) | (rng.randrange(8192) << 10) | rng.randrange(1024)


def _shortcode(media_id: int) -> str:
    # Instagram's own encoding (URL-safe base64 of the id), so ids and shortcodes agree.
    encoded = base64.b64encode(media_id.to_bytes(9, "big"), b"-_").decode()
    return encoded.lstrip("A")


def _timestamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _hook(niche: Niche, hook_type: str, rng: random.Random) -> str:
    templates = list(GENERIC_HOOKS[hook_type])
    if hook_type == STORY:
        templates += niche.stories
    elif hook_type == BOLD_CLAIM:
        templates += niche.bold_claims
    elif hook_type == STATEMENT:
        templates += niche.statements
    elif hook_type == HOW_TO:
        templates += niche.how_tos
    slots = {
        "topic": rng.choice(niche.topics),
        "hyped": rng.choice(niche.hyped),
        "audience": rng.choice(niche.audiences),
        "goal": rng.choice(niche.goals),
        "constraint": rng.choice(niche.constraints),
        "action": rng.choice(niche.actions),
        "habit": rng.choice(niche.habits),
        "hot_take": rng.choice(niche.hot_takes),
        "n": rng.choice([3, 3, 4, 5, 5, 5, 7, 10]),
    }
    return rng.choice(templates).format(**slots)


def _spoken_hook(hook: str, rng: random.Random) -> str:
    sentence = hook.rstrip("…").rstrip()
    if sentence[-1] not in ".?!":
        sentence += "."
    first_word = sentence.split(" ", 1)[0].rstrip(":,")
    lead_in = rng.choice(SPOKEN_LEAD_INS) if first_word in LEAD_IN_SAFE_WORDS else ""
    if lead_in:
        sentence = sentence[0].lower() + sentence[1:]
    return lead_in + sentence


def _reel_text(niche: Niche, hook_type: str, username: str, used_hooks: set[str],
               rng: random.Random) -> tuple[str, list[str], str]:
    """Caption, hashtag list and spoken transcript of one reel."""
    hook = _hook(niche, hook_type, rng)
    for _ in range(12):
        if hook not in used_hooks:
            break
        hook = _hook(niche, hook_type, rng)
    used_hooks.add(hook)

    body = rng.sample(niche.tips, rng.randint(1, 2))
    if rng.random() < 0.45:
        body.append(rng.choice(CALLS_TO_ACTION + [f"Follow @{username} for more."]))
    niche_tags = rng.sample(niche.hashtags, rng.randint(4, 8))
    shared_tags = rng.sample(SHARED_HASHTAGS, rng.randint(1, 2))
    hashtags = niche_tags + shared_tags
    shown_hook = hook + (" " + rng.choice(HOOK_EMOJIS) if rng.random() < 0.2 else "")
    caption = "\n".join([shown_hook, *body]) + "\n\n" + " ".join(f"#{tag}" for tag in hashtags)

    spoken = [_spoken_hook(hook, rng)]
    # Story hooks can be two sentences long; the transcript still stays within five.
    hook_sentences = len(SENTENCE_END_RE.findall(spoken[0]))
    extra_sentences = rng.randint(1, 5 - hook_sentences)
    pool = [tip for tip in niche.tips if tip not in body] + [rng.choice(SPOKEN_BRIDGES)]
    middle = rng.sample(pool, min(extra_sentences, len(pool)))
    if extra_sentences >= 2 and rng.random() < 0.6:
        middle[-1] = rng.choice(SPOKEN_CLOSERS)
    transcript = " ".join(spoken + middle)
    return caption, hashtags, transcript


def build_account(account: Account, stratum: int, strata: int) -> dict[str, Any]:
    """The full {"profile": …, "reels": […]} document of one fictional account."""
    rng = random.Random(f"{SEED}:{account.username}")
    niche = NICHES[account.niche]

    followers = _log_uniform_followers(stratum, strata, rng)
    verified = (followers > 400_000 and rng.random() < 0.75) or (followers > 100_000 and rng.random() < 0.2)
    is_business = rng.random() < 0.65
    slug = re.sub(r"[._]+", "-", account.username)
    profile: dict[str, Any] = {
        "id": str(rng.randrange(1_000_000_000, 70_000_000_000)),
        "username": account.username,
        "fullName": account.full_name,
        "biography": rng.choice(niche.bios),
        "followersCount": followers,
        "followsCount": rng.randint(80, 1_400),
        "postsCount": 0,
        "verified": verified,
        "private": account.private,
        "isBusinessAccount": is_business,
        "businessCategoryName": niche.business_category if is_business else None,
        # Sample accounts have no pictures; an invented CDN address would only produce broken images.
        "profilePicUrl": "",
        "externalUrl": f"https://example.com/{slug}" if rng.random() < 0.6 else None,
    }
    if account.private:
        profile["postsCount"] = rng.randint(40, 600)
        return {"profile": profile, "reels": []}

    reel_count = rng.randint(24, 40)
    profile["postsCount"] = reel_count + rng.randint(40, 900)
    median_views = followers * math.exp(rng.uniform(math.log(0.05), math.log(0.6)))
    engagement = rng.uniform(0.03, 0.07)
    comment_rate = rng.uniform(0.02, 0.045)
    favourite_hours = rng.sample(range(6, 23), rng.randint(2, 3))

    days_back = sorted(rng.sample(range(WINDOW_DAYS), reel_count), reverse=True)
    moments = []
    for day in days_back:
        hour = int(_clamp(rng.choice(favourite_hours) + round(rng.gauss(0, 0.8)), 0, 23))
        day_start = REFERENCE_DATE - dt.timedelta(days=day + 1)
        moments.append(day_start + dt.timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60)))

    # Reels younger than three days are still collecting views, so they never host a planted outlier.
    settled = [i for i, moment in enumerate(moments) if (REFERENCE_DATE - moment).days >= 3]
    outliers = rng.sample(settled, rng.randint(2, 4))
    outlier_factor = {index: rng.uniform(3.0, 15.0) for index in outliers}
    outlier_factor[outliers[0]] = rng.uniform(6.0, 15.0)
    pinned = set(range(rng.randint(0, 2)))

    reels = []
    used_hooks: set[str] = set()
    for index, posted_at in enumerate(moments):
        is_outlier = index in outlier_factor
        weights = OUTLIER_HOOK_WEIGHTS if is_outlier else REGULAR_HOOK_WEIGHTS
        hook_type = rng.choices(list(weights), weights=list(weights.values()))[0]
        caption, hashtags, transcript = _reel_text(niche, hook_type, account.username, used_hooks, rng)

        if is_outlier:
            views = median_views * outlier_factor[index]
        else:
            views = median_views * rng.lognormvariate(0.0, 0.6)
        age_days = (REFERENCE_DATE - posted_at).total_seconds() / 86_400
        if age_days < 3:
            views *= 0.45 + 0.55 * age_days / 3
        view_count = max(int(views), 50)
        likes = int(view_count * _clamp(engagement * rng.lognormvariate(0.0, 0.25), 0.02, 0.09))
        question_boost = 1.3 if hook_type == QUESTION else 1.0
        comments = int(likes * _clamp(comment_rate * question_boost * rng.lognormvariate(0.0, 0.3), 0.015, 0.06))

        media_id = _media_id(posted_at, rng)
        shortcode = _shortcode(media_id)
        reel: dict[str, Any] = {
            "id": str(media_id),
            "type": "Video",
            "productType": "clips",
            "shortCode": shortcode,
            "url": f"https://www.instagram.com/reel/{shortcode}/",
            "caption": caption,
            "hashtags": hashtags,
            "timestamp": _timestamp(posted_at),
            "likesCount": likes,
            "commentsCount": comments,
            "videoViewCount": view_count,
            "videoPlayCount": int(view_count * rng.uniform(1.2, 1.8)),
            "videoDuration": round(7 + 83 * rng.betavariate(1.4, 3.0), 3),
            "isPinned": index in pinned,
            "ownerUsername": account.username,
            "transcript": transcript,
        }
        # The reel scraper omits play counts on some items; consumers must fall back to views.
        if rng.random() < 0.15:
            del reel["videoPlayCount"]
        reels.append(reel)

    # Newest first, the order the reel scraper returns.
    reels.reverse()
    return {"profile": profile, "reels": reels}


def _check(document: dict[str, Any]) -> None:
    """Fail loudly if a generated document breaks a promise made in the README."""
    username = document["profile"]["username"]
    problems = []
    if not USERNAME_RE.fullmatch(username):
        problems.append("username does not look like an Instagram username")
    for reel in document["reels"]:
        if not SHORTCODE_RE.fullmatch(reel["shortCode"]):
            problems.append(f"shortcode {reel['shortCode']!r} is not 11 URL-safe characters")
        if not 7 <= reel["videoDuration"] <= 90:
            problems.append(f"reel {reel['shortCode']} lasts {reel['videoDuration']} s")
    if document["reels"]:
        views = [reel.get("videoPlayCount", reel["videoViewCount"]) for reel in document["reels"]]
        if max(views) < 3 * statistics.median(views):
            problems.append("views are not heavy-tailed (max < 3 x median)")
    if problems:
        raise ValueError(f"generated @{username} is wrong: " + "; ".join(problems))


def _format_count(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f}M"
    if count >= 1_000:
        return f"{count / 1_000:.1f}k"
    return str(count)


def render_readme(documents: list[tuple[Account, dict[str, Any]]]) -> str:
    """README.md of the sample folder, with the account table."""
    reel_total = sum(len(document["reels"]) for _, document in documents)
    lines = [
        "# GENERATED SAMPLE DATA — fictional accounts, not real Instagram data",
        "",
        "Every account, number, caption and transcript in this folder is invented by",
        "`scripts/make_sample_data.py`. None of it was scraped from Instagram, and any resemblance",
        "of a username to a real account is accidental. Use it for demos, development and tests only.",
        "",
        "Regenerate (deterministic: fixed seed, reference date 2026-11-01T00:00:00Z):",
        "",
        "```",
        "python scripts/make_sample_data.py",
        "```",
        "",
        "Do not edit the JSON files by hand; change the script and regenerate instead.",
        "",
        "## Format",
        "",
        "One file per account, `<username>.json`, shaped `{\"profile\": {...}, \"reels\": [...]}`.",
        "",
        "- `profile` uses the field names of Apify's instagram-profile-scraper: `username`, `fullName`,",
        "  `biography`, `followersCount`, `followsCount`, `postsCount`, `verified`, `private`,",
        "  `isBusinessAccount`, `businessCategoryName`, `profilePicUrl` (empty: sample accounts have no",
        "  pictures), `externalUrl`, `id`.",
        "- each item of `reels` uses the field names of Apify's instagram-reel-scraper: `id`, `type`,",
        "  `productType`, `shortCode`, `url`, `caption`, `hashtags`, `timestamp`, `likesCount`,",
        "  `commentsCount`, `videoViewCount`, `videoPlayCount`, `videoDuration`, `isPinned`,",
        "  `ownerUsername`. Reels are stored newest first. `videoPlayCount` is absent on about 15 % of",
        "  reels, as it sometimes is in real scraper output.",
        "- `transcript` is **our extension**, not an Apify field: 2-5 spoken sentences whose first",
        "  sentence restates the caption's hook.",
        "",
        "Numbers are heavy-tailed on purpose: followers are log-uniform between 3k and 2M, views are",
        "lognormal around a per-account median, and every public account has 2-4 planted viral",
        "outliers at 3-15x its median, whose hooks lean toward questions, numbered lists and",
        "curiosity gaps. Private accounts have `\"private\": true` and no reels.",
        "",
        f"## Accounts ({len(documents)} accounts, {reel_total} reels)",
        "",
        "| Username | Niche | Followers | Reels | Note |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for account, document in documents:
        profile = document["profile"]
        note = "private" if profile["private"] else ""
        lines.append(
            f"| `{account.username}` | {NICHES[account.niche].label} | "
            f"{_format_count(profile['followersCount'])} | {len(document['reels'])} | {note} |"
        )
    return "\n".join(lines) + "\n"


def write_sample_data(output_dir: Path) -> list[tuple[Account, dict[str, Any]]]:
    """Write every account file and the README into `output_dir`; return what was written."""
    output_dir.mkdir(parents=True, exist_ok=True)
    strata = list(range(len(ACCOUNTS)))
    random.Random(SEED).shuffle(strata)
    documents = []
    for account, stratum in zip(ACCOUNTS, strata):
        document = build_account(account, stratum, len(ACCOUNTS))
        _check(document)
        documents.append((account, document))

    expected = {f"{account.username}.json" for account in ACCOUNTS}
    # Files of accounts removed from the list would otherwise linger as orphaned sample data.
    for stale in output_dir.glob("*.json"):
        if stale.name not in expected:
            stale.unlink()
    for account, document in documents:
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        (output_dir / f"{account.username}.json").write_text(text, encoding="utf-8")
    (output_dir / "README.md").write_text(render_readme(documents), encoding="utf-8")
    return documents


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR,
                        help="where to write the files (default: sample_data/instagram in the repository)")
    args = parser.parse_args(argv)
    documents = write_sample_data(args.output_dir)
    reel_total = sum(len(document["reels"]) for _, document in documents)
    private = sum(1 for _, document in documents if document["profile"]["private"])
    print(f"Wrote {len(documents)} accounts ({private} private) and {reel_total} reels to {args.output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
