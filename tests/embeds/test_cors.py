"""Other origins may call the API and the embed only, and only an origin an editor registered."""

from __future__ import annotations

import pytest

from embeds.models import Site

pytestmark = pytest.mark.django_db


def test_a_registered_site_may_call_the_embed_and_nothing_else(client):
    Site.objects.create(name="The Paper", origin="https://paper.example")
    allowed = client.options(
        "/embed/v1/section", headers={"Origin": "https://paper.example", "Access-Control-Request-Method": "GET"}
    )
    assert allowed["Access-Control-Allow-Origin"] == "https://paper.example"
    assert "Access-Control-Allow-Credentials" not in allowed  # no cookies cross
    for path in ("/admin/", "/", "/comments/faq/"):
        response = client.get(path, headers={"Origin": "https://paper.example"})
        assert "Access-Control-Allow-Origin" not in response, path


def test_an_unregistered_or_retired_site_may_not(client):
    site = Site.objects.create(name="The Paper", origin="https://paper.example")
    preflight = {"Access-Control-Request-Method": "POST"}
    other = client.options("/api/v1/comments", headers={"Origin": "https://evil.example", **preflight})
    assert "Access-Control-Allow-Origin" not in other
    site.is_active = False
    site.save()
    retired = client.options("/api/v1/comments", headers={"Origin": "https://paper.example", **preflight})
    assert "Access-Control-Allow-Origin" not in retired
