"""Pages answer bad input with a 4xx page and a database outage with a 503 page, never a 500.

Through the Django test client (the whole middleware stack and the site's error handlers) on
PostgreSQL; the outage points the test's own connection at a port nothing listens on, so the
shared server is never touched.
"""

from __future__ import annotations

import contextlib

import pytest
from django.db import connection
from django.test import Client
from support.web_process import free_port

from viral_ideas.models import ViralIdeasQueue


@pytest.fixture
def browser():
    """A client that answers what a browser would get: a view's exception is the error page, not raised."""
    return Client(raise_request_exception=False)


def assert_site_error_page(response, status_code: int, heading: str):
    assert response.status_code == status_code, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert heading in page
    assert "css/site.css" in page  # the site's look, not a bare server page


# --- A NUL (which PostgreSQL text cannot hold) in a page's input -------------------------------------


@pytest.mark.django_db
def test_a_nul_byte_in_a_page_address_is_a_404_page(browser):
    response = browser.get("/viral-ideas/a%00b/")

    assert response.status_code == 404
    assert "Not found" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/profiles/a%00b/", "/viral-ideas/a%00b/results", "/admin/auth/user/a%00b/change/"])
def test_a_nul_byte_anywhere_in_a_page_address_is_a_404_not_a_500(browser, path):
    assert browser.get(path).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?partial=%00", "?q=a%00b", "?a%00=1"])
def test_a_nul_byte_in_a_query_string_is_a_400_page(browser, query):
    assert_site_error_page(browser.get("/viral-ideas/any-session/" + query), 400, "That request cannot be answered")


@pytest.mark.django_db
def test_a_nul_byte_in_the_admin_search_is_a_400_page_not_a_500(browser, staff):
    browser.force_login(staff)

    response = browser.get("/admin/auth/user/?q=a%00b")

    assert response.status_code == 400


@pytest.mark.django_db
def test_a_nul_byte_in_a_submitted_form_is_a_400_page_and_queues_nothing(browser):
    response = browser.post("/viral-ideas/new", {
        "primary_username": "page\x00creator", "competitors": "comp_alpha", "content_type": "Recipes",
        "target_audience": "Parents", "goals": "Grow", "additional_notes": "",
    })

    assert_site_error_page(response, 400, "That request cannot be answered")
    assert not ViralIdeasQueue.objects.exists()


@pytest.mark.django_db
def test_an_ordinary_query_string_still_reaches_the_page(browser):
    response = browser.get("/profiles/?q=chef")

    assert response.status_code == 200


# --- The database is down ------------------------------------------------------------------------


@contextlib.contextmanager
def database_unreachable():
    """The test's connection closed and its address pointed at a port nothing listens on."""
    settings_dict = connection.settings_dict
    saved = {key: settings_dict[key] for key in ("HOST", "PORT")}
    connection.close()
    settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    try:
        yield
    finally:
        connection.close()
        settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/", "/profiles/", "/viral-ideas/some-session/"])
def test_during_a_database_outage_pages_answer_a_503_page_with_retry_after(browser, path):
    with database_unreachable():
        response = browser.get(path)

    assert_site_error_page(response, 503, "Temporarily unavailable")
    assert int(response["Retry-After"]) > 0
    assert "Content-Security-Policy" in response


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_visitor_also_gets_the_503_page_though_the_session_cannot_be_read(browser, alice):
    browser.force_login(alice)

    with database_unreachable():
        response = browser.get("/jobs/")

    assert_site_error_page(response, 503, "Temporarily unavailable")


@pytest.mark.django_db(transaction=True)
def test_the_api_still_answers_an_outage_in_its_envelope(browser):
    with database_unreachable():
        response = browser.get("/api/viral-ideas/queue-status")

    assert response.status_code == 503
    assert response.json()["error_code"] == "SERVICE_UNAVAILABLE"
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db(transaction=True)
def test_the_health_check_says_down_with_retry_after_during_an_outage(browser):
    with database_unreachable():
        response = browser.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db(transaction=True)
def test_pages_answer_normally_again_once_the_database_is_back(browser):
    with database_unreachable():
        assert browser.get("/").status_code == 503

    assert browser.get("/").status_code == 200
