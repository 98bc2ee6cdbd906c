"""The read side after real jobs ran: GET /api/profile/{u}, its /reels (/posts) and /similar.

Accounts are written as offline-provider files, requested through the service and fetched by
the real worker loop (run_jobs), so every number read back was computed by the pipeline.
The worker loop manages its own connections and transactions, hence transactional_db.
"""

from __future__ import annotations

import statistics

import pytest
from django.utils.dateparse import parse_datetime

from jobs.runner import run_jobs
from profiles.models import ProfileJob
from profiles.services import profile_request

# Newest first: reel i was posted on 2026-10-31 18:00 UTC minus i days (see write_account).
# Views are deliberately not in date order, and one reel has no view counter (0).
CREATOR_VIEWS = [300, 5000, 100, 400, 0, 200]
CREATOR_MEDIAN = 300  # median of the non-zero counts [100, 200, 300, 400, 5000]

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(*usernames: str) -> None:
    for username in usernames:
        profile_request(username=username, source="frontend")
    assert run_jobs("profile", time_budget_seconds=30) == len(usernames)
    statuses = dict(ProfileJob.objects.values_list("username", "status"))
    assert statuses == {username: ProfileJob.Status.COMPLETED for username in usernames}


def assert_error_shape(response, status_code: int, error_code: str) -> dict:
    assert response.status_code == status_code
    body = response.json()
    assert body["success"] is False
    assert body["detail"]
    assert body["error_code"] == error_code
    assert parse_datetime(body["timestamp"]) is not None
    return body


@pytest.fixture
def creator(transactional_db, write_account):
    write_account("the.creator", CREATOR_VIEWS, followers=25_000, category="Education")
    fetch("the.creator")
    return "the.creator"


def reels(client, username: str = "the.creator", endpoint: str = "reels", **params):
    response = client.get(f"/api/profile/{username}/{endpoint}", params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    return body["data"]


def views_of(data: dict) -> list[int]:
    return [reel["view_count"] for reel in data["reels"]]


# --- GET /api/profile/{username} ---------------------------------------------------------------


def test_profile_detail_answers_the_fetched_profile(alice_client, creator):
    response = alice_client.get("/api/profile/the.creator")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["username"] == "the.creator"
    assert data["profile_name"] == "The.Creator"
    assert data["followers"] == 25_000
    assert data["profile_image_url"] == ""
    assert data["bio"] == "Bio of the.creator"
    assert data["is_verified"] is False
    assert data["is_business_account"] is True
    assert data["reels_count"] == len(CREATOR_VIEWS)
    assert data["average_views"] == pytest.approx(statistics.fmean(CREATOR_VIEWS))
    assert data["primary_category"] == "Education"
    assert data["profile_type"] == "primary"
    assert data["url"] == "https://www.instagram.com/the.creator/"


def test_profile_detail_normalizes_the_username(alice_client, creator):
    response = alice_client.get("/api/profile/@The.Creator")

    assert response.status_code == 200
    assert response.json()["data"]["username"] == "the.creator"


def test_unknown_profile_detail_is_404_profile_not_found(alice_client, transactional_db):
    assert_error_shape(alice_client.get("/api/profile/not.fetched"), 404, "PROFILE_NOT_FOUND")


# --- GET /api/profile/{username}/reels and /posts ----------------------------------------------------


@pytest.mark.parametrize("endpoint", ["reels", "posts"])
@pytest.mark.parametrize(
    ("sort_by", "expected_views"),
    [
        ("popular", [5000, 400, 300, 200, 100, 0]),
        ("recent", [300, 5000, 100, 400, 0, 200]),
        ("oldest", [200, 0, 400, 100, 5000, 300]),
    ],
)
def test_reels_are_sorted_as_asked(alice_client, creator, endpoint, sort_by, expected_views):
    data = reels(alice_client, endpoint=endpoint, sort_by=sort_by)

    assert views_of(data) == expected_views
    assert data["total_count"] == len(CREATOR_VIEWS)
    assert data["isLastPage"] is True


def test_reels_default_to_most_popular_first(alice_client, creator):
    assert views_of(reels(alice_client)) == [5000, 400, 300, 200, 100, 0]


def test_reels_recent_order_follows_the_posting_dates(alice_client, creator):
    dates = [parse_datetime(r["date_posted"]) for r in reels(alice_client, sort_by="recent")["reels"]]

    assert dates == sorted(dates, reverse=True)
    assert len(set(dates)) == len(dates)


def test_reels_are_paged_with_limit_and_offset(alice_client, creator):
    first = reels(alice_client, sort_by="recent", limit=2, offset=0)
    middle = reels(alice_client, sort_by="recent", limit=2, offset=2)
    last = reels(alice_client, sort_by="recent", limit=4, offset=4)

    assert views_of(first) == [300, 5000]
    assert (first["limit"], first["offset"], first["total_count"], first["isLastPage"]) == (2, 0, 6, False)
    assert views_of(middle) == [100, 400]
    assert middle["isLastPage"] is False
    assert views_of(last) == [0, 200]
    assert (last["total_count"], last["isLastPage"]) == (6, True)


def test_a_page_ending_exactly_at_the_last_reel_is_the_last_page(alice_client, creator):
    data = reels(alice_client, limit=3, offset=3)

    assert len(data["reels"]) == 3
    assert data["isLastPage"] is True


def test_an_offset_past_the_end_answers_an_empty_last_page(alice_client, creator):
    data = reels(alice_client, limit=5, offset=50)

    assert data["reels"] == []
    assert data["total_count"] == 6
    assert data["isLastPage"] is True


@pytest.mark.parametrize(
    ("params", "expected_views"),
    [
        ({"min_views": 300}, [5000, 400, 300]),
        ({"max_views": 200}, [200, 100, 0]),
        ({"min_views": 150, "max_views": 450}, [400, 300, 200]),
        ({"min_outlier_score": 1.3}, [5000, 400]),
        ({"date_from": "2026-10-29"}, [5000, 300, 100]),
        ({"date_to": "2026-10-27"}, [200, 0]),
        ({"date_from": "2026-10-28", "date_to": "2026-10-30"}, [5000, 400, 100]),
    ],
)
def test_reels_are_filtered(alice_client, creator, params, expected_views):
    data = reels(alice_client, sort_by="popular", **params)

    assert views_of(data) == expected_views
    assert data["total_count"] == len(expected_views)


def test_filters_and_paging_combine_and_total_counts_the_filtered_reels(alice_client, creator):
    data = reels(alice_client, sort_by="popular", min_views=100, limit=2, offset=0)

    assert views_of(data) == [5000, 400]
    assert data["total_count"] == 5
    assert data["isLastPage"] is False


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"sort_by": "bogus"}, id="unknown-sort"),
        pytest.param({"limit": 0}, id="limit-0"),
        pytest.param({"limit": 101}, id="limit-101"),
        pytest.param({"offset": -1}, id="negative-offset"),
        pytest.param({"min_views": "abc"}, id="min-views-not-a-number"),
        pytest.param({"date_from": "yesterday"}, id="date-not-a-date"),
    ],
)
def test_invalid_listing_parameters_are_400_in_the_error_shape(alice_client, creator, params):
    response = alice_client.get("/api/profile/the.creator/reels", params)

    assert_error_shape(response, 400, "VALIDATION_ERROR")


def test_reels_of_an_unknown_profile_are_404(alice_client, transactional_db):
    assert_error_shape(alice_client.get("/api/profile/not.fetched/reels"), 404, "PROFILE_NOT_FOUND")


def test_outlier_score_is_views_over_the_median_of_the_non_zero_views(alice_client, creator):
    data = reels(alice_client, sort_by="recent")

    scores = {reel["view_count"]: reel["outlier_score"] for reel in data["reels"]}
    assert set(scores) == set(CREATOR_VIEWS)
    for views, score in scores.items():
        assert score == pytest.approx(views / CREATOR_MEDIAN, rel=1e-4, abs=1e-9), views
    assert scores[300] == 1.0
    assert scores[0] == 0.0


def test_reel_fields_come_from_the_fetched_reels(alice_client, creator):
    first = reels(alice_client, sort_by="recent", limit=1)["reels"][0]

    assert first["username"] == "the.creator"
    assert first["view_count"] == 300
    assert first["like_count"] == 300 // 20
    assert first["comment_count"] == 300 // 400
    assert first["content_type"] == "reel"
    assert first["hashtags"] == ["sample", "tag0"]
    assert first["url"] == "https://www.instagram.com/reel/the.creator0/"
    assert parse_datetime(first["date_posted"]).isoformat() == "2026-10-31T18:00:00+00:00"


# --- GET /api/profile/{username}/similar -------------------------------------------------------------

COOKING_CAPTIONS = [
    "Quick pasta dinner with garlic butter",
    "Weeknight pasta with fresh basil",
    "Garlic butter shrimp dinner",
    "Fresh basil pesto pasta",
]


@pytest.fixture
def similar_world(transactional_db, write_account):
    write_account(
        "chef.anna", [1000, 2000, 3000, 4000], followers=10_000, category="Food",
        captions=COOKING_CAPTIONS,
        hashtags=[["cooking", "pasta"], ["cooking", "dinner"], ["cooking", "pasta"], ["recipes", "pasta"]],
    )
    # Same niche: shared hashtags and words, same category, a similar audience.
    write_account(
        "chef.bruno", [1500, 2500, 3500], followers=12_000, category="Food",
        captions=["Garlic pasta dinner tonight", "Fresh basil pasta in minutes", "Butter garlic dinner"],
        hashtags=[["cooking", "pasta"], ["pasta", "italian"], ["cooking", "dinner"]],
    )
    # Unrelated: other hashtags, other words, another category; only the audience size is close.
    write_account(
        "car.dave", [9000, 8000, 7000], followers=50_000, category="Automotive",
        captions=["Engine swap finished today", "Turbo install walkthrough", "Track day highlights"],
        hashtags=[["cars", "engines"], ["turbo", "cars"], ["trackday", "cars"]],
    )
    # Nothing in common at all, and an audience more than 100× larger: no similarity whatsoever.
    write_account(
        "mega.brand", [900_000, 800_000], followers=5_000_000, category="Retail",
        captions=["Summer sale starts tomorrow", "Limited edition sneakers drop"],
        hashtags=[["sale", "sneakers"], ["sneakers", "drop"]],
    )
    fetch("chef.anna", "chef.bruno", "car.dave", "mega.brand")


def similar(client, username: str = "chef.anna", **params):
    response = client.get(f"/api/profile/{username}/similar", params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    return body["data"]


def test_profile_sharing_hashtags_keywords_category_and_audience_ranks_first(alice_client, similar_world):
    results = similar(alice_client)

    assert [r["username"] for r in results] == ["chef.bruno", "car.dave"]
    assert [r["rank"] for r in results] == [1, 2]
    bruno, dave = results
    assert "cooking" in bruno["shared_hashtags"] and "pasta" in bruno["shared_hashtags"]
    assert dave["shared_hashtags"] == []
    assert bruno["primary_category"] == "Food"
    assert bruno["followers"] == 12_000


def test_similarity_scores_are_computed_not_placeholders(alice_client, similar_world):
    results = similar(alice_client)

    scores = [r["similarity_score"] for r in results]
    assert all(0 < score < 1 for score in scores)
    assert scores[0] > scores[1]
    # not the original's placeholder 1 − 0.05·i
    assert scores != [pytest.approx(1 - 0.05 * i) for i in range(len(scores))]
    for result in results:
        c = result["score_components"]
        assert result["similarity_score"] == pytest.approx(
            0.45 * c["hashtags"] + 0.30 * c["keywords"] + 0.15 * c["audience"] + 0.10 * c["category"], abs=1e-3
        )
    bruno, dave = results
    assert bruno["score_components"]["category"] == 1.0
    assert 0 < bruno["score_components"]["hashtags"] < 1
    assert bruno["score_components"]["keywords"] > 0
    assert dave["score_components"]["hashtags"] == 0
    assert dave["score_components"]["category"] == 0
    # 50 000 vs 10 000 followers: log10 distance 0.699 of the 2 that make audiences unrelated
    assert dave["score_components"]["audience"] == pytest.approx(1 - 0.69897 / 2, abs=1e-3)


def test_similarity_is_symmetric_between_two_profiles(alice_client, similar_world):
    from_anna = {r["username"]: r["similarity_score"] for r in similar(alice_client, "chef.anna")}
    from_bruno = {r["username"]: r["similarity_score"] for r in similar(alice_client, "chef.bruno")}

    assert from_anna["chef.bruno"] == from_bruno["chef.anna"]


def test_similar_limit_is_respected(alice_client, similar_world):
    results = similar(alice_client, limit=1)

    assert [(r["rank"], r["username"]) for r in results] == [(1, "chef.bruno")]


@pytest.mark.parametrize("limit", [0, 101, "many"])
def test_similar_with_an_out_of_range_limit_is_400(alice_client, similar_world, limit):
    assert_error_shape(alice_client.get("/api/profile/chef.anna/similar", {"limit": limit}), 400, "VALIDATION_ERROR")


def test_similar_for_an_unknown_base_profile_is_404(alice_client, transactional_db):
    assert_error_shape(alice_client.get("/api/profile/not.fetched/similar"), 404, "PROFILE_NOT_FOUND")
