"""InstaloaderProvider against real instaloader objects built from stored GraphQL nodes, offline."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import socket
from pathlib import Path
from typing import Any

import instaloader
import pytest
import requests
from instaloader.exceptions import (
    AbortDownloadException,
    BadCredentialsException,
    BadResponseException,
    ConnectionException,
    InstaloaderException,
    InvalidArgumentException,
    LoginRequiredException,
    PrivateProfileNotFollowedException,
    ProfileNotExistsException,
    QueryReturnedBadRequestException,
    QueryReturnedNotFoundException,
    TooManyRequestsException,
    TwoFactorAuthRequiredException,
)

from jobs.errors import JobError
from profiles.providers.base import (
    LoginRequired,
    PrivateProfile,
    ProfileNotFound,
    ProviderUnavailable,
    RateLimited,
)
from profiles.providers import instaloader_provider
from profiles.providers.instaloader_provider import (
    InstaloaderProvider,
    profile_from_instaloader,
    reel_from_instaloader,
    translate_instaloader_error,
)

FIXTURES = Path(__file__).parent / "fixtures"
UTC = dt.timezone.utc


class NetworkAttempted(AssertionError):
    """Raised (and recorded) whenever code under test tries to reach the network."""


class NetworkForbiddenSession(requests.Session):
    """A requests session that fails the test on any request."""

    def __init__(self, attempts: list[str]):
        super().__init__()
        self.attempts = attempts

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        self.attempts.append(f"{method} {url}")
        raise NetworkAttempted(f"network request attempted: {method} {url}")


@pytest.fixture
def network_attempts(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every request attempted during the test; the test fails at teardown if there was one."""
    attempts: list[str] = []

    def refuse_request(self: requests.Session, method: str, url: str, *args: Any, **kwargs: Any) -> None:
        attempts.append(f"{method} {url}")
        raise NetworkAttempted(f"network request attempted: {method} {url}")

    def refuse_connect(self: socket.socket, address: Any) -> None:
        attempts.append(f"socket connect {address!r}")
        raise NetworkAttempted(f"socket connection attempted: {address!r}")

    # Sessions that instaloader creates on its own (anonymous copies, downloads) are covered too.
    monkeypatch.setattr(requests.Session, "request", refuse_request)
    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    yield attempts
    assert attempts == [], f"the test tried to reach the network: {attempts}"


@pytest.fixture
def context(network_attempts: list[str], monkeypatch: pytest.MonkeyPatch) -> instaloader.InstaloaderContext:
    """A real InstaloaderContext whose HTTP sessions refuse every request."""
    ctx = instaloader.InstaloaderContext(sleep=False, quiet=True, max_connection_attempts=1)
    ctx._session = NetworkForbiddenSession(network_attempts)
    monkeypatch.setattr(ctx, "get_anonymous_session", lambda: NetworkForbiddenSession(network_attempts))
    return ctx


def profile_node() -> dict[str, Any]:
    return json.loads((FIXTURES / "instaloader_profile_node.json").read_text(encoding="utf-8"))


def reel_nodes() -> list[dict[str, Any]]:
    return json.loads((FIXTURES / "instaloader_reel_nodes.json").read_text(encoding="utf-8"))


@pytest.fixture
def profile(context: instaloader.InstaloaderContext) -> instaloader.Profile:
    return instaloader.Profile(context, profile_node())


@pytest.fixture
def posts(context: instaloader.InstaloaderContext, profile: instaloader.Profile) -> list[instaloader.Post]:
    """The stored reels in the order Instagram lists them: newest first."""
    return [instaloader.Post(context, node, profile) for node in reel_nodes()]


def test_the_network_guard_really_refuses_requests(context: instaloader.InstaloaderContext,
                                                   network_attempts: list[str]) -> None:
    with pytest.raises(NetworkAttempted):
        context.get_json("api/v1/users/web_profile_info/", params={"username": "harbor.bakes"})
    with pytest.raises(NetworkAttempted):
        requests.get("https://www.instagram.com/")
    assert len(network_attempts) == 2
    network_attempts.clear()


def test_profile_fields_are_mapped_from_the_graphql_node(profile: instaloader.Profile) -> None:
    data = profile_from_instaloader(profile)

    assert data.username == "harbor.bakes"
    assert data.full_name == "Harbor Bakes · Ines Albrecht"
    assert data.biography == "Small-batch sourdough and honest crumb shots 🍞\nClasses every Saturday"
    assert data.followers_count == 48213
    assert data.follows_count == 412
    assert data.posts_count == 318
    assert data.is_verified is False
    assert data.is_private is False
    assert data.is_business_account is True
    assert data.business_category == "Restaurants"
    assert data.profile_pic_url == "https://scontent.example.invalid/v/t51.2885-19/harbor_bakes_320.jpg"
    assert data.external_url == "https://example.com/harbor-bakes"
    assert data.raw["id"] == "51873920044"


def test_private_flag_is_mapped_from_the_graphql_node(context: instaloader.InstaloaderContext) -> None:
    node = profile_node() | {"is_private": True}

    assert profile_from_instaloader(instaloader.Profile(context, node)).is_private is True


def test_missing_optional_profile_fields_become_empty_strings(context: instaloader.InstaloaderContext) -> None:
    node = profile_node() | {"business_category_name": None, "external_url": None}

    data = profile_from_instaloader(instaloader.Profile(context, node))

    assert data.business_category == ""
    assert data.external_url == ""


def test_reel_fields_are_mapped_from_the_graphql_node(posts: list[instaloader.Post]) -> None:
    reel = reel_from_instaloader(posts[0])

    assert reel.content_id == "4017034746902875224"
    assert reel.shortcode == "De_X9GzjAxY"
    assert reel.url == "https://www.instagram.com/reel/De_X9GzjAxY/"
    assert reel.caption.startswith("Why does nobody talk about the float test?\n")
    assert reel.hashtags == ("sourdough", "baking", "reels")
    assert reel.posted_at == dt.datetime(2026, 10, 27, 7, 58, tzinfo=UTC)
    assert reel.like_count == 412
    assert reel.comment_count == 57
    assert reel.video_duration == 14.2
    assert reel.is_pinned is False
    assert reel.transcript == ""
    assert reel.content_type == "reel"
    assert reel.raw["product_type"] == "clips"


def test_posted_at_is_an_aware_utc_datetime(posts: list[instaloader.Post]) -> None:
    for post in posts:
        posted_at = reel_from_instaloader(post).posted_at
        assert posted_at is not None
        assert posted_at.utcoffset() == dt.timedelta(0)


def test_plays_are_preferred_over_views_when_both_exist(posts: list[instaloader.Post]) -> None:
    assert reel_from_instaloader(posts[0]).view_count == 9021
    assert reel_from_instaloader(posts[2]).view_count == 48210


def test_views_are_used_when_plays_are_missing(posts: list[instaloader.Post]) -> None:
    assert reel_from_instaloader(posts[1]).view_count == 12873


def test_a_reel_without_any_view_count_counts_zero_views(context: instaloader.InstaloaderContext,
                                                         profile: instaloader.Profile) -> None:
    node = reel_nodes()[1] | {"video_view_count": None, "video_play_count": None}

    assert reel_from_instaloader(instaloader.Post(context, node, profile)).view_count == 0


def test_hashtags_are_lower_cased_and_deduplicated(posts: list[instaloader.Post]) -> None:
    assert reel_from_instaloader(posts[2]).hashtags == ("sourdough", "bread", "breadtok", "reels")


def test_pinned_for_users_marks_a_reel_as_pinned(posts: list[instaloader.Post]) -> None:
    assert reel_from_instaloader(posts[2]).is_pinned is True


def test_current_web_api_pinning_fields_mark_a_reel_as_pinned(context: instaloader.InstaloaderContext,
                                                              profile: instaloader.Profile) -> None:
    node = reel_nodes()[1] | {"clips_tab_pinned_user_ids": ["51873920044"]}

    assert reel_from_instaloader(instaloader.Post(context, node, profile)).is_pinned is True


@pytest.mark.parametrize(
    ("exception", "expected_type", "expected_code"),
    [
        (ProfileNotExistsException("Profile ghost does not exist."), ProfileNotFound, "PROFILE_NOT_FOUND"),
        (QueryReturnedNotFoundException("404 Not Found"), ProfileNotFound, "PROFILE_NOT_FOUND"),
        (PrivateProfileNotFollowedException("Profile x is private but not followed."), PrivateProfile,
         "PRIVATE_PROFILE"),
        (TooManyRequestsException("429 Too Many Requests"), RateLimited, "RATE_LIMITED"),
        (ConnectionException("JSON Query to graphql/query: 429 Too Many Requests when accessing "
                             "https://www.instagram.com/graphql/query"), RateLimited, "RATE_LIMITED"),
        (ConnectionException('JSON Query to api/graphql: "fail" status, message "Please wait a few minutes '
                             'before you try again."'), RateLimited, "RATE_LIMITED"),
        (LoginRequiredException("Redirected to login page."), LoginRequired, "LOGIN_REQUIRED"),
        (BadCredentialsException("Login error: Wrong password."), LoginRequired, "LOGIN_REQUIRED"),
        (TwoFactorAuthRequiredException("Login error: two-factor authentication required."), LoginRequired,
         "LOGIN_REQUIRED"),
        (InvalidArgumentException("No two-factor authentication pending."), LoginRequired, "LOGIN_REQUIRED"),
        (ConnectionException("JSON Query to api/graphql: 500 Internal Server Error"), ProviderUnavailable,
         "PROVIDER_UNAVAILABLE"),
        (QueryReturnedBadRequestException("400 Bad Request"), ProviderUnavailable, "PROVIDER_UNAVAILABLE"),
        (BadResponseException("Fetching Post metadata failed."), ProviderUnavailable, "PROVIDER_UNAVAILABLE"),
        (InstaloaderException("something unexpected"), ProviderUnavailable, "PROVIDER_UNAVAILABLE"),
        (AbortDownloadException('400 Bad Request - "fail" status, message "checkpoint_required"'), LoginRequired,
         "LOGIN_REQUIRED"),
        (AbortDownloadException('400 Bad Request - "fail" status, message "feedback_required"'), RateLimited,
         "RATE_LIMITED"),
    ],
    ids=[
        "profile_not_exists_means_profile_not_found",
        "query_not_found_means_profile_not_found",
        "private_not_followed_means_private_profile",
        "too_many_requests_means_rate_limited",
        "connection_error_mentioning_429_means_rate_limited",
        "connection_error_asking_to_wait_means_rate_limited",
        "login_required_means_login_required",
        "bad_credentials_mean_login_required",
        "two_factor_required_means_login_required",
        "invalid_argument_means_login_required",
        "other_connection_error_means_provider_unavailable",
        "bad_request_means_provider_unavailable",
        "bad_response_means_provider_unavailable",
        "any_other_instaloader_error_means_provider_unavailable",
        "checkpoint_means_login_required",
        "feedback_required_means_rate_limited",
    ],
)
def test_instaloader_errors_translate_to_typed_job_errors(
    exception: BaseException, expected_type: type[JobError], expected_code: str
) -> None:
    error = translate_instaloader_error(exception)

    assert type(error) is expected_type
    assert error.error_code == expected_code
    assert error.retryable is expected_type.retryable


@pytest.mark.parametrize(
    ("expected_type", "retryable"),
    [(ProfileNotFound, False), (PrivateProfile, False), (LoginRequired, False),
     (RateLimited, True), (ProviderUnavailable, True)],
    ids=["profile_not_found_is_permanent", "private_profile_is_permanent", "login_required_is_permanent",
         "rate_limited_is_retryable", "provider_unavailable_is_retryable"],
)
def test_each_typed_error_has_the_expected_retryable_flag(expected_type: type[JobError], retryable: bool) -> None:
    assert expected_type("message").retryable is retryable


def test_a_429_wrapped_by_the_retry_loop_is_still_rate_limited() -> None:
    try:
        try:
            raise TooManyRequestsException("Too Many Requests")
        except TooManyRequestsException as cause:
            raise ConnectionException("JSON Query to graphql/query: Too Many Requests") from cause
    except ConnectionException as wrapped:
        assert isinstance(translate_instaloader_error(wrapped), RateLimited)


@pytest.mark.parametrize(
    "exception",
    [FileNotFoundError("no such session file"), pickle.UnpicklingError("corrupt"), KeyError("csrftoken"),
     InvalidArgumentException("bad session")],
    ids=["missing_file", "corrupt_pickle", "cookies_without_csrf_token", "invalid_argument"],
)
def test_any_failure_while_loading_the_session_means_login_required(exception: BaseException) -> None:
    error = translate_instaloader_error(exception, loading_session=True)

    assert isinstance(error, LoginRequired)
    assert error.retryable is False


def test_translated_messages_name_the_profile() -> None:
    error = translate_instaloader_error(ProfileNotExistsException("x"), username="ghost.account")

    assert error.message == "Instagram profile @ghost.account does not exist"


# The provider end to end: only the two network entry points are replaced, by functions that hand
# back the real objects built from stored nodes, or raise what instaloader raises.


@pytest.fixture
def serve_profile(monkeypatch: pytest.MonkeyPatch, profile: instaloader.Profile,
                  posts: list[instaloader.Post]) -> instaloader.Profile:
    """Make Profile.from_username return the stored profile, whose reels are the stored posts."""
    monkeypatch.setattr(instaloader.Profile, "from_username", classmethod(lambda cls, ctx, name: profile))
    monkeypatch.setattr(profile, "get_reels", lambda: iter(posts))
    return profile


def test_fetch_profile_maps_the_profile(serve_profile: instaloader.Profile) -> None:
    data = InstaloaderProvider().fetch_profile("Harbor.Bakes")

    assert data.username == "harbor.bakes"
    assert data.followers_count == 48213


def test_fetch_reels_returns_the_newest_first_within_the_limit(serve_profile: instaloader.Profile) -> None:
    reels = InstaloaderProvider().fetch_reels("harbor.bakes", limit=2)

    assert [reel.shortcode for reel in reels] == ["De_X9GzjAxY", "DeAJqtD0AGS"]


def test_fetch_reels_puts_an_old_pinned_reel_back_in_date_order(
    monkeypatch: pytest.MonkeyPatch, serve_profile: instaloader.Profile, posts: list[instaloader.Post]
) -> None:
    # Instagram lists pinned reels first, whatever their age.
    monkeypatch.setattr(serve_profile, "get_reels", lambda: iter([posts[2], posts[0], posts[1]]))

    reels = InstaloaderProvider().fetch_reels("harbor.bakes", limit=10)

    assert [reel.shortcode for reel in reels] == ["De_X9GzjAxY", "DeAJqtD0AGS", "DcBzutDrwwR"]
    assert [reel.is_pinned for reel in reels] == [False, False, True]


def test_private_profile_not_followed_raises_private_profile_on_both_calls(
    monkeypatch: pytest.MonkeyPatch, context: instaloader.InstaloaderContext
) -> None:
    private = instaloader.Profile(context, profile_node() | {"is_private": True, "followed_by_viewer": False})
    monkeypatch.setattr(instaloader.Profile, "from_username", classmethod(lambda cls, ctx, name: private))
    monkeypatch.setattr(private, "get_reels", lambda: pytest.fail("reels of a private profile were requested"))
    provider = InstaloaderProvider()

    with pytest.raises(PrivateProfile):
        provider.fetch_profile("harbor.bakes")
    with pytest.raises(PrivateProfile):
        provider.fetch_reels("harbor.bakes", limit=5)


def test_private_profile_followed_by_the_session_account_is_readable(
    monkeypatch: pytest.MonkeyPatch, context: instaloader.InstaloaderContext, posts: list[instaloader.Post]
) -> None:
    followed = instaloader.Profile(context, profile_node() | {"is_private": True, "followed_by_viewer": True})
    monkeypatch.setattr(instaloader.Profile, "from_username", classmethod(lambda cls, ctx, name: followed))
    monkeypatch.setattr(followed, "get_reels", lambda: iter(posts))

    assert len(InstaloaderProvider().fetch_reels("harbor.bakes", limit=5)) == 3


def test_the_wrapper_turns_a_library_exception_into_a_typed_error(
    monkeypatch: pytest.MonkeyPatch, network_attempts: list[str]
) -> None:
    def missing(cls: type, ctx: instaloader.InstaloaderContext, name: str) -> None:
        raise ProfileNotExistsException(f"Profile {name} does not exist.")

    monkeypatch.setattr(instaloader.Profile, "from_username", classmethod(missing))

    with pytest.raises(ProfileNotFound) as raised:
        InstaloaderProvider().fetch_profile("ghost.account")

    assert raised.value.message == "Instagram profile @ghost.account does not exist"
    assert isinstance(raised.value.__cause__, ProfileNotExistsException)


def test_a_rate_limit_while_listing_reels_becomes_rate_limited(
    monkeypatch: pytest.MonkeyPatch, serve_profile: instaloader.Profile
) -> None:
    def throttled() -> None:
        raise ConnectionException("JSON Query to graphql/query: 429 Too Many Requests")

    monkeypatch.setattr(serve_profile, "get_reels", throttled)

    with pytest.raises(RateLimited) as raised:
        InstaloaderProvider().fetch_reels("harbor.bakes", limit=5)

    assert raised.value.retryable is True


def test_a_failing_request_inside_instaloader_becomes_provider_unavailable(network_attempts: list[str]) -> None:
    class RefusedSession(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> requests.Response:
            raise requests.ConnectionError("connection refused")

    provider = InstaloaderProvider()
    loader_context = provider._get_loader().context
    loader_context.sleep = False
    loader_context.get_anonymous_session = RefusedSession  # type: ignore[method-assign]

    with pytest.raises(ProviderUnavailable):
        provider.fetch_profile("harbor.bakes")


def test_an_invalid_username_is_refused_before_any_request(network_attempts: list[str]) -> None:
    provider = InstaloaderProvider()

    with pytest.raises(ProfileNotFound):
        provider.fetch_profile("../etc/passwd")
    assert provider._loader is None


def test_a_missing_session_file_means_login_required(tmp_path: Path, network_attempts: list[str]) -> None:
    provider = InstaloaderProvider(session_file=str(tmp_path / "absent-session"), session_username="someone")

    with pytest.raises(LoginRequired):
        provider.fetch_profile("harbor.bakes")


def test_a_corrupt_session_file_means_login_required(tmp_path: Path, network_attempts: list[str]) -> None:
    session_file = tmp_path / "session-someone"
    session_file.write_bytes(b"not a pickle")
    provider = InstaloaderProvider(session_file=str(session_file), session_username="someone")

    with pytest.raises(LoginRequired):
        provider.fetch_reels("harbor.bakes", limit=5)


def test_a_valid_session_file_is_loaded_without_any_request(tmp_path: Path, network_attempts: list[str]) -> None:
    session_file = tmp_path / "session-someone"
    session_file.write_bytes(pickle.dumps({"csrftoken": "token", "sessionid": "id", "ds_user_id": "42"}))
    provider = InstaloaderProvider(session_file=str(session_file), session_username="someone")

    context = provider._get_loader().context

    assert context.username == "someone"
    assert context.is_logged_in is True


def test_the_loader_is_configured_not_to_download_or_retry(network_attempts: list[str]) -> None:
    loader = InstaloaderProvider(request_timeout=12.5)._get_loader()

    assert loader.download_pictures is False
    assert loader.download_videos is False
    assert loader.save_metadata is False
    assert loader.context.max_connection_attempts == 1
    assert loader.context.request_timeout == 12.5
    assert loader.context.quiet is True



def test_a_long_rate_controller_wait_gives_the_job_back_instead_of_blocking(
    monkeypatch: pytest.MonkeyPatch, network_attempts: list[str]
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(instaloader_provider.time, "sleep", slept.append)
    controller = InstaloaderProvider()._get_loader().context._rate_controller

    controller.sleep(2.0)
    with pytest.raises(RateLimited):
        controller.sleep(660.0)

    assert slept == [2.0]
