"""Instagram provider backed by the instaloader library (the production provider)."""

from __future__ import annotations

import datetime as dt
import pickle
import re
import time
from typing import Callable, TypeVar

import instaloader
import requests
from instaloader.exceptions import (
    AbortDownloadException,
    ConnectionException,
    InstaloaderException,
    InvalidArgumentException,
    LoginException,
    LoginRequiredException,
    PrivateProfileNotFollowedException,
    ProfileNotExistsException,
    QueryReturnedNotFoundException,
    TooManyRequestsException,
)

from jobs.errors import JobError
from profiles.providers.base import (
    LoginRequired,
    PrivateProfile,
    ProfileData,
    ProfileNotFound,
    ProviderUnavailable,
    RateLimited,
    ReelData,
)

T = TypeVar("T")

_USERNAME_RE = re.compile(r"^[a-z0-9._]{1,30}$")
# With max_connection_attempts=1 instaloader re-raises a 429 as a plain ConnectionException whose
# text carries the status; "Please wait a few minutes" is Instagram's own rate-limit wording.
_RATE_LIMIT_TEXT_RE = re.compile(r"\b429\b|please wait a few minutes", re.IGNORECASE)
# Instagram answers these with HTTP 400 when it wants a human to act on the account.
_ACCOUNT_CHALLENGE_TEXT_RE = re.compile(r"checkpoint_required|challenge_required", re.IGNORECASE)
# Instagram pins at most three posts, and pinned ones come first whatever their age.
_MAX_PINNED = 3
# Instaloader's own rate controller would otherwise block a worker for up to half an hour.
_MAX_RATE_CONTROLLER_WAIT_SECONDS = 30.0


def translate_instaloader_error(
    exc: BaseException, *, username: str = "", loading_session: bool = False
) -> JobError:
    """The typed job error for an exception raised by instaloader (or by loading its session)."""
    who = f"@{username}" if username else "the profile"
    detail = str(exc) or type(exc).__name__
    if loading_session:
        # Whatever broke (missing file, corrupt pickle, rejected cookies), only a fresh
        # session file fixes it, so retrying is pointless.
        return LoginRequired(f"The Instagram session file could not be loaded: {detail}")
    if isinstance(exc, (ProfileNotExistsException, QueryReturnedNotFoundException)):
        return ProfileNotFound(f"Instagram profile {who} does not exist")
    if isinstance(exc, PrivateProfileNotFollowedException):
        return PrivateProfile(f"Instagram profile {who} is private")
    if isinstance(exc, TooManyRequestsException) or _is_rate_limit(exc):
        return RateLimited(f"Instagram is rate limiting requests: {detail}")
    if isinstance(exc, (LoginRequiredException, LoginException, InvalidArgumentException)):
        return LoginRequired(f"Instagram requires a valid login: {detail}")
    if isinstance(exc, AbortDownloadException):
        if _ACCOUNT_CHALLENGE_TEXT_RE.search(detail) or "login page" in detail.lower():
            return LoginRequired(f"Instagram wants the session account verified: {detail}")
        # feedback_required is Instagram's temporary "action blocked", which lifts by itself.
        return RateLimited(f"Instagram temporarily blocked requests: {detail}")
    return ProviderUnavailable(f"Instagram could not be reached: {detail}")


def _is_rate_limit(exc: BaseException) -> bool:
    if not isinstance(exc, ConnectionException):
        return False
    cause = exc.__cause__
    return isinstance(cause, TooManyRequestsException) or bool(_RATE_LIMIT_TEXT_RE.search(str(exc)))


def _guarded(call: Callable[[], T], *, username: str = "") -> T:
    """Run `call`, turning anything instaloader or its HTTP layer raises into a typed job error."""
    try:
        return call()
    except JobError:
        raise
    except (InstaloaderException, AbortDownloadException, requests.RequestException) as exc:
        raise translate_instaloader_error(exc, username=username) from exc


def profile_from_instaloader(profile: instaloader.Profile) -> ProfileData:
    """Map an instaloader Profile to ProfileData."""
    return ProfileData(
        username=profile.username,
        full_name=profile.full_name or "",
        biography=profile.biography or "",
        followers_count=_count(profile.followers),
        follows_count=_count(profile.followees),
        posts_count=_count(profile.mediacount),
        is_verified=bool(profile.is_verified),
        is_private=bool(profile.is_private),
        is_business_account=bool(profile.is_business_account),
        business_category=profile.business_category_name or "",
        # The plain property asks the iPhone API for the HD picture when logged in: one more
        # request per profile, counted against the rate limit, for a thumbnail.
        profile_pic_url=profile.profile_pic_url_no_iphone or "",
        external_url=profile.external_url or "",
        raw=profile._asdict(),
    )


def reel_from_instaloader(post: instaloader.Post) -> ReelData:
    """Map an instaloader Post (a reel) to ReelData."""
    plays = post.video_play_count
    views = plays if plays is not None else post.video_view_count
    duration = post.video_duration
    raw = post._asdict()
    return ReelData(
        content_id=str(post.mediaid),
        shortcode=post.shortcode,
        url=f"https://www.instagram.com/reel/{post.shortcode}/",
        caption=post.caption or "",
        hashtags=tuple(dict.fromkeys(post.caption_hashtags)),
        # instaloader returns naive datetimes that are UTC.
        posted_at=post.date_utc.replace(tzinfo=dt.timezone.utc),
        like_count=_count(post.likes),
        comment_count=_count(post.comments),
        view_count=_count(views),
        video_duration=float(duration) if duration is not None else None,
        # Post.is_pinned only knows the legacy GraphQL field; reels fetched through the current
        # web API carry the pinning in these two lists instead.
        is_pinned=bool(
            post.is_pinned or raw.get("timeline_pinned_user_ids") or raw.get("clips_tab_pinned_user_ids")
        ),
        raw=raw,
    )


def _count(value: int | None) -> int:
    # Instagram reports hidden like counts as -1 or leaves them out.
    return max(int(value or 0), 0)


class _FailFastRateController(instaloader.RateController):
    """Gives the job back to the queue instead of sleeping through a long query budget wait."""

    def sleep(self, secs: float) -> None:
        """Sleep briefly, or raise RateLimited when the wait would tie up a worker."""
        if secs > _MAX_RATE_CONTROLLER_WAIT_SECONDS:
            raise RateLimited(f"Instagram query budget used up; next request possible in {secs:.0f} s")
        time.sleep(secs)


class InstaloaderProvider:
    """Fetches public profiles and reels from Instagram, anonymously or with a saved session."""

    name = "instaloader"

    def __init__(self, *, session_file: str = "", session_username: str = "", request_timeout: float = 30.0):
        self.session_file = session_file
        self.session_username = session_username
        self.request_timeout = request_timeout
        self._loader: instaloader.Instaloader | None = None

    def fetch_profile(self, username: str) -> ProfileData:
        """The account's public metadata."""
        profile = self._public_profile(username)
        return _guarded(lambda: profile_from_instaloader(profile), username=username)

    def fetch_reels(self, username: str, *, limit: int) -> list[ReelData]:
        """Up to `limit` of the account's most recent reels, newest first."""
        if limit <= 0:
            return []
        profile = self._public_profile(username)

        def newest_reels() -> list[ReelData]:
            reels = []
            # Pinned reels lead the listing regardless of age, so read past them before sorting.
            for post in profile.get_reels():
                if post.is_video:
                    reels.append(reel_from_instaloader(post))
                if len(reels) >= limit + _MAX_PINNED:
                    break
            reels.sort(key=lambda reel: reel.posted_at, reverse=True)
            return reels[:limit]

        return _guarded(newest_reels, username=username)

    def _public_profile(self, username: str) -> instaloader.Profile:
        normalized = username.lower()
        if not _USERNAME_RE.fullmatch(normalized):
            raise ProfileNotFound(f"Instagram profile @{username} does not exist")
        loader = self._get_loader()
        profile = _guarded(lambda: instaloader.Profile.from_username(loader.context, normalized), username=normalized)

        def is_hidden() -> bool:
            own_profile = normalized == (loader.context.username or "").lower()
            return profile.is_private and not own_profile and not profile.followed_by_viewer

        if _guarded(is_hidden, username=normalized):
            raise PrivateProfile(f"Instagram profile @{normalized} is private")
        return profile

    def _get_loader(self) -> instaloader.Instaloader:
        # Built on first use so that constructing the provider (e.g. at startup) never touches
        # the network or the session file.
        if self._loader is None:
            loader = instaloader.Instaloader(
                download_pictures=False,
                download_videos=False,
                download_video_thumbnails=False,
                download_comments=False,
                save_metadata=False,
                compress_json=False,
                quiet=True,
                max_connection_attempts=1,
                request_timeout=self.request_timeout,
                rate_controller=_FailFastRateController,
            )
            if self.session_file:
                try:
                    loader.load_session_from_file(self.session_username, self.session_file)
                except (OSError, EOFError, KeyError, pickle.UnpicklingError, InstaloaderException) as exc:
                    raise translate_instaloader_error(exc, loading_session=True) from exc
            self._loader = loader
        return self._loader
