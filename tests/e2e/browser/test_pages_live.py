"""The pages in a real browser, following real jobs run by a real worker cluster, live.

The site is the ASGI app under uvicorn (asgi_server); the worker is a `manage.py qcluster`
subprocess on the same test database. Where a test must see a job's whole life, it opens the
job's page first and only then starts the worker, so every stage happens while the page watches.
Each page is marked with `window.__marker` once loaded: the mark surviving to the end proves the
page changed without a reload.

Every test asks for the site first and `js_errors` last: fixtures are torn down in reverse, so the
body's own database connection is closed, then the browser, then the site and the database.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from jobs.models import GenerationJob, ProgressEvent
from profiles.models import ProfileJob
from viral_ideas.models import ViralIdeasQueue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Records what the live region shows after every change: "status|current stage".
RECORD_CHANGES = """
() => {
  window.__marker = 1;
  window.__seen = [];
  const record = () => {
    const status = document.querySelector('[data-field="status"]');
    const stage = document.querySelector('.stages [aria-current="step"]');
    const entry = (status ? status.textContent.trim() : '') + '|' + (stage ? stage.dataset.stage : '');
    if (window.__seen[window.__seen.length - 1] !== entry) window.__seen.push(entry);
  };
  record();
  new MutationObserver(record).observe(document.getElementById('live'),
    {subtree: true, childList: true, characterData: true, attributes: true});
}
"""


@pytest.fixture
def js_errors(page):
    """Uncaught errors of the page's scripts; a test ends by asserting there were none."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def log_in(page, site: str, username: str, password: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/")
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()


def status_word(page):
    return page.locator('#live [data-field="status"]').first


def test_the_profile_page_follows_its_job_to_done_without_a_reload(asgi_server, start_cluster, write_account, page,
                                                                   js_errors):
    write_account("fit_with_mara", [12000, 3000, 2500, 2000, 1500], followers=12345)
    page.goto(f"{asgi_server}/profiles/")
    page.get_by_label("Instagram username").fill("@Fit_With_Mara")
    page.get_by_role("button", name="Request profile").click()
    page.wait_for_url(f"{asgi_server}/profiles/fit_with_mara/")
    expect(status_word(page)).to_have_text("queued")
    page.evaluate(RECORD_CHANGES)

    start_cluster(OFFLINE_PROVIDER_DELAY_SECONDS="0.3")

    expect(status_word(page)).to_have_text("done", timeout=30_000)
    expect(page.locator('[data-number="followers"]')).to_have_text("12,345")
    expect(page.get_by_role("heading", name="Most viewed reels")).to_be_visible()
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    statuses = [entry.split("|")[0] for entry in page.evaluate("window.__seen")]
    assert statuses[0] == "queued" and "processing" in statuses and statuses[-1] == "done", statuses
    assert js_errors == []


def test_an_article_page_shows_research_writing_and_seo_live_then_the_article(asgi_server, start_cluster,
                                                                              django_user_model, page, js_errors):
    django_user_model.objects.create_user("carla", password="carla-password-1")
    log_in(page, asgi_server, "carla", "carla-password-1")
    page.goto(f"{asgi_server}/jobs/new")
    page.fill("#id_topic", "Sourdough starter tips")
    page.fill("#id_word_count", "500")
    page.get_by_role("button", name="Queue article").click()
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}/$"))
    expect(status_word(page)).to_have_text("queued")
    page.evaluate(RECORD_CHANGES)

    start_cluster(GENERATION_STEP_DELAY_SECONDS="0.4")

    expect(status_word(page)).to_have_text("completed", timeout=60_000)
    expect(page.get_by_role("heading", name="SEO checklist")).to_be_visible()
    expect(page.locator(".checklist li")).to_have_count(11)
    expect(page.locator(".article h2")).to_have_count(1)
    assert page.locator(".article h3").count() >= 2
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    current_stages = []
    for entry in page.evaluate("window.__seen"):
        status, stage = entry.split("|")
        if status == "processing" and stage and (not current_stages or current_stages[-1] != stage):
            current_stages.append(stage)
    assert current_stages == ["research", "writing", "seo"], page.evaluate("window.__seen")
    expect(page.locator(".stages .stage-done")).to_have_count(3)
    assert js_errors == []


def test_cancelling_a_running_article_from_its_page(asgi_server, start_cluster, django_user_model, wait_until, page,
                                                   js_errors):
    django_user_model.objects.create_user("dana", password="dana-password-1")
    log_in(page, asgi_server, "dana", "dana-password-1")
    page.goto(f"{asgi_server}/jobs/new")
    page.fill("#id_topic", "Meal prep for busy weeks")
    page.fill("#id_word_count", "1500")
    page.get_by_role("button", name="Queue article").click()
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}/$"))
    start_cluster(GENERATION_STEP_DELAY_SECONDS="1.0")
    expect(status_word(page)).to_have_text("processing", timeout=30_000)

    page.get_by_role("button", name="Cancel article").click()

    expect(status_word(page)).to_have_text("cancelled")
    expect(page.get_by_text("Article cancelled.")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel article")).to_have_count(0)
    expect(page.locator(".stages .stage-stopped")).to_have_count(1)
    job = GenerationJob.objects.get()
    # The worker stops at its next report and never writes an article for a cancelled job.
    wait_until(lambda: not GenerationJob.objects.filter(pk=job.pk, status="processing").exists(), 10)
    job.refresh_from_db()
    assert job.status == "cancelled" and job.result_content == ""
    assert js_errors == []


def test_the_viral_results_page_renders_its_chart(live_site, write_account, page, js_errors):
    write_account("browser_creator", [1000, 1100, 900, 1000, 1000])
    write_account("rival_one", [1000, 5000, 1000, 1000, 1000],
                  captions=["Market haul", "Why does nobody salt the pasta water?", "Plating", "Reset", "Tea"])
    write_account("rival_two", [2000, 2000, 8000, 2000, 6000],
                  captions=["Pantry", "Stock", "How to fold dumplings in one minute", "Bowl", "5 mistakes with rice"])
    page.goto(f"{live_site}/viral-ideas/new")
    page.fill("#id_primary_username", "@browser_creator")
    page.fill("#id_competitors", "rival_one\nrival_two")
    page.fill("#id_content_type", "Quick recipes")
    page.fill("#id_target_audience", "Busy parents")
    page.fill("#id_goals", "Grow followers")
    page.get_by_role("button", name="Start the analysis").click()
    page.wait_for_url(re.compile(r".*/viral-ideas/web-[0-9a-f]{16}/$"))

    expect(status_word(page)).to_have_text("completed", timeout=60_000)
    page.get_by_role("link", name="See the results").click()

    chart = page.get_by_role("img", name="Outlier scores per account")
    expect(chart).to_be_visible()
    expect(page.locator("svg.chart rect.bar")).to_have_count(3)
    box = page.locator("svg.chart rect.bar").first.bounding_box()
    assert box and box["width"] > 50, box  # the strongest outlier's bar is drawn, not a sliver
    expect(page.locator("#outliers-table tbody tr")).to_have_count(3)
    expect(page.get_by_role("heading", name="Hooks by type")).to_be_visible()
    assert ViralIdeasQueue.objects.get().status == "completed"
    assert js_errors == []


# Wraps EventSource to record each frame's id and whether it was a full snapshot of the state.
# (EventSource reconnects inside the same object, so one wrapper sees every connection's frames.)
RECORD_FRAMES = """
  window.__frames = [];
  const Original = window.EventSource;
  window.EventSource = function (url, options) {
    const source = new Original(url, options);
    source.addEventListener('progress', (event) => {
      const progress = JSON.parse(event.data).progress || {};
      window.__frames.push({id: Number(event.lastEventId), snapshot: 'queue_position' in progress});
    });
    return source;
  };
  Object.assign(window.EventSource, {CONNECTING: 0, OPEN: 1, CLOSED: 2});
"""


def test_a_dropped_stream_resumes_from_its_last_event_and_the_page_still_reaches_done(asgi_server, start_cluster,
                                                                                      write_account, page, js_errors):
    write_account("notion_nadia", [9000, 3000, 2500, 2000, 1500], followers=4321)
    streams: list[str] = []
    dropped_at: list[int] = []

    def first_stream_drops(route, request):
        # The first connection delivers the current state and ends, as a proxy dropping a stream would.
        streams.append(request.url)
        if len(streams) > 1:
            route.continue_()
            return
        job = ProfileJob.objects.get(username="notion_nadia")
        last = ProgressEvent.objects.filter(job_kind="profile", job_id=job.pk).latest("id")
        dropped_at.append(last.pk)
        data = {"job_id": str(job.pk), "username": job.username, "status": job.status,
                "progress": {"percentage": 0, "stage": "queued", "message": last.message, "queue_position": 1}}
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"},
                      body=f"retry: 300\nid: {last.pk}\nevent: progress\ndata: {json.dumps(data)}\n\n")

    page.add_init_script(RECORD_FRAMES)
    page.route("**/api/profile/*/events", first_stream_drops)
    page.goto(f"{asgi_server}/profiles/")
    page.get_by_label("Instagram username").fill("notion_nadia")
    page.get_by_role("button", name="Request profile").click()
    page.wait_for_url(f"{asgi_server}/profiles/notion_nadia/")
    page.evaluate(RECORD_CHANGES)

    start_cluster(OFFLINE_PROVIDER_DELAY_SECONDS="0.3")

    expect(status_word(page)).to_have_text("done", timeout=30_000)
    expect(page.locator('[data-number="followers"]')).to_have_text("4,321")
    frames = page.evaluate("window.__frames")
    resumed = frames[1:]  # after the dropped connection's one frame
    assert len(streams) == 2, streams  # the browser reconnected by itself, once
    # Resumed with Last-Event-ID: only the events after the last one seen, never the state again.
    assert resumed and all(frame["id"] > dropped_at[0] and not frame["snapshot"] for frame in resumed), frames
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    assert js_errors == []
