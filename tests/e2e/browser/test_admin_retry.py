"""In a real browser: staff retry a failed profile job from the admin list and watch a real worker finish it."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from profiles.models import PrimaryProfile, Priority, ProfileJob, Source

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAFF_USERNAME = "console.staff"
STAFF_PASSWORD = "console-staff-password-1"
# The worker fetches a small offline account in well under a second; the rest is slack for a busy machine.
COMPLETION_TIMEOUT_SECONDS = 45


@pytest.fixture
def console_staff(django_user_model):
    """Staff who may see and change profile jobs, and nothing else."""
    user = django_user_model.objects.create_user(STAFF_USERNAME, password=STAFF_PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_profilejob", "change_profilejob"]))
    return user


@pytest.fixture
def failed_job(write_account):
    """A job that used up its attempts on a transient error, for an account the provider can fetch now."""
    write_account("retry.me", [12_000, 3_400, 5_100, 90_000, 4_800])
    return ProfileJob.objects.create(
        username="retry.me",
        source=Source.API,
        priority=Priority.MEDIUM,
        status=ProfileJob.Status.FAILED,
        stage="failed",
        attempts=3,
        error_retryable=True,
        error_code="RATE_LIMITED",
        error_stage="fetching_profile_data",
        error_message="Instagram answered 429 Too Many Requests",
        finished_at=timezone.now(),
    )


def test_staff_retry_a_failed_job_from_the_list_and_see_it_complete(page, live_site, console_staff, failed_job):
    page.goto(f"{live_site}/admin/")
    page.fill("#id_username", STAFF_USERNAME)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.get_by_role("link", name="Profile jobs").click()

    row = page.locator("#result_list tbody tr", has_text="retry.me")
    badge = row.locator(".vs-badge")
    expect(badge).to_have_text("FAILED")
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "retry_selected")
    page.get_by_role("button", name="Go").click()

    expect(page.locator(".messagelist .success")).to_have_text("1 job retried")
    deadline = time.monotonic() + COMPLETION_TIMEOUT_SECONDS
    while badge.inner_text() != "COMPLETED":
        assert badge.inner_text() in ("PENDING", "PROCESSING"), f"the retried job ended {badge.inner_text()}"
        assert time.monotonic() < deadline, f"still {badge.inner_text()} after {COMPLETION_TIMEOUT_SECONDS}s"
        time.sleep(0.5)
        page.reload()

    expect(row.locator("progress")).to_have_attribute("value", "100")
    assert PrimaryProfile.objects.filter(username="retry.me").exists()
