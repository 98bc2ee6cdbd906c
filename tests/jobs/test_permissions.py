"""Staff-only API endpoints ask for the model permission the staff console's operations ask for.

A staff account the admin refuses (no change permission on the job's model) is refused by the
API as well; staff holding it and superusers are let in; anonymous callers get 401 and signed-in
non-staff 403, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django_q.models import OrmQ

from profiles.models import ProfileJob
from profiles.services import profile_request
from viral_ideas.models import ViralIdeasQueue
from viral_ideas.services import viral_entry_create

pytestmark = pytest.mark.django_db


def pending_entry() -> ViralIdeasQueue:
    return viral_entry_create(session_id="sess-staff-only", primary_username="planted_creator",
                              competitors=["comp_alpha"], content_strategy={"contentType": "Recipes"})


def pending_profile_job() -> ProfileJob:
    profile_request(username="staff.only", source="frontend")
    return ProfileJob.objects.get(username="staff.only")


def failed_profile_job() -> ProfileJob:
    job = pending_profile_job()
    ProfileJob.objects.filter(pk=job.pk).update(status=ProfileJob.Status.FAILED)
    return job


@dataclass(frozen=True)
class StaffOnly:
    url: Callable[[object], str]
    arrange: Callable[[], object]
    done: Callable[[object], bool]


ENDPOINTS = {
    "viral-process": StaffOnly(
        lambda entry: f"/api/viral-ideas/queue/{entry.pk}/process", pending_entry,
        # process-now hands the entry to a worker through a real django-q2 task.
        lambda entry: OrmQ.objects.exists(),
    ),
    "viral-process-pending": StaffOnly(
        lambda entry: "/api/viral-ideas/process-pending", pending_entry,
        lambda entry: OrmQ.objects.exists(),
    ),
    "profile-cancel": StaffOnly(
        lambda job: f"/api/profile/{job.username}/cancel", pending_profile_job,
        lambda job: ProfileJob.objects.get(pk=job.pk).status == ProfileJob.Status.CANCELLED,
    ),
    "profile-retry": StaffOnly(
        lambda job: f"/api/profile/{job.username}/retry", failed_profile_job,
        lambda job: ProfileJob.objects.get(pk=job.pk).status == ProfileJob.Status.PENDING,
    ),
}


def assert_refused(response, status_code: int, error_code: str) -> None:
    assert response.status_code == status_code, response.content
    body = response.json()
    assert body["success"] is False and body["error_code"] == error_code and body["detail"]


@pytest.fixture(params=ENDPOINTS.values(), ids=ENDPOINTS.keys())
def endpoint(request, django_capture_on_commit_callbacks):
    """(endpoint, its arranged job); wake-ups and tasks are sent at commit, so commits run them."""
    spec = request.param
    with django_capture_on_commit_callbacks(execute=True):
        target = spec.arrange()
    OrmQ.objects.all().delete()  # the creation's own wake-up is not what the endpoint is judged by
    return spec, target


def post(client, spec, target, capture):
    with capture(execute=True):
        return client.post(spec.url(target))


def test_staff_without_the_change_permission_get_a_403_and_nothing_happens(
    endpoint, staff_without_permissions_client, django_capture_on_commit_callbacks
):
    spec, target = endpoint

    response = post(staff_without_permissions_client, spec, target, django_capture_on_commit_callbacks)

    assert_refused(response, 403, "PERMISSION_DENIED")
    assert "change_" in response.json()["detail"]
    assert not spec.done(target)


def test_staff_with_the_change_permission_are_let_in(endpoint, staff_client, django_capture_on_commit_callbacks):
    spec, target = endpoint

    response = post(staff_client, spec, target, django_capture_on_commit_callbacks)

    assert response.status_code == 200, response.content
    assert spec.done(target)


def test_a_superuser_is_let_in(endpoint, superuser_client, django_capture_on_commit_callbacks):
    spec, target = endpoint

    response = post(superuser_client, spec, target, django_capture_on_commit_callbacks)

    assert response.status_code == 200, response.content
    assert spec.done(target)


def test_anonymous_callers_get_a_401_and_creators_a_403(
    endpoint, anonymous, alice_client, django_capture_on_commit_callbacks
):
    spec, target = endpoint

    assert_refused(post(anonymous, spec, target, django_capture_on_commit_callbacks), 401, "NOT_AUTHENTICATED")
    assert_refused(post(alice_client, spec, target, django_capture_on_commit_callbacks), 403, "PERMISSION_DENIED")
    assert not spec.done(target)


def test_a_non_staff_account_holding_the_permission_is_still_refused(
    endpoint, alice, alice_client, django_capture_on_commit_callbacks
):
    # The admin admits staff only, whatever their permissions; so does the API.
    alice.user_permissions.set(Permission.objects.filter(codename__in=["change_profilejob", "change_viralideasqueue"]))
    spec, target = endpoint

    assert_refused(post(alice_client, spec, target, django_capture_on_commit_callbacks), 403, "PERMISSION_DENIED")
    assert not spec.done(target)


@pytest.mark.parametrize("model, codename", [("profilejob", "change_profilejob"),
                                             ("viralideasqueue", "change_viralideasqueue")])
def test_the_admin_asks_the_same_permission_of_the_same_staff(django_user_model, model, codename):
    """The API's rule matches the console's: without the permission the admin's cancel button is refused too."""
    app = "profiles" if model == "profilejob" else "viral_ideas"
    target = pending_profile_job() if model == "profilejob" else pending_entry()
    user = django_user_model.objects.create_user("console.viewer", password="viewer-password-1", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename=f"view_{model}"))
    console = Client()
    console.force_login(user)

    refused = console.post(f"/admin/{app}/{model}/{target.pk}/cancel/")
    user.user_permissions.add(Permission.objects.get(codename=codename))
    allowed = Client()
    allowed.force_login(user)
    accepted = allowed.post(f"/admin/{app}/{model}/{target.pk}/cancel/")

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert type(target).objects.get(pk=target.pk).status == target.job_statuses.cancelled
