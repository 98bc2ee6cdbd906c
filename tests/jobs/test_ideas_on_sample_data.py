"""The offline ideas composer on the shipped sample accounts: would a creator post these hooks?

The unit tests hand-pick hooks; this harness takes the real outlier hooks of the sample accounts
(sample_data/instagram/*.json, read directly: the caption's first line through
text_rules.hooks.extract_hook, typed with type_hook) and composes ideas for a creator in each niche,
with the patterns viral_ideas.analysis finds across those competitors. Another test fills every
sample hook that has a structure with the creators' topics, beyond the outliers.
It checks properties that catch, in general, the failures a creator would not post:

- a verb of the source hook swallowed with the subject ("Why do busy women over 40 strength
  training so much?"): every verb of VERBS in the source survives in a hook that keeps its structure;
- a slot that wants one countable thing given an activity ("your first strength training", "a $200
  Python"), or a place ("A day in budget travel");
- the creator quitting their own topic ("I quit my strength training"): after quit/stop/ditch/gave up
  the topic needs a habit word;
- hooks that stop mid-phrase, doubled words, odd capitals, hooks without the creator's topic, two
  ideas that open the same way.

Run with -s to print every composed hook beside its source and read them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import statistics
from functools import lru_cache
from pathlib import Path

import pytest

from jobs.providers.llm.base import ContentIdea, IdeasBrief, IdeaSource
from jobs.providers.llm.hook_frames import compound_form, hook_structure
from jobs.providers.llm.offline import OfflineWriter
from jobs.providers.llm.offline_ideas import HABITS, opening_template, read_strategy
from text_rules.hooks import extract_hook, type_hook
from viral_ideas.analysis import AccountAnalysis, ReelInput, analyse_account, find_patterns

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "instagram"
OUTLIER_MULTIPLIER = 2.0  # the analysis's default threshold (viral_ideas.analysis.DEFAULT_THRESHOLD)
PER_ACCOUNT = 4


@dataclasses.dataclass(frozen=True)
class Creator:
    strategy: dict
    competitors: tuple[str, ...]
    count: int


# One creator per niche; the competitors are the sample accounts of that niche (parenting has none, so
# a parenting creator studies the comedy & lifestyle accounts, whose hooks are about everyday life).
CREATORS = {
    "fitness": Creator(
        {"contentType": "Strength training for women over 40", "targetAudience": "Busy women over 40",
         "goals": "Grow followers and sell coaching"},
        ("kettlebell_kev", "liftwithjonah", "coach.priya.moves"), 8),
    "fitness_running": Creator(
        {"contentType": "Running for beginners", "targetAudience": "New runners", "goals": "Grow my audience"},
        ("runwithsana", "kettlebell_kev", "liftwithjonah", "coach.priya.moves", "fit_with_mara"), 7),
    "cooking": Creator(
        {"contentType": "Budget family dinners", "targetAudience": "Busy parents who cook on weeknights",
         "goals": "Get more saves and shares"},
        ("chef.tomas", "weeknight.wok", "sourdough_sadie", "plantplate.lena", "grillmaster_ade"), 8),
    "finance": Creator(
        {"contentType": "Personal finance for people in their 20s",
         "targetAudience": "Young professionals paying off student loans", "goals": "Build trust"},
        ("budget.with.bree", "money_mondays_mo", "debtfree.daniela"), 8),
    "beauty": Creator(
        {"contentType": "Skincare for sensitive skin", "targetAudience": "Women in their 30s",
         "goals": "Sell my skincare course"},
        ("glow_by_gia", "skinfacts.sam", "curls.by.cam"), 6),
    "parenting": Creator(
        {"contentType": "Gentle parenting", "targetAudience": "First-time parents",
         "goals": "Start conversations in the comments"},
        ("roommate_chronicles", "dadjokes.dev", "awkward.anya", "sunday.scaries.sid"), 8),
    "tech": Creator(
        {"contentType": "Python tutorials for beginners", "targetAudience": "Beginner programmers switching careers",
         "goals": "Sell my Python course"},
        ("gadget.gus", "desk_setup_dani", "techtalk.tara", "pixel_and_port", "buildlog.noor"), 8),
    "travel": Creator(
        {"contentType": "Budget travel in Europe", "targetAudience": "Students", "goals": "Grow followers"},
        ("wander.with.wes", "carryon_claire", "slowtravel.kai", "passport.and.pho"), 7),
    "productivity": Creator(
        {"contentType": "Productivity systems", "targetAudience": "Freelancers", "goals": "Grow my newsletter"},
        ("focus.with.felix", "solopreneur.sol", "notion_nadia", "ops.by.omar", "pitchdeck.pia"), 8),
    # Other topic shapes: a brand name the competitors capitalise, an "-ly" adjective, a two-noun topic.
    "productivity_notion": Creator(
        {"contentType": "Notion templates", "targetAudience": "Students", "goals": "Sell templates"},
        ("focus.with.felix", "solopreneur.sol", "notion_nadia", "ops.by.omar", "pitchdeck.pia"), 8),
    "beauty_curls": Creator(
        {"contentType": "Curly hair care", "targetAudience": "Women with curly hair", "goals": "Sell products"},
        ("glow_by_gia", "skinfacts.sam", "curls.by.cam"), 8),
    "parenting_sleep": Creator(
        {"contentType": "Toddler sleep", "targetAudience": "Exhausted parents", "goals": "Sell my sleep course"},
        ("roommate_chronicles", "dadjokes.dev", "awkward.anya", "sunday.scaries.sid", "plantplate.lena"), 8),
}

# Verbs hooks are built around, as words of the source they are verbs whatever the niche; a hook that
# keeps its source's structure keeps each of them ("struggle" in "Why do busy parents struggle so much
# with sleep?"). Gerunds of habits ("wasting", "skipping") are left out: a habit slot replaces them.
VERBS = frozenset(
    """
    struggle struggles struggled hate hates love loves tried try quit stop stopped changed change told tells tell
    happened happens wish knew know think talk talking beats beat earned worked joined refused replaced taste
    tastes feel feels killing ruining spent need needs swear swore learned start started getting
    """.split()
)
# Giving something up: the creator's topic after one of these must be a habit of it ("quit winging my …").
DROP_RE = r"\b(?:quit|quitting|stop|stopped|stopping|ditch|ditched|give up|gave up|giving up|skip|skipped)"
# One countable thing: "your first …", "every …", "a $200 …", "20-minute …".
ITEM_RE = r"\b(?:first|every|any|each|another|one|a|an)\s+(?:[$£€]?\d[\w,.]*(?:-\w+)?\s+)?|[$£€]\d[\w,.]*\s+|\b\d+-\w+\s+"
# Nouns that make "a … {topic} …" a thing again: "a strength training routine", "one Python tip".
HEAD_NOUNS = frozenset("routine plan tip tips trick tricks mistake advice guide approach session habit habits lesson "
                       "question change changes rule milestone week".split())
# A sentence does not stop on these.
DANGLING = frozenset("a an the and or but of with to for in on at about from by my your our their who that which "
                     "than as is are was were be".split())


def _views(reel: dict) -> int:
    return int(reel.get("videoViewCount") or reel.get("videoPlayCount") or 0)


@lru_cache(maxsize=None)
def outliers_of(username: str) -> tuple[IdeaSource, ...]:
    """The account's reels at OUTLIER_MULTIPLIER× its median views or more, strongest first (at most PER_ACCOUNT)."""
    data = json.loads((SAMPLE_DIR / f"{username}.json").read_text(encoding="utf-8"))
    reels = [reel for reel in data.get("reels", []) if _views(reel)]
    if not reels:
        return ()
    median = statistics.median(_views(reel) for reel in reels)
    found = []
    for reel in reels:
        multiplier = round(_views(reel) / median, 2)
        hook = extract_hook(reel.get("caption") or "", reel.get("transcript") or "")
        if multiplier >= OUTLIER_MULTIPLIER and hook:
            found.append(IdeaSource(
                username=username, shortcode=reel["shortCode"], url=reel.get("url", ""), hook=hook,
                hook_type=type_hook(hook).type, outlier_multiplier=multiplier, view_count=_views(reel),
            ))
    found.sort(key=lambda source: (-source.outlier_multiplier, source.shortcode))
    return tuple(found[:PER_ACCOUNT])


@lru_cache(maxsize=None)
def analysed(username: str) -> AccountAnalysis:
    """The account as the analysis sees it, for the patterns that held across competitors."""
    data = json.loads((SAMPLE_DIR / f"{username}.json").read_text(encoding="utf-8"))
    reels = [
        ReelInput(
            username=username, shortcode=reel["shortCode"], url=reel.get("url", ""), caption=reel.get("caption") or "",
            transcript=reel.get("transcript") or "", view_count=_views(reel), like_count=int(reel.get("likesCount") or 0),
            comment_count=int(reel.get("commentsCount") or 0),
            posted_at=dt.datetime.fromisoformat(reel["timestamp"].replace("Z", "+00:00")) if reel.get("timestamp") else None,
            hashtags=tuple(reel.get("hashtags") or ()), video_duration=reel.get("videoDuration"),
        )
        for reel in data.get("reels", [])
    ]
    return analyse_account(username, "competitor", reels)


@lru_cache(maxsize=None)
def brief_for(name: str) -> IdeasBrief:
    creator = CREATORS[name]
    outliers = [source for account in creator.competitors for source in outliers_of(account)]
    outliers.sort(key=lambda source: (-source.outlier_multiplier, source.shortcode))
    patterns = find_patterns([analysed(account) for account in creator.competitors if outliers_of(account)], min_lift=1.2)
    return IdeasBrief(primary_username="the.creator", content_strategy=creator.strategy, count=creator.count,
                      outliers=tuple(outliers), patterns=tuple(pattern.to_dict() for pattern in patterns[:10]))


@lru_cache(maxsize=None)
def ideas_for(name: str) -> tuple[ContentIdea, ...]:
    return tuple(OfflineWriter().compose_ideas(brief_for(name)))


def _kept_structure(idea: ContentIdea) -> bool:
    return "It keeps that hook's structure" in idea.why_it_works


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9$£€][\w'’.,$%-]*[\w%]|[A-Za-z0-9]", text)


def problems(idea: ContentIdea, name: str) -> list[str]:
    """What a creator would find odd in the idea (empty when nothing)."""
    strategy = read_strategy(brief_for(name))
    replaced = None
    if _kept_structure(idea):
        quoted = re.search(r"in place of “([^”]*)”", idea.why_it_works)
        replaced = quoted.group(1) if quoted else ""
    found = hook_problems(idea.hook, idea.sources[0].hook, strategy.topics, strategy.audience, replaced)
    if not set(re.findall(r"\d+", idea.title)) <= set(re.findall(r"\d+", idea.hook)):
        found.append(f"the title promises a number the hook does not: {idea.title!r}")
    return found


def hook_problems(hook: str, source: str, topics: tuple[str, ...], audience: str, replaced: str | None) -> list[str]:
    """What a creator would find odd in `hook`, made from `source` (`replaced`: the source words swapped
    for the topic when the hook keeps the source's structure, None when it does not)."""
    lowered = hook.lower()
    # A plural topic describes a noun in the singular ("budget family dinner advice"): both forms count.
    forms = [form.lower() for topic in topics for form in dict.fromkeys((topic, compound_form(topic)))]
    found = []
    if not any(topic in lowered for topic in forms):
        found.append("the creator's topic is missing")
    if replaced is not None:
        # The words swapped for the topic ("small talk") may go, and so may the verb of a clause describing
        # the audience ("people who hate tech setup"): the audience is replaced whole.
        swapped = {word.lower() for word in _words(replaced)}
        # What is given up ("I quit my job to start a business.") becomes a habit of the topic whole.
        given_up = re.search(rf"{DROP_RE}\b([^.!?]*)", source.lower())
        swapped |= {word.lower() for word in _words(given_up.group(1))} if given_up else set()
        source_words = [word.lower().strip(".,!?…") for word in _words(source)]
        kept = [word.lower().strip(".,!?…") for word in _words(hook)]
        lost = [verb for index, verb in enumerate(source_words) if verb in VERBS and verb not in kept
                and verb not in swapped and not (index and source_words[index - 1] in ("who", "that"))]
        if lost:
            found.append(f"the source's verbs {lost} were swallowed")
    for topic in forms:
        escaped = re.escape(topic)
        for match in re.finditer(rf"(?:{ITEM_RE}){escaped}\b(?:\s+(\w+))?", lowered):
            if match.group(1) not in HEAD_NOUNS:
                found.append(f"a slot for one thing holds the topic: {match.group(0)!r}")
        drop = re.search(rf"(?<!almost ){DROP_RE}\s+(?:on\s+)?(?:my\s+|your\s+|the\s+)?{escaped}\b", lowered)
        if drop:
            found.append(f"the creator gives up their own topic: {drop.group(0)!r}")
        if re.search(rf"\b(?:in|to|from|around|across|visiting)\s+{escaped}\b", lowered) and "day in" in lowered:
            found.append("a place slot holds the topic")
    last = re.sub(r"[.!?…\"”')]+$", "", hook).split()[-1].lower() if hook.split() else ""
    if not hook or hook[-1] in ",:;-–—" or last in DANGLING:
        found.append("the hook does not end like a sentence")
    if re.search(r"\b(\w+)\s+\1\b", lowered):
        found.append("a word is doubled")
    if not (hook[:1].isupper() or hook[:1].isdigit()):
        found.append("the hook starts in lower case")
    allowed = {word for text in (source, *topics, audience) for word in _words(text)}
    for index, word in enumerate(_words(hook)[1:], 1):
        previous = _words(hook)[index - 1]
        starts_sentence = re.search(rf"[.!?:]\s+{re.escape(word)}", hook) is not None
        if word[:1].isupper() and word not in allowed and not word.startswith("I") and not starts_sentence:
            found.append(f"a capital mid-sentence: {previous} {word}")
    return found


@pytest.mark.parametrize("name", CREATORS)
def test_the_sample_accounts_have_outliers_to_build_on(name):
    brief = brief_for(name)

    assert len({source.username for source in brief.outliers}) >= 2, name
    assert len(brief.outliers) >= CREATORS[name].count // 2


@pytest.mark.parametrize("name", CREATORS)
def test_every_composed_hook_reads_as_something_a_creator_would_post(name):
    ideas = ideas_for(name)
    print(f"\n=== {name}: {CREATORS[name].strategy['contentType']} / {CREATORS[name].strategy['targetAudience']}")
    for idea in ideas:
        kept = "kept " if _kept_structure(idea) else "angle"
        print(f"  [{kept}] {idea.sources[0].hook!r}\n          → {idea.hook}  |  {idea.title}")

    assert len(ideas) == CREATORS[name].count
    odd = {idea.hook: found for idea in ideas if (found := problems(idea, name))}
    assert not odd, odd


@pytest.mark.parametrize("name", CREATORS)
def test_no_two_ideas_open_the_same_way(name):
    strategy = read_strategy(brief_for(name))
    masks = (*strategy.topics, *map(compound_form, strategy.topics), strategy.audience, *HABITS)
    ideas = ideas_for(name)
    openings = [opening_template(idea.hook, masks) for idea in ideas]
    first_words = [" ".join(idea.hook.lower().split()[:3]) for idea in ideas]

    assert len(set(openings)) == len(ideas), openings
    assert len(set(first_words)) == len(ideas), first_words


@pytest.mark.parametrize("name", CREATORS)
def test_ideas_cite_their_reels_outline_three_to_five_beats_and_do_not_change_between_runs(name):
    ideas = ideas_for(name)
    for idea in ideas:
        primary = idea.sources[0]
        assert f"@{primary.username}'s reel {primary.shortcode}" in idea.why_it_works
        assert f"({primary.outlier_multiplier:.1f}× its typical views)" in idea.why_it_works
        assert 3 <= len(idea.script["body"]) <= 5
    # The patterns that held across these competitors are cited in a creator's words, not the analysis's buckets.
    assert brief_for(name).patterns, name
    for idea in ideas:
        assert not re.search(r"reels of (?:short|medium|long)\b|reels with |\d+s\+? were|\b\d+-\d+ UTC", idea.why_it_works), (
            idea.why_it_works)
    assert any("Across competitors" in idea.why_it_works or "Worth copying too" in idea.why_it_works for idea in ideas)
    # At least some hooks keep a competitor's structure: the composer is not only filling angles.
    assert any(_kept_structure(idea) for idea in ideas), [idea.hook for idea in ideas]
    assert tuple(OfflineWriter().compose_ideas(brief_for(name))) == ideas


def test_the_harness_catches_the_failures_of_the_walk_through():
    """The checks themselves: the hooks a creator would not post, as the walk-through produced them."""
    brief = brief_for("fitness")
    source = dataclasses.replace(brief.outliers[0], hook="Why do busy parents struggle so much with sleep and recovery?")
    bad = {
        "Why do busy women over 40 strength training so much?": "verbs",
        "How to get your first strength training in 8 weeks": "one thing",
        "I quit my strength training. Here's what happened.": "gives up",
        "5 things I wish I knew about strength training training sooner": "doubled",
        "Nobody tells you this about strength training with": "end like a sentence",
        "Why Does Nobody Talk About strength training?": "capital",
    }
    for hook, expected in bad.items():
        idea = ContentIdea(title="t", hook=hook, hook_type="question", script={}, sources=(source,),
                           why_it_works="It keeps that hook's structure", score=1.0)
        assert any(expected in problem for problem in problems(idea, "fitness")), (hook, problems(idea, "fitness"))
    titled = ContentIdea(title="30 Days of Strength Training", hook="I tried strength training for 90 days",
                         hook_type="story", script={}, sources=(source,), why_it_works="", score=1.0)
    assert any("title promises a number" in problem for problem in problems(titled, "fitness"))
    good = ContentIdea(title="t", hook="Why do busy women over 40 struggle so much with strength training?",
                       hook_type="question", script={}, sources=(source,),
                       why_it_works="It keeps that hook's structure", score=1.0)
    assert problems(good, "fitness") == []


@lru_cache(maxsize=None)
def every_sample_hook() -> tuple[str, ...]:
    """The hook of every reel of every sample account, each once, in file order."""
    hooks: dict[str, None] = {}
    for path in sorted(SAMPLE_DIR.glob("*.json")):
        for reel in json.loads(path.read_text(encoding="utf-8")).get("reels", []):
            hooks.setdefault(extract_hook(reel.get("caption") or "", reel.get("transcript") or ""), None)
    return tuple(hook for hook in hooks if hook)


@pytest.mark.parametrize("name", ["fitness", "cooking", "tech", "beauty_curls"])
def test_every_sample_hook_whose_structure_is_kept_reads_naturally_with_the_creators_topic(name):
    """Beyond the outliers: every hook of the sample data, filled with the creator's topic where it has a structure."""
    strategy = read_strategy(brief_for(name))
    topic = strategy.topics[0]
    kept, odd = 0, {}
    for index, hook in enumerate(every_sample_hook()):
        structure = hook_structure(hook)
        if structure is None:
            continue
        kept += 1
        filled = structure.fill(topic=topic, audience=strategy.audience, habit=HABITS[index % len(HABITS)])
        if found := hook_problems(filled, hook, (topic,), strategy.audience, structure.subject):
            odd[f"{hook} → {filled}"] = found

    assert kept >= 100, kept  # most formats carry over: the checks are not vacuous
    assert not odd, odd
