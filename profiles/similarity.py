"""Profile similarity from what the accounts post and how big their audiences are.

score = 0.45 · hashtag overlap + 0.30 · keyword overlap + 0.15 · audience closeness
        + 0.10 · same category
Overlaps are weighted Jaccard indices over each profile's top hashtags/keywords (counts as
weights); audience closeness is 1 at equal follower counts and 0 at a 100× difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from profiles.models import PrimaryProfile

WEIGHTS = {"hashtags": 0.45, "keywords": 0.30, "audience": 0.15, "category": 0.10}


@dataclass(frozen=True)
class Similarity:
    profile: PrimaryProfile
    score: float
    components: dict
    shared_hashtags: list[str]


def weighted_jaccard(a: dict[str, float], b: dict[str, float]) -> float:
    keys = a.keys() | b.keys()
    if not keys:
        return 0.0
    low = sum(min(a.get(k, 0), b.get(k, 0)) for k in keys)
    high = sum(max(a.get(k, 0), b.get(k, 0)) for k in keys)
    return low / high if high else 0.0


def audience_closeness(a: int | None, b: int | None) -> float:
    if not a or not b:
        return 0.0
    return max(0.0, 1 - abs(math.log10(a) - math.log10(b)) / 2)


def _counts(stats: dict, key: str) -> dict[str, float]:
    return {name: float(n) for name, n in stats.get(key, [])}


def compare(base: PrimaryProfile, other: PrimaryProfile) -> Similarity:
    base_tags, other_tags = _counts(base.content_stats, "top_hashtags"), _counts(other.content_stats, "top_hashtags")
    components = {
        "hashtags": weighted_jaccard(base_tags, other_tags),
        "keywords": weighted_jaccard(
            _counts(base.content_stats, "top_keywords"), _counts(other.content_stats, "top_keywords")
        ),
        "audience": audience_closeness(base.followers_count, other.followers_count),
        "category": 1.0
        if base.primary_category and base.primary_category.lower() == (other.primary_category or "").lower()
        else 0.0,
    }
    score = sum(WEIGHTS[name] * value for name, value in components.items())
    shared = sorted(base_tags.keys() & other_tags.keys(), key=lambda t: -(base_tags[t] + other_tags[t]))
    return Similarity(other, round(score, 4), {k: round(v, 4) for k, v in components.items()}, shared[:10])


def similar_profiles(base: PrimaryProfile, *, limit: int) -> list[Similarity]:
    """Every other fetched profile scored against `base`, best first (ties by username)."""
    candidates = PrimaryProfile.objects.for_similarity().exclude(pk=base.pk)
    scored = [compare(base, other) for other in candidates]
    scored = [s for s in scored if s.score > 0]
    scored.sort(key=lambda s: (-s.score, s.profile.username))
    return scored[:limit]
