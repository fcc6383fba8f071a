"""Editors register the sites that embed the comments, in the real admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from embeds.models import Site, SiteReader

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = User.objects.create_superuser("editor", "editor@example.com", "pw-editor-123")
    client.force_login(user)
    return client


def add(client, **fields):
    data = {"name": "The Paper", "origin": "HTTPS://Paper.Example:443/", "secret": "k" * 43, "is_active": "on"}
    data.update(fields)
    return client.post("/admin/embeds/site/add/", data)


def test_an_editor_registers_a_site_and_sees_what_to_paste(editor, settings):
    settings.SITE_URL = "https://comments.paper.example"
    assert add(editor).status_code == 302
    site = Site.objects.get()
    assert site.origin == "https://paper.example"
    page = editor.get(f"/admin/embeds/site/{site.pk}/change/").content.decode()
    assert 'data-story-url="https://paper.example/' in page
    assert "https://comments.paper.example/embed.js" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"origin": "paper.example"}, "is not an origin"),
        ({"origin": "https://paper.example/news/"}, "only the scheme, host and port"),
        ({"secret": "short"}, "at least 32 characters"),
    ],
)
def test_a_bad_site_is_refused_with_the_reason_and_what_was_typed(editor, fields, message):
    response = add(editor, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Site.objects.exists()


def test_an_origin_is_registered_once_however_it_is_written(editor):
    add(editor)
    response = add(editor, origin="https://PAPER.example")
    assert "is registered already" in response.content.decode()
    assert Site.objects.count() == 1


def test_a_new_site_is_offered_a_random_secret(editor):
    page = editor.get("/admin/embeds/site/add/").content.decode()
    first = Site._meta.get_field("secret").default()
    assert len(first) >= 40 and first != Site._meta.get_field("secret").default()
    assert 'name="secret"' in page


def test_signed_in_readers_are_read_only(editor):
    assert editor.get("/admin/embeds/sitereader/").status_code == 200
    assert editor.get("/admin/embeds/sitereader/add/").status_code == 403
    assert not SiteReader.objects.exists()


def test_editors_register_sites_and_moderators_do_not_see_their_secrets(client):
    from desk.roles import ensure_editors_group, ensure_moderators_group

    editor = User.objects.create_user("eddie", password="pw-eddie-123", is_staff=True)
    editor.groups.add(ensure_editors_group())
    moderator = User.objects.create_user("mo", password="pw-mo-123", is_staff=True)
    moderator.groups.add(ensure_moderators_group())
    client.force_login(moderator)
    assert client.get("/admin/embeds/site/").status_code == 403
    client.force_login(editor)
    assert add(client).status_code == 302 and Site.objects.count() == 1
