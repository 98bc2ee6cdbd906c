"""The profile worker: what a claimed profile job does, stage by stage (the spec's stages)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jobs.progress import JobProgress
from profiles.metrics import OUTLIER_AT, ProfileMetrics, ScoredReel, profile_metrics, score_reels
from profiles.models import Content, PrimaryProfile, ProfileJob
from profiles.providers import get_instagram_provider
from profiles.providers.base import ProfileData

CONTENT_UPDATE_FIELDS = [
    "url", "description", "transcript", "hashtags", "keywords", "view_count", "like_count", "comment_count",
    "video_duration", "is_pinned", "date_posted", "username", "outlier_score", "engagement_rate", "profile",
    "content_type", "updated_at",
]


def fetch_profile_job(job: ProfileJob, progress: JobProgress) -> None:
    """Fetch a profile and its recent reels and store them.

    1. initializing: pick the provider
    2. fetching_profile_data: the account's metadata (unknown/private accounts fail here, for good)
    3. analyzing_content: recent reels, outlier scores and engagement rates
    4. processing_insights: hashtags, keywords, posting habits, profile metrics
    5. finalizing: profile + reels in one transaction, then COMPLETED
    """
    username = job.username
    progress.report("initializing", 5, "Preparing the Instagram provider")
    provider = get_instagram_provider()

    progress.report("fetching_profile_data", 10, f"Fetching @{username} from {provider.name}")
    profile = provider.fetch_profile(username)
    progress.report(
        "fetching_profile_data", 30, f"Fetched @{username}: {profile.followers_count:,} followers"
    )

    progress.report("analyzing_content", 35, f"Fetching up to {settings.PROFILE_REELS_LIMIT} recent reels")
    reels = provider.fetch_reels(username, limit=settings.PROFILE_REELS_LIMIT)
    progress.report("analyzing_content", 55, f"Scoring {len(reels)} reels against the account's median")
    scored = score_reels(reels, followers=profile.followers_count)
    outliers = sum(1 for s in scored if s.outlier_score >= OUTLIER_AT)
    progress.report("analyzing_content", 70, f"{len(scored)} reels scored, {outliers} above {OUTLIER_AT:g}× the median")

    progress.report("processing_insights", 75, "Extracting hashtags, keywords and posting habits")
    metrics = profile_metrics(profile, scored)
    progress.report("processing_insights", 88, f"Median {metrics.median_views:,.0f} views per reel")

    progress.report("finalizing", 92, f"Saving @{username} and {len(scored)} reels")
    with transaction.atomic():
        store_profile(profile, scored, metrics)
        # Inside the same transaction: if the job was cancelled or recovered meanwhile, the
        # completion refuses and nothing above is written.
        progress.complete(f"@{username} fetched: {len(scored)} reels, {outliers} outliers")


def store_profile(profile: ProfileData, scored: list[ScoredReel], metrics: ProfileMetrics) -> PrimaryProfile:
    now = timezone.now()
    username = profile.username.lower()
    fields = {
        "full_name": profile.full_name,
        "followers_count": profile.followers_count,
        "following_count": profile.follows_count,
        "posts_count": profile.posts_count,
        "bio": profile.biography,
        "profile_pic_url": profile.profile_pic_url,
        "is_verified": profile.is_verified,
        "is_private": profile.is_private,
        "is_business_account": profile.is_business_account,
        "primary_category": profile.business_category,
        "profile_data": {"external_url": profile.external_url, "source": profile.raw.get("_source", "")},
        "content_stats": metrics.content_stats,
        "engagement_metrics": metrics.engagement_metrics,
        "last_scraped_at": now,
        "scraping_status": "completed",
        "median_views": metrics.median_views,
        "mean_views": metrics.mean_views,
        "std_views": metrics.std_views,
        "total_views": metrics.total_views,
        "total_likes": metrics.total_likes,
        "total_comments": metrics.total_comments,
        "total_reels": metrics.total_reels,
    }
    # One INSERT … ON CONFLICT (username) DO UPDATE and a read of the row's id, not
    # update_or_create's six statements (savepoints, SELECT … FOR UPDATE, INSERT or UPDATE): this
    # write was most of what a quick profile job cost. created_at keeps the first fetch's value.
    # (The id is read back because Django returns ids from an upsert only for rows it inserted
    # without one, and ours get their UUID in Python.)
    PrimaryProfile.objects.bulk_create(
        [PrimaryProfile(username=username, created_at=now, **fields)],
        update_conflicts=True, unique_fields=["username"], update_fields=[*fields, "updated_at"],
    )
    primary = PrimaryProfile(pk=PrimaryProfile.objects.filter(username=username).values_list("pk", flat=True).get(),
                             username=username, **fields)
    rows = [
        Content(
            content_id=s.reel.content_id,
            shortcode=s.reel.shortcode,
            content_type=s.reel.content_type,
            url=s.reel.url,
            description=s.reel.caption,
            transcript=s.reel.transcript,
            hashtags=list(s.reel.hashtags),
            keywords=list(s.keywords),
            view_count=s.reel.view_count,
            like_count=s.reel.like_count,
            comment_count=s.reel.comment_count,
            video_duration=s.reel.video_duration,
            is_pinned=s.reel.is_pinned,
            date_posted=s.reel.posted_at,
            username=username,
            outlier_score=s.outlier_score,
            engagement_rate=s.engagement_rate,
            profile=primary,
        )
        for s in scored
    ]
    if rows:
        # A refetch updates the counters of reels already stored instead of duplicating them.
        Content.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["content_id"], update_fields=CONTENT_UPDATE_FIELDS
        )
    return primary


def refresh_profile(username: str, *, max_age_hours: float | None = None) -> tuple[PrimaryProfile, bool]:
    """The stored profile if it is younger than max_age_hours, else fetched and stored now.

    For pipelines that need a profile as one step of their own job (viral ideas). Returns the
    profile and whether it was fetched. Provider errors propagate, typed.
    """
    profile = PrimaryProfile.objects.filter(username=username).first()
    if profile is not None and profile.last_scraped_at and max_age_hours is not None:
        if timezone.now() - profile.last_scraped_at < timedelta(hours=max_age_hours):
            return profile, False
    provider = get_instagram_provider()
    data = provider.fetch_profile(username)
    scored = score_reels(provider.fetch_reels(username, limit=settings.PROFILE_REELS_LIMIT), followers=data.followers_count)
    with transaction.atomic():
        stored = store_profile(data, scored, profile_metrics(data, scored))
    return PrimaryProfile.objects.get(pk=stored.pk), True  # the whole row as stored
