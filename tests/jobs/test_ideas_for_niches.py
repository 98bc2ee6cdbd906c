"""The offline ideas composer on briefs from five niches: cited sources, kept hook structures, varied openings.

Each brief is what the analysis hands the composer: a creator's content strategy and the outlier
reels of several competitors, best first, with hooks in the shapes real captions take.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.providers.llm.base import ContentIdea, IdeasBrief, IdeaSource
from jobs.providers.llm.offline import OfflineWriter
from jobs.providers.llm.hook_frames import compound_form, hook_structure
from jobs.providers.llm.offline_ideas import HABITS, opening_template, read_strategy
from support.idea_sources import outlier_reel as reel


@dataclasses.dataclass(frozen=True)
class Niche:
    strategy: dict
    outliers: tuple[IdeaSource, ...]
    topic: str  # the main topic the composer should read from the strategy
    audience: str


NICHES = {
    "fitness": Niche(
        strategy={
            "contentType": "Strength training for women over 40",
            "targetAudience": "Women over 40 who are new to lifting",
            "goals": "Grow my audience and sell my coaching program",
            "additionalNotes": "I train at home with dumbbells.",
        },
        outliers=(
            reel("liftwithlena", "C1Lena00001", "5 mistakes killing your deadlift 💀", "number_list", 11.2),
            reel("coachdre.fit", "C2Dre000001", "Stop stretching before you run", "contrarian", 9.1),
            reel("mobility.max", "C3Max000001", "Nobody tells you this about protein after 40", "curiosity_gap", 7.4),
            reel("liftwithlena", "C1Lena00002", "I quit cardio for 30 days, here's what happened", "story", 6.8),
            reel("gymbro.greg", "C4Greg00001", "Why does your lower back hurt after squats?", "question", 5.6),
            reel("coachdre.fit", "C2Dre000002", "The only ab exercise you actually need", "bold_claim", 4.9),
            reel("mobility.max", "C3Max000002", "How to fix your posture in 2 minutes a day", "how_to", 4.2),
            reel("gymbro.greg", "C4Greg00002", "You don't need a gym to get strong", "contrarian", 3.7),
        ),
        topic="strength training",
        audience="women over 40",
    ),
    "cooking": Niche(
        strategy={
            "contentType": "Budget family dinners",
            "targetAudience": "Busy parents who cook on weeknights",
            "goals": "Get more saves and shares",
            "additionalNotes": "",
        },
        outliers=(
            reel("pastaqueen", "K1Pasta0001", "3 pasta sauces that taste like a restaurant", "number_list", 12.0),
            reel("chef.tomas", "K2Tomas0001", "Are you making this mistake with pasta water?", "question", 9.3),
            reel("airfryer.amy", "K3Amy000001", "Stop buying pre-cut vegetables", "contrarian", 8.2),
            reel("weeknight.wok", "K4Wok000001", "The one thing about stir fry nobody tells you", "curiosity_gap", 7.7),
            reel("airfryer.amy", "K3Amy000002", "I spent $50 on groceries for a week of dinners", "story", 6.1),
            reel("pastaqueen", "K1Pasta0002", "The easiest weeknight lasagna you'll ever make", "bold_claim", 5.5),
            reel("chef.tomas", "K2Tomas0002", "5 mistakes home cooks make with chicken breast", "number_list", 4.4),
        ),
        topic="budget family dinners",
        audience="busy parents",
    ),
    "finance": Niche(
        strategy={
            "contentType": "Personal finance for people in their 20s",
            "targetAudience": "Young professionals paying off student loans",
            "goals": "Build trust and grow my newsletter",
            "additionalNotes": "No get-rich-quick stuff.",
        },
        outliers=(
            reel("money.mia", "F1Mia000001", "5 money mistakes keeping you broke", "number_list", 10.3),
            reel("investwithraj", "F2Raj000001", "Nobody tells you this about index funds", "curiosity_gap", 9.0),
            reel("budget.bea", "F3Bea000001", "Stop paying for subscriptions you never use", "contrarian", 8.4),
            reel("money.mia", "F1Mia000002", "I quit buying coffee for a month. Here's what happened", "story", 7.2),
            reel("investwithraj", "F2Raj000002", "Why is nobody talking about high-yield savings accounts?", "question", 6.6),
            reel("budget.bea", "F3Bea000002", "How to build an emergency fund on a small salary", "how_to", 5.1),
            reel("frugal.finn", "F4Finn00001", "3 Mistakes New Investors Make With Index Funds", "number_list", 4.8),
        ),
        topic="personal finance",
        audience="young professionals",
    ),
    "parenting": Niche(
        strategy={
            "contentType": "Gentle parenting tips for toddlers",
            "targetAudience": "First-time parents",
            "goals": "Start conversations in the comments",
            "additionalNotes": "",
        },
        outliers=(
            reel("calm.mama", "P1Calm00001", "3 phrases that stop a toddler tantrum in seconds", "number_list", 13.5),
            reel("dad.explains", "P2Dad000001", "Stop saying good job to your kids", "contrarian", 10.1),
            reel("calm.mama", "P1Calm00002", "My toddler refused vegetables until I tried this", "story", 8.0),
            reel("tinyhumans.tess", "P3Tess00001", "The one bedtime routine that actually works", "bold_claim", 6.9),
            reel("dad.explains", "P2Dad000002", "Why does nobody talk about sibling rivalry?", "question", 6.2),
            reel("tinyhumans.tess", "P3Tess00002", "I stopped yelling at my kids for 30 days", "story", 5.0),
            reel("playful.pia", "P4Pia000001", "5 screen time rules that actually work", "number_list", 4.6),
        ),
        topic="gentle parenting",
        audience="first-time parents",
    ),
    "tech": Niche(
        strategy={
            "contentType": "Python tutorials for beginners",
            "targetAudience": "Beginner programmers switching careers",
            "goals": "Sell my Python course",
            "additionalNotes": "",
        },
        outliers=(
            reel("code.with.kai", "T1Kai000001", "7 VS Code extensions I can't live without", "number_list", 14.0),
            reel("devdiaries", "T2Dev000001", "Stop using print statements to debug", "contrarian", 11.3),
            reel("code.with.kai", "T1Kai000002", "Why is nobody talking about uv?", "question", 9.9),
            reel("techtok.tara", "T3Tara00001", "I automated my job with 20 lines of code", "story", 8.5),
            reel("devdiaries", "T2Dev000002", "The one Git command I use every day", "curiosity_gap", 7.0),
            reel("techtok.tara", "T3Tara00002", "This AI tool replaced my entire workflow", "bold_claim", 6.4),
            reel("stack.sam", "T4Sam000001", "5 mistakes junior devs make with Git", "number_list", 5.3),
        ),
        topic="Python",
        audience="beginner programmers",
    ),
}

# Where a source's structure carries over: the idea it inspires keeps these frame words, in order.
KEPT_FRAMES = [
    ("fitness", "C1Lena00001", "5 mistakes killing your strength training"),
    ("fitness", "C2Dre000001", "Stop {habit} your strength training"),
    ("fitness", "C3Max000001", "Nobody tells you this about strength training after 40"),
    ("fitness", "C1Lena00002", "I quit {habit} my strength training for 30 days, here's what happened"),
    ("cooking", "K2Tomas0001", "Are you making this mistake with budget family dinners?"),
    ("cooking", "K3Amy000002", "I spent $50 on budget family dinners"),
    ("cooking", "K1Pasta0002", "The easiest budget family dinners you'll ever make"),
    ("finance", "F2Raj000001", "Nobody tells you this about personal finance"),
    ("finance", "F3Bea000001", "Stop {habit} your personal finance"),
    ("finance", "F1Mia000002", "I quit {habit} my personal finance for a month. Here's what happened"),
    ("parenting", "P2Dad000001", "Stop {habit} your gentle parenting"),
    ("parenting", "P2Dad000002", "Why does nobody talk about gentle parenting?"),
    ("tech", "T2Dev000001", "Stop {habit} your Python"),
    ("tech", "T1Kai000002", "Why is nobody talking about Python?"),
    ("tech", "T4Sam000001", "5 mistakes beginner programmers make with Python"),
]


def brief_for(niche: str, count: int) -> IdeasBrief:
    spec = NICHES[niche]
    return IdeasBrief(
        primary_username="the.creator",
        content_strategy=spec.strategy,
        count=count,
        outliers=spec.outliers,
        patterns=({"kind": "hook_type", "value": "contrarian", "accounts": 2, "outlier_count": 3, "score": 7.0},),
    )


def compose(niche: str, count: int) -> list[ContentIdea]:
    return OfflineWriter().compose_ideas(brief_for(niche, count))


def masks(niche: str) -> tuple[str, ...]:
    strategy = read_strategy(brief_for(niche, 1))
    return (*strategy.topics, *map(compound_form, strategy.topics), strategy.audience, *HABITS)


ALL_RUNS = [(niche, count) for niche in NICHES for count in (5, 8, 10)]


def test_the_strategy_gives_each_niche_its_topic_and_audience():
    for niche, spec in NICHES.items():
        strategy = read_strategy(brief_for(niche, 1))
        assert (strategy.topics[0], strategy.audience) == (spec.topic, spec.audience), niche


@pytest.mark.parametrize("niche, count", ALL_RUNS)
def test_every_idea_cites_its_reels_by_shortcode_and_multiplier(niche, count):
    for idea in compose(niche, count):
        assert idea.sources
        primary = idea.sources[0]
        assert primary.shortcode and primary.outlier_multiplier > 0
        assert f"@{primary.username}'s reel {primary.shortcode}" in idea.why_it_works
        assert f"({primary.outlier_multiplier:.1f}× its typical views)" in idea.why_it_works
        for other in idea.sources[1:]:
            assert f"{other.shortcode} ({other.outlier_multiplier:.1f}×)" in idea.why_it_works


@pytest.mark.parametrize("niche, count", ALL_RUNS)
def test_no_two_ideas_of_a_run_share_an_opening_template(niche, count):
    ideas = compose(niche, count)
    openings = [opening_template(idea.hook, masks(niche)) for idea in ideas]

    assert len(set(openings)) == count, openings


@pytest.mark.parametrize("niche, count", ALL_RUNS)
def test_every_hook_carries_the_creators_topic_and_reads_as_a_sentence(niche, count):
    spec = NICHES[niche]
    competitor_hooks = {source.hook.lower() for source in spec.outliers}
    for idea in compose(niche, count):
        # A plural topic describes a noun in the singular: "budget family dinner advice".
        assert spec.topic in idea.hook or compound_form(spec.topic) in idea.hook, idea.hook
        assert not idea.hook[:1].islower() and "{" not in idea.hook and "  " not in idea.hook
        assert " a a" not in idea.hook.lower() and " an " + spec.topic[:1] not in idea.hook
        assert idea.hook.lower() not in competitor_hooks


@pytest.mark.parametrize("niche, source_shortcode, expected", KEPT_FRAMES)
def test_a_hook_keeps_the_structure_of_its_source_where_it_carries_over(niche, source_shortcode, expected):
    idea = next(idea for idea in compose(niche, 8) if idea.sources[0].shortcode == source_shortcode)
    source = idea.sources[0]

    if "{habit}" in expected:
        # A habit given up ("Stop stretching …", "I quit sugar …") becomes a habit of the creator's topic.
        before, after = expected.split(" {habit} ")
        assert idea.hook.startswith(before + " ") and idea.hook.endswith(" " + after), idea.hook
        assert idea.hook[len(before) + 1 : -len(after) - 1] in HABITS
    else:
        assert idea.hook == expected
    assert "It keeps that hook's structure" in idea.why_it_works
    assert source.hook.split()[0].lower() == idea.hook.split()[0].lower()


def test_a_hook_whose_wording_does_not_carry_over_gets_an_angle_of_its_own_type():
    ideas = compose("parenting", 8)
    story = next(idea for idea in ideas if idea.sources[0].shortcode == "P1Calm00002")

    assert story.hook_type == "story"
    assert "gentle parenting" in story.hook
    assert "toddler" not in story.hook and "vegetables" not in story.hook
    assert "does not carry over to gentle parenting cleanly" in story.why_it_works


@pytest.mark.parametrize("niche, count", ALL_RUNS)
def test_every_script_outlines_three_to_five_beats_about_the_topic(niche, count):
    spec = NICHES[niche]
    for idea in compose(niche, count):
        beats = idea.script["body"]
        assert 3 <= len(beats) <= 5
        assert idea.script["hook"] == idea.hook and idea.script["call_to_action"]
        assert len(set(beats)) == len(beats)
        # Specific, not filler: the beats speak of the creator's topic and audience and name the source reel.
        assert sum(compound_form(spec.topic) in beat or spec.audience in beat for beat in beats) >= 2, beats
        assert any(idea.sources[0].shortcode in beat for beat in beats)
        assert all(beat.split(":", 1)[0] in {"Setup", "Proof", "Payoff", "Points", "Steps", "Turn", "Reveal",
                                             "Method", "Pacing"} for beat in beats)


def test_a_number_list_outline_counts_what_the_hook_promises():
    idea = next(idea for idea in compose("fitness", 5) if idea.sources[0].shortcode == "C1Lena00001")

    assert idea.script["body"][0].startswith("Setup: Flash all 5 mistakes")
    assert "number 5" in idea.script["body"][2]


def test_ten_ideas_from_one_hook_type_still_open_differently():
    hooks = [
        "5 mistakes killing your deadlift", "7 mistakes beginners make with squats", "3 mistakes ruining your bench press",
        "5 exercises you should never skip", "10 habits of people who never miss a workout", "4 signs you're overtraining",
        "3 ways to grow your glutes", "6 tips for your first pull-up", "5 mistakes runners make with shoes",
        "8 things I wish I knew about lifting",
    ]
    outliers = tuple(reel(f"coach{i % 4}", f"N{i:010d}", hook, "number_list", 10.0 - i / 2) for i, hook in enumerate(hooks))
    brief = dataclasses.replace(brief_for("fitness", 10), outliers=outliers)
    ideas = OfflineWriter().compose_ideas(brief)
    openings = [opening_template(idea.hook, masks("fitness")) for idea in ideas]

    assert len(set(openings)) == 10, openings
    assert all("strength training" in idea.hook for idea in ideas)


def test_the_same_brief_gives_the_same_ideas():
    for niche in NICHES:
        assert compose(niche, 10) == compose(niche, 10)


def test_ideas_do_not_depend_on_the_hash_seed_of_the_process():
    # Set iteration order and hash() change with PYTHONHASHSEED; choices must not follow them.
    script = (
        "import json, sys, dataclasses, django; django.setup()\n"
        "from jobs.providers.llm.base import IdeasBrief, IdeaSource\n"
        "from jobs.providers.llm.offline import OfflineWriter\n"
        "data = json.load(sys.stdin)\n"
        "data['outliers'] = tuple(IdeaSource(**source) for source in data['outliers'])\n"
        "data['patterns'] = tuple(data['patterns'])\n"
        "ideas = OfflineWriter().compose_ideas(IdeasBrief(**data))\n"
        "print(json.dumps([dataclasses.asdict(idea) for idea in ideas]))\n"
    )
    outputs = []
    for seed in ("0", "1", "4242"):
        brief = dataclasses.asdict(brief_for("finance", 10))
        env = {**os.environ, "PYTHONHASHSEED": seed, "DJANGO_SETTINGS_MODULE": "viralspot.settings"}
        done = subprocess.run([sys.executable, "-c", script], input=json.dumps(brief), capture_output=True, text=True,
                              env=env, cwd=Path(__file__).resolve().parents[2], timeout=120, check=True)
        outputs.append(json.loads(done.stdout))

    assert len(outputs[0]) == 10
    assert outputs[0] == outputs[1] == outputs[2]
    in_process = [json.loads(json.dumps(dataclasses.asdict(idea))) for idea in compose("finance", 10)]
    assert outputs[0] == in_process


def test_without_a_strategy_each_idea_keeps_its_sources_subject_and_openings_still_differ():
    brief = dataclasses.replace(brief_for("cooking", 8), content_strategy={})
    ideas = OfflineWriter().compose_ideas(brief)
    subjects = [structure.subject.lower() for source in brief.outliers if (structure := hook_structure(source.hook))]
    openings = [opening_template(idea.hook, (*subjects, "most people", *HABITS)) for idea in ideas]

    assert len(set(openings)) == 8, openings
    # Each hook is about its own source's subject, never the source's hook word for word.
    for idea in ideas:
        structure = hook_structure(idea.sources[0].hook)
        if structure is not None:
            assert structure.subject.lower() in idea.hook.lower(), idea.hook
    assert not {idea.hook.lower() for idea in ideas} & {source.hook.lower() for source in brief.outliers}


@pytest.mark.parametrize(
    "written, audience",
    [
        ("Busy moms who work full time", "busy moms"),
        ("For busy dads with no time for the gym", "busy dads"),
        ("A first-time mom of two", "first-time moms of two"),
        ("Young professionals paying off student loans", "young professionals"),
        ("", "most people"),
    ],
)
def test_the_audience_is_read_as_a_plural_noun_phrase(written, audience):
    brief = dataclasses.replace(brief_for("fitness", 1), content_strategy={"targetAudience": written})

    assert read_strategy(brief).audience == audience


@pytest.mark.parametrize(
    "content_type, topics",
    [
        # What the content type names before its first preposition is the main topic.
        ("Skincare for sensitive skin", ("skincare", "sensitive skin")),
        ("Budget travel in Europe", ("budget travel",)),
        # After the preposition a single word is seldom a subject of its own.
        ("Kettlebell workouts at home", ("kettlebell workouts",)),
        ("Curly hair care", ("curly hair care",)),  # "curly" is no adverb
    ],
)
def test_the_main_topic_is_what_the_content_type_names_first(content_type, topics):
    brief = dataclasses.replace(brief_for("fitness", 1), content_strategy={"contentType": content_type})

    assert read_strategy(brief).topics == topics


def test_a_name_the_competitors_capitalise_keeps_its_capital_in_the_topic():
    outliers = (reel("notion_nadia", "N1Nadia0001", "The one thing about Notion setups nobody tells you", "curiosity_gap", 6.0),)
    brief = IdeasBrief(primary_username="me", content_strategy={"contentType": "Notion templates"}, count=1,
                       outliers=outliers)

    assert read_strategy(brief).topics == ("Notion templates",)


def test_an_audience_in_their_thirties_keeps_its_age():
    brief = dataclasses.replace(brief_for("fitness", 1), content_strategy={"targetAudience": "Women in their 30s"})

    assert read_strategy(brief).audience == "women in their 30s"
