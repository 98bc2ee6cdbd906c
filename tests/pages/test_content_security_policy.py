"""Every page carries a Content-Security-Policy of our own origin only, and keeps working under it:
no page has an inline script or style the policy would block (Swagger UI's carry the nonce)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[^>]*>|\sstyle=", re.IGNORECASE)
NONCE = re.compile(r"'nonce-([^']+)'")


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def inline_blocks_without(nonce: str | None, page: str) -> list[str]:
    """Inline scripts and styles of `page` that do not carry `nonce`."""
    found = INLINE_SCRIPT.findall(page) + INLINE_STYLE.findall(page)
    return [tag for tag in found if nonce is None or f'nonce="{nonce}"' not in tag]


@pytest.mark.parametrize("path", ["/", "/profiles/", "/viral-ideas/new", "/jobs/new", "/accounts/login/", "/no/such/page/"])
def test_pages_allow_only_our_own_scripts_and_styles_and_have_no_inline_ones(client, path):
    response = client.get(path)

    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no nonce was asked for: nothing inline is allowed
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert inline_blocks_without(None, response.content.decode()) == []


def test_the_signed_in_pages_have_no_inline_scripts_or_styles_either(client, alice):
    client.force_login(alice)

    for path in ("/", "/jobs/", "/jobs/new"):
        response = client.get(path)
        assert response.status_code == 200
        assert inline_blocks_without(None, response.content.decode()) == [], path


def test_the_styles_that_were_inline_are_in_the_site_stylesheet():
    stylesheet = open(finders.find("css/site.css"), encoding="utf-8").read()

    for class_name in ("plain-fieldset", "boxed-fieldset", "spaced-above", "card-narrow", "col-progress-wide"):
        assert f".{class_name} " in stylesheet


def test_the_api_docs_load_swagger_ui_from_our_own_static_files_and_its_start_up_script_carries_the_nonce(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    policy = directives(response)
    [nonce] = set(NONCE.findall(response["Content-Security-Policy"]))
    assert f"'nonce-{nonce}'" in policy["script-src"] and f"'nonce-{nonce}'" in policy["style-src"]
    assert inline_blocks_without(nonce, page) == []
    assert "SwaggerUIBundle" in page  # the start-up script is there, inline with the nonce
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/static/") for source in sources), sources


def test_each_request_gets_a_new_nonce(client):
    first, second = (NONCE.findall(client.get("/api/docs/")["Content-Security-Policy"]) for _ in range(2))

    assert first[0] != second[0]


def test_the_admin_works_under_the_policy_with_its_styles_in_a_file(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="root-password-1"))

    index = client.get("/admin/")
    changelist = client.get("/admin/auth/user/")

    assert index.status_code == changelist.status_code == 200
    assert "Content-Security-Policy" in index
    assert "css/admin.css" in index.content.decode()
    assert finders.find("css/admin.css") is not None
    assert "<style" not in index.content.decode()


def test_json_answers_carry_the_policy_too(client):
    response = client.get("/api/viral-ideas/queue-status")

    assert response.status_code == 200
    assert "Content-Security-Policy" in response
