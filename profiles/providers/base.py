"""What the profile pipeline needs from Instagram, whoever provides it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from jobs.errors import PermanentJobError, RetryableJobError


@dataclass(frozen=True)
class ProfileData:
    username: str
    full_name: str
    biography: str
    followers_count: int
    follows_count: int
    posts_count: int
    is_verified: bool
    is_private: bool
    is_business_account: bool
    business_category: str
    profile_pic_url: str
    external_url: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ReelData:
    content_id: str
    shortcode: str
    url: str
    caption: str
    hashtags: tuple[str, ...]
    posted_at: dt.datetime | None
    like_count: int
    comment_count: int
    # Plays when the source has them, else views (Instagram counts replays in plays).
    view_count: int
    video_duration: float | None
    is_pinned: bool
    transcript: str = ""
    content_type: str = "reel"
    raw: dict = field(default_factory=dict, compare=False, repr=False)


class ProfileNotFound(PermanentJobError):
    error_code = "PROFILE_NOT_FOUND"


class PrivateProfile(PermanentJobError):
    error_code = "PRIVATE_PROFILE"


class LoginRequired(PermanentJobError):
    """The provider needs credentials (or a fresh session file) that it does not have."""

    error_code = "LOGIN_REQUIRED"


class RateLimited(RetryableJobError):
    error_code = "RATE_LIMITED"


class ProviderUnavailable(RetryableJobError):
    """Network trouble or an unexpected answer from the other side."""

    error_code = "PROVIDER_UNAVAILABLE"


class InstagramProvider(Protocol):
    name: str

    def fetch_profile(self, username: str) -> ProfileData:
        """The account's public metadata; raises ProfileNotFound / PrivateProfile / RateLimited …"""

    def fetch_reels(self, username: str, *, limit: int) -> list[ReelData]:
        """Up to `limit` of the account's most recent reels, newest first."""
