"""In a real browser: the console's front page draws its scheduler charts under the site's
Content-Security-Policy (no inline style or script), and they read as numbers, bars and names."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from jobs.errors import PermanentJobError
from jobs.models import ProgressEvent
from jobs.scheduling import promote_aged_jobs
from jobs.services import job_claim, job_complete, job_fail
from profiles.models import ProfileJob

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAFF_USERNAME = "dashboard.staff"
STAFF_PASSWORD = "dashboard-staff-password-1"
SCREENSHOT = settings.BASE_DIR / "test-artifacts" / "screenshots" / "admin_dashboard.png"

# Chromium reports a blocked style or script both in the console and as a DOM event; the event
# is caught from the first line of every document, before the page's own resources load.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (event) => window.__cspViolations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline')));
"""


def queue(username: str, priority: str) -> ProfileJob:
    return ProfileJob.objects.create(username=username, source="frontend", priority=priority)


def running(username: str, priority: str) -> ProfileJob:
    return job_claim(ProfileJob, job_id=queue(username, priority).pk)


def finished(username: str, minutes_ago: float, *, failed: bool = False) -> None:
    job = running(username, "MEDIUM")
    if failed:
        job_fail(job, error=PermanentJobError("No such account", error_code="PROFILE_NOT_FOUND"))
    else:
        job_complete(job)
    ProgressEvent.objects.filter(job_id=job.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))


@pytest.fixture
def scheduler_at_work(settings, django_user_model):
    """HIGH at its cap of 3 with one more waiting, LOW piling up, an hour of finished work, and a
    LOW job the sweep's aging moved up to MEDIUM."""
    settings.QUEUE_MAX_RUNNING_HIGH = 3
    settings.QUEUE_AGING_MINUTES = 30
    django_user_model.objects.create_user(STAFF_USERNAME, password=STAFF_PASSWORD, is_staff=True)
    for n in range(3):
        running(f"high.run{n}", "HIGH")
    queue("high.wait", "HIGH")
    for n in range(7):
        queue(f"low.wait{n}", "LOW")
    running("low.run", "LOW")
    for minutes_ago, completed, failed in ((57, 1, 0), (41, 3, 0), (22, 2, 1), (7, 4, 0), (2, 3, 1)):
        for n in range(completed):
            finished(f"done.{minutes_ago}.{n}", minutes_ago)
        for n in range(failed):
            finished(f"failed.{minutes_ago}.{n}", minutes_ago, failed=True)
    ProfileJob.objects.create(username="low.aged", source="crawler", priority="LOW",
                              timestamp=timezone.now() - timedelta(minutes=45))
    assert promote_aged_jobs(ProfileJob) == 1


def test_staff_see_the_scheduler_charts_drawn_with_no_csp_violation(asgi_server, scheduler_at_work, page):
    console_violations = []
    page.on("console", lambda message: console_violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script(RECORD_CSP_VIOLATIONS)

    page.goto(f"{asgi_server}/admin/")
    page.fill("#id_username", STAFF_USERNAME)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{asgi_server}/admin/")

    levels = page.locator("#priority-figures")
    expect(levels).to_be_visible()
    high = levels.locator('tr[data-level="HIGH"]')
    expect(high.locator('[data-figure="running"]')).to_have_text("3")
    expect(high.locator('[data-figure="cap"]')).to_contain_text("AT CAP")
    expect(levels.locator('tr[data-level="LOW"] [data-figure="waiting"]')).to_have_text("7")

    last_hour = page.locator("#last-hour-figures")
    profile = last_hour.locator('tr[data-kind="profile"]')
    expect(profile.locator('[data-figure="completed"]')).to_have_text("13")
    expect(profile.locator('[data-figure="failed"]')).to_have_text("2")
    expect(last_hour.locator('[data-figure="promoted"]')).to_have_text("1")
    chart = profile.locator("svg.vs-spark")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 200 and box["height"] >= 30, box
    # Each five minutes is an image named by its figures, for screen readers and on hover.
    expect(chart.get_by_role("img", name=re.compile(r"UTC: 3 completed, 1 failed$"))).to_have_count(1)
    expect(chart.get_by_role("img")).to_have_count(12)
    # The stylesheet's colours reached the bars: the CSP let the file through.
    fill = profile.locator("rect.vs-spark-completed").first.evaluate("rect => getComputedStyle(rect).fill")
    assert fill == "rgb(29, 122, 54)", fill

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert page.evaluate("window.__cspViolations") == []
    assert console_violations == []
