"""Viral-ideas queue endpoints: create, status (and its view), competitors, cancel, overview, check-existing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from jobs.services import job_claim, job_report_progress
from support.owners import creator_client
from viral_ideas.models import ViralIdeasCompetitor, ViralIdeasQueue

pytestmark = pytest.mark.django_db

STRATEGY = {
    "contentType": "Quick weeknight recipes",
    "targetAudience": "Busy parents",
    "goals": "Grow followers, sell the cookbook",
    "additionalNotes": "Keep every reel under a minute",
}

# Every field of the spec's full status answer (viral-ideas-queue-status.md, "Complete Response Structure").
SPEC_STATUS_FIELDS = {
    "id", "session_id", "primary_username", "status", "priority", "progress_percentage", "current_step",
    "error_message", "content_type", "target_audience", "main_goals", "full_content_strategy", "analysis_settings",
    "competitors", "competitor_details", "active_competitors_count", "total_competitors_count", "submitted_at",
    "started_processing_at", "completed_at", "auto_rerun_enabled", "rerun_frequency_hours", "total_runs",
    "last_analysis_at", "next_scheduled_run", "processing_duration", "is_overdue", "estimated_time_remaining",
    "can_be_cancelled", "can_be_rerun", "status_category", "progress_stage",
}

# The view's columns the spec names (viral-ideas-queue-status.md, "viral_queue_summary view structure"),
# plus the ones the status answer reads from it.
SPEC_VIEW_COLUMNS = {
    "id", "session_id", "primary_username", "status", "priority", "progress_percentage", "current_step",
    "error_message", "submitted_at", "started_processing_at", "completed_at", "auto_rerun_enabled",
    "rerun_frequency_hours", "total_runs", "content_type", "target_audience", "main_goals", "full_content_strategy",
    "active_competitors_count", "total_competitors_count", "last_analysis_at", "next_scheduled_run",
    "analysis_settings",
}


def queue_body(session_id: str, primary: str = "planted_creator", competitors=("comp_alpha", "comp_bravo"), **extra):
    return {
        "session_id": session_id,
        "primary_username": primary,
        "selected_competitors": list(competitors),
        "content_strategy": dict(STRATEGY),
        **extra,
    }


def create_entry(client, session_id: str, **kwargs) -> ViralIdeasQueue:
    response = client.post("/api/viral-ideas/queue", queue_body(session_id, **kwargs), format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    entry = ViralIdeasQueue.objects.get(pk=data["id"])
    entry.owner_token = data["owner_token"]  # as the creation's own instance carries it (creator_client)
    return entry


def when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def assert_error_shape(body: dict, error_code: str) -> None:
    assert body["success"] is False
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["error_code"] == error_code
    assert when(body["timestamp"]).tzinfo is not None


def status_of(client, session_id: str) -> dict:
    response = client.get(f"/api/viral-ideas/queue/{session_id}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    return body["data"]


# --- POST /api/viral-ideas/queue ------------------------------------------------------------------


def test_anyone_can_queue_an_analysis_without_an_account_and_gets_the_entry_back(anonymous):
    response = anonymous.post(
        "/api/viral-ideas/queue",
        queue_body("sess-create-1", primary="@Planted_Creator",
                   competitors=["@Comp_Alpha", "comp_bravo", "comp_alpha", "planted_creator"]),
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Viral ideas analysis queued for @planted_creator"
    data = body["data"]
    entry = ViralIdeasQueue.objects.get(session_id="sess-create-1")
    assert data["id"] == str(entry.pk)
    assert data["session_id"] == "sess-create-1"
    assert data["primary_username"] == "planted_creator"
    assert data["status"] == "pending"
    assert when(data["submitted_at"]) == entry.submitted_at
    assert entry.status == "pending" and entry.priority == 5
    assert entry.content_strategy == STRATEGY


def test_each_selected_competitor_becomes_one_active_pending_manual_row(anonymous):
    entry = create_entry(anonymous, "sess-create-2", competitors=["@Comp_Alpha", "comp_bravo", "comp_alpha"])

    rows = list(ViralIdeasCompetitor.objects.filter(queue=entry).order_by("competitor_username"))
    assert [row.competitor_username for row in rows] == ["comp_alpha", "comp_bravo"]
    for row in rows:
        assert row.selection_method == "manual"
        assert row.is_active is True
        assert row.processing_status == "pending"
        assert row.removed_at is None


def test_the_creator_is_never_their_own_competitor(anonymous):
    entry = create_entry(anonymous, "sess-create-3", competitors=["comp_alpha", "planted_creator"])

    assert list(entry.competitors.values_list("competitor_username", flat=True)) == ["comp_alpha"]


def test_optional_settings_priority_and_rerun_options_are_stored(anonymous):
    entry = create_entry(
        anonymous, "sess-create-4", priority=2, auto_rerun_enabled=True, rerun_frequency_hours=12,
        analysis_settings={"outlier_threshold": 3.0, "max_competitor_reels": 20},
    )

    assert entry.priority == 2
    assert entry.auto_rerun_enabled is True
    assert entry.rerun_frequency_hours == 12
    assert entry.analysis_settings == {"outlier_threshold": 3.0, "max_competitor_reels": 20}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"primary_username": "not a user!"}, "primary_username"),
        ({"primary_username": ""}, "primary_username"),
        ({"primary_username": "x" * 31}, "primary_username"),
        ({"selected_competitors": ["bad name!"]}, "selected_competitors"),
        ({"selected_competitors": []}, "selected_competitors"),
        ({"selected_competitors": ["planted_creator"]}, "selected_competitors"),
        ({"content_strategy": {"contentType": "Recipes", "targetAudience": "Parents"}}, "content_strategy"),
        ({"content_strategy": "recipes for parents"}, "content_strategy"),
        ({"content_strategy": {**STRATEGY, "goals": ""}}, "content_strategy"),
        ({"priority": 0}, "priority"),
        ({"priority": 11}, "priority"),
        ({"rerun_frequency_hours": 0}, "rerun_frequency_hours"),
        ({"session_id": "   "}, "session_id"),
        ({"session_id": "s" * 256}, "session_id"),
        ({"session_id": "sess\x00null"}, "session_id"),
    ],
)
def test_invalid_usernames_strategies_and_options_are_a_400_in_the_error_shape(anonymous, change, field):
    response = anonymous.post("/api/viral-ideas/queue", {**queue_body("sess-invalid"), **change}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, "VALIDATION_ERROR")
    assert field in body["errors"]
    assert not ViralIdeasQueue.objects.exists()


def test_a_missing_session_id_is_a_400(anonymous):
    body = queue_body("unused")
    del body["session_id"]

    response = anonymous.post("/api/viral-ideas/queue", body, format="json")

    assert response.status_code == 400
    assert_error_shape(response.json(), "VALIDATION_ERROR")


def test_a_reused_session_id_is_a_409_naming_the_existing_entry_never_a_500(anonymous, alice_client):
    first = create_entry(anonymous, "sess-taken")

    response = alice_client.post(
        "/api/viral-ideas/queue", queue_body("sess-taken", primary="someone_else", competitors=["comp_charlie"]),
        format="json",
    )

    assert response.status_code == 409
    body = response.json()
    assert_error_shape(body, "SESSION_EXISTS")
    assert body["existing_id"] == str(first.pk)
    assert ViralIdeasQueue.objects.count() == 1
    first.refresh_from_db()
    assert first.primary_username == "planted_creator"
    assert sorted(first.competitors.values_list("competitor_username", flat=True)) == ["comp_alpha", "comp_bravo"]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_creations_with_one_session_id_give_one_entry_and_409s_naming_it():
    """Eight clients race with the same session_id: one wins, the others get its id, nobody gets a 500."""
    import threading

    from rest_framework.test import APIClient

    barrier = threading.Barrier(8)
    answers = []

    def create(index):
        try:
            client = APIClient()
            barrier.wait(timeout=10)
            response = client.post("/api/viral-ideas/queue",
                                   queue_body("sess-race", primary=f"racer_{index}"), format="json")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    codes = sorted(code for code, _ in answers)
    assert codes == [201] + [409] * 7
    winner = ViralIdeasQueue.objects.get(session_id="sess-race")
    assert next(body for code, body in answers if code == 201)["data"]["id"] == str(winner.pk)
    assert {body["existing_id"] for code, body in answers if code == 409} == {str(winner.pk)}
    assert ViralIdeasQueue.objects.count() == 1
    assert ViralIdeasCompetitor.objects.filter(queue=winner).count() == 2


# --- GET /api/viral-ideas/queue/{session_id} ------------------------------------------------------


def test_a_new_entry_answers_every_field_of_the_spec(anonymous):
    entry = create_entry(anonymous, "sess-status-new", competitors=["comp_alpha", "comp_bravo"],
                         analysis_settings={"analysis_depth": "comprehensive"})

    data = status_of(anonymous, "sess-status-new")

    assert SPEC_STATUS_FIELDS <= set(data)
    assert data["id"] == str(entry.pk)
    assert data["session_id"] == "sess-status-new"
    assert data["primary_username"] == "planted_creator"
    assert data["status"] == "pending"
    assert data["priority"] == 5
    assert data["progress_percentage"] == 0
    assert data["error_message"] is None
    assert data["content_type"] == STRATEGY["contentType"]
    assert data["target_audience"] == STRATEGY["targetAudience"]
    assert data["main_goals"] == STRATEGY["goals"]
    assert data["full_content_strategy"] == STRATEGY
    assert data["analysis_settings"] == {"analysis_depth": "comprehensive"}
    assert data["competitors"] == ["comp_alpha", "comp_bravo"]
    assert [c["username"] for c in data["competitor_details"]] == ["comp_alpha", "comp_bravo"]
    for detail in data["competitor_details"]:
        assert detail["processing_status"] == "pending"
        assert detail["selection_method"] == "manual"
        assert when(detail["added_at"]) is not None
    assert data["active_competitors_count"] == 2
    assert data["total_competitors_count"] == 2
    assert when(data["submitted_at"]) == entry.submitted_at
    assert data["started_processing_at"] is None
    assert data["completed_at"] is None
    assert data["auto_rerun_enabled"] is False
    assert data["rerun_frequency_hours"] == 24
    assert data["total_runs"] == 0
    assert data["last_analysis_at"] is None
    assert data["next_scheduled_run"] is None
    assert data["processing_duration"] is None
    assert data["is_overdue"] is False
    assert data["estimated_time_remaining"] is None
    assert data["can_be_cancelled"] is True
    assert data["can_be_rerun"] is False
    assert data["status_category"] == "waiting"
    assert data["progress_stage"] == "not_started"


def test_the_status_answer_takes_at_most_two_queries(anonymous, django_assert_max_num_queries):
    create_entry(anonymous, "sess-two-queries", competitors=["comp_alpha", "comp_bravo", "comp_charlie"])

    with django_assert_max_num_queries(2):
        response = anonymous.get("/api/viral-ideas/queue/sess-two-queries")

    assert response.status_code == 200
    assert len(response.json()["data"]["competitor_details"]) == 3


@pytest.mark.parametrize(
    ("percentage", "stage"),
    [(5, "initializing"), (24, "initializing"), (25, "processing"), (49, "processing"), (50, "analyzing"),
     (65, "analyzing"), (75, "finalizing"), (99, "finalizing")],
)
def test_a_processing_entry_shows_its_step_stage_and_time_remaining(anonymous, percentage, stage):
    entry = create_entry(anonymous, f"sess-running-{percentage}")
    claimed = job_claim(ViralIdeasQueue, job_id=entry.pk)
    eta = timezone.now() + timedelta(minutes=10)
    job_report_progress(claimed, stage="analysis", percentage=percentage, message="Analyzing competitor hooks",
                        fields={"estimated_completion": eta})

    data = status_of(anonymous, entry.session_id)

    assert data["status"] == "processing"
    assert data["progress_percentage"] == percentage
    assert data["current_step"] == "Analyzing competitor hooks"
    assert data["progress_stage"] == stage
    assert data["status_category"] == "active"
    assert when(data["started_processing_at"]) == ViralIdeasQueue.objects.get(pk=entry.pk).started_processing_at
    assert 9 <= data["estimated_time_remaining"] <= 10
    assert data["can_be_cancelled"] is True
    assert data["can_be_rerun"] is False
    assert data["is_overdue"] is False
    assert data["processing_duration"] is None


@pytest.mark.parametrize(("minutes_ago", "overdue"), [(29, False), (31, True), (180, True)])
def test_an_entry_processing_for_more_than_thirty_minutes_is_overdue(anonymous, minutes_ago, overdue):
    entry = create_entry(anonymous, f"sess-overdue-{minutes_ago}")
    job_claim(ViralIdeasQueue, job_id=entry.pk)
    ViralIdeasQueue.objects.filter(pk=entry.pk).update(
        started_processing_at=timezone.now() - timedelta(minutes=minutes_ago)
    )

    assert status_of(anonymous, entry.session_id)["is_overdue"] is overdue


def test_a_finished_entry_reports_its_duration_schedule_and_that_it_can_be_rerun(anonymous):
    entry = create_entry(anonymous, "sess-finished", auto_rerun_enabled=True, rerun_frequency_hours=6)
    started = timezone.now() - timedelta(hours=2)
    finished = started + timedelta(seconds=90)
    ViralIdeasQueue.objects.filter(pk=entry.pk).update(
        status="completed", progress_percentage=100, progress_message="Run 1 done", started_processing_at=started,
        finished_at=finished, total_runs=1, last_analysis_at=finished, next_scheduled_run=finished + timedelta(hours=6),
    )

    data = status_of(anonymous, entry.session_id)

    assert data["status"] == "completed"
    assert data["current_step"] == "Run 1 done"
    assert when(data["started_processing_at"]) == started
    assert when(data["completed_at"]) == finished
    assert data["processing_duration"] == 1.5
    assert data["total_runs"] == 1
    assert when(data["last_analysis_at"]) == finished
    assert when(data["next_scheduled_run"]) == finished + timedelta(hours=6)
    assert data["auto_rerun_enabled"] is True
    assert data["rerun_frequency_hours"] == 6
    assert data["estimated_time_remaining"] == 0
    assert data["is_overdue"] is False
    assert data["can_be_cancelled"] is False
    assert data["can_be_rerun"] is True
    assert data["status_category"] == "success"
    assert data["progress_stage"] == "completed"


def test_a_failed_entry_shows_its_error_and_can_be_rerun(anonymous):
    entry = create_entry(anonymous, "sess-failed")
    ViralIdeasQueue.objects.filter(pk=entry.pk).update(
        status="failed", progress_percentage=25, error_message="Every competitor failed: @comp_alpha: gone",
        finished_at=timezone.now(),
    )

    data = status_of(anonymous, entry.session_id)

    assert data["error_message"] == "Every competitor failed: @comp_alpha: gone"
    assert data["status_category"] == "error"
    assert data["can_be_rerun"] is True
    assert data["can_be_cancelled"] is False
    assert data["processing_duration"] is None


@pytest.mark.parametrize("session_path", ["%20%20%20", ""])
def test_a_blank_session_id_is_a_400(anonymous, session_path):
    response = anonymous.get(f"/api/viral-ideas/queue/{session_path}")

    assert response.status_code == 400
    assert_error_shape(response.json(), "INVALID_SESSION_ID")


def test_a_session_id_longer_than_255_characters_is_a_400(anonymous):
    response = anonymous.get(f"/api/viral-ideas/queue/{'s' * 256}")

    assert response.status_code == 400
    assert_error_shape(response.json(), "INVALID_SESSION_ID")


def test_a_session_id_with_a_nul_byte_is_refused_as_a_client_error_not_a_5xx(anonymous):
    """No entry can have such an id (creation refuses it); PostgreSQL cannot even compare text with NUL."""
    create_entry(anonymous, "sess-real")

    response = anonymous.get("/api/viral-ideas/queue/sess%00real")

    assert response.status_code in (400, 404), response.content
    assert_error_shape(response.json(), "INVALID_SESSION_ID" if response.status_code == 400 else "QUEUE_NOT_FOUND")


@pytest.mark.parametrize("session_id", ["never-queued", "s" * 255])
def test_an_unknown_session_id_is_a_404(anonymous, session_id):
    create_entry(anonymous, "sess-someone-else")

    response = anonymous.get(f"/api/viral-ideas/queue/{session_id}")

    assert response.status_code == 404
    assert_error_shape(response.json(), "QUEUE_NOT_FOUND")


# --- The viral_queue_summary view -----------------------------------------------------------------


def test_viral_queue_summary_is_a_database_view_with_the_specs_columns(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 'viral_queue_summary'")
        assert cursor.fetchone() == ("VIEW",)
        cursor.execute("SELECT * FROM viral_queue_summary LIMIT 0")
        columns = {column.name for column in cursor.description}

    assert SPEC_VIEW_COLUMNS <= columns
    assert {"current_step", "error_message"} <= columns


def test_the_view_row_extracts_the_strategy_and_counts_active_and_all_competitors(anonymous):
    entry = create_entry(anonymous, "sess-view-row", competitors=["comp_alpha", "comp_bravo", "comp_charlie"])
    ViralIdeasCompetitor.objects.filter(queue=entry, competitor_username="comp_bravo").update(
        is_active=False, removed_at=timezone.now()
    )
    ViralIdeasQueue.objects.filter(pk=entry.pk).update(progress_message="Loading competitors", error_message="boom")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT content_type, target_audience, main_goals, active_competitors_count, total_competitors_count, "
            "current_step, error_message, status FROM viral_queue_summary WHERE session_id = %s",
            ["sess-view-row"],
        )
        row = cursor.fetchone()

    assert row == (STRATEGY["contentType"], STRATEGY["targetAudience"], STRATEGY["goals"], 2, 3,
                   "Loading competitors", "boom", "pending")


# --- Competitors ----------------------------------------------------------------------------------


def test_removing_a_competitor_deactivates_it_and_keeps_the_row(anonymous):
    entry = create_entry(anonymous, "sess-remove", competitors=["comp_alpha", "comp_bravo"])
    creator = creator_client(entry)

    response = creator.delete(f"/api/viral-ideas/queue/{entry.pk}/competitors/comp_bravo")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["username"] == "comp_bravo"
    assert data["is_active"] is False
    assert when(data["removed_at"]) is not None
    row = ViralIdeasCompetitor.objects.get(queue=entry, competitor_username="comp_bravo")
    assert row.is_active is False
    assert row.removed_at is not None
    assert ViralIdeasCompetitor.objects.filter(queue=entry).count() == 2
    status = status_of(anonymous, entry.session_id)
    assert status["competitors"] == ["comp_alpha"]
    assert status["active_competitors_count"] == 1
    assert status["total_competitors_count"] == 2


def test_adding_a_removed_competitor_again_reactivates_the_same_row(anonymous):
    entry = create_entry(anonymous, "sess-readd", competitors=["comp_alpha", "comp_bravo"])
    creator = creator_client(entry)
    original = ViralIdeasCompetitor.objects.get(queue=entry, competitor_username="comp_bravo")
    ViralIdeasCompetitor.objects.filter(pk=original.pk).update(processing_status="failed")
    creator.delete(f"/api/viral-ideas/queue/{entry.pk}/competitors/comp_bravo")

    response = creator.post(f"/api/viral-ideas/queue/{entry.pk}/competitors", {"username": "@Comp_Bravo"},
                            format="json")

    assert response.status_code == 201
    assert response.json()["data"]["username"] == "comp_bravo"
    rows = list(ViralIdeasCompetitor.objects.filter(queue=entry, competitor_username="comp_bravo"))
    assert len(rows) == 1
    assert rows[0].pk == original.pk
    assert rows[0].is_active is True
    assert rows[0].removed_at is None
    assert rows[0].processing_status == "pending"
    assert status_of(anonymous, entry.session_id)["active_competitors_count"] == 2


def test_adding_a_new_competitor_creates_an_active_row_with_its_selection_method(anonymous):
    entry = create_entry(anonymous, "sess-add", competitors=["comp_alpha"])
    creator = creator_client(entry)

    response = creator.post(f"/api/viral-ideas/queue/{entry.pk}/competitors",
                            {"username": "comp_delta", "selection_method": "suggested"}, format="json")

    assert response.status_code == 201
    row = ViralIdeasCompetitor.objects.get(queue=entry, competitor_username="comp_delta")
    assert (row.is_active, row.processing_status, row.selection_method) == (True, "pending", "suggested")
    assert status_of(anonymous, entry.session_id)["competitors"] == ["comp_alpha", "comp_delta"]


def test_the_creator_cannot_be_added_as_a_competitor(anonymous):
    entry = create_entry(anonymous, "sess-add-self", competitors=["comp_alpha"])
    creator = creator_client(entry)

    response = creator.post(f"/api/viral-ideas/queue/{entry.pk}/competitors", {"username": "planted_creator"},
                            format="json")

    assert response.status_code == 400
    assert_error_shape(response.json(), "VALIDATION_ERROR")
    assert entry.competitors.count() == 1


def test_removing_a_competitor_that_is_not_active_is_a_404(anonymous):
    entry = create_entry(anonymous, "sess-remove-twice", competitors=["comp_alpha", "comp_bravo"])
    creator = creator_client(entry)
    creator.delete(f"/api/viral-ideas/queue/{entry.pk}/competitors/comp_bravo")

    again = creator.delete(f"/api/viral-ideas/queue/{entry.pk}/competitors/comp_bravo")
    unknown = creator.delete(f"/api/viral-ideas/queue/{entry.pk}/competitors/never_added")

    assert again.status_code == 404 and unknown.status_code == 404
    assert_error_shape(again.json(), "COMPETITOR_NOT_FOUND")
    assert_error_shape(unknown.json(), "COMPETITOR_NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "suffix"), [("post", "competitors"), ("delete", "competitors/comp_alpha"), ("post", "cancel"),
                           ("post", "rerun")],
)
def test_entry_operations_answer_400_for_a_bad_id_and_404_for_an_unknown_one(anonymous, method, suffix):
    bad = getattr(anonymous, method)(f"/api/viral-ideas/queue/not-a-uuid/{suffix}", {"username": "x_y"}, format="json")
    unknown = getattr(anonymous, method)(f"/api/viral-ideas/queue/{uuid.uuid4()}/{suffix}", {"username": "x_y"},
                                         format="json")

    assert bad.status_code == 400
    assert_error_shape(bad.json(), "INVALID_UUID_FORMAT")
    assert unknown.status_code == 404
    assert_error_shape(unknown.json(), "QUEUE_NOT_FOUND")


# --- Cancel ---------------------------------------------------------------------------------------


def test_a_pending_entry_can_be_cancelled_once(anonymous):
    entry = create_entry(anonymous, "sess-cancel")
    creator = creator_client(entry)

    response = creator.post(f"/api/viral-ideas/queue/{entry.pk}/cancel")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "cancelled"
    assert data["can_be_cancelled"] is False
    assert data["can_be_rerun"] is True
    assert ViralIdeasQueue.objects.get(pk=entry.pk).status == "cancelled"

    again = creator.post(f"/api/viral-ideas/queue/{entry.pk}/cancel")
    assert again.status_code == 409
    assert_error_shape(again.json(), "INVALID_STATE")


def test_a_processing_entry_can_be_cancelled(anonymous):
    entry = create_entry(anonymous, "sess-cancel-running")
    creator = creator_client(entry)
    job_claim(ViralIdeasQueue, job_id=entry.pk)

    response = creator.post(f"/api/viral-ideas/queue/{entry.pk}/cancel")

    assert response.status_code == 200
    assert ViralIdeasQueue.objects.get(pk=entry.pk).status == "cancelled"


def test_a_pending_entry_cannot_be_rerun(anonymous):
    entry = create_entry(anonymous, "sess-rerun-pending")
    creator = creator_client(entry)

    response = creator.post(f"/api/viral-ideas/queue/{entry.pk}/rerun")

    assert response.status_code == 409
    assert_error_shape(response.json(), "INVALID_STATE")
    assert ViralIdeasQueue.objects.get(pk=entry.pk).status == "pending"


# --- GET /api/viral-ideas/queue-status ------------------------------------------------------------


def test_queue_status_counts_entries_by_status_and_lists_the_ten_newest(anonymous):
    base = timezone.now() - timedelta(hours=1)
    statuses = ["pending"] * 4 + ["processing"] * 2 + ["completed"] * 3 + ["failed"] * 2 + ["cancelled"]
    entries = []
    for index, status in enumerate(statuses):
        entry = create_entry(anonymous, f"sess-overview-{index:02d}", primary=f"creator_{index:02d}",
                             competitors=["comp_alpha", "comp_bravo", "comp_charlie"][: 1 + index % 3])
        ViralIdeasQueue.objects.filter(pk=entry.pk).update(
            status=status, submitted_at=base + timedelta(minutes=index), progress_percentage=index,
            progress_message=f"step {index}",
        )
        entries.append(entry)
    ViralIdeasCompetitor.objects.filter(queue=entries[-1], competitor_username="comp_alpha").update(is_active=False)

    response = anonymous.get("/api/viral-ideas/queue-status")

    assert response.status_code == 200
    data = response.json()["data"]
    statistics = data["statistics"]
    assert (statistics["pending"], statistics["processing"], statistics["completed"], statistics["failed"],
            statistics["total"]) == (4, 2, 3, 2, 12)
    items = data["recent_items"]
    assert [item["id"] for item in items] == [str(entry.pk) for entry in reversed(entries)][:10]
    for item in items:
        assert {"id", "primary_username", "status", "progress_percentage", "current_step", "submitted_at",
                "content_type", "target_audience", "active_competitors_count"} <= set(item)
        assert item["content_type"] == STRATEGY["contentType"]
        assert item["target_audience"] == STRATEGY["targetAudience"]
    newest = items[0]
    assert newest["primary_username"] == "creator_11"
    assert newest["status"] == "cancelled"
    assert newest["current_step"] == "step 11"
    assert newest["progress_percentage"] == 11
    # creator_11 had 3 competitors, one removed since.
    assert newest["active_competitors_count"] == 2
    assert [item["active_competitors_count"] for item in items[1:]] == [1 + i % 3 for i in range(10, 1, -1)]


def test_queue_status_of_an_empty_queue_is_all_zero(anonymous, db):
    data = anonymous.get("/api/viral-ideas/queue-status").json()["data"]

    assert data["statistics"]["total"] == 0
    assert data["statistics"]["pending"] == 0
    assert data["recent_items"] == []


# --- GET /api/viral-ideas/check-existing/{username} -----------------------------------------------


def _entry_with(client, session_id: str, status: str, *, submitted_minutes_ago: int, analysed_minutes_ago=None):
    entry = create_entry(client, session_id)
    now = timezone.now()
    ViralIdeasQueue.objects.filter(pk=entry.pk).update(
        status=status,
        submitted_at=now - timedelta(minutes=submitted_minutes_ago),
        last_analysis_at=None if analysed_minutes_ago is None else now - timedelta(minutes=analysed_minutes_ago),
    )
    return entry


def test_check_existing_prefers_the_newest_completed_entry_over_newer_pending_ones(anonymous):
    _entry_with(anonymous, "sess-old-done", "completed", submitted_minutes_ago=300, analysed_minutes_ago=200)
    newest_done = _entry_with(anonymous, "sess-new-done", "completed", submitted_minutes_ago=250,
                              analysed_minutes_ago=100)
    _entry_with(anonymous, "sess-waiting", "pending", submitted_minutes_ago=5)

    response = anonymous.get("/api/viral-ideas/check-existing/@Planted_Creator")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == str(newest_done.pk)
    assert data["session_id"] == "sess-new-done"
    assert data["status"] == "completed"


def test_check_existing_without_a_completed_entry_answers_the_newest_pending_or_processing_one(anonymous):
    _entry_with(anonymous, "sess-pending-old", "pending", submitted_minutes_ago=60)
    running = _entry_with(anonymous, "sess-processing-new", "processing", submitted_minutes_ago=10)
    _entry_with(anonymous, "sess-failed-newest", "failed", submitted_minutes_ago=1)

    response = anonymous.get("/api/viral-ideas/check-existing/planted_creator")

    assert response.status_code == 200
    assert response.json()["data"]["id"] == str(running.pk)


def test_check_existing_is_a_404_when_only_failed_or_cancelled_entries_exist(anonymous):
    _entry_with(anonymous, "sess-failed", "failed", submitted_minutes_ago=10)
    _entry_with(anonymous, "sess-cancelled", "cancelled", submitted_minutes_ago=5)

    response = anonymous.get("/api/viral-ideas/check-existing/planted_creator")

    assert response.status_code == 404
    assert_error_shape(response.json(), "QUEUE_NOT_FOUND")


def test_check_existing_for_a_creator_never_analysed_is_a_404(anonymous):
    create_entry(anonymous, "sess-other-creator", primary="someone_else")

    response = anonymous.get("/api/viral-ideas/check-existing/planted_creator")

    assert response.status_code == 404
    assert_error_shape(response.json(), "QUEUE_NOT_FOUND")


@pytest.mark.parametrize(("status", "category"), [
    ("pending", "waiting"), ("processing", "active"), ("completed", "success"), ("failed", "error"),
    ("paused", "warning"),
    # Not in the spec's map: stopped on purpose, like paused, not an error.
    ("cancelled", "warning"),
])
def test_the_status_category_follows_the_specs_map(anonymous, status, category):
    entry = create_entry(anonymous, f"sess-category-{status}")
    ViralIdeasQueue.objects.filter(pk=entry.pk).update(status=status)

    assert status_of(anonymous, entry.session_id)["status_category"] == category
