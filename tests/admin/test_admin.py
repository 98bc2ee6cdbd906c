"""The staff console (Django admin): every page opens, every action and button calls the services.

Jobs are arranged through the services (requests, claims, completions, failures), as a worker or
a user would leave them; ORM updates only where a state must be precise (a stale heartbeat).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.models import Failure, OrmQ, Schedule, Success, Task

from jobs import runner, services
from jobs.errors import PermanentJobError
from jobs.models import BulkJob, GenerationJob, ProgressEvent, WorkerHeartbeat
from profiles.models import Content, PrimaryProfile, ProfileJob
from profiles.services import profile_request
from viral_ideas.models import ViralAnalysisResult, ViralIdeasQueue, ViralQueueSummary
from viral_ideas.services import viral_entry_create

pytestmark = pytest.mark.django_db

STRATEGY = {"contentType": "Quick recipes", "targetAudience": "Busy parents", "goals": "Grow followers"}
PASSWORD = "console-password-1"


# --- Personas ------------------------------------------------------------------------------------


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.fixture
def console(root):
    """A browser session of the superuser on the admin."""
    client = Client()
    client.force_login(root)
    return client


def staff_with(django_user_model, username: str, *codenames: str):
    user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer(django_user_model):
    """Staff who may look at profile jobs but not change them."""
    return staff_with(django_user_model, "viewer", "view_profilejob")


@pytest.fixture
def operator(django_user_model):
    """Staff who may look at and change profile jobs (so run their operations)."""
    return staff_with(django_user_model, "operator", "view_profilejob", "change_profilejob")


# --- Arranging jobs through the services ---------------------------------------------------------


def put_in(job, role: str):
    """Take a freshly queued job to `role` (pending, processing, completed, failed, cancelled)."""
    if role == "pending":
        return job
    if role == "cancelled":
        return services.job_cancel(job, reason="Cancelled by the test")
    claimed = services.job_claim(type(job), job_id=job.pk, worker_name="test-host:1")
    if role == "completed":
        services.job_complete(claimed)
    elif role == "failed":
        services.job_fail(claimed, error=PermanentJobError("No such account", error_code="PROFILE_NOT_FOUND"))
    claimed.refresh_from_db()
    return claimed


def profile_job(username: str, role: str = "pending", *, source: str = "api") -> ProfileJob:
    answer = profile_request(username=username, source=source)
    return put_in(ProfileJob.objects.get(pk=answer["job_id"]), role)


def generation_job(owner, role: str = "pending", *, topic: str = "Sourdough starter tips", **brief) -> GenerationJob:
    return put_in(services.generation_job_create(owner=owner, mode="topic", topic=topic, **brief), role)


def viral_entry(session_id: str, role: str = "pending") -> ViralIdeasQueue:
    entry = viral_entry_create(session_id=session_id, primary_username=f"creator_{session_id[-4:]}",
                               competitors=["comp_alpha", "comp_bravo"], content_strategy=dict(STRATEGY))
    return put_in(entry, role)


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[quote(obj.pk)])


def button_url(obj, operation: str) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{operation}", args=[quote(obj.pk)])


def run_action(client, model, action: str, objects):
    return client.post(
        changelist_url(model),
        {"action": action, "index": 0, "_selected_action": [str(obj.pk) for obj in objects]},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def status_of(obj) -> str:
    return type(obj).objects.values_list("status", flat=True).get(pk=obj.pk)


# --- Every registered model's pages --------------------------------------------------------------

# (model, whether staff may add rows by hand): jobs come from their services, history from workers.
CONSOLE_MODELS = [
    (ProfileJob, False),
    (PrimaryProfile, True),
    (Content, True),
    (ViralIdeasQueue, False),
    (ViralAnalysisResult, False),
    (GenerationJob, False),
    (BulkJob, False),
    (ProgressEvent, False),
    (WorkerHeartbeat, False),
]
DJANGO_Q_MODELS = [Success, Failure, Schedule, OrmQ]


@pytest.fixture
def every_kind_of_row(alice, write_account):
    """At least one row in every registered table, each made the way the service makes it."""
    write_account("chef.sample", [12_000, 3_400, 5_100, 90_000, 4_800])
    fetched = profile_job("chef.sample")
    runner.run_job_now(fetched)  # the real pipeline, in-process: a profile and its reels
    for role in ("pending", "processing", "completed", "failed", "cancelled"):
        profile_job(f"user.{role}", role)
        generation_job(alice, role, topic=f"Article that is {role}")
        viral_entry(f"session-{role}", role)
    services.bulk_job_create(owner=alice, items=[{"mode": "topic", "topic": "Batch one"},
                                                 {"mode": "keywords", "keywords": ["meal prep", "budget"]}])
    entry = ViralIdeasQueue.objects.get(session_id="session-completed")
    ViralAnalysisResult.objects.create(
        queue=entry, analysis_run=1, analysis_type="initial", workflow_version="test", started_at=timezone.now(),
        analysis_completed_at=timezone.now(), duration_seconds=4.2, analysis_data={"ideas": [{"title": "Hook first"}]},
    )
    services.worker_beat("test-host:1")
    now = timezone.now()
    Task.objects.create(id=uuid.uuid4().hex, name="run profile jobs", func="jobs.tasks.run_jobs", started=now,
                        stopped=now, success=True)
    Task.objects.create(id=uuid.uuid4().hex, name="run viral_ideas jobs", func="jobs.tasks.run_jobs", started=now,
                        stopped=now, success=False, result="boom")
    services.job_process_now(ProfileJob.objects.get(username="user.pending"), by="the test")  # an OrmQ row


def test_every_model_is_registered_and_the_summary_view_is_not():
    registered = set(admin.site._registry)

    assert {model for model, _ in CONSOLE_MODELS} <= registered
    assert set(DJANGO_Q_MODELS) <= registered, "django-q2's own admin must stay registered"
    assert ViralQueueSummary not in registered


@pytest.mark.parametrize("model", [model for model, _ in CONSOLE_MODELS] + DJANGO_Q_MODELS,
                         ids=lambda model: model.__name__)
def test_every_list_page_opens(console, every_kind_of_row, model):
    response = console.get(changelist_url(model))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model, add_allowed", CONSOLE_MODELS, ids=lambda value: getattr(value, "__name__", ""))
def test_every_add_page_opens_where_adding_is_allowed(console, model, add_allowed):
    response = console.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))

    assert response.status_code == (200 if add_allowed else 403)


@pytest.mark.parametrize("model", [model for model, _ in CONSOLE_MODELS] + [Success, Failure],
                         ids=lambda model: model.__name__)
def test_every_change_page_opens(console, every_kind_of_row, model):
    for obj in model.objects.all()[:10]:
        response = console.get(change_url(obj))

        assert response.status_code == 200, f"{model.__name__} {obj.pk}"


@pytest.mark.parametrize("model", [model for model, _ in CONSOLE_MODELS], ids=lambda model: model.__name__)
@pytest.mark.parametrize("term", ["chef", "user.failed", str(uuid.uuid4()), "not-a-uuid"])
def test_every_list_page_searches_without_errors(console, every_kind_of_row, model, term):
    response = console.get(changelist_url(model), {"q": term})

    assert response.status_code == 200


def test_list_filters_and_date_drilldown_narrow_the_profile_job_list(console, every_kind_of_row):
    year = timezone.now().year
    failed = console.get(changelist_url(ProfileJob), {"status__exact": "FAILED", "timestamp__year": year})
    by_source = console.get(changelist_url(ProfileJob), {"source__exact": "api", "priority__exact": "MEDIUM"})

    assert [job.username for job in failed.context["cl"].result_list] == ["user.failed"]
    assert by_source.context["cl"].result_count == ProfileJob.objects.filter(source="api").count()


def test_the_list_shows_each_status_as_a_worded_badge_and_progress_as_a_bar(console, every_kind_of_row):
    html = console.get(changelist_url(ProfileJob)).content.decode()

    for status in ("PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"):
        assert f'class="vs-badge vs-badge--{status.lower()}">{status}</span>' in html
    assert '<progress max="100" value="100">100%</progress><span class="vs-progress-text">100%</span>' in html
    assert "PROFILE_NOT_FOUND" in html  # why it failed, under the badge


# --- Actions: cancel, retry, process now on every job kind ---------------------------------------


def test_retry_action_retries_the_failed_jobs_and_says_which_it_skipped(console):
    failed = [profile_job(f"failed.{n}", "failed") for n in range(3)]
    completed = [profile_job(f"done.{n}", "completed") for n in range(2)]

    response = run_action(console, ProfileJob, "retry_selected", failed + completed)

    assert messages_of(response) == ["3 jobs retried; 2 skipped: already completed"]
    assert [status_of(job) for job in failed] == ["PENDING"] * 3
    assert [status_of(job) for job in completed] == ["COMPLETED"] * 2
    retried = ProgressEvent.objects.filter(job_id=failed[0].pk).order_by("-id").first()
    assert retried.message == "Retry requested by root (admin)"  # profiles.services.profile_job_retry wrote it


def test_cancel_action_groups_several_skip_reasons(console):
    pending, processing = profile_job("c.pending"), profile_job("c.processing", "processing")
    completed, failed = profile_job("c.completed", "completed"), profile_job("c.failed", "failed")
    cancelled = profile_job("c.cancelled", "cancelled")

    response = run_action(console, ProfileJob, "cancel_selected", [pending, processing, completed, failed, cancelled])

    assert messages_of(response) == [
        "2 jobs cancelled; 3 skipped: 1 already cancelled, 1 already completed, 1 already failed"
    ]
    assert status_of(pending) == status_of(processing) == "CANCELLED"
    last_event = ProgressEvent.objects.filter(job_id=processing.pk).order_by("-id").first()
    assert last_event.message == "Cancelled by root (admin)"  # profiles.services.profile_job_cancel wrote it


def test_process_now_action_queues_a_worker_task_per_eligible_job(console):
    pending, failed = profile_job("p.pending"), profile_job("p.failed", "failed")
    running = profile_job("p.running", "processing")
    tasks_before = OrmQ.objects.count()

    response = run_action(console, ProfileJob, "process_selected_now", [pending, failed, running])

    assert messages_of(response) == ["2 jobs sent to a worker now; 1 skipped: already processing"]
    assert OrmQ.objects.count() == tasks_before + 2
    assert status_of(failed) == "PENDING"  # a finished job is put back in the queue first


def test_retry_skips_a_job_whose_username_already_has_an_active_job(console):
    first = profile_job("twice.failed", "failed")
    second = profile_job("twice.failed", "failed")

    response = run_action(console, ProfileJob, "retry_selected", [first, second])

    assert messages_of(response) == [
        "1 job retried; 1 skipped: another job for the same subject is already queued or running"
    ]
    assert sorted([status_of(first), status_of(second)]) == ["FAILED", "PENDING"]


def test_generation_job_actions(console, alice):
    queued, running = generation_job(alice), generation_job(alice, "processing")
    completed, failed = generation_job(alice, "completed"), generation_job(alice, "failed")
    another_running = generation_job(alice, "processing")

    cancel = run_action(console, GenerationJob, "cancel_selected", [queued, running, completed])
    retry = run_action(console, GenerationJob, "retry_selected", [failed, completed, queued])
    process = run_action(console, GenerationJob, "process_selected_now", [completed, another_running])

    assert messages_of(cancel) == ["2 jobs cancelled; 1 skipped: already completed"]
    assert messages_of(retry) == ["2 jobs retried; 1 skipped: already completed"]
    assert messages_of(process) == ["1 job sent to a worker now; 1 skipped: already processing"]
    assert [status_of(job) for job in (queued, running, completed, failed, another_running)] == [
        "queued", "cancelled", "queued", "queued", "processing"
    ]


def test_viral_entry_actions(console):
    def entries(prefix, *roles):
        return [viral_entry(f"{prefix}-{role}", role) for role in roles]

    rerun_these = entries("rerun", "completed", "failed", "processing")
    cancel_these = entries("cancel", "processing", "pending", "cancelled")
    process_these = entries("now", "pending", "completed", "processing")

    rerun = run_action(console, ViralIdeasQueue, "retry_selected", rerun_these)
    cancel = run_action(console, ViralIdeasQueue, "cancel_selected", cancel_these)
    process = run_action(console, ViralIdeasQueue, "process_selected_now", process_these)

    assert messages_of(rerun) == ["2 entries queued for a rerun; 1 skipped: already processing"]
    assert messages_of(cancel) == ["2 entries cancelled; 1 skipped: already cancelled"]
    assert messages_of(process) == ["2 entries sent to a worker now; 1 skipped: already processing"]
    assert [status_of(entry) for entry in rerun_these] == ["pending", "pending", "processing"]
    assert [status_of(entry) for entry in cancel_these] == ["cancelled"] * 3
    assert ProgressEvent.objects.filter(job_id=rerun_these[1].pk).order_by("-id").first().message == (
        "Rerun requested by root (admin)"  # viral_ideas.services.viral_entry_rerun wrote it
    )


def test_the_action_dropdown_names_the_operations_per_kind(console):
    def choices(model):
        return dict(console.get(changelist_url(model)).context["action_form"].fields["action"].choices)

    assert choices(ProfileJob)["retry_selected"] == "Retry selected profile jobs"
    assert choices(GenerationJob)["process_selected_now"] == "Process selected generation jobs now"
    assert choices(ViralIdeasQueue)["retry_selected"] == "Rerun selected viral ideas entries"
    assert choices(ViralIdeasQueue)["cancel_selected"] == "Cancel selected viral ideas entries"


# --- Change-page buttons -------------------------------------------------------------------------


def test_a_failed_job_page_offers_retry_and_process_now_but_not_cancel(console):
    job = profile_job("page.failed", "failed")

    html = console.get(change_url(job)).content.decode()

    assert button_url(job, "retry") in html
    assert button_url(job, "process_now") in html
    assert button_url(job, "cancel") not in html
    assert 'name="_save"' not in html  # read-only: state changes only through the buttons


def test_the_retry_button_retries_and_comes_back_with_a_message(console):
    job = profile_job("button.retry", "failed")

    response = console.post(button_url(job, "retry"), follow=True)

    assert response.redirect_chain == [(change_url(job), 302)]
    assert messages_of(response) == ["Job retried."]
    assert status_of(job) == "PENDING"


def test_a_button_on_an_ineligible_job_says_why_it_did_nothing(console):
    job = profile_job("button.done", "completed")

    response = console.post(button_url(job, "retry"), follow=True)

    assert messages_of(response) == ["Job not retried: already completed."]
    assert status_of(job) == "COMPLETED"


def test_the_process_now_button_names_the_django_q_task(console):
    job = profile_job("button.now")

    response = console.post(button_url(job, "process_now"), follow=True)

    task = OrmQ.objects.order_by("-id").first()
    assert messages_of(response) == [f"Job sent to a worker now (django-q2 task {task.task_id()})."]


@pytest.mark.parametrize("kind", ["generation", "viral"])
def test_buttons_cancel_other_job_kinds_too(console, alice, kind):
    job = generation_job(alice, "processing") if kind == "generation" else viral_entry("button-cancel", "processing")

    response = console.post(button_url(job, "cancel"), follow=True)

    assert messages_of(response) == ["Job cancelled." if kind == "generation" else "Entry cancelled."]
    assert status_of(job) == "cancelled"


def test_buttons_answer_only_post(console):
    job = profile_job("button.get", "failed")

    assert console.get(button_url(job, "retry")).status_code == 405
    assert status_of(job) == "FAILED"


def test_buttons_are_csrf_protected(root):
    job = profile_job("button.csrf", "failed")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(root)

    assert strict.post(button_url(job, "retry")).status_code == 403
    assert status_of(job) == "FAILED"


# --- Who may run them ----------------------------------------------------------------------------


def test_staff_without_change_permission_see_no_actions_and_get_403_from_buttons(viewer):
    job = profile_job("perm.failed", "failed")

    listing = viewer.get(changelist_url(ProfileJob))
    page = viewer.get(change_url(job))
    button = viewer.post(button_url(job, "retry"))
    forced = run_action(viewer, ProfileJob, "retry_selected", [job])

    assert listing.status_code == 200
    offered = dict(listing.context["action_form"].fields["action"].choices) if listing.context["action_form"] else {}
    assert not {"cancel_selected", "retry_selected", "process_selected_now"} & set(offered)
    assert button_url(job, "retry") not in page.content.decode()
    assert button.status_code == 403
    assert forced.status_code == 200 and status_of(job) == "FAILED"


def test_staff_with_change_permission_run_actions_and_buttons(operator):
    first, second = profile_job("op.one", "failed"), profile_job("op.two", "failed")

    action = run_action(operator, ProfileJob, "retry_selected", [first])
    button = operator.post(button_url(second, "retry"))

    assert messages_of(action) == ["1 job retried"]
    assert button.status_code == 302
    assert status_of(first) == status_of(second) == "PENDING"


def test_people_who_are_not_staff_are_sent_to_the_login_page(alice):
    job = profile_job("perm.anon", "failed")
    client = Client()
    client.force_login(alice)

    response = client.post(button_url(job, "retry"))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert status_of(job) == "FAILED"


# --- Read-only computed fields on change pages ---------------------------------------------------


def field_text(response, name: str) -> str:
    """The rendered value of one read-only field on a change page."""
    for fieldset in response.context["adminform"]:
        for line in fieldset:
            for field in line:
                if field.field["name"] == name:
                    return str(field.contents())
    raise AssertionError(f"no field {name!r} on the page")


def test_a_queued_profile_job_shows_its_queue_position_and_eta(console):
    profile_job("ahead.one", source="frontend")
    profile_job("ahead.two", source="frontend")
    job = profile_job("behind", source="crawler")

    response = console.get(change_url(job))

    assert field_text(response, "queue_position") == "3 (2 due ahead of it)"
    assert field_text(response, "eta") == "unknown (no completed job of this kind to measure yet)"
    assert field_text(response, "overdue") == "no"
    assert field_text(response, "duration") == "not running"


def test_eta_comes_from_measured_durations(console):
    done = profile_job("measured", "completed")
    ProfileJob.objects.filter(pk=done.pk).update(duration_seconds=40)
    job = profile_job("waiting")

    response = console.get(change_url(job))
    completed_page = console.get(change_url(done))

    assert field_text(response, "eta").startswith("40 seconds (about ")
    assert field_text(completed_page, "duration") == "40.0 seconds"
    assert field_text(completed_page, "eta") == "complete"
    assert field_text(completed_page, "queue_position") == "not in the queue"


def test_a_running_job_with_a_stale_heartbeat_is_overdue(console):
    job = profile_job("stalled", "processing")
    ProfileJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=7))

    response = console.get(change_url(job))
    listing = console.get(changelist_url(ProfileJob)).content.decode()

    assert field_text(response, "overdue").startswith(
        '<strong class="vs-overdue">YES</strong> — no heartbeat for 7 minutes'
    )
    assert field_text(response, "queue_position") == "1 (running now)"
    assert "no heartbeat for 7 minutes" in listing


def test_a_generation_job_counts_the_jobs_created_before_it(console, alice):
    generation_job(alice, topic="First")
    generation_job(alice, topic="Second")
    third = generation_job(alice, topic="Third")

    response = console.get(change_url(third))

    assert field_text(response, "queue_position") == "3 (2 due ahead of it)"


def test_a_viral_entry_running_for_too_long_is_overdue(console):
    entry = viral_entry("v-slow", "processing")
    ViralIdeasQueue.objects.filter(pk=entry.pk).update(started_processing_at=timezone.now() - timedelta(minutes=45))

    response = console.get(change_url(entry))

    assert "running for 45 minutes (more than 30)" in field_text(response, "overdue")


def test_a_job_links_to_its_django_q_task_when_django_q_kept_it(console):
    now = timezone.now()
    success = Task.objects.create(id=uuid.uuid4().hex, name="run profile jobs", func="jobs.tasks.run_jobs",
                                  started=now, stopped=now, success=True)
    failure = Task.objects.create(id=uuid.uuid4().hex, name="process now", func="jobs.tasks.run_job",
                                  started=now, stopped=now, success=False)
    linked, failed_task = profile_job("q.one", "completed"), profile_job("q.two", "failed")
    unknown = profile_job("q.three")
    ProfileJob.objects.filter(pk=linked.pk).update(q_task_id=success.pk)
    ProfileJob.objects.filter(pk=failed_task.pk).update(q_task_id=failure.pk)
    ProfileJob.objects.filter(pk=unknown.pk).update(q_task_id="0" * 32)

    success_link = field_text(console.get(change_url(linked)), "django_q_task")
    failure_link = field_text(console.get(change_url(failed_task)), "django_q_task")
    bare_id = field_text(console.get(change_url(unknown)), "django_q_task")

    assert reverse("admin:django_q_success_change", args=[success.pk]) in success_link
    assert reverse("admin:django_q_failure_change", args=[failure.pk]) in failure_link
    assert bare_id.startswith("0" * 32) and "<a " not in bare_id
    assert console.get(reverse("admin:django_q_success_change", args=[success.pk])).status_code == 200


def test_a_job_page_shows_its_progress_history_and_links_to_all_of_it(console):
    job = profile_job("history", "failed")

    html = console.get(change_url(job)).content.decode()
    events_url = reverse("admin:jobs_progressevent_changelist") + f"?job_kind=profile&amp;job_id={job.pk}"
    events = console.get(reverse("admin:jobs_progressevent_changelist"), {"job_kind": "profile", "job_id": job.pk})

    assert "Progress history" in html
    assert "Requested by api (MEDIUM)" in html and "Failed (PROFILE_NOT_FOUND): No such account" in html
    assert events_url in html
    assert {event.job_id for event in events.context["cl"].result_list} == {job.pk}


def test_a_bulk_job_lists_its_articles_with_their_progress(console, alice):
    bulk = services.bulk_job_create(owner=alice, items=[{"mode": "topic", "topic": "One"},
                                                        {"mode": "topic", "topic": "Two"}])
    first = bulk.jobs.get(bulk_position=1)
    put_in(first, "completed")

    listing = console.get(changelist_url(BulkJob)).content.decode()
    page = console.get(change_url(bulk)).content.decode()

    assert ">PROCESSING</span>" in listing and "1 queued, 1 completed" in listing
    assert '<progress max="100" value="50">' in listing
    assert change_url(first) in page  # each article links to its own page


# --- No N+1: a list page costs the same whether it shows 3 rows or 30 ---------------------------


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_profile_jobs(start: int, count: int) -> None:
    roles = ("pending", "processing", "completed", "failed", "cancelled")
    for n in range(start, start + count):
        profile_job(f"row.{n}", roles[n % len(roles)])


def add_generation_jobs(start: int, count: int, owners) -> None:
    for n in range(start, start + count):
        generation_job(owners[n % len(owners)], ("pending", "completed", "failed")[n % 3], topic=f"Article {n}")
    services.bulk_job_create(owner=owners[0], items=[{"mode": "topic", "topic": f"Batch {start}"}])


def add_viral_entries(start: int, count: int) -> None:
    for n in range(start, start + count):
        viral_entry(f"rows-{n:04d}", ("pending", "completed", "failed")[n % 3])


def add_bulk_jobs(start: int, count: int, owners) -> None:
    for n in range(start, start + count):
        services.bulk_job_create(owner=owners[n % len(owners)], items=[{"mode": "topic", "topic": f"Bulk {n} a"},
                                                                     {"mode": "topic", "topic": f"Bulk {n} b"}])


# The budget of each list page (session, user, counts, rows, filters' and date drill-down's reads).
LIST_QUERY_BUDGET = 10


@pytest.mark.parametrize("model", [ProfileJob, GenerationJob, ViralIdeasQueue, BulkJob, ProgressEvent],
                         ids=lambda model: model.__name__)
def test_job_list_pages_cost_the_same_for_3_rows_as_for_30(console, alice, bob, model, django_assert_max_num_queries):
    fill = {
        ProfileJob: add_profile_jobs,
        GenerationJob: lambda start, count: add_generation_jobs(start, count, [alice, bob]),
        ViralIdeasQueue: add_viral_entries,
        BulkJob: lambda start, count: add_bulk_jobs(start, count, [alice, bob]),
        ProgressEvent: add_profile_jobs,
    }[model]
    url = changelist_url(model)

    fill(0, 3)
    with_3 = queries_for(console, url)
    fill(3, 27)
    with_30 = queries_for(console, url)

    assert with_30 == with_3
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        console.get(url)
