"""The server-rendered pages, through the Django test client on PostgreSQL.

Data is arranged through the services and the real runner (`jobs.runner.run_jobs`), with the
offline Instagram provider reading files written by `write_account`.
"""

from __future__ import annotations

import hashlib
import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from rest_framework.test import APIClient

from jobs.errors import RetryableJobError
from jobs.models import BulkJob, GenerationJob
from jobs.progress import JobProgress
from jobs.runner import run_jobs
from jobs.services import bulk_job_create, generation_job_create, job_claim, job_fail, job_report_progress
from jobs.views import markdown_to_html, stage_steps
from profiles.models import ProfileJob, Source
from profiles.services import profile_request
from viral_ideas.models import ViralIdeasQueue
from viral_ideas.services import viral_entry_create

pytestmark = pytest.mark.django_db

REFRESH = 'http-equiv="refresh"'
TOPIC_BRIEF = {"mode": "topic", "topic": "Sourdough starter tips", "word_count": 400, "tone": "casual"}
STRATEGY = {"contentType": "Quick recipes", "targetAudience": "Busy parents", "goals": "Grow followers",
            "additionalNotes": "No deep frying"}
# Views newest first. Outliers (views ÷ median of the account's other reels ≥ 2):
#   comp_alpha reel 1: 5000 / 1000 = 5.0 (question);  comp_bravo reel 2: 8000 / 2000 = 4.0 (how to),
#   comp_bravo reel 4: 6000 / 2000 = 3.0 (number list). Three outlier reels in all.
PLANTED = {
    "page_creator": ([1000, 1100, 900, 1000, 1000], ["Dinner tonight", "Lunch box", "Pasta night", "Soup day", "Tacos"]),
    "comp_alpha": ([1000, 5000, 1000, 1000, 1000],
                   ["Market haul", "Why does nobody salt the pasta water?", "Plating", "Kitchen reset", "Tea"]),
    "comp_bravo": ([2000, 2000, 8000, 2000, 6000],
                   ["Pantry tour", "Stock pot", "How to fold dumplings in one minute", "Breakfast bowl",
                    "5 mistakes beginners make with rice"]),
}


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def fetched_profile(write_account, username: str = "fit_with_mara", views=(12000, 3000, 2500, 2000, 1500)):
    write_account(username, list(views), followers=12345)
    profile_request(username=username, source=Source.FRONTEND)
    assert run_jobs("profile", time_budget_seconds=60) >= 1


def analysed_entry(write_account, session_id: str = "web-planted") -> ViralIdeasQueue:
    for name, (views, captions) in PLANTED.items():
        write_account(name, views, captions=captions, hashtags=[["homecooking"]] * len(views))
    entry = viral_entry_create(session_id=session_id, primary_username="page_creator",
                               competitors=["comp_alpha", "comp_bravo"], content_strategy=dict(STRATEGY))
    assert run_jobs("viral_ideas", time_budget_seconds=60) == 1
    entry.refresh_from_db()
    assert entry.status == "completed", entry.error_message
    return entry


# --- Base template, login, static files -------------------------------------------------------------


def test_every_page_links_the_sections_and_offers_login_to_anonymous_visitors(client):
    page = html(client.get("/"))

    for link in ('href="/"', 'href="/profiles/"', 'href="/viral-ideas/new"', 'href="/jobs/new"'):
        assert link in page
    assert "Log in" in page
    assert 'href="/admin/"' not in page
    assert 'src="/static/js/live.js"' in page and 'href="/static/css/site.css"' in page


def test_staff_see_the_admin_link_and_creators_do_not(alice, staff):
    assert 'href="/admin/"' in html(login(staff).get("/"))
    assert 'href="/admin/"' not in html(login(alice).get("/"))


def test_logging_out_is_a_post_form_as_django_5_requires(alice):
    client = login(alice)
    page = html(client.get("/"))

    assert re.search(r'<form method="post" action="/accounts/logout/">', page)
    assert "Signed in as <strong>alice</strong>" in page
    assert client.post("/accounts/logout/").status_code == 302
    assert "Log in" in html(client.get("/"))


def test_the_login_form_logs_a_creator_in_and_returns_to_the_page_they_wanted(alice):
    client = Client()
    page = client.get("/accounts/login/?next=/jobs/new")
    assert page.status_code == 200
    assert 'name="username"' in html(page) and 'name="password"' in html(page)

    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-password-1", "next": "/jobs/new"})

    assert response.status_code == 302 and response["Location"] == "/jobs/new"
    assert client.get("/jobs/new").status_code == 200


def test_the_script_and_stylesheet_are_our_own_files():
    assert finders.find("js/live.js") and finders.find("css/site.css")


# --- Dashboard ----------------------------------------------------------------------------------------


def test_the_dashboard_shows_counts_running_jobs_failures_and_durations(client, write_account,
                                                                         django_assert_max_num_queries):
    fetched_profile(write_account, "done_dana")
    profile_request(username="ghost_account")  # no file: fails for good with PROFILE_NOT_FOUND
    assert run_jobs("profile", time_budget_seconds=60) == 1
    profile_request(username="waiting_wes", source=Source.CRAWLER)
    profile_request(username="busy_bea", source=Source.FRONTEND)
    running = job_claim(ProfileJob)
    assert running.username == "busy_bea"
    job_report_progress(running, stage="analyzing_content", percentage=55, message="Scoring 5 reels")

    with django_assert_max_num_queries(20):
        response = client.get("/")

    page = html(response)
    assert response.status_code == 200
    assert "@busy_bea" in page and "analyzing content" in page and "55 %" in page
    assert "@ghost_account" in page and "PROFILE_NOT_FOUND" in page
    profiles = response.context["overview"][0]
    assert profiles["kind"] == "profile"
    counts = {row["priority"]: dict(zip(profiles["statuses"], row["counts"])) for row in profiles["rows"]}
    assert counts["HIGH"] == {"PENDING": 0, "PROCESSING": 1, "COMPLETED": 1, "FAILED": 1, "CANCELLED": 0}
    assert counts["LOW"]["PENDING"] == 1
    assert profiles["durations"]["count"] == 1 and profiles["durations"]["mean"] is not None
    assert response.context["kinds"][0]["duration_texts"]["mean"].endswith(" s")
    assert REFRESH in page  # work in flight: without JavaScript the page reloads itself


def test_the_dashboard_lists_every_job_kind_and_has_no_refresh_when_idle(client):
    response = client.get("/")
    page = html(response)

    assert [kind["kind"] for kind in response.context["overview"]] == ["profile", "generation", "viral_ideas"]
    assert "No job is running right now." in page and "No failed jobs." in page
    assert REFRESH not in page
    assert 'data-poll="5"' in page


def test_the_dashboard_shows_another_creators_running_article_without_its_topic(alice, bob):
    job = generation_job_create(owner=bob, **TOPIC_BRIEF)
    job_report_progress(job_claim(GenerationJob), stage="writing", percentage=40, message="Writing section 2")

    as_alice, as_bob = html(login(alice).get("/")), html(login(bob).get("/"))

    assert "A creator's article" in as_alice and "Sourdough starter tips" not in as_alice
    assert "Writing section 2" not in as_alice and "Writing section 2" in as_bob
    assert f'href="/jobs/{job.pk}/"' in as_bob


def test_the_dashboard_partial_is_the_live_region_only(client):
    page = html(client.get("/?partial=1"))

    assert "Processing now" in page and "<html" not in page


# --- Profiles --------------------------------------------------------------------------------------------


def test_the_profiles_page_offers_the_request_form_and_lists_fetched_profiles(client, write_account):
    fetched_profile(write_account, "chef_carla")

    page = html(client.get("/profiles/"))

    assert 'name="username"' in page and "Request profile" in page
    assert 'href="/profiles/chef_carla/"' in page


def test_a_bad_username_is_a_form_error_and_queues_nothing(client):
    response = client.post("/profiles/", {"username": "not a name!"})

    assert response.status_code == 200
    assert "Username may contain only letters, digits" in html(response)
    assert ProfileJob.objects.count() == 0


def test_requesting_a_profile_queues_it_through_the_service_and_redirects_to_its_status_page(client):
    response = client.post("/profiles/", {"username": "@Fit_With_Mara"})

    assert response.status_code == 302 and response["Location"] == "/profiles/fit_with_mara/"
    job = ProfileJob.objects.get()
    assert (job.username, job.source, job.priority, job.status) == ("fit_with_mara", "frontend", "HIGH", "PENDING")


def test_a_queued_profile_shows_its_queue_position_and_subscribes_to_its_stream(client):
    profile_request(username="first_in_line", source=Source.FRONTEND)
    client.post("/profiles/", {"username": "fit_with_mara"})

    page = html(client.get("/profiles/fit_with_mara/"))

    assert 'data-field="status">queued<' in page
    assert re.search(r'data-field="queue-position">\s*2\s*<', page)
    assert "Estimated time left" in page and "Attempts" in page and "0 of 3" in page
    assert 'data-stream="/api/profile/fit_with_mara/events"' in page
    assert 'aria-live="polite"' in page and "<progress" in page and '<label for="profile-progress">' in page
    assert REFRESH in page


def test_a_processing_profile_shows_its_stage_and_percentage(client):
    profile_request(username="fit_with_mara")
    job_report_progress(job_claim(ProfileJob), stage="fetching_profile_data", percentage=30, message="Fetched")

    page = html(client.get("/profiles/fit_with_mara/"))

    assert 'data-field="status">processing<' in page and "fetching profile data" in page
    assert 'value="30.0"' in page and "30 %" in page


def test_a_fetched_profile_shows_its_numbers_and_reels_and_stops_refreshing(client, write_account):
    fetched_profile(write_account)

    response = client.get("/profiles/fit_with_mara/")
    page = html(response)

    assert 'data-field="status">done<' in page
    assert "12,345" in page and "Followers" in page and "Median views" in page
    assert [reel.view_count for reel in response.context["reels"]] == [12000, 3000, 2500, 2000, 1500]
    assert "12,000" in page and "4.8×" in page  # 12000 ÷ the median 2500
    assert REFRESH not in page and 'data-stream=""' in page


def test_a_failed_profile_shows_its_error(client):
    profile_request(username="ghost_account")
    run_jobs("profile", time_budget_seconds=60)

    page = html(client.get("/profiles/ghost_account/"))

    assert 'data-field="status">failed<' in page
    assert "PROFILE_NOT_FOUND" in page and "1 of 3" in page
    assert REFRESH not in page


def test_a_profile_waiting_for_its_retry_shows_the_error_and_the_next_retry(client):
    profile_request(username="slow_sam")
    job_fail(job_claim(ProfileJob), error=RetryableJobError("Instagram asked us to slow down", error_code="RATE_LIMITED"))

    page = html(client.get("/profiles/slow_sam/"))

    assert 'data-field="status">queued<' in page
    assert "RATE_LIMITED" in page and "Instagram asked us to slow down" in page
    assert "Next retry" in page


def test_an_unknown_profile_offers_to_fetch_it_and_an_impossible_name_is_404(client):
    page = html(client.get("/profiles/nobody_yet/"))
    assert "not requested yet" in page and "Fetch @nobody_yet" in page

    assert client.get("/profiles/bad!name/").status_code == 404


def test_the_profile_partial_is_the_live_region_only(client):
    profile_request(username="fit_with_mara")

    page = html(client.get("/profiles/fit_with_mara/?partial=1"))

    assert 'data-field="status"' in page and "<html" not in page and REFRESH not in page


# --- Articles ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/jobs/", "/jobs/new", "/jobs/{job}/", "/jobs/bulk/{bulk}/"])
def test_article_pages_need_a_login(client, alice, path):
    job = generation_job_create(owner=alice, **TOPIC_BRIEF)
    bulk = bulk_job_create(owner=alice, items=[dict(TOPIC_BRIEF)])
    url = path.format(job=job.pk, bulk=bulk.pk)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_another_creators_article_and_bulk_job_are_not_found(alice, bob):
    job = generation_job_create(owner=alice, **TOPIC_BRIEF)
    bulk = bulk_job_create(owner=alice, items=[dict(TOPIC_BRIEF)])
    as_bob = login(bob)

    assert as_bob.get(f"/jobs/{job.pk}/").status_code == 404
    assert as_bob.get(f"/jobs/bulk/{bulk.pk}/").status_code == 404
    assert as_bob.post(f"/jobs/{job.pk}/cancel").status_code == 404
    assert as_bob.post(f"/jobs/bulk/{bulk.pk}/cancel").status_code == 404
    job.refresh_from_db()
    assert job.status == "queued"
    assert str(job.pk) not in html(as_bob.get("/jobs/"))


def test_the_new_article_form_names_every_field(alice):
    page = html(login(alice).get("/jobs/new"))

    for name in ("mode", "topic", "keyphrase", "keywords", "source_text", "word_count", "tone"):
        assert f'name="{name}"' in page


@pytest.mark.parametrize("brief, message", [
    ({"mode": "topic", "topic": "", "word_count": 800, "tone": "casual"}, "topic mode needs a topic"),
    ({"mode": "keywords", "keywords": " , ", "word_count": 800, "tone": "casual"}, "keywords mode needs at least one keyword"),
    ({"mode": "spin", "source_text": "Too short to rewrite.", "word_count": 800, "tone": "casual"}, "at least 30 words"),
    ({"mode": "topic", "topic": "Tea", "word_count": 50, "tone": "casual"}, "greater than or equal to 100"),
])
def test_an_invalid_brief_is_a_form_error_and_queues_nothing(alice, brief, message):
    response = login(alice).post("/jobs/new", brief)

    assert response.status_code == 200
    assert message in html(response)
    assert GenerationJob.objects.count() == 0


def test_the_new_article_form_queues_through_the_service_and_opens_the_article_page(alice):
    response = login(alice).post("/jobs/new", {
        "mode": "keywords", "keywords": "pasta water, garlic ", "word_count": 900, "tone": "professional",
    })

    job = GenerationJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.owner, job.mode, job.keywords, job.word_count, job.tone) == (
        alice, "keywords", ["pasta water", "garlic"], 900, "professional")


def test_a_queued_article_waits_at_every_stage_and_follows_its_stream(alice):
    job = generation_job_create(owner=alice, **TOPIC_BRIEF)

    page = html(login(alice).get(f"/jobs/{job.pk}/"))

    assert 'data-field="status">queued<' in page and "waiting for a worker" in page
    assert page.count('class="stage stage-waiting"') == 3 and 'aria-current="step"' not in page
    assert f'data-stream="/api/jobs/{job.pk}/progress"' in page
    assert "Cancel article" in page and REFRESH in page


def test_a_running_article_highlights_its_current_stage(alice):
    job = generation_job_create(owner=alice, **TOPIC_BRIEF)
    JobProgress(job_claim(GenerationJob)).report("writing", 45, "Writing section 2 of 5", stage_progress=36.4)

    page = html(login(alice).get(f"/jobs/{job.pk}/"))

    current = re.search(r'<li class="stage stage-current" data-stage="(\w+)" aria-current="step">', page)
    assert current and current.group(1) == "writing"
    assert 'class="stage stage-done" data-stage="research"' in page
    assert 'class="stage stage-waiting" data-stage="seo"' in page
    assert "Writing section 2 of 5" in page and 'value="45.0"' in page and 'value="36.4"' in page
    assert "Elapsed" in page and "Estimated time left" in page


def test_a_finished_article_shows_the_rendered_article_and_its_seo_checklist(alice):
    job = generation_job_create(owner=alice, **TOPIC_BRIEF)
    assert run_jobs("generation", time_budget_seconds=60) == 1
    job.refresh_from_db()
    assert job.status == "completed", job.error_message

    response = login(alice).get(f"/jobs/{job.pk}/")
    page = html(response)

    assert 'data-field="status">completed<' in page
    assert page.count('class="stage stage-done"') == 3
    assert "SEO checklist" in page and f"{job.seo_score}/100" in page
    assert "meta title length" in page and "keyphrase density" in page
    article = str(response.context["article_html"])
    assert article.startswith("<h2>") and "<h3>" in article and "<p>" in article and "## " not in article
    assert REFRESH not in page and 'data-stream=""' in page and "Cancel article" not in page


def test_the_cancel_button_cancels_through_the_service_once(alice):
    job = generation_job_create(owner=alice, **TOPIC_BRIEF)
    client = login(alice)

    response = client.post(f"/jobs/{job.pk}/cancel", follow=True)

    job.refresh_from_db()
    assert job.status == "cancelled"
    page = html(response)
    assert 'data-field="status">cancelled<' in page and "Article cancelled." in page and REFRESH not in page
    again = html(client.post(f"/jobs/{job.pk}/cancel", follow=True))
    assert "Nothing to cancel" in again


def test_cancel_only_answers_post(alice):
    job = generation_job_create(owner=alice, **TOPIC_BRIEF)

    assert login(alice).get(f"/jobs/{job.pk}/cancel").status_code == 405


def test_the_bulk_page_counts_x_of_y_with_one_bar_per_article(alice):
    bulk = bulk_job_create(owner=alice, items=[dict(TOPIC_BRIEF, topic=f"Topic {n}") for n in range(3)])
    client = login(alice)

    page = html(client.get(f"/jobs/bulk/{bulk.pk}/"))
    assert "0 of 3 completed" in page and page.count("data-article=") == 3
    assert page.count('data-bar="percentage"') == 4  # the combined bar and one per article
    assert f'data-stream="/api/bulk-jobs/{bulk.pk}/progress"' in page and REFRESH in page

    assert run_jobs("generation", time_budget_seconds=60) == 3
    page = html(client.get(f"/jobs/bulk/{bulk.pk}/"))
    assert "3 of 3 completed" in page and REFRESH not in page


def test_cancelling_a_bulk_job_cancels_its_unfinished_articles(alice):
    bulk = bulk_job_create(owner=alice, items=[dict(TOPIC_BRIEF), dict(TOPIC_BRIEF)])

    page = html(login(alice).post(f"/jobs/bulk/{bulk.pk}/cancel", follow=True))

    assert "2 articles cancelled" in page
    assert set(BulkJob.objects.get().jobs.values_list("status", flat=True)) == {"cancelled"}


def test_my_articles_lists_only_mine(alice, bob):
    mine = generation_job_create(owner=alice, **TOPIC_BRIEF)
    theirs = generation_job_create(owner=bob, **dict(TOPIC_BRIEF, topic="Their topic"))

    page = html(login(alice).get("/jobs/"))

    assert f"/jobs/{mine.pk}/" in page and f"/jobs/{theirs.pk}/" not in page


# --- Markdown and stages -------------------------------------------------------------------------------------


def test_markdown_becomes_headings_paragraphs_and_lists_and_everything_else_is_escaped():
    source = (
        "# Title <script>alert(1)</script>\n\nIntro with **bold**, *emphasis* and `code`.\nSame paragraph.\n\n"
        "## Steps\n\n- one\n- two & <b>three</b>\n\n1. first\n2. second\n\n<img src=x onerror=alert(1)>"
    )

    assert str(markdown_to_html(source)) == (
        "<h2>Title &lt;script&gt;alert(1)&lt;/script&gt;</h2>\n"
        "<p>Intro with <strong>bold</strong>, <em>emphasis</em> and <code>code</code>. Same paragraph.</p>\n"
        "<h3>Steps</h3>\n"
        "<ul><li>one</li><li>two &amp; &lt;b&gt;three&lt;/b&gt;</li></ul>\n"
        "<ol><li>first</li><li>second</li></ol>\n"
        "<p>&lt;img src=x onerror=alert(1)&gt;</p>"
    )


def test_stage_words_follow_the_job_through_its_life():
    def states(**kwargs):
        return [step["state"] for step in stage_steps(**kwargs)]

    assert states(stage="research", status="queued", mode="topic") == ["waiting", "waiting", "waiting"]
    assert states(stage="seo", status="processing", mode="topic") == ["done", "done", "current"]
    assert states(stage="writing", status="processing", mode="spin") == ["skipped", "current", "waiting"]
    assert states(stage="writing", status="failed", mode="topic") == ["done", "failed", "waiting"]
    assert states(stage="writing", status="cancelled", mode="topic") == ["done", "stopped", "waiting"]
    assert states(stage="research", status="cancelled", mode="topic", started=False) == ["waiting"] * 3
    assert states(stage="completed", status="completed", mode="topic") == ["done", "done", "done"]


# --- Viral ideas -------------------------------------------------------------------------------------------


def viral_form(**overrides) -> dict:
    return {"primary_username": "page_creator", "competitors": "comp_alpha, @Comp_Bravo\ncomp_alpha",
            "content_type": "Quick recipes", "target_audience": "Busy parents", "goals": "Grow followers",
            "additional_notes": "No deep frying", **overrides}


@pytest.mark.parametrize("overrides, message", [
    ({"primary_username": "bad name!"}, "Username may contain only"),
    ({"competitors": "page_creator"}, "at least one competitor other than yourself"),
    ({"competitors": "fine_one, not/ok"}, "&#x27;not/ok&#x27;"),
    ({"goals": ""}, "This field is required."),
])
def test_an_invalid_analysis_form_shows_its_error_and_queues_nothing(client, overrides, message):
    response = client.post("/viral-ideas/new", viral_form(**overrides))

    assert response.status_code == 200
    assert message in html(response)
    assert ViralIdeasQueue.objects.count() == 0


def test_the_analysis_form_queues_through_the_service_with_a_new_session_id(client):
    response = client.post("/viral-ideas/new", viral_form())

    entry = ViralIdeasQueue.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/viral-ideas/{entry.session_id}/"
    assert re.fullmatch(r"web-[0-9a-f]{16}", entry.session_id)
    assert entry.primary_username == "page_creator"
    assert entry.content_strategy == STRATEGY
    assert list(entry.competitors.values_list("competitor_username", flat=True)) == ["comp_alpha", "comp_bravo"]


def test_the_progress_page_recaps_the_strategy_and_lists_each_competitor(client):
    client.post("/viral-ideas/new", viral_form())
    entry = ViralIdeasQueue.objects.get()

    page = html(client.get(f"/viral-ideas/{entry.session_id}/"))

    assert 'data-field="status">pending<' in page
    assert "Quick recipes" in page and "Busy parents" in page and "Grow followers" in page and "No deep frying" in page
    assert "@comp_alpha" in page and "@comp_bravo" in page and page.count('<span class="status status-pending">') == 2
    assert f'data-stream="/api/viral-ideas/queue/{entry.session_id}/events"' in page
    assert "Cancel analysis" in page and REFRESH in page and '<label for="viral-progress">' in page


def test_cancelling_an_analysis_from_its_page(client):
    client.post("/viral-ideas/new", viral_form())
    entry = ViralIdeasQueue.objects.get()

    page = html(client.post(f"/viral-ideas/{entry.session_id}/cancel", follow=True))

    entry.refresh_from_db()
    assert entry.status == "cancelled"
    assert 'data-field="status">cancelled<' in page and "Cancel analysis" not in page and REFRESH not in page


def test_another_browser_sees_no_cancel_button_and_cannot_cancel(client):
    client.post("/viral-ideas/new", viral_form())
    entry = ViralIdeasQueue.objects.get()
    stranger = Client()

    page = html(stranger.get(f"/viral-ideas/{entry.session_id}/"))
    refused = stranger.post(f"/viral-ideas/{entry.session_id}/cancel")

    assert 'data-field="status">pending<' in page and "Cancel analysis" not in page
    assert refused.status_code == 403
    assert ViralIdeasQueue.objects.get(pk=entry.pk).status == "pending"
    assert "Cancel analysis" in html(client.get(f"/viral-ideas/{entry.session_id}/"))


def test_a_signed_in_creators_analysis_is_cancelled_by_them_or_staff_only(alice, bob, staff):
    login(alice).post("/viral-ideas/new", viral_form())
    entry = ViralIdeasQueue.objects.get()
    assert entry.owner == alice and entry.owner_token_hash is None

    assert "Cancel analysis" not in html(login(bob).get(f"/viral-ideas/{entry.session_id}/"))
    assert login(bob).post(f"/viral-ideas/{entry.session_id}/cancel").status_code == 403
    assert ViralIdeasQueue.objects.get(pk=entry.pk).status == "pending"

    assert "Cancel analysis" in html(login(staff).get(f"/viral-ideas/{entry.session_id}/"))
    login(staff).post(f"/viral-ideas/{entry.session_id}/cancel")
    assert ViralIdeasQueue.objects.get(pk=entry.pk).status == "cancelled"


def test_staff_without_the_change_permission_cannot_cancel_from_the_page(alice, staff_without_permissions):
    login(alice).post("/viral-ideas/new", viral_form())
    entry = ViralIdeasQueue.objects.get()
    viewer = login(staff_without_permissions)

    assert "Cancel analysis" not in html(viewer.get(f"/viral-ideas/{entry.session_id}/"))
    assert viewer.post(f"/viral-ideas/{entry.session_id}/cancel").status_code == 403
    assert ViralIdeasQueue.objects.get(pk=entry.pk).status == "pending"


def test_the_page_keeps_the_owner_token_in_the_session_and_the_entry_only_its_hash(client):
    client.post("/viral-ideas/new", viral_form())
    entry = ViralIdeasQueue.objects.get()

    token = client.session["viral_owner_tokens"][str(entry.pk)]
    assert entry.owner is None
    assert entry.owner_token_hash == hashlib.sha256(token.encode()).hexdigest()
    # The API accepts the page's token too: one rule for both.
    api = APIClient()
    api.credentials(HTTP_X_OWNER_TOKEN=token)
    assert api.post(f"/api/viral-ideas/queue/{entry.pk}/cancel").status_code == 200


def test_a_finished_analysis_links_its_results_and_stops_refreshing(client, write_account):
    entry = analysed_entry(write_account)

    page = html(client.get(f"/viral-ideas/{entry.session_id}/"))

    assert 'data-field="status">completed<' in page
    assert f'href="/viral-ideas/{entry.session_id}/results"' in page
    assert page.count('<span class="status status-completed">') == 2  # one per competitor
    assert REFRESH not in page


def test_the_results_page_charts_one_bar_per_outlier_reel_with_a_table_alternative(client, write_account):
    entry = analysed_entry(write_account)

    response = client.get(f"/viral-ideas/{entry.session_id}/results")
    page = html(response)

    assert response.status_code == 200
    start = page.index('<svg class="chart outlier-bars"')
    svg = page[start:page.index("</svg>", start)]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg and 'aria-describedby="outliers-table"' in svg
    assert svg.count('<rect class="bar') == 3 == len(response.context["document"]["outlier_reels"])
    assert "@comp_alpha" in svg and "@comp_bravo" in svg and "5.0×" in svg and "4.0×" in svg and "3.0×" in svg
    table = page[page.index('<table id="outliers-table">'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr>") == 4  # header + three reels
    assert "Why does nobody salt the pasta water?" in table and "5.0×" in table


def test_the_results_page_shows_hooks_by_type_patterns_and_ideas_with_scripts_and_sources(client, write_account):
    entry = analysed_entry(write_account)

    response = client.get(f"/viral-ideas/{entry.session_id}/results")
    page = html(response)

    assert "Hooks by type" in page
    assert "Question" in page and "How to" in page and "Number list" in page
    assert "Patterns across competitors" in page
    ideas = response.context["ideas"]
    assert ideas
    for idea in ideas:
        assert idea["title"] in page or idea["title"].replace("'", "&#x27;") in page
    assert page.count("<strong>Hook:</strong>") == len(ideas)
    assert "Sources:" in page and "@comp_alpha" in page


def test_results_before_the_first_run_send_the_visitor_to_the_progress_page(client):
    entry = viral_entry_create(session_id="web-early", primary_username="page_creator",
                               competitors=["comp_alpha"], content_strategy=dict(STRATEGY))

    response = client.get(f"/viral-ideas/{entry.session_id}/results")

    assert response.status_code == 302 and response["Location"] == f"/viral-ideas/{entry.session_id}/"


def test_unknown_analyses_and_runs_are_not_found(client, write_account):
    entry = analysed_entry(write_account)

    assert client.get(f"/viral-ideas/{uuid.uuid4().hex}/").status_code == 404
    assert client.get(f"/viral-ideas/{uuid.uuid4().hex}/results").status_code == 404
    assert client.get(f"/viral-ideas/{entry.session_id}/results?run=7").status_code == 404
    assert client.get(f"/viral-ideas/{entry.session_id}/results?run=one").status_code == 404
