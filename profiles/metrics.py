"""Numbers computed from a profile's reels: outlier scores, engagement, content insights.

Pure functions over provider dataclasses, so they are tested without a database. A reel's keywords
are its keyphrases (text_rules.keyphrases); the profile's top keywords count them across reels.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from profiles.providers.base import ProfileData, ReelData
from text_rules.keyphrases import reel_keyphrases

# A reel is an outlier of its account at this many times the account's median views (the score of
# score_reels); the profile page's chart marks the same reels.
OUTLIER_AT = 2.0


@dataclass(frozen=True)
class ScoredReel:
    reel: ReelData
    outlier_score: float
    engagement_rate: float
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class ProfileMetrics:
    median_views: float
    mean_views: float
    std_views: float
    total_views: int
    total_likes: int
    total_comments: int
    total_reels: int
    engagement_metrics: dict
    content_stats: dict


def score_reels(reels: list[ReelData], *, followers: int) -> list[ScoredReel]:
    """Outlier score = views ÷ median of the account's non-zero views; engagement per view.

    The median of non-zero counts is the original's baseline: a reel that failed to load its
    counter says nothing about what is typical for the account.
    """
    non_zero = [r.view_count for r in reels if r.view_count > 0]
    baseline = statistics.median(non_zero) if non_zero else 0
    scored = []
    for reel in reels:
        interactions = reel.like_count + reel.comment_count
        if reel.view_count > 0:
            engagement = interactions / reel.view_count
        else:
            engagement = interactions / followers if followers else 0.0
        outlier = reel.view_count / baseline if baseline else 0.0
        scored.append(ScoredReel(reel, round(outlier, 4), round(engagement, 6), reel_keyphrases(reel.caption, reel.transcript)))
    return scored


def profile_metrics(profile: ProfileData, scored: list[ScoredReel]) -> ProfileMetrics:
    views = [s.reel.view_count for s in scored]
    likes = [s.reel.like_count for s in scored]
    comments = [s.reel.comment_count for s in scored]
    followers = profile.followers_count or 0

    hashtag_counts = Counter(tag for s in scored for tag in s.reel.hashtags)
    keyword_counts = Counter(word for s in scored for word in s.keywords)
    hours = Counter(s.reel.posted_at.hour for s in scored if s.reel.posted_at)
    dates = sorted(s.reel.posted_at for s in scored if s.reel.posted_at)
    span_days = (dates[-1] - dates[0]).total_seconds() / 86400 if len(dates) > 1 else 0
    durations = [s.reel.video_duration for s in scored if s.reel.video_duration]
    top_outliers = sorted(scored, key=lambda s: s.outlier_score, reverse=True)[:5]

    engagement_rates = [s.engagement_rate for s in scored]
    engagement_metrics = {
        "avg_engagement_rate": round(statistics.fmean(engagement_rates), 6) if engagement_rates else 0.0,
        "median_engagement_rate": round(statistics.median(engagement_rates), 6) if engagement_rates else 0.0,
        "avg_likes": round(statistics.fmean(likes), 2) if likes else 0.0,
        "avg_comments": round(statistics.fmean(comments), 2) if comments else 0.0,
        # Interactions per reel relative to audience size, the number creators compare.
        "engagement_per_follower": round((sum(likes) + sum(comments)) / len(scored) / followers, 6)
        if scored and followers
        else 0.0,
        "views_per_follower": round(statistics.median(views) / followers, 4) if views and followers else 0.0,
    }
    content_stats = {
        "top_hashtags": [[tag, n] for tag, n in hashtag_counts.most_common(15)],
        "top_keywords": [[word, n] for word, n in keyword_counts.most_common(15)],
        "posting_hours_utc": {str(hour): n for hour, n in sorted(hours.items())},
        "reels_per_week": round(len(dates) / (span_days / 7), 2) if span_days else float(len(dates)),
        "avg_video_duration": round(statistics.fmean(durations), 1) if durations else None,
        "outlier_count_2x": sum(1 for s in scored if s.outlier_score >= OUTLIER_AT),
        "top_outliers": [
            {"shortcode": s.reel.shortcode, "outlier_score": s.outlier_score, "view_count": s.reel.view_count}
            for s in top_outliers
        ],
    }
    return ProfileMetrics(
        median_views=float(statistics.median(views)) if views else 0.0,
        mean_views=float(statistics.fmean(views)) if views else 0.0,
        std_views=float(statistics.pstdev(views)) if len(views) > 1 else 0.0,
        total_views=sum(views),
        total_likes=sum(likes),
        total_comments=sum(comments),
        total_reels=len(scored),
        engagement_metrics=engagement_metrics,
        content_stats=content_stats,
    )
