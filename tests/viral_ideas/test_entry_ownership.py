"""Who may change a viral entry: its creator (account or owner token) and staff; reads stay open.

Every write endpoint (cancel, rerun, add a competitor, remove one) is tried by every persona on
an entry created by an account and on one created anonymously (with its owner token).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

import pytest

from jobs.services import job_cancel
from support.owners import creator_client, owner_token_header
from viral_ideas.models import ViralIdeasCompetitor, ViralIdeasQueue

pytestmark = pytest.mark.django_db

STRATEGY = {"contentType": "Quick recipes", "targetAudience": "Busy parents", "goals": "Grow followers"}


def queue_body(session_id: str) -> dict:
    return {"session_id": session_id, "primary_username": "planted_creator",
            "selected_competitors": ["comp_alpha", "comp_bravo"], "content_strategy": dict(STRATEGY)}


def create_entry(client, session_id: str) -> ViralIdeasQueue:
    response = client.post("/api/viral-ideas/queue", queue_body(session_id), format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    entry = ViralIdeasQueue.objects.get(pk=data["id"])
    entry.owner_token = data["owner_token"]
    return entry


def assert_not_owner_error(response) -> None:
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["success"] is False
    assert body["error_code"] == "NOT_ENTRY_OWNER"
    assert body["detail"] and "X-Owner-Token" in body["troubleshooting"]
    assert body["timestamp"]


# --- The write endpoints, each with the state it needs and the change it makes ---------------------


def cancelled(entry: ViralIdeasQueue) -> ViralIdeasQueue:
    return job_cancel(entry, reason="Cancelled by the test")


def competitor_is_active(entry: ViralIdeasQueue, username: str) -> bool:
    return ViralIdeasCompetitor.objects.filter(queue=entry, competitor_username=username, is_active=True).exists()


@dataclass(frozen=True)
class Write:
    method: str
    suffix: str
    success_status: int
    made_change: Callable[[ViralIdeasQueue], bool]
    prepare: Callable[[ViralIdeasQueue], object] = lambda entry: None
    body: dict | None = None

    def send(self, client, entry):
        return getattr(client, self.method)(f"/api/viral-ideas/queue/{entry.pk}/{self.suffix}", self.body,
                                            format="json")


WRITES = {
    "cancel": Write("post", "cancel", 200,
                    lambda entry: ViralIdeasQueue.objects.get(pk=entry.pk).status == "cancelled"),
    "rerun": Write("post", "rerun", 200,
                   lambda entry: ViralIdeasQueue.objects.get(pk=entry.pk).status == "pending", prepare=cancelled),
    "add-competitor": Write("post", "competitors", 201, lambda entry: competitor_is_active(entry, "comp_delta"),
                            body={"username": "comp_delta"}),
    "remove-competitor": Write("delete", "competitors/comp_bravo", 200,
                               lambda entry: not competitor_is_active(entry, "comp_bravo")),
}


@pytest.fixture(params=["created-by-account", "created-anonymously"])
def entry_and_owner(request, alice_client, anonymous):
    """(entry, its owner's client): alice's account, or the anonymous creator's owner token."""
    if request.param == "created-by-account":
        return create_entry(alice_client, "sess-owned-by-alice"), alice_client
    entry = create_entry(anonymous, "sess-owned-by-token")
    return entry, creator_client(entry)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_the_owner_may_change_their_entry(write, entry_and_owner):
    entry, owner = entry_and_owner
    write.prepare(entry)

    response = write.send(owner, entry)

    assert response.status_code == write.success_status, response.content
    assert response.json()["success"] is True
    assert write.made_change(entry)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_staff_may_change_anyones_entry(write, entry_and_owner, staff_client):
    entry, _ = entry_and_owner
    write.prepare(entry)

    response = write.send(staff_client, entry)

    assert response.status_code == write.success_status, response.content
    assert write.made_change(entry)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize("persona", ["anonymous", "bob_client", "staff_without_permissions_client"])
def test_anyone_else_gets_a_403_and_the_entry_does_not_change(write, persona, entry_and_owner, request):
    entry, _ = entry_and_owner
    write.prepare(entry)
    before = ViralIdeasQueue.objects.get(pk=entry.pk).status

    response = write.send(request.getfixturevalue(persona), entry)

    assert_not_owner_error(response)
    assert not write.made_change(entry)
    assert ViralIdeasQueue.objects.get(pk=entry.pk).status == before


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_superuser_may_change_anyones_entry(write, entry_and_owner, superuser_client):
    entry, _ = entry_and_owner
    write.prepare(entry)

    assert write.send(superuser_client, entry).status_code == write.success_status
    assert write.made_change(entry)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_the_token_of_another_entry_opens_nothing(write, anonymous):
    entry = create_entry(anonymous, "sess-target")
    other = create_entry(anonymous, "sess-other")
    write.prepare(entry)

    response = write.send(creator_client(other), entry)

    assert_not_owner_error(response)
    assert not write.made_change(entry)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_an_account_owned_entry_cannot_be_changed_with_a_token(write, alice_client, anonymous):
    entry = create_entry(alice_client, "sess-alice")
    token_holder = creator_client(create_entry(anonymous, "sess-someone"))
    write.prepare(entry)

    assert_not_owner_error(write.send(token_holder, entry))
    assert not write.made_change(entry)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize("token", ["", "not-the-token", "x" * 500])
def test_a_blank_wrong_or_oversized_token_is_a_403(write, token, anonymous):
    entry = create_entry(anonymous, "sess-guess")
    write.prepare(entry)
    guesser = anonymous
    guesser.credentials(**owner_token_header(token))

    assert_not_owner_error(write.send(guesser, entry))
    assert not write.made_change(entry)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_an_entry_from_before_ownership_is_changed_by_staff_only(write, anonymous, alice_client, bob_client,
                                                                 staff_client):
    entry = create_entry(anonymous, "sess-legacy")
    # As the migration leaves the entries that existed before it: no owner, no token hash.
    ViralIdeasQueue.objects.filter(pk=entry.pk).update(owner=None, owner_token_hash=None)
    write.prepare(entry)

    for refused in (anonymous, alice_client, bob_client, creator_client(entry)):
        assert_not_owner_error(write.send(refused, entry))
    assert not write.made_change(entry)

    assert write.send(staff_client, entry).status_code == write.success_status
    assert write.made_change(entry)


# --- Creation: who becomes the owner -------------------------------------------------------------------


def test_an_anonymous_creation_answers_an_owner_token_and_stores_only_its_sha256(anonymous):
    entry = create_entry(anonymous, "sess-token")

    stored = ViralIdeasQueue.objects.get(pk=entry.pk)
    assert len(entry.owner_token) >= 40
    assert stored.owner is None
    assert stored.owner_token_hash == hashlib.sha256(entry.owner_token.encode()).hexdigest()
    row = ViralIdeasQueue.objects.filter(pk=entry.pk).values().get()
    assert entry.owner_token not in {str(value) for value in row.values()}


def test_each_anonymous_creation_gets_its_own_token(anonymous):
    first = create_entry(anonymous, "sess-first")
    second = create_entry(anonymous, "sess-second")

    assert first.owner_token != second.owner_token


def test_a_signed_in_creation_belongs_to_the_account_and_answers_no_token(alice_client, alice):
    entry = create_entry(alice_client, "sess-account")

    stored = ViralIdeasQueue.objects.get(pk=entry.pk)
    assert entry.owner_token is None
    assert stored.owner == alice
    assert stored.owner_token_hash is None


def test_the_token_is_answered_once_and_never_by_a_read_or_a_reused_session_id(anonymous, bob_client):
    entry = create_entry(anonymous, "sess-secret")

    reads = [
        anonymous.get(f"/api/viral-ideas/queue/{entry.session_id}"),
        anonymous.get("/api/viral-ideas/queue-status"),
        anonymous.get("/api/viral-ideas/check-existing/planted_creator"),
        bob_client.post("/api/viral-ideas/queue", queue_body("sess-secret"), format="json"),  # 409
    ]

    assert [response.status_code for response in reads] == [200, 200, 200, 409]
    for response in reads:
        assert entry.owner_token not in response.content.decode()
        assert "owner_token" not in response.content.decode()


def test_reads_stay_open_to_anyone_whoever_owns_the_entry(alice_client, bob_client, anonymous):
    entry = create_entry(alice_client, "sess-readable")

    for reader in (anonymous, bob_client):
        status = reader.get(f"/api/viral-ideas/queue/{entry.session_id}")
        assert status.status_code == 200 and status.json()["data"]["id"] == str(entry.pk)
        assert reader.get(f"/api/viral-analysis/{entry.pk}/content").status_code == 200


def test_the_schema_documents_the_owner_token_header_and_the_403(anonymous):
    schema = anonymous.get("/api/schema/?format=json").json()

    for path, method in [("/api/viral-ideas/queue/{queue_id}/cancel", "post"),
                         ("/api/viral-ideas/queue/{queue_id}/rerun", "post"),
                         ("/api/viral-ideas/queue/{queue_id}/competitors", "post"),
                         ("/api/viral-ideas/queue/{queue_id}/competitors/{username}", "delete")]:
        operation = schema["paths"][path][method]
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert headers == ["X-Owner-Token"], path
        assert "403" in operation["responses"], path
    created = schema["components"]["schemas"]["QueueCreatedOutput"]
    assert created["properties"]["owner_token"]["nullable"] is True
