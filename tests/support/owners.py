"""The API client of an anonymous creator: one that sends back the entry's owner token."""

from __future__ import annotations

from rest_framework.test import APIClient

from viral_ideas.services import OWNER_TOKEN_HEADER


def owner_token_header(token: str) -> dict:
    """The request header (in the test client's META spelling) that presents an owner token."""
    return {"HTTP_" + OWNER_TOKEN_HEADER.upper().replace("-", "_"): token}


def creator_client(entry) -> APIClient:
    """A client without an account holding the owner token that created `entry` answered."""
    assert entry.owner_token, "the entry was not created anonymously in this test"
    client = APIClient()
    client.credentials(**owner_token_header(entry.owner_token))
    return client
