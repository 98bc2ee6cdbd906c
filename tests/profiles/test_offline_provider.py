"""OfflineProvider against the generated sample data and against small files written per test."""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
import zlib
from pathlib import Path
from typing import Any

import pytest

from jobs.errors import PermanentJobError
from profiles.providers.base import PrivateProfile, ProfileNotFound
from profiles.providers.offline import OfflineProvider

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "instagram"
SAMPLE_FILES = sorted(SAMPLE_DIR.glob("*.json"))
UTC = dt.timezone.utc

PROFILE_KEYS = {
    "username", "fullName", "biography", "followersCount", "followsCount", "postsCount", "verified",
    "private", "isBusinessAccount", "businessCategoryName", "profilePicUrl", "externalUrl", "id",
}
REEL_KEYS = {
    "id", "shortCode", "url", "caption", "hashtags", "timestamp", "likesCount", "commentsCount",
    "videoViewCount", "videoDuration", "isPinned", "ownerUsername", "type", "productType", "transcript",
}
TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def reel(shortcode: str, timestamp: str, **fields: Any) -> dict[str, Any]:
    item = {
        "id": str(zlib.crc32(shortcode.encode())),
        "shortCode": shortcode,
        "url": f"https://www.instagram.com/reel/{shortcode}/",
        "caption": "Hook line\n\n#one #two",
        "hashtags": ["one", "two"],
        "timestamp": timestamp,
        "likesCount": 10,
        "commentsCount": 1,
        "videoViewCount": 100,
        "videoDuration": 12.5,
        "isPinned": False,
        "ownerUsername": "tiny.account",
        "type": "Video",
        "productType": "clips",
    }
    item.update(fields)
    return item


def write_account(directory: Path, username: str, *, private: bool = False,
                  reels: list[dict[str, Any]] | None = None) -> None:
    profile = {"username": username, "fullName": "Tiny Account", "biography": "", "followersCount": 1000,
               "followsCount": 10, "postsCount": 5, "verified": False, "private": private,
               "isBusinessAccount": False, "businessCategoryName": None, "profilePicUrl": "",
               "externalUrl": None, "id": "123"}
    document = {"profile": profile, "reels": reels or []}
    (directory / f"{username}.json").write_text(json.dumps(document), encoding="utf-8")


@pytest.fixture
def sample_provider() -> OfflineProvider:
    return OfflineProvider(SAMPLE_DIR)


def load_sample(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def public_sample_usernames() -> list[str]:
    return [path.stem for path in SAMPLE_FILES if not load_sample(path)["profile"]["private"]]


def private_sample_usernames() -> list[str]:
    return [path.stem for path in SAMPLE_FILES if load_sample(path)["profile"]["private"]]


# Small files written per test


def test_plays_are_preferred_over_views_when_both_exist(tmp_path: Path) -> None:
    write_account(tmp_path, "tiny.account", reels=[
        reel("AAAAAAAAAA1", "2026-10-03T17:42:00.000Z", videoViewCount=100, videoPlayCount=160),
    ])

    [only] = OfflineProvider(tmp_path).fetch_reels("tiny.account", limit=5)

    assert only.view_count == 160


def test_views_are_used_when_plays_are_missing(tmp_path: Path) -> None:
    write_account(tmp_path, "tiny.account", reels=[reel("AAAAAAAAAA1", "2026-10-03T17:42:00.000Z",
                                                        videoViewCount=100)])

    [only] = OfflineProvider(tmp_path).fetch_reels("tiny.account", limit=5)

    assert only.view_count == 100


def test_reels_come_back_newest_first_and_the_limit_is_respected(tmp_path: Path) -> None:
    write_account(tmp_path, "tiny.account", reels=[
        reel("AAAAAAAAAA1", "2026-09-01T08:00:00.000Z"),
        reel("AAAAAAAAAA3", "2026-10-20T08:00:00.000Z"),
        reel("AAAAAAAAAA2", "2026-10-01T08:00:00.000Z"),
    ])
    provider = OfflineProvider(tmp_path)

    assert [r.shortcode for r in provider.fetch_reels("tiny.account", limit=2)] == ["AAAAAAAAAA3", "AAAAAAAAAA2"]
    assert len(provider.fetch_reels("tiny.account", limit=10)) == 3
    assert provider.fetch_reels("tiny.account", limit=0) == []


def test_reel_fields_are_mapped_from_apify_names(tmp_path: Path) -> None:
    write_account(tmp_path, "tiny.account", reels=[reel(
        "AbC_dEf-123", "2026-10-03T17:42:00.000Z", id="3987000000000000001", likesCount=42, commentsCount=7,
        videoDuration=31.25, isPinned=True, hashtags=["Sourdough", "bread"], transcript="Hook line. More.",
    )])

    [mapped] = OfflineProvider(tmp_path).fetch_reels("tiny.account", limit=1)

    assert mapped.content_id == "3987000000000000001"
    assert mapped.shortcode == "AbC_dEf-123"
    assert mapped.url == "https://www.instagram.com/reel/AbC_dEf-123/"
    assert mapped.hashtags == ("sourdough", "bread")
    assert mapped.posted_at == dt.datetime(2026, 10, 3, 17, 42, tzinfo=UTC)
    assert mapped.like_count == 42
    assert mapped.comment_count == 7
    assert mapped.video_duration == 31.25
    assert mapped.is_pinned is True
    assert mapped.transcript == "Hook line. More."
    assert mapped.raw["shortCode"] == "AbC_dEf-123"


def test_hashtags_are_parsed_from_the_caption_when_the_list_is_missing(tmp_path: Path) -> None:
    item = reel("AAAAAAAAAA1", "2026-10-03T17:42:00.000Z", caption="Stop doing this.\n\n#Gym #legday #gym")
    del item["hashtags"]
    write_account(tmp_path, "tiny.account", reels=[item])

    [mapped] = OfflineProvider(tmp_path).fetch_reels("tiny.account", limit=1)

    assert mapped.hashtags == ("gym", "legday")


def test_a_reel_without_transcript_gets_an_empty_one(tmp_path: Path) -> None:
    write_account(tmp_path, "tiny.account", reels=[reel("AAAAAAAAAA1", "2026-10-03T17:42:00.000Z")])

    [mapped] = OfflineProvider(tmp_path).fetch_reels("tiny.account", limit=1)

    assert mapped.transcript == ""


def test_profile_fields_are_mapped_from_apify_names(tmp_path: Path) -> None:
    write_account(tmp_path, "tiny.account")

    profile = OfflineProvider(tmp_path).fetch_profile("Tiny.Account")

    assert profile.username == "tiny.account"
    assert profile.full_name == "Tiny Account"
    assert profile.followers_count == 1000
    assert profile.follows_count == 10
    assert profile.posts_count == 5
    assert profile.is_private is False
    assert profile.business_category == ""
    assert profile.external_url == ""


def test_a_private_account_raises_private_profile_on_both_calls(tmp_path: Path) -> None:
    write_account(tmp_path, "hidden.account", private=True, reels=[reel("AAAAAAAAAA1", "2026-10-03T17:42:00.000Z")])
    provider = OfflineProvider(tmp_path)

    with pytest.raises(PrivateProfile):
        provider.fetch_profile("hidden.account")
    with pytest.raises(PrivateProfile):
        provider.fetch_reels("hidden.account", limit=5)


def test_an_unknown_username_raises_profile_not_found(tmp_path: Path) -> None:
    with pytest.raises(ProfileNotFound) as raised:
        OfflineProvider(tmp_path).fetch_profile("nobody.here")

    assert raised.value.message == "Instagram profile @nobody.here does not exist"
    assert raised.value.retryable is False


@pytest.mark.parametrize(
    "username",
    ["../secrets", "..", "a..b", "sub/dir", "..\\windows", "/etc/passwd", "", "name with space",
     "x" * 31, "naïve"],
)
def test_path_traversal_and_malformed_names_are_refused(tmp_path: Path, username: str) -> None:
    (tmp_path / "secrets.json").write_text('{"profile": {"username": "secrets"}}', encoding="utf-8")
    data_dir = tmp_path / "instagram"
    data_dir.mkdir()

    with pytest.raises(ProfileNotFound):
        OfflineProvider(data_dir).fetch_profile(username)


def test_invalid_json_is_a_permanent_sample_data_error(tmp_path: Path) -> None:
    (tmp_path / "broken.account.json").write_text('{"profile": {', encoding="utf-8")

    with pytest.raises(PermanentJobError) as raised:
        OfflineProvider(tmp_path).fetch_profile("broken.account")

    assert raised.value.error_code == "SAMPLE_DATA_INVALID"
    assert raised.value.retryable is False


def test_a_file_without_a_profile_object_is_a_sample_data_error(tmp_path: Path) -> None:
    (tmp_path / "odd.account.json").write_text('["not", "an", "object"]', encoding="utf-8")

    with pytest.raises(PermanentJobError) as raised:
        OfflineProvider(tmp_path).fetch_reels("odd.account", limit=3)

    assert raised.value.error_code == "SAMPLE_DATA_INVALID"


def test_a_malformed_reel_is_a_sample_data_error(tmp_path: Path) -> None:
    write_account(tmp_path, "tiny.account", reels=[{"caption": "no id, no shortcode"}])

    with pytest.raises(PermanentJobError) as raised:
        OfflineProvider(tmp_path).fetch_reels("tiny.account", limit=3)

    assert raised.value.error_code == "SAMPLE_DATA_INVALID"


def test_the_delay_is_slept_at_the_start_of_each_fetch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_account(tmp_path, "tiny.account")
    slept: list[float] = []
    monkeypatch.setattr("profiles.providers.offline.time.sleep", slept.append)
    provider = OfflineProvider(tmp_path, delay_seconds=1.5)

    provider.fetch_profile("tiny.account")
    provider.fetch_reels("tiny.account", limit=1)
    with pytest.raises(ProfileNotFound):
        provider.fetch_profile("nobody.here")

    assert slept == [1.5, 1.5, 1.5]


# The generated sample data


def test_the_sample_folder_is_labelled_as_generated_sample_data() -> None:
    readme = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")

    assert "GENERATED SAMPLE DATA" in readme
    assert "python scripts/make_sample_data.py" in readme
    assert "extension" in readme


def test_there_are_about_three_dozen_sample_accounts() -> None:
    assert 30 <= len(SAMPLE_FILES) <= 40


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[path.stem for path in SAMPLE_FILES])
def test_every_sample_file_parses_and_has_the_required_keys(path: Path) -> None:
    document = load_sample(path)

    assert set(document) == {"profile", "reels"}
    assert PROFILE_KEYS <= set(document["profile"])
    assert document["profile"]["username"] == path.stem
    for item in document["reels"]:
        missing = REEL_KEYS - set(item)
        assert not missing, f"{path.name} reel {item.get('shortCode')} lacks {sorted(missing)}"
        assert re.fullmatch(r"[A-Za-z0-9_-]{11}", item["shortCode"])
        assert item["url"] == f"https://www.instagram.com/reel/{item['shortCode']}/"
        assert TIMESTAMP_RE.fullmatch(item["timestamp"])
        assert item["ownerUsername"] == path.stem
        assert (item["type"], item["productType"]) == ("Video", "clips")


def test_exactly_two_sample_accounts_are_private() -> None:
    private = private_sample_usernames()

    assert len(private) == 2
    for username in private:
        assert load_sample(SAMPLE_DIR / f"{username}.json")["reels"] == []


@pytest.mark.parametrize("username", private_sample_usernames())
def test_private_sample_accounts_raise_private_profile(sample_provider: OfflineProvider, username: str) -> None:
    with pytest.raises(PrivateProfile):
        sample_provider.fetch_profile(username)
    with pytest.raises(PrivateProfile):
        sample_provider.fetch_reels(username, limit=10)


def test_every_public_sample_account_loads_through_the_provider(sample_provider: OfflineProvider) -> None:
    for username in public_sample_usernames():
        profile = sample_provider.fetch_profile(username)
        reels = sample_provider.fetch_reels(username, limit=100)

        assert profile.username == username
        assert 24 <= len(reels) <= 40
        assert all(r.posted_at is not None and r.posted_at.tzinfo is not None for r in reels)
        assert [r.posted_at for r in reels] == sorted((r.posted_at for r in reels), reverse=True)
        assert all(r.transcript for r in reels)


def test_sample_views_are_heavy_tailed(sample_provider: OfflineProvider) -> None:
    for username in public_sample_usernames():
        views = [r.view_count for r in sample_provider.fetch_reels(username, limit=100)]

        assert max(views) >= 3 * statistics.median(views), username


def test_sample_followers_span_small_to_large_accounts() -> None:
    followers = [load_sample(path)["profile"]["followersCount"] for path in SAMPLE_FILES]

    assert min(followers) < 10_000
    assert max(followers) > 1_000_000


def test_some_sample_reels_lack_plays_and_fall_back_to_views(sample_provider: OfflineProvider) -> None:
    items = [item for path in SAMPLE_FILES for item in load_sample(path)["reels"]]
    without_plays = [item for item in items if "videoPlayCount" not in item]

    assert 0.05 < len(without_plays) / len(items) < 0.25
    first = without_plays[0]
    [mapped] = [r for r in sample_provider.fetch_reels(first["ownerUsername"], limit=100)
                if r.shortcode == first["shortCode"]]
    assert mapped.view_count == first["videoViewCount"]
