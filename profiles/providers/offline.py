"""Instagram provider that reads stored JSON files instead of calling Instagram.

Each file is `{"profile": {...}, "reels": [...]}` with the field names of Apify's
instagram-profile-scraper (profile) and instagram-reel-scraper (reels), so an item exported by
either actor can be copied in as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path
from typing import Any

from jobs.errors import PermanentJobError
from profiles.providers.base import PrivateProfile, ProfileData, ProfileNotFound, ReelData

SAMPLE_DATA_INVALID = "SAMPLE_DATA_INVALID"

_USERNAME_RE = re.compile(r"^[a-z0-9._]{1,30}$")
# Same pattern instaloader uses for Post.caption_hashtags, so both providers agree.
_HASHTAG_RE = re.compile(r"#(\w{1,150})")


class OfflineProvider:
    """Serves `<data_dir>/<username>.json`; never invents an account that has no file."""

    name = "offline"

    def __init__(self, data_dir: str | Path, *, delay_seconds: float = 0.0):
        self.data_dir = Path(data_dir)
        # Simulated network latency, for demos and recovery tests.
        self.delay_seconds = delay_seconds

    def fetch_profile(self, username: str) -> ProfileData:
        """The stored profile of `username`."""
        self._simulate_latency()
        path, document = self._load(username)
        return _public_profile(path, document)

    def fetch_reels(self, username: str, *, limit: int) -> list[ReelData]:
        """Up to `limit` stored reels of `username`, newest first."""
        self._simulate_latency()
        path, document = self._load(username)
        # A private account must fail here exactly as it does on Instagram, whatever the file holds.
        _public_profile(path, document)
        items = document.get("reels", [])
        if not isinstance(items, list):
            raise _invalid(path, "'reels' is not a list")
        try:
            reels = [reel_from_apify(item) for item in items]
        except (KeyError, TypeError, ValueError) as exc:
            raise _invalid(path, f"a reel is malformed ({exc!r})") from exc
        oldest = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        reels.sort(key=lambda reel: reel.posted_at or oldest, reverse=True)
        return reels[: max(limit, 0)]

    def _simulate_latency(self) -> None:
        if self.delay_seconds > 0:
            time.sleep(self.delay_seconds)

    def _load(self, username: str) -> tuple[Path, dict[str, Any]]:
        normalized = username.lower()
        # The name becomes part of a file path, so anything that could leave data_dir is refused.
        if not _USERNAME_RE.fullmatch(normalized) or ".." in normalized:
            raise ProfileNotFound(f"Instagram profile @{username} does not exist")
        path = self.data_dir / f"{normalized}.json"
        if not path.is_file():
            raise ProfileNotFound(f"Instagram profile @{normalized} does not exist")
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _invalid(path, f"unreadable JSON ({exc})") from exc
        if not isinstance(document, dict) or not isinstance(document.get("profile"), dict):
            raise _invalid(path, "expected an object with a 'profile' object")
        return path, document


def _public_profile(path: Path, document: dict[str, Any]) -> ProfileData:
    try:
        profile = profile_from_apify(document["profile"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _invalid(path, f"the profile is malformed ({exc!r})") from exc
    if profile.is_private:
        raise PrivateProfile(f"Instagram profile @{profile.username} is private")
    return profile


def profile_from_apify(item: dict[str, Any]) -> ProfileData:
    """Map an instagram-profile-scraper item to ProfileData."""
    return ProfileData(
        username=str(item["username"]).lower(),
        full_name=item.get("fullName") or "",
        biography=item.get("biography") or "",
        followers_count=_count(item.get("followersCount")),
        follows_count=_count(item.get("followsCount")),
        posts_count=_count(item.get("postsCount")),
        is_verified=bool(item.get("verified")),
        is_private=bool(item.get("private")),
        is_business_account=bool(item.get("isBusinessAccount")),
        business_category=item.get("businessCategoryName") or "",
        profile_pic_url=item.get("profilePicUrl") or "",
        external_url=item.get("externalUrl") or "",
        raw=item,
    )


def reel_from_apify(item: dict[str, Any]) -> ReelData:
    """Map an instagram-reel-scraper item (plus our `transcript` extension) to ReelData."""
    shortcode = str(item["shortCode"])
    caption = item.get("caption") or ""
    plays = item.get("videoPlayCount")
    views = plays if plays is not None else item.get("videoViewCount")
    duration = item.get("videoDuration")
    return ReelData(
        content_id=str(item["id"]),
        shortcode=shortcode,
        url=item.get("url") or f"https://www.instagram.com/reel/{shortcode}/",
        caption=caption,
        hashtags=_hashtags(item.get("hashtags"), caption),
        posted_at=_parse_timestamp(item.get("timestamp")),
        like_count=_count(item.get("likesCount")),
        comment_count=_count(item.get("commentsCount")),
        view_count=_count(views),
        video_duration=float(duration) if duration is not None else None,
        is_pinned=bool(item.get("isPinned")),
        transcript=item.get("transcript") or "",
        raw=item,
    )


def _count(value: Any) -> int:
    # Apify reports hidden like counts as -1; a hidden count is no evidence of zero, but
    # downstream arithmetic needs a non-negative number.
    return max(int(value or 0), 0)


def _hashtags(listed: Any, caption: str) -> tuple[str, ...]:
    tags = listed if isinstance(listed, list) and listed else _HASHTAG_RE.findall(caption)
    cleaned = (str(tag).lstrip("#").lower() for tag in tags)
    return tuple(dict.fromkeys(tag for tag in cleaned if tag))


def _parse_timestamp(value: Any) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        # Apify timestamps are UTC even on the rare items that omit the offset.
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def _invalid(path: Path, reason: str) -> PermanentJobError:
    return PermanentJobError(
        f"Sample data file {path.name} is invalid: {reason}", error_code=SAMPLE_DATA_INVALID
    )
