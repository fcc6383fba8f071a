"""A reader can hide one commenter's comments from their own view: on the page, in the embed and through the API.

The commenter is known by the name they comment under, as every reader sees it, never by their address: hiding
by address would tell a reader which names share one, and let anyone test an address against a commenter. The
list is kept in the reader's session on the server; a comment of theirs that others answered stays as one line,
so that the thread still reads.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from embeds.middleware import HEADER
from embeds.models import Site
from embeds.services import story_for_url
from factories import make_comment, make_seed_article

pytestmark = pytest.mark.django_db


def post_as(article, email, body, *, parent=None, name="Reader"):
    comment = make_comment(article, body=body, parent=parent, name=name)
    Comment.objects.filter(pk=comment.pk).update(author_email=email, mailbox=email)
    comment.refresh_from_db()
    return comment


@pytest.fixture
def story(db):
    article = make_seed_article()
    troll = post_as(article, "troll@example.com", "Nobody cares about Doha, you sheep.", name="Troll")
    other = post_as(article, "amina@example.com", "Pakistan's influence over the Taliban is key.", name="Amina")
    answer = post_as(
        article, "bilal@example.com", "The Doha talks matter to everyone here.", parent=troll, name="Bilal"
    )
    post_as(article, "elsewhere@example.net", "Still nobody cares about this.", name="  TROLL ")  # the same name
    post_as(article, "troll@example.com", "Posting as someone else now.", name="Concerned citizen")  # its address
    return article, troll, other, answer


def section_of(client, article) -> str:
    html: str = client.get(article.get_absolute_url()).content.decode()
    return html[html.index('id="comments"') :]


def ignore(client, article, comment):
    return client.post(f"/articles/{article.slug}/comments/ignore/", {"comment": str(comment.pk)}, follow=True)


def test_ignoring_a_commenter_hides_their_name_s_comments_and_keeps_answered_ones_as_a_line(story):
    article, troll, other, answer = story
    reader = Client()
    assert "you sheep" in section_of(reader, article)
    page = ignore(reader, article, troll).content.decode()
    assert "You no longer see comments by Troll." in page
    section = section_of(reader, article)
    assert "you sheep" not in section and "Still nobody cares" not in section  # the name, however spaced or cased
    # Not another name at the same address: that would tell the reader who else writes from it.
    assert "Posting as someone else now." in section
    assert "A comment by a commenter you ignore" in section  # answered: one line, no name, no words
    threads = section[section.index('class="nr-threads"') :]
    assert f'id="comment-{troll.pk}"' in threads and ">Troll<" not in threads
    assert "Replying to a commenter you ignore" in threads and "Replying to Troll" not in threads
    assert "The Doha talks matter to everyone here." in section and "influence over the Taliban" in section
    assert "troll@example.com" not in section  # the list names them without their address
    # Nobody else's view changes.
    assert "you sheep" in section_of(Client(), article)


def test_showing_their_comments_again_from_the_list(story):
    article, troll, *_ = story
    reader = Client()
    ignore(reader, article, troll)
    section = section_of(reader, article)
    assert "You ignore:" in section
    found = re.search(r'name="who" value="([0-9a-f]+)"', section)
    assert found is not None
    who = found[1]
    # A random name for this reader's entry: it tells nothing of the commenter, and another reader's differs.
    other_reader = Client()
    ignore(other_reader, article, troll)
    assert who not in section_of(other_reader, article) and len(who) == 16
    page = reader.post(f"/articles/{article.slug}/comments/unignore/", {"who": who}, follow=True).content.decode()
    assert "You see comments by Troll again." in page
    section = section_of(reader, article)
    assert "you sheep" in section and "You ignore:" not in section
    page = reader.post(f"/articles/{article.slug}/comments/unignore/", {"who": who}, follow=True).content.decode()
    assert "You were not ignoring that commenter." in page


def test_a_reader_cannot_ignore_their_own_comment_nor_one_that_is_not_there(story, settings):
    article, troll, *_ = story
    settings.COMMENTS_MIN_SECONDS_TO_WRITE = 0
    reader = Client()
    from factories import comment_form_data

    reader.post(f"/articles/{article.slug}/comments/", comment_form_data(body="My own view on Doha and the talks."))
    mine = Comment.objects.latest("id")
    page = ignore(reader, article, mine).content.decode()
    assert "That is your own comment: you cannot ignore yourself." in page
    for bad in ("", "abc", "²", "99999999", "1" * 40):
        response = reader.post(f"/articles/{article.slug}/comments/ignore/", {"comment": bad}, follow=True)
        assert response.status_code == 200
        assert "That comment is no longer here" in response.content.decode()
    held = make_comment(article, status=Comment.Status.HELD)
    assert "That comment is no longer here" in ignore(reader, article, held).content.decode()
    assert "You ignore:" not in section_of(reader, article)


def test_a_comment_imported_without_an_address_is_ignored_by_its_name_too(story):
    article, *_ = story
    imported = post_as(article, "", "An imported remark about the talks.", name="Old Timer")
    Comment.objects.filter(pk=imported.pk).update(author_email="", mailbox="")
    someone = post_as(article, "", "Another imported remark.", name="Someone Else")
    Comment.objects.filter(pk=someone.pk).update(author_email="", mailbox="")
    reader = Client()
    ignore(reader, article, imported)
    section = section_of(reader, article)
    assert "An imported remark" not in section and "Another imported remark." in section


def test_ignoring_adds_no_query_for_each_comment(story):
    article, troll, *_ = story
    reader = Client()
    with CaptureQueriesContext(connection) as before:
        reader.get(article.get_absolute_url())
    ignore(reader, article, troll)
    for n in range(6):
        post_as(article, "troll@example.com", f"More of the same, number {n}.", name="Troll")
    with CaptureQueriesContext(connection) as after:
        reader.get(article.get_absolute_url())
    assert len(after) <= len(before) + 1  # the session, read now that it holds the list


def test_the_embed_ignores_through_its_own_forms(story):
    article, troll, *_ = story
    site = Site.objects.create(name="The Paper", origin="https://paper.example")
    url = "https://paper.example/world/us-pakistan"
    embedded = story_for_url(site=site, url=url, title="US seeks Pakistan's help")
    troll_there = post_as(embedded, "troll@example.com", "Nobody cares, embedded edition.", name="Troll")
    post_as(embedded, "amina@example.com", "The talks deserve attention.", name="Amina")
    embed = Client(HTTP_ORIGIN=site.origin)
    query = {"site": site.origin, "url": url}
    section = embed.get("/embed/v1/section", query)
    token = section[HEADER]
    assert "Nobody cares, embedded edition." in section.content.decode()
    done = embed.post(
        f"/embed/v1/act?to=/articles/{embedded.slug}/comments/ignore/&site={site.origin}&url={url}",
        {"comment": str(troll_there.pk)},
        headers={HEADER: token},
    )
    html = done.content.decode()
    assert done.status_code == 200, html
    assert "You no longer see comments by Troll." in html and "Nobody cares, embedded edition." not in html
    again = embed.get("/embed/v1/section", query, headers={HEADER: done[HEADER]}).content.decode()
    assert "Nobody cares, embedded edition." not in again and "The talks deserve attention." in again


def test_a_page_of_only_ignored_comments_does_not_say_there_are_none(db):
    article = make_seed_article()
    troll = post_as(article, "troll@example.com", "Nobody cares about Doha, you sheep.", name="Troll")
    reader = Client()
    ignore(reader, article, troll)
    section = section_of(reader, article)
    assert "The comments here are by commenters you ignore." in section
    assert "No comments yet" not in section


def test_the_page_refuses_a_flood_of_ignores(story, settings):
    article, troll, other, _ = story
    settings.REPORTS_RATE_PER_IP = "1/h"
    reader = Client()
    ignore(reader, article, troll)
    page = ignore(reader, article, other).content.decode()
    assert "You are doing that faster than we allow." in page
    assert "influence over the Taliban" in section_of(reader, article)
