"""Outlier reels as the ideas composer receives them, for the tests of ideas."""

from __future__ import annotations

from jobs.providers.llm.base import IdeaSource


def outlier_reel(username: str, shortcode: str, hook: str, hook_type: str, multiplier: float) -> IdeaSource:
    """An IdeaSource with a plausible URL and view count for its multiplier."""
    return IdeaSource(
        username=username,
        shortcode=shortcode,
        url=f"https://www.instagram.com/reel/{shortcode}/",
        hook=hook,
        hook_type=hook_type,
        outlier_multiplier=multiplier,
        view_count=int(multiplier * 10_000),
    )
