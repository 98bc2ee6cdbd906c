"""Which reels outperformed their account, how they hook viewers, and what held across competitors.

Pure functions over dataclasses (no database access), so the viral-ideas pipeline can store their
results in a JSONField and the tests can plant data whose answers are known.

Outliers
    A reel's baseline is the median views of the same account's *other* reels (leave-one-out): a
    viral reel must not raise the bar it is measured against. When fewer than two other reels have
    views, a leave-one-out median says next to nothing, so the baseline is the median of all the
    account's reels with views, the reel itself included (a lone reel scores 1.0, never an outlier).
    Reels with zero views (a counter that failed to load) stay out of every baseline, as in
    profiles.metrics.score_reels.

        outlier_multiplier = views ÷ baseline  (0 when the baseline is 0), rounded to 3 places
        is_outlier         = outlier_multiplier ≥ threshold  (2.0 by default)

Hooks
    Each reel's hook and its type come from text_rules.hooks (extract_hook, type_hook), with the
    confidence and the cue that decided it.

Patterns
    find_patterns gives every competitor reel one or more values per kind in PATTERN_KINDS. The
    primary account is left out: it is compared with the patterns, never evidence for them. A value
    is a pattern when it appears among the outliers of at least `min_accounts` competitors and is
    over-represented there. Over the competitors C it held in:

        lift  = (outliers of C with the value ÷ outliers of C) ÷ (reels of C with the value ÷ reels of C)
        score = Σ outlier multipliers of the competitors' outliers with the value
                × (number of competitors it held in ÷ number of competitors analysed)

    A value with lift ≤ 1 is as common on ordinary reels as on outliers, so it cannot be what set
    the outliers apart, and is dropped. Patterns are ranked by score, then lift, then number of
    accounts, then outlier count (all descending), then PATTERN_KINDS order, then value.
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from jobs.providers.llm.base import IdeaSource
# The hook rules live in text_rules; HOOK_TYPES and classify_hook stay importable from here for the API and views.
from text_rules.hooks import HOOK_TYPE_ORDER, HOOK_TYPES, classify_hook, extract_hook, type_hook  # noqa: F401
from text_rules.keyphrases import reel_keyphrases
from text_rules.text import HASHTAG_RE

# --- Taxonomies ----------------------------------------------------------------------------------

PATTERN_KINDS: dict[str, str] = {
    "hook_type": "The hook type (HOOK_TYPES) of the outliers.",
    "hook_length": "Words in the hook: short ≤ 6, medium 7-12, long > 12.",
    "posting_hour": "UTC hour the reel was posted, in 3-hour buckets ('18-21' is 18:00-20:59).",
    "hashtag": "A hashtag of the reel (generic reach tags such as #viral or #fyp left out).",
    "keyword": "A keyphrase of one or two words of the caption and transcript (text_rules.keyphrases).",
    "duration": "Video length: '0-15s' (≤ 15 s), '15-30s', '30-60s', '60s+' (> 60 s).",
}
PATTERN_KIND_ORDER: tuple[str, ...] = tuple(PATTERN_KINDS)

ROLES = ("primary", "competitor")
DEFAULT_THRESHOLD = 2.0
# A leave-one-out median needs this many other reels to describe the account rather than one reel.
MIN_BASELINE_REELS = 2
MAX_KEYWORDS = 8
MAX_PATTERN_EXAMPLES = 5
TOP_HOOK_TYPES = 3
SHORT_HOOK_MAX_WORDS = 6
MEDIUM_HOOK_MAX_WORDS = 12
POSTING_HOUR_BUCKET = 3
# (upper bound in seconds, label); a duration belongs to the first bucket whose bound it does not exceed.
DURATION_BUCKETS: tuple[tuple[float, str], ...] = (
    (15, "0-15s"), (30, "15-30s"), (60, "30-60s"), (float("inf"), "60s+"),
)
# Reach tags creators add to every reel; they describe the algorithm they hope for, not the reel.
GENERIC_HASHTAGS = frozenset({
    "reels", "reel", "reelsinstagram", "instareels", "viral", "viralreels", "fyp", "foryou", "foryoupage",
    "explore", "explorepage", "trending", "instagood", "instagram", "reelitfeelit",
})


# --- Data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReelInput:
    """One reel as the analysis needs it, whichever provider fetched it."""

    username: str
    shortcode: str
    url: str
    caption: str
    transcript: str
    view_count: int
    like_count: int
    comment_count: int
    posted_at: dt.datetime | None  # aware; a naive value is read as UTC
    hashtags: tuple[str, ...] = ()
    video_duration: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (posted_at as an ISO string)."""
        return {
            "username": self.username,
            "shortcode": self.shortcode,
            "url": self.url,
            "caption": self.caption,
            "transcript": self.transcript,
            "view_count": self.view_count,
            "like_count": self.like_count,
            "comment_count": self.comment_count,
            "posted_at": self.posted_at.isoformat() if self.posted_at else None,
            "hashtags": list(self.hashtags),
            "video_duration": self.video_duration,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReelInput:
        """The reel stored by to_dict."""
        posted_at = data.get("posted_at")
        return cls(
            username=data["username"],
            shortcode=data["shortcode"],
            url=data.get("url", ""),
            caption=data.get("caption", ""),
            transcript=data.get("transcript", ""),
            view_count=int(data.get("view_count", 0)),
            like_count=int(data.get("like_count", 0)),
            comment_count=int(data.get("comment_count", 0)),
            posted_at=dt.datetime.fromisoformat(posted_at) if posted_at else None,
            hashtags=tuple(data.get("hashtags", ())),
            video_duration=data.get("video_duration"),
        )


@dataclass(frozen=True)
class AnalysedReel:
    """A reel with its account-relative performance and its hook."""

    reel: ReelInput
    baseline_views: float
    outlier_multiplier: float
    engagement_rate: float
    is_outlier: bool
    hook: str
    hook_type: str
    keywords: tuple[str, ...]
    hook_confidence: float = 0.0  # how sure the typing is, 0..1
    hook_cue: str = ""  # the words of the hook that decided its type
    hook_source: str = "offline"  # "offline" (text_rules.hooks) | "model"

    def idea_source(self) -> IdeaSource:
        """This reel as evidence handed to the ideas composer."""
        return IdeaSource(
            username=self.reel.username,
            shortcode=self.reel.shortcode,
            url=self.reel.url,
            hook=self.hook,
            hook_type=self.hook_type,
            outlier_multiplier=self.outlier_multiplier,
            view_count=self.reel.view_count,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, the reel nested under "reel"."""
        return {
            "reel": self.reel.to_dict(),
            "baseline_views": self.baseline_views,
            "outlier_multiplier": self.outlier_multiplier,
            "engagement_rate": self.engagement_rate,
            "is_outlier": self.is_outlier,
            "hook": self.hook,
            "hook_type": self.hook_type,
            "hook_confidence": self.hook_confidence,
            "hook_cue": self.hook_cue,
            "hook_source": self.hook_source,
            "keywords": list(self.keywords),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalysedReel:
        """The analysed reel stored by to_dict."""
        return cls(
            reel=ReelInput.from_dict(data["reel"]),
            baseline_views=float(data["baseline_views"]),
            outlier_multiplier=float(data["outlier_multiplier"]),
            engagement_rate=float(data["engagement_rate"]),
            is_outlier=bool(data["is_outlier"]),
            hook=data["hook"],
            hook_type=data["hook_type"],
            keywords=tuple(data.get("keywords", ())),
            # Results stored before hooks carried their evidence read as an unexplained offline typing.
            hook_confidence=float(data.get("hook_confidence", 0.0)),
            hook_cue=data.get("hook_cue", ""),
            hook_source=data.get("hook_source", "offline"),
        )


@dataclass(frozen=True)
class AccountAnalysis:
    """One account's reels, best first, and the ones that beat its own baseline."""

    username: str
    role: str  # "primary" | "competitor"
    reels: list[AnalysedReel]  # by outlier multiplier, highest first
    median_views: float  # over all reels, zero-view ones included (as profiles.metrics reports it)
    outliers: list[AnalysedReel]  # the is_outlier reels, highest multiplier first
    hook_type_counts: dict[str, int]  # over all reels, most used first
    threshold: float = DEFAULT_THRESHOLD

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (outliers are stored whole so readers need no join)."""
        return {
            "username": self.username,
            "role": self.role,
            "reels": [reel.to_dict() for reel in self.reels],
            "median_views": self.median_views,
            "outliers": [reel.to_dict() for reel in self.outliers],
            "hook_type_counts": dict(self.hook_type_counts),
            "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AccountAnalysis:
        """The account analysis stored by to_dict."""
        return cls(
            username=data["username"],
            role=data["role"],
            reels=[AnalysedReel.from_dict(item) for item in data.get("reels", [])],
            median_views=float(data["median_views"]),
            outliers=[AnalysedReel.from_dict(item) for item in data.get("outliers", [])],
            hook_type_counts={str(k): int(v) for k, v in data.get("hook_type_counts", {}).items()},
            threshold=float(data.get("threshold", DEFAULT_THRESHOLD)),
        )


@dataclass(frozen=True)
class Pattern:
    """A trait of outliers that held across competitors (see the module docstring for score and lift)."""

    kind: str  # one of PATTERN_KINDS
    value: str
    accounts: tuple[str, ...]  # competitors whose outliers show it, alphabetical
    outlier_count: int
    avg_multiplier: float
    score: float
    examples: tuple[str, ...]  # shortcodes of the outliers behind it, highest multiplier first
    lift: float = 0.0  # 0 when not computed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "kind": self.kind,
            "value": self.value,
            "accounts": list(self.accounts),
            "outlier_count": self.outlier_count,
            "avg_multiplier": self.avg_multiplier,
            "score": self.score,
            "examples": list(self.examples),
            "lift": self.lift,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pattern:
        """The pattern stored by to_dict."""
        return cls(
            kind=data["kind"],
            value=data["value"],
            accounts=tuple(data.get("accounts", ())),
            outlier_count=int(data["outlier_count"]),
            avg_multiplier=float(data["avg_multiplier"]),
            score=float(data["score"]),
            examples=tuple(data.get("examples", ())),
            lift=float(data.get("lift", 0.0)),
        )


# --- Accounts ------------------------------------------------------------------------------------


def _median_without(sorted_views: list[int], value: int) -> float:
    """Median of a sorted list with one occurrence of `value` taken out."""
    index = bisect.bisect_left(sorted_views, value)
    others = sorted_views[:index] + sorted_views[index + 1 :]
    return float(statistics.median(others))


def _reel_keywords(reel: ReelInput) -> tuple[str, ...]:
    """The reel's keyphrases (text_rules.keyphrases.reel_keyphrases): one or two words each.

    Single words stay beside the phrases they come from: "freezer" repeats across accounts where
    "freezer meals" and "freezer dinners" do not, and the "keyword" pattern counts repeats.
    """
    return reel_keyphrases(reel.caption, reel.transcript)[:MAX_KEYWORDS]


def ordered_hook_type_counts(counter: Counter[str]) -> dict[str, int]:
    """Counts, most first; ties in HOOK_TYPES order."""
    order = {name: index for index, name in enumerate(HOOK_TYPE_ORDER)}
    return {key: n for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], order.get(kv[0], len(order)), kv[0]))}


def analyse_account(
    username: str, role: str, reels: list[ReelInput], *, threshold: float = DEFAULT_THRESHOLD
) -> AccountAnalysis:
    """Every reel's leave-one-out outlier multiplier, engagement and hook; outliers are multiplier ≥ threshold."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    if threshold <= 0:
        raise ValueError("threshold must be positive")
    # A reel listed twice would sit in its own baseline; the first copy is kept.
    unique = list({reel.shortcode: reel for reel in reversed(reels)}.values())[::-1]

    counted = sorted(reel.view_count for reel in unique if reel.view_count > 0)
    account_median = float(statistics.median(counted)) if counted else 0.0

    analysed = []
    for reel in unique:
        # A zero-view reel is not in `counted`, so the account median already leaves it out.
        if reel.view_count > 0 and len(counted) - 1 >= MIN_BASELINE_REELS:
            baseline = _median_without(counted, reel.view_count)
        else:
            baseline = account_median
        multiplier = round(reel.view_count / baseline, 3) if baseline else 0.0
        interactions = reel.like_count + reel.comment_count
        engagement = round(interactions / reel.view_count, 6) if reel.view_count > 0 else 0.0
        hook = extract_hook(reel.caption, reel.transcript)
        typing = type_hook(hook)
        analysed.append(AnalysedReel(
            reel=reel,
            baseline_views=baseline,
            outlier_multiplier=multiplier,
            engagement_rate=engagement,
            is_outlier=multiplier >= threshold,
            hook=hook,
            hook_type=typing.type,
            keywords=_reel_keywords(reel),
            hook_confidence=typing.confidence,
            hook_cue=typing.cue,
            hook_source=typing.source,
        ))

    analysed.sort(key=_reel_rank)
    all_views = [reel.view_count for reel in unique]
    return AccountAnalysis(
        username=username,
        role=role,
        reels=analysed,
        median_views=float(statistics.median(all_views)) if all_views else 0.0,
        outliers=[reel for reel in analysed if reel.is_outlier],
        hook_type_counts=ordered_hook_type_counts(Counter(reel.hook_type for reel in analysed)),
        threshold=threshold,
    )


def _reel_rank(reel: AnalysedReel) -> tuple[float, int, str]:
    return (-reel.outlier_multiplier, -reel.reel.view_count, reel.reel.shortcode)


# --- Patterns ------------------------------------------------------------------------------------


def hook_length_bucket(hook: str) -> str | None:
    """The hook's length bucket: "short" (≤ 6 words), "medium" (7-12) or "long" (> 12); None if empty."""
    words = len(hook.split())
    if not words:
        return None
    if words <= SHORT_HOOK_MAX_WORDS:
        return "short"
    return "medium" if words <= MEDIUM_HOOK_MAX_WORDS else "long"


def posting_hour_bucket(posted_at: dt.datetime | None) -> str | None:
    """The 3-hour UTC bucket of a moment ("18-21" for 18:00-20:59); a naive moment is read as UTC."""
    if posted_at is None:
        return None
    if posted_at.tzinfo is not None:
        posted_at = posted_at.astimezone(dt.timezone.utc)
    start = posted_at.hour - posted_at.hour % POSTING_HOUR_BUCKET
    return f"{start}-{start + POSTING_HOUR_BUCKET}"


def duration_bucket(seconds: float | None) -> str | None:
    """The duration bucket: "0-15s", "15-30s", "30-60s" or "60s+" (upper bounds inclusive); None without one."""
    if seconds is None or seconds <= 0:
        return None
    return next(label for bound, label in DURATION_BUCKETS if seconds <= bound)


def _hashtags(reel: ReelInput) -> set[str]:
    listed = reel.hashtags or tuple(HASHTAG_RE.findall(reel.caption or ""))
    tags = {str(tag).lstrip("#").lower() for tag in listed}
    return {tag for tag in tags if tag and not tag.isdigit() and tag not in GENERIC_HASHTAGS}


def reel_traits(reel: AnalysedReel) -> dict[str, set[str]]:
    """The values a reel has for each kind in PATTERN_KINDS (empty when unknown)."""
    single = {
        "hook_type": reel.hook_type,
        "hook_length": hook_length_bucket(reel.hook),
        "posting_hour": posting_hour_bucket(reel.reel.posted_at),
        "duration": duration_bucket(reel.reel.video_duration),
    }
    traits = {kind: ({value} if value else set()) for kind, value in single.items()}
    traits["hashtag"] = _hashtags(reel.reel)
    traits["keyword"] = set(reel.keywords)
    return {kind: traits[kind] for kind in PATTERN_KIND_ORDER}


def pattern_rank(pattern: Pattern) -> tuple[float, float, int, int, int, str]:
    """Sort key: score, lift, accounts, outliers (descending), then kind order and value."""
    kind_index = PATTERN_KIND_ORDER.index(pattern.kind) if pattern.kind in PATTERN_KINDS else len(PATTERN_KINDS)
    return (-pattern.score, -pattern.lift, -len(pattern.accounts), -pattern.outlier_count, kind_index, pattern.value)


def find_patterns(
    accounts: list[AccountAnalysis], *, min_accounts: int = 2, min_lift: float = 1.0
) -> list[Pattern]:
    """Traits of competitors' outliers that held in ≥ min_accounts competitors with lift > min_lift, best first."""
    if min_accounts < 1:
        raise ValueError("min_accounts must be at least 1")
    competitors = [account for account in accounts if account.role == "competitor"]
    names = [account.username for account in competitors]
    if len(set(names)) != len(names):
        raise ValueError("each competitor must appear once")
    if len(competitors) < min_accounts:
        return []

    # (kind, value) → account → [outliers with it], and → account → number of reels with it
    outliers_with: dict[tuple[str, str], dict[str, list[AnalysedReel]]] = {}
    reels_with: dict[tuple[str, str], Counter[str]] = {}
    for account in competitors:
        for reel in account.reels:
            for kind, values in reel_traits(reel).items():
                for value in values:
                    key = (kind, value)
                    reels_with.setdefault(key, Counter())[account.username] += 1
                    if reel.is_outlier:
                        outliers_with.setdefault(key, {}).setdefault(account.username, []).append(reel)

    by_name = {account.username: account for account in competitors}
    patterns = []
    for (kind, value), per_account in outliers_with.items():
        if len(per_account) < min_accounts:
            continue
        held = sorted(per_account)
        behind = sorted((reel for name in held for reel in per_account[name]), key=_reel_rank)
        outliers_total = sum(len(by_name[name].outliers) for name in held)
        reels_total = sum(len(by_name[name].reels) for name in held)
        having = sum(reels_with[(kind, value)][name] for name in held)
        lift = (len(behind) / outliers_total) / (having / reels_total)
        if lift <= min_lift:
            continue
        multipliers = [reel.outlier_multiplier for reel in behind]
        patterns.append(Pattern(
            kind=kind,
            value=value,
            accounts=tuple(held),
            outlier_count=len(behind),
            avg_multiplier=round(statistics.fmean(multipliers), 3),
            score=round(sum(multipliers) * len(held) / len(competitors), 3),
            examples=tuple(dict.fromkeys(reel.reel.shortcode for reel in behind))[:MAX_PATTERN_EXAMPLES],
            lift=round(lift, 3),
        ))
    patterns.sort(key=pattern_rank)
    return patterns


# --- Summary -------------------------------------------------------------------------------------


def _account_line(account: AccountAnalysis) -> dict[str, Any]:
    best = account.reels[0] if account.reels else None
    return {
        "username": account.username,
        "role": account.role,
        "reels": len(account.reels),
        "outliers": len(account.outliers),
        "median_views": account.median_views,
        "best_multiplier": best.outlier_multiplier if best else 0.0,
        "best_shortcode": best.reel.shortcode if best else None,
        "outlier_hook_types": ordered_hook_type_counts(Counter(reel.hook_type for reel in account.outliers)),
    }


def analysis_summary(
    primary: AccountAnalysis, competitors: Sequence[AccountAnalysis], patterns: Iterable[Pattern]
) -> dict[str, Any]:
    """JSON-ready headline numbers of one analysis run (counts, top hook types, best patterns, medians)."""
    ranked = sorted(patterns, key=pattern_rank)
    # Top hook types come from the competitors' outliers, the evidence the ideas are built on; the
    # primary "uses" a type when any of its reels, outlier or not, has it.
    competitor_outliers = [reel for account in competitors for reel in account.outliers]
    outlier_types = ordered_hook_type_counts(Counter(reel.hook_type for reel in competitor_outliers))
    primary_types = Counter(reel.hook_type for reel in primary.reels)
    top_hook_types = [
        {
            "hook_type": hook_type,
            "outliers": count,
            "share": round(count / len(competitor_outliers), 3),
            "primary_reels": primary_types.get(hook_type, 0),
            "primary_uses": hook_type in primary_types,
        }
        for hook_type, count in list(outlier_types.items())[:TOP_HOOK_TYPES]
    ]
    # The median of per-account medians, so one large competitor does not stand for all of them.
    medians = [account.median_views for account in competitors if account.reels]
    competitors_median = float(statistics.median(medians)) if medians else 0.0
    best_per_kind: dict[str, dict[str, Any] | None] = {kind: None for kind in PATTERN_KIND_ORDER}
    for pattern in ranked:
        if pattern.kind in best_per_kind and best_per_kind[pattern.kind] is None:
            best_per_kind[pattern.kind] = pattern.to_dict()
    missing = [item["hook_type"] for item in top_hook_types if not item["primary_uses"]]
    accounts = [primary, *competitors]
    return {
        "total_reels": sum(len(account.reels) for account in accounts),
        "primary_reels": len(primary.reels),
        "competitor_reels": sum(len(account.reels) for account in competitors),
        "competitors": len(competitors),
        "total_outliers": sum(len(account.outliers) for account in accounts),
        "primary_outliers": len(primary.outliers),
        "competitor_outliers": len(competitor_outliers),
        "outliers_per_account": {account.username: len(account.outliers) for account in accounts},
        "accounts": [_account_line(account) for account in accounts],
        "top_hook_types": top_hook_types,
        "primary_uses_top_hook_types": not missing,
        "primary_missing_hook_types": missing,
        "patterns_found": len(ranked),
        "top_pattern": ranked[0].to_dict() if ranked else None,
        "best_pattern_per_kind": best_per_kind,
        "median_views": {
            "primary": primary.median_views,
            "competitors": competitors_median,
            "primary_vs_competitors": (
                round(primary.median_views / competitors_median, 3) if competitors_median else None
            ),
        },
    }
