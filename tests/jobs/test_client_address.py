"""Who the client is (jobs.client_address): REMOTE_ADDR, or X-Forwarded-For as far as our proxies wrote it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from jobs.client_address import client_address
from viralspot.env import env_networks


def address_of(remote_addr: str, forwarded_for: str | None = None) -> str:
    headers = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers))


def test_by_default_x_forwarded_for_is_ignored(settings):
    assert (settings.NUM_PROXIES, settings.TRUSTED_PROXIES) == (0, [])

    assert address_of("203.0.113.5", "198.51.100.7") == "203.0.113.5"


def test_behind_one_proxy_the_client_is_the_address_that_proxy_appended(settings):
    settings.NUM_PROXIES = 1

    assert address_of("10.0.0.1", "6.6.6.6, 198.51.100.7") == "198.51.100.7"
    assert address_of("10.0.0.1") == "10.0.0.1"  # nothing forwarded: the peer itself


def test_behind_two_proxies_the_client_is_the_second_address_from_the_right(settings):
    settings.NUM_PROXIES = 2

    assert address_of("10.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2") == "198.51.100.7"


def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10/32"]

    assert address_of("10.0.0.1", "198.51.100.7") == "198.51.100.7"
    assert address_of("192.0.2.10", "198.51.100.7") == "198.51.100.7"
    assert address_of("203.0.113.5", "198.51.100.7") == "203.0.113.5"


def test_the_client_is_the_right_most_address_that_is_not_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert address_of("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.1.1.1") == "198.51.100.7"
    assert address_of("10.0.0.2", "10.9.9.9, 10.1.1.1") == "10.9.9.9"  # every hop ours: the left-most


def test_a_forwarded_value_that_is_no_address_gives_the_client_no_bucket_of_its_choosing(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert address_of("10.0.0.1", "anything at all") == "10.0.0.1"
    assert address_of("10.0.0.1", "198.51.100.7, <script>, 10.2.2.2") == "10.2.2.2"


def test_addresses_are_compared_in_one_spelling(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert address_of("::ffff:203.0.113.5") == "203.0.113.5"
    assert address_of("10.0.0.1", "198.51.100.7:4711") == "198.51.100.7"
    assert address_of("10.0.0.1", "[2001:DB8::1]:443") == "2001:db8::1"
    assert address_of("::ffff:10.0.0.1", "198.51.100.7") == "198.51.100.7"


def test_trusted_proxies_must_be_addresses_or_networks(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.10")
    assert env_networks("TRUSTED_PROXIES") == ["10.0.0.0/8", "192.0.2.10/32"]

    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        env_networks("TRUSTED_PROXIES")
